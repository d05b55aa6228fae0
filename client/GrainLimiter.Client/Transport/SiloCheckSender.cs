using GrainLimiter.Protocol.V1;
using Grpc.Core;

namespace GrainLimiter.Client.Transport;

/// <summary>How one silo is sent a batch of checks: on its CheckStream while it offers one, else in one CheckBatch call, else (a silo
/// from before batching, mid-upgrade) one Check call per check.</summary>
internal sealed class SiloCheckSender(Limiter.LimiterClient limiter, TimeSpan deadline) : IDisposable
{
    private readonly CheckStreamConnection _stream = new(limiter, deadline);
    private bool _noBatchCall;

    public async Task SendAsync(PendingCheck[] batch)
    {
        if (!_stream.Unsupported && await _stream.SendAsync(batch).ConfigureAwait(false))
        {
            return;
        }

        if (!_noBatchCall)
        {
            try
            {
                await SendBatchCallAsync(batch).ConfigureAwait(false);
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
            {
                _noBatchCall = true;
            }
        }

        await Task.WhenAll(batch.Select(SendOneAsync)).ConfigureAwait(false);
    }

    private async Task SendBatchCallAsync(PendingCheck[] batch)
    {
        var request = new CheckBatchRequest();
        for (var i = 0; i < batch.Length; i++)
        {
            request.Checks.Add(new BatchedCheck { Id = (ulong)i, Check = DecisionMapping.ToProto(batch[i].Checks, batch[i].RequestId) });
        }

        var response = await limiter.CheckBatchAsync(request, new CallOptions(deadline: DateTime.UtcNow + deadline)).ResponseAsync.ConfigureAwait(false);
        foreach (var answer in response.Answers)
        {
            if (answer.Id < (ulong)batch.Length)
            {
                batch[(int)answer.Id].Settle(answer);
            }
        }
    }

    private async Task SendOneAsync(PendingCheck pending)
    {
        try
        {
            var response = await limiter.CheckAsync(DecisionMapping.ToProto(pending.Checks, pending.RequestId),
                new CallOptions(deadline: DateTime.UtcNow + deadline)).ResponseAsync.ConfigureAwait(false);
            pending.Complete(DecisionMapping.ToOutcome(response));
        }
        catch (Exception e)
        {
            pending.Fail(e);
        }
    }

    public void Dispose() => _stream.Dispose();
}
