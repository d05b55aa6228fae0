using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>What every <see cref="StrictServiceMethodProvider{TService}"/> answers alike.</summary>
internal static class StrictServiceMethodProvider
{
    /// <summary>How the INVALID_ARGUMENT answer to a payload that is not the method's protobuf message begins.</summary>
    public const string UnparsableRequest = "request is not a valid ";
}

/// <summary>Serves the unary and bidirectional streaming methods of a Grpc.Tools-generated service
/// (its <c>BindService</c>) from <typeparamref name="TService"/>'s
/// methods of the same names, answering a request that is not valid protobuf with INVALID_ARGUMENT.</summary>
/// <remarks>
/// Grpc.AspNetCore's own binding answers a parse failure with UNKNOWN ("Exception was thrown by handler"), and its interceptors
/// run only after the message is parsed, so the request marshaller is where this can be said. <typeparamref name="TService"/>
/// therefore does not derive from the generated base class (the default binding would serve it a second time); it carries the
/// generated class's <see cref="BindServiceMethodAttribute"/> instead, which gives reflection the service descriptor and which
/// the default binding cannot use (its BindService takes the base class). A method the service lacks stops start-up naming it.
/// </remarks>
internal sealed class StrictServiceMethodProvider<TService>(Action<ServiceBinderBase> bindService) : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context) => bindService(new Binder(context));

    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Strict(method), [],
                Implementation<UnaryServerMethod<TService, TRequest, TResponse>>(method, typeof(TRequest), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(Strict(method), [],
                Implementation<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method, typeof(IAsyncStreamReader<TRequest>),
                    typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        private static TDelegate Implementation<TDelegate>(IMethod method, params Type[] parameters) where TDelegate : Delegate =>
            typeof(TService).GetMethod(method.Name, parameters)?.CreateDelegate<TDelegate>()
                ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method " +
                    $"{method.Name}({string.Join(", ", parameters.Select(static p => p.Name))}) for {method.FullName}.");

        private static Method<TRequest, TResponse> Strict<TRequest, TResponse>(Method<TRequest, TResponse> method) =>
            new(method.Type, method.ServiceName, method.Name, Strict(method.RequestMarshaller), method.ResponseMarshaller);

        private static Marshaller<TRequest> Strict<TRequest>(Marshaller<TRequest> marshaller) => new(
            marshaller.ContextualSerializer,
            deserializationContext =>
            {
                try
                {
                    return marshaller.ContextualDeserializer(deserializationContext);
                }
                catch (InvalidProtocolBufferException e)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument,
                        $"{StrictServiceMethodProvider.UnparsableRequest}{typeof(TRequest).Name} protobuf message: {e.Message}"));
                }
            });
    }
}
