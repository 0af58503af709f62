import AsyncHTTPClient
import Foundation
import JejakBase
import JejakMirror
import JejakTlog
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// Keeps a mirror's copy of one log current from its primary's tlog-tiles interface over HTTP
/// (`jejak mirror serve --follow URL`): a ``MirrorFollower`` round every interval, until
/// graceful shutdown.
///
/// A round's outcome is logged: a moved mirror checkpoint at `info`, an unreachable primary at
/// `warning` (the copy keeps serving what it holds, and the next round tries again), and a
/// refused checkpoint — a rollback, a fork, a tree the copy does not lead to — at `error`, once
/// for each checkpoint refused, with the checkpoint kept in ``MirrorFollower/refusalPath`` as
/// evidence. A refused primary is asked again each round (it may be restored), and never
/// accepted until it extends the copy again.
public final class MirrorFollowerService: Service, Sendable {
    /// The follower, for its origin and refusal path.
    public let follower: MirrorFollower
    /// The primary's base URL (its `/checkpoint` and `/tile/…` below it).
    public let primary: String
    private let interval: Duration
    private let http: HTTPClient
    private let logger: Logger
    private let isShutDown = Mutex(false)

    /// A follower of `origin` (one `mirror` trusts) from the primary at `primary`.
    ///
    /// - Parameters:
    ///   - interval: The pause between rounds.
    ///   - requestTimeout: The longest a fetch from the primary may take.
    /// - Throws: ``MirrorError/Code/primaryUnavailable`` for a URL that is not HTTP(S).
    ///   - disk: The queue the mirror's work runs on (share the server's).
    public init(mirror: Mirror, origin: String, primary url: String, interval: Duration = .seconds(1),
                requestTimeout: Duration = .seconds(30), disk: BlockingQueue = BlockingQueue(label: "jejak.mirror.disk"),
                logger: Logger) throws(MirrorError) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        guard base.hasPrefix("http://") || base.hasPrefix("https://"), URL(string: base)?.host != nil else {
            throw MirrorError(.primaryUnavailable, "the primary's URL must be http:// or https:// with a host, not \"\(url)\"")
        }
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: HTTPClient.Configuration(
            timeout: .init(connect: .seconds(10), read: .nanoseconds(Int64(requestTimeout.components.seconds) * 1_000_000_000))))
        let (fetchLogger, root) = (logger, base)
        self.http = http
        self.primary = base
        self.interval = interval
        self.logger = logger
        self.follower = MirrorFollower(mirror: mirror, origin: origin, disk: disk) { path in
            try await Self.get(root + "/" + path, http: http, timeout: requestTimeout, logger: fetchLogger)
        }
    }

    /// Runs rounds until graceful shutdown; a round in flight is cancelled then (the copy is
    /// left as a killed round leaves it: continued by the next start).
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastRefused: String?
            var wasUnavailable = false
            while !Task.isCancelled {
                do throws(MirrorError) {
                    switch try await self.follower.round() {
                    case .updated(let checkpoint):
                        self.logger.info("mirrored", metadata: ["origin": "\(self.follower.origin)", "size": "\(checkpoint.checkpoint.size)"])
                    case .upToDate:
                        break
                    }
                    lastRefused = nil
                    wasUnavailable = false
                } catch where error.code == .primaryUnavailable {
                    if !wasUnavailable {
                        self.logger.warning("the primary is unavailable", metadata: ["primary": "\(self.primary)", "error": "\(error.message)"])
                    }
                    wasUnavailable = true
                } catch {
                    if lastRefused != error.message {
                        self.logger.error("refused the primary", metadata: ["primary": "\(self.primary)", "origin": "\(self.follower.origin)",
                                                                            "code": "\(error.code)", "error": "\(error.message)"])
                    }
                    lastRefused = error.message
                }
                try? await Task.sleep(for: self.interval)
            }
        }
        try? await http.shutdown()
        isShutDown.withLock { $0 = true }
    }

    deinit {
        // A service that never ran still closes its connection pool (HTTPClient asks for it).
        if !isShutDown.withLock({ $0 }) { http.shutdown(queue: .global()) { _ in } }
    }

    /// The body of a 200, nil for a 404, else an error naming the status.
    private static func get(_ url: String, http: HTTPClient, timeout: Duration, logger: Logger) async throws -> [UInt8]? {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let response = try await http.execute(request, timeout: .seconds(timeout.components.seconds), logger: logger)
        let body = try await response.body.collect(upTo: 64 << 20)
        switch response.status.code {
        case 200: return Array(body.readableBytesView)
        case 404: return nil
        default: throw MirrorError(.primaryUnavailable, "GET \(url) answered \(response.status.code) \(response.status.reasonPhrase)")
        }
    }
}
