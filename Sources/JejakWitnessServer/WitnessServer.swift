import Hummingbird
import HummingbirdCore
import JejakWitness
import Logging
import NIOCore
import ServiceLifecycle

/// `jejak witness serve`: a witness's c2sp.org/tlog-witness HTTP interface (``WitnessRoutes``)
/// as a swift-service-lifecycle `Service`, apart from any ledger: it links no store and reaches
/// no log except through what is submitted to it. On graceful shutdown it stops accepting
/// connections and lets the requests in flight finish (a checkpoint being recorded is recorded
/// and answered).
///
/// ```swift
/// let witness = try Witness(stateDirectory: "/var/lib/inspektorat")
/// let configuration = try WitnessConfiguration(contentsOf: "/etc/jejak/witnessed-logs")
/// try witness.trust(configuration)
/// let server = WitnessServer(witness: witness, configuration: configuration, host: "127.0.0.1", port: 7380, logger: logger)
/// try await ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm], logger: logger)).run()
/// ```
public struct WitnessServer: Service {
    /// The largest add-checkpoint body taken by default: a checkpoint with its signatures and
    /// 63 proof lines is a few KiB.
    public static let defaultMaxBodyBytes = 64 << 10

    private let application: Application<RouterResponder<BasicRequestContext>>

    /// A server for `witness`, cosigning for the logs of `configuration`.
    ///
    /// - Parameters:
    ///   - host: The address to listen on.
    ///   - port: The port; 0 asks the system for a free one, reported to `onListening`.
    ///   - maxBodyBytes: The largest request body (413 beyond).
    ///   - maxConnections: The most connections served at once.
    public init(witness: Witness, configuration: WitnessConfiguration, host: String = "127.0.0.1", port: Int,
                maxBodyBytes: Int = WitnessServer.defaultMaxBodyBytes, maxConnections: Int = 256, logger: Logger,
                onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        let routes = WitnessRoutes(witness: witness, configuration: configuration, maxBodyBytes: maxBodyBytes)
        application = Application(
            router: routes.router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "jejak-witness",
                availableConnectionsDelegate: MaximumAvailableConnections(maxConnections)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Serves until graceful shutdown.
    public func run() async throws {
        try await application.run()
    }
}
