using GrainLimiter.Config.Envoy;
using GrainLimiter.Protocol.Envoy.RateLimit;
using GrainLimiter.Silo.Fronts.Envoy;
using EnvoyDescriptor = GrainLimiter.Protocol.Envoy.Common.RateLimitDescriptor;

namespace GrainLimiter.Silo.Tests.Fronts.Envoy;

/// <summary>An Envoy access log can tell an answer the key's grain made from one its policy's failure mode made.</summary>
public sealed class EnvoyDynamicMetadataTests
{
    private static readonly EnvoyLimit PerUser = Limit("api.user");
    private static readonly EnvoyLimit PerIp = Limit("api.ip");

    private static EnvoyLimit Limit(string key) => new()
    {
        Domain = "api",
        FullKey = key,
        RequestsPerUnit = 10,
        Unit = RateLimitResponse.Types.RateLimit.Types.Unit.Second,
    };

    private static (RateLimitRequest Request, RateLimitResponse Response) TwoDescriptors()
    {
        var request = new RateLimitRequest { Domain = "api" };
        request.Descriptors.Add(new EnvoyDescriptor { Entries = { new EnvoyDescriptor.Types.Entry { Key = "user", Value = "42" } } });
        request.Descriptors.Add(new EnvoyDescriptor { Entries = { new EnvoyDescriptor.Types.Entry { Key = "ip", Value = "10.0.0.1" } } });
        var response = new RateLimitResponse { OverallCode = RateLimitResponse.Types.Code.Ok };
        response.Statuses.Add(new RateLimitResponse.Types.DescriptorStatus { Code = RateLimitResponse.Types.Code.Ok, CurrentLimit = PerUser.ToProto() });
        response.Statuses.Add(new RateLimitResponse.Types.DescriptorStatus { Code = RateLimitResponse.Types.Code.Ok, CurrentLimit = PerIp.ToProto() });
        return (request, response);
    }

    [Fact]
    public void ADescriptorAnsweredByItsFailureModeIsNamedWithTheReason()
    {
        var (request, response) = TwoDescriptors();

        var metadata = EnvoyDynamicMetadata.Build(request, response, [PerUser, PerIp], decider: 0, failureModes: [null, "owner_unreachable"]);

        var failure = Assert.Single(metadata.Fields["failureMode"].ListValue.Values).StructValue;
        Assert.Equal((1d, "api.ip", "owner_unreachable"),
            (failure.Fields["index"].NumberValue, failure.Fields["key"].StringValue, failure.Fields["reason"].StringValue));
    }

    [Fact]
    public void AnswersEveryGrainMadeCarryNoFailureMode()
    {
        var (request, response) = TwoDescriptors();

        var metadata = EnvoyDynamicMetadata.Build(request, response, [PerUser, PerIp], decider: 0, failureModes: null);

        Assert.False(metadata.Fields.ContainsKey("failureMode"));
        Assert.True(metadata.Fields.ContainsKey("decidedBy"));
    }
}
