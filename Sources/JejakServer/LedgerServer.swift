import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Jejak
import JejakAPI
import Logging
import NIOCore
import ServiceLifecycle

/// `jejak serve`: a ledger's HTTP API (``LedgerRoutes``) as a swift-service-lifecycle
/// `Service`. Run it in a `ServiceGroup` with the signals to stop on: on SIGTERM or SIGINT
/// it stops accepting connections and lets the requests in flight finish (an append that was
/// accepted is committed and answered), then returns; the caller closes the ledger.
///
/// ```swift
/// let server = try LedgerServer(ledger: ledger, configuration: configuration, logger: logger)
/// let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
/// try await group.run()
/// ```
public struct LedgerServer: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>

    /// A server for `ledger`.
    ///
    /// - Parameters:
    ///   - readModels: The read models' SQLite file, for the `/v1/query/…` routes.
    ///   - witnesses: The pusher of checkpoints to the policy's witnesses, run beside this service
    ///     in the same group (see ``WitnessPusher``).
    ///   - onListening: Called once the server listens, with the port it got.
    /// - Throws: ``APIError`` with ``APIError/Code/invalidParameter`` when the TLS files can't
    ///   be read.
    public init(ledger: Ledger, configuration: ServerConfiguration, metrics: ServerMetrics = ServerMetrics(),
                readModels: String? = nil, witnesses: WitnessPusher? = nil, logger: Logger,
                onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws {
        let routes = LedgerRoutes(ledger: ledger, configuration: configuration, metrics: metrics, readModels: readModels,
                                  witnesses: witnesses)
        let http = HTTP1Channel.Configuration(
            idleTimeout: .nanoseconds(Int64(configuration.idleTimeout.components.seconds) * 1_000_000_000),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: configuration.maxHeaderBytes,
                                            maxHeaderListSize: configuration.maxHeaderBytes, maxHeaderFieldCount: 100))
        var server: HTTPServerBuilder = .http1(configuration: http)
        if let tls = configuration.tls {
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChain)
                let key = try NIOSSLPrivateKey(file: tls.privateKey, format: .pem)
                server = try .tls(server, tlsConfiguration: .makeServerConfiguration(
                    certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)))
            } catch {
                throw APIError(.invalidParameter, "the TLS certificate \(tls.certificateChain) or key can't be used: \(error)")
            }
        }
        application = Application(
            router: routes.router(),
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "jejak",
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// Serves until graceful shutdown, then lets the requests in flight finish. (The
    /// application runs as this service, inside the caller's group: a group of its own would
    /// take the signals too, and end this service before the caller's group asked it to.)
    public func run() async throws {
        try await application.run()
    }
}
