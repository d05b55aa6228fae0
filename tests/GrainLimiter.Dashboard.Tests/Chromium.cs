using Microsoft.Playwright;

namespace GrainLimiter.Dashboard.Tests;

/// <summary>Playwright driving Debian's chromium, one browser per test class; closed with the class.</summary>
public sealed class Chromium : IAsyncLifetime
{
    /// <summary>Debian's package; <c>GRAINLIMITER_CHROMIUM</c> points elsewhere.</summary>
    public static readonly string ExecutablePath = Environment.GetEnvironmentVariable("GRAINLIMITER_CHROMIUM") ?? "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"The dashboard tests drive Debian's chromium at {ExecutablePath}, which is not installed: run 'apt-get install chromium' " +
                "(./eng/test.sh installs it) or set GRAINLIMITER_CHROMIUM to a Chromium executable. Playwright's own browsers are never downloaded.");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root in containers and CI has no user namespace for chromium's sandbox.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
