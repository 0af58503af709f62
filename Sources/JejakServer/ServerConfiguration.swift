/// How `jejak serve` listens and what it takes from a client.
///
/// The limits are what keeps one client from holding the server: a body larger than
/// ``maxBodyBytes`` is refused with 413 as soon as it is known, a body that has not arrived
/// within ``bodyReadTimeout`` with 408, a connection idle for ``idleTimeout`` is closed, and at
/// most ``maxConnections`` are served at once (more wait in the listen backlog).
public struct ServerConfiguration: Sendable {
    /// The address to listen on (`127.0.0.1` by default: loopback only).
    public var host = "127.0.0.1"
    /// The port; 0 asks the system for a free one (``LedgerServer`` reports the one it got).
    public var port = 8080
    /// The largest request body: one envelope is at most 64 KiB, a batch at most this.
    public var maxBodyBytes = 4 << 20
    /// The most envelopes in one batch.
    public var maxBatchEvents = 1000
    /// How long a request body may take to arrive.
    public var bodyReadTimeout: Duration = .seconds(10)
    /// How long a connection may stay idle before it is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// The most connections served at once.
    public var maxConnections = 1024
    /// The largest header section a request may send.
    public var maxHeaderBytes = 16 << 10
    /// The most entries a read route returns in one answer.
    public var maxPageEntries = 1000
    /// How long a publish with `wait=witnessed` waits for the witnesses' quorum (504 after).
    public var witnessTimeout: Duration = .seconds(10)
    /// The PEM certificate chain and private key files for TLS; plain HTTP when `nil`.
    public var tls: (certificateChain: String, privateKey: String)?

    /// The defaults: loopback, port 8080, plain HTTP.
    public init() {}
}
