namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>Base of every failure the Redis client reports.</summary>
public class RedisException : Exception
{
    public RedisException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The connection is down or went down: the command may or may not have run on the server.</summary>
public sealed class RedisConnectionException : RedisException
{
    public RedisConnectionException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The server did not answer within the command timeout (<c>syncTimeout</c>).</summary>
public sealed class RedisTimeoutException : RedisException
{
    public RedisTimeoutException(string message) : base(message) { }
}

/// <summary>The server answered with an error reply (<c>-ERR ...</c>, <c>-NOSCRIPT ...</c>, ...).</summary>
public class RedisServerException : RedisException
{
    public RedisServerException(string message) : base(message)
    {
        int space = message.IndexOf(' ', StringComparison.Ordinal);
        ErrorCode = space > 0 ? message[..space] : message;
    }

    /// <summary>The first word of the error, e.g. <c>ERR</c>, <c>NOSCRIPT</c>, <c>WRONGPASS</c>.</summary>
    public string ErrorCode { get; }
}

/// <summary>The server refused the credentials (<c>WRONGPASS</c>) or requires some (<c>NOAUTH</c>).</summary>
public sealed class RedisAuthenticationException : RedisException
{
    public RedisAuthenticationException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The bytes from the server are not valid RESP2; the connection is dropped.</summary>
public sealed class RedisProtocolException : RedisException
{
    public RedisProtocolException(string message) : base(message) { }
}
