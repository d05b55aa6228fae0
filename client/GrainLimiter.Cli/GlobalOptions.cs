using System.CommandLine;
using System.CommandLine.Parsing;
using GrainLimiter.Config;
using Spectre.Console;

namespace GrainLimiter.Cli;

/// <summary>The options every verb takes: <c>--url</c>, <c>--token</c>, <c>--ca-file</c>, <c>--json</c>, <c>--timeout</c>.</summary>
public sealed class GlobalOptions
{
    public const string UrlVariable = "GRAINLIMITER_URL";
    public const string TokenVariable = "GRAINLIMITER_TOKEN";
    public const string CaFileVariable = "GRAINLIMITER_CA_FILE";
    public const string DefaultUrl = "http://127.0.0.1:8080";

    private readonly Func<string, string?> _environment;

    public GlobalOptions(Func<string, string?> environment)
    {
        _environment = environment;
        Url = new Option<Uri>("--url")
        {
            Description = $"The silo's HTTP address (default {DefaultUrl}, or ${UrlVariable}).",
            Recursive = true,
            CustomParser = ParseUrl,
            DefaultValueFactory = result => ParseUrlText(result, _environment(UrlVariable) is { Length: > 0 } url ? url : DefaultUrl, $"${UrlVariable}"),
        };
        Token = new Option<string?>("--token")
        {
            Description = $"Admin bearer token (or ${TokenVariable}); never printed.",
            Recursive = true,
            HelpName = "token",
        };
        CaFile = new Option<string?>("--ca-file")
        {
            Description = $"PEM file of the CA that issued an https:// silo's certificate, trusted besides the system store (or ${CaFileVariable}).",
            Recursive = true,
            HelpName = "file",
        };
        Json = new Option<bool>("--json") { Description = "Machine output: the server's JSON, or a stable JSON of the result.", Recursive = true };
        Timeout = DurationOption("--timeout", "How long to wait for the silo (e.g. 500ms, 10s).", TimeSpan.FromSeconds(10));
        Timeout.Recursive = true;
    }

    public Option<Uri> Url { get; }

    public Option<string?> Token { get; }

    public Option<string?> CaFile { get; }

    public Option<bool> Json { get; }

    public Option<TimeSpan> Timeout { get; }

    public void AddTo(Command root)
    {
        root.Add(Url);
        root.Add(Token);
        root.Add(CaFile);
        root.Add(Json);
        root.Add(Timeout);
    }

    /// <summary>The token from <c>--token</c>, else the environment.</summary>
    public string? TokenOf(ParseResult parse) => parse.GetValue(Token) is { Length: > 0 } token ? token : _environment(TokenVariable);

    /// <summary>A context for one verb: the silo client and the output.</summary>
    public CliContext Context(ParseResult parse, TextWriter stdout)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = ReferenceEquals(stdout, System.Console.Out) && !System.Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(stdout, System.Console.Out) && !System.Console.IsOutputRedirected
                ? ColorSystemSupport.Detect
                : ColorSystemSupport.NoColors,
            Interactive = ReferenceEquals(stdout, System.Console.Out) && !System.Console.IsOutputRedirected ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!ReferenceEquals(stdout, System.Console.Out) || System.Console.IsOutputRedirected)
        {
            console.Profile.Width = 160; // a pipe or a file: no terminal to wrap for
        }

        var caFile = parse.GetValue(CaFile) is { Length: > 0 } file ? file : _environment(CaFileVariable);
        var handler = string.IsNullOrEmpty(caFile) ? null : SiloTrust.Handler(caFile);
        var silo = new SiloHttpClient(parse.GetRequiredValue(Url), TokenOf(parse), parse.GetValue(Timeout), handler);
        return new CliContext(silo, console, stdout, parse.GetValue(Json));
    }

    /// <summary>An option taking a duration of the policy file's syntax (<c>250ms</c>, <c>10s</c>, <c>1m</c>, <c>1h</c>, <c>1d</c>).</summary>
    public static Option<TimeSpan> DurationOption(string name, string description, TimeSpan? defaultValue = null)
    {
        var option = new Option<TimeSpan>(name)
        {
            Description = description,
            HelpName = "duration",
            CustomParser = result => ParseDuration(result, name),
        };
        if (defaultValue is { } value)
        {
            option.DefaultValueFactory = _ => value;
        }

        return option;
    }

    internal static TimeSpan ParseDuration(ArgumentResult result, string name)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (DurationParser.TryParse(text, out var duration))
        {
            return duration;
        }

        result.AddError($"{name}: '{text}' is not a duration; write a whole number and a unit: 500ms, 10s, 5m, 1h, 1d.");
        return default;
    }

    private static Uri ParseUrl(ArgumentResult result) => ParseUrlText(result, result.Tokens.Count > 0 ? result.Tokens[0].Value : "", "--url");

    private static Uri ParseUrlText(ArgumentResult result, string text, string name)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query))
        {
            // A base address ending in '/' so relative paths keep any prefix (a silo behind a path-routing proxy).
            return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");
        }

        result.AddError($"{name}: '{text}' is not an http:// or https:// address such as {DefaultUrl}.");
        return new Uri(DefaultUrl);
    }
}
