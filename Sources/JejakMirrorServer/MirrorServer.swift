import Hummingbird
import HummingbirdCore
import JejakBase
import JejakMirror
import Logging
import NIOCore
import ServiceLifecycle

/// `jejak mirror serve`: a mirror's c2sp.org/tlog-mirror HTTP interface and its copies
/// (``MirrorRoutes``) as a swift-service-lifecycle `Service`, apart from any ledger. On graceful
/// shutdown it stops accepting connections and lets the requests in flight finish.
///
/// ```swift
/// let mirror = try Mirror(stateDirectory: "/var/lib/mirror")
/// let disk = BlockingQueue(label: "jejak.mirror.disk")
/// let server = MirrorServer(mirror: mirror, port: 7390, disk: disk, logger: logger)
/// let follower = try MirrorFollowerService(mirror: mirror, origin: origin, primary: "https://ledger.kpu.go.id", logger: logger)
/// try await ServiceGroup(configuration: .init(services: [server, follower], gracefulShutdownSignals: [.sigterm], logger: logger)).run()
/// ```
public struct MirrorServer: Service {
    /// The largest request body taken by default: 32 packages of 256 entries of a few KiB.
    public static let defaultMaxBodyBytes = 64 << 20

    private let application: Application<RouterResponder<BasicRequestContext>>

    /// A server for `mirror`.
    ///
    /// - Parameters:
    ///   - host: The address to listen on.
    ///   - port: The port; 0 asks the system for a free one, reported to `onListening`.
    ///   - maxBodyBytes: The largest request body (413 beyond).
    ///   - maxConnections: The most connections served at once.
    ///   - disk: The queue the mirror's work runs on.
    public init(mirror: Mirror, host: String = "127.0.0.1", port: Int, maxBodyBytes: Int = MirrorServer.defaultMaxBodyBytes,
                maxConnections: Int = 256, disk: BlockingQueue = BlockingQueue(label: "jejak.mirror.disk"), logger: Logger,
                onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        let routes = MirrorRoutes(mirror: mirror, maxBodyBytes: maxBodyBytes, disk: disk)
        application = Application(
            router: routes.router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "jejak-mirror",
                availableConnectionsDelegate: MaximumAvailableConnections(maxConnections)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Serves until graceful shutdown.
    public func run() async throws {
        try await application.run()
    }
}
