/// How a ``JejakClient`` talks to a server and what it accepts from it.
public struct ClientConfiguration: Sendable {
    /// What a checkpoint (and so a receipt) must carry to be accepted.
    public enum Witnessing: Hashable, Sendable {
        /// The policy's quorum of witness cosignatures (the default): a receipt is only as good
        /// as the policy says.
        case quorum
        /// The log's signature alone: for a log whose witness cosigns after the fact. The
        /// receipt still proves inclusion in a checkpoint the log signed, and that checkpoint
        /// is still held to be consistent with every other one the client sees.
        case logSignature
    }

    /// What a checkpoint must carry.
    public var witnessing: Witnessing = .quorum
    /// How long connecting may take.
    public var connectTimeout: Duration = .seconds(5)
    /// How long one request may take, from sending to the last byte of the answer.
    public var requestTimeout: Duration = .seconds(30)
    /// How many times a request is sent before the client gives up on an unreachable or busy
    /// server (a refusal is never retried: the same bytes would be refused again).
    public var maxAttempts = 8
    /// The first wait between attempts; it doubles each time (with jitter), up to ``maxDelay``,
    /// unless the server says how long with `Retry-After`.
    public var initialDelay: Duration = .milliseconds(100)
    /// The longest wait between attempts.
    public var maxDelay: Duration = .seconds(10)
    /// The most connections the client keeps open to the server (requests beyond wait for one).
    public var maxConnections = 16
    /// The largest answer the client reads.
    public var maxResponseBytes = 16 << 20
    /// A file to keep the largest verified checkpoint in, so that a restarted client still
    /// requires the server's next checkpoint to be consistent with it; memory only if `nil`.
    public var checkpointFile: String?
    /// PEM certificates to trust for HTTPS instead of the system's (a commission's own CA).
    public var trustedCertificates: String?

    /// The defaults: the policy's quorum, 5 s to connect, 30 s a request, 8 attempts.
    public init() {}
}
