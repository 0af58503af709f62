import Foundation
import Hummingbird
import Jejak
import JejakAPI
import JejakClient
import JejakCrypto
import JejakJSON
import JejakServer
import JejakTestSupport
import JejakTlog
import Logging
import NIOCore
import ServiceLifecycle

/// A real ledger in a temporary directory with a registered unit, and ways to serve it.
struct ServerFixture {
    let dir: TemporaryDirectory
    let ledger: Ledger
    let authority: RegistryAuthority
    let unit: SignerKey
    static let origin = "test.jejak.kpu.go.id/ledger"

    static func make(logKey: SignerKey? = nil, options configure: (inout Ledger.Options) throws -> Void = { _ in }) async throws -> ServerFixture {
        let dir = TemporaryDirectory("server", create: false)
        var options = Ledger.Options()
        options.durable = false
        try configure(&options)
        let authorityKey = try SignerKey.generate(name: "test.jejak.kpu.go.id/authority")
        let ledger = try await Ledger.create(at: dir.path, origin: origin, logKey: logKey, authorityKey: authorityKey, options: options)
        let authority = RegistryAuthority(key: authorityKey)
        let unit = try SignerKey.generate(name: "biro-1")
        _ = try await ledger.append([try authority.registerUnit("biro-1", name: "Biro 1", role: .biro),
                                     try authority.addKey(unit.verifierKey)])
        return ServerFixture(dir: dir, ledger: ledger, authority: authority, unit: unit)
    }

    func event(subject: String = "exchange/1", id: String = UnitPublisher.randomID(), data: JSONValue = ["n": 1],
               key: SignerKey? = nil) throws -> SignedEvent {
        try UnitPublisher(key: key ?? unit, ledger: ledger).sign(type: "id.go.kpu.jejak.test.noted.v1", subject: subject, data: data, id: id)
    }

    var routes: LedgerRoutes { LedgerRoutes(ledger: ledger) }

    /// A Hummingbird application of the routes, for HummingbirdTesting.
    func application(_ configuration: ServerConfiguration = ServerConfiguration()) -> some ApplicationProtocol {
        Application(router: LedgerRoutes(ledger: ledger, configuration: configuration).router(),
                    configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Runs `body` with this ledger served by a real ``LedgerServer`` on 127.0.0.1 (an
    /// ephemeral port), then shuts the server down gracefully.
    func withServer<R: Sendable>(_ configuration: ServerConfiguration = ServerConfiguration(),
                                 _ body: @Sendable (_ url: String) async throws -> R) async throws -> R {
        try await serve(ledger, configuration, body)
    }

    func client(_ url: String, configure: (inout ClientConfiguration) -> Void = { _ in }) throws -> JejakClient {
        var configuration = ClientConfiguration()
        configuration.maxAttempts = 3
        configuration.initialDelay = .milliseconds(5)
        // Generous: the test process's other suites may hold both cores for seconds.
        configuration.connectTimeout = .seconds(60)
        configuration.requestTimeout = .seconds(120)
        configure(&configuration)
        return try JejakClient(url: url, policy: try ledger.policy(), configuration: configuration)
    }
}

/// Runs `body` with `ledger` served by a real ``LedgerServer`` on 127.0.0.1 (an ephemeral
/// port), then shuts the server down gracefully and waits for it.
func serve<R: Sendable>(_ ledger: Ledger, _ configuration: ServerConfiguration = ServerConfiguration(),
                        _ body: @Sendable (_ url: String) async throws -> R) async throws -> R {
    var configuration = configuration
    configuration.host = "127.0.0.1"
    configuration.port = 0
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "jejak.test.server")
    logger.logLevel = .warning
    let server = try LedgerServer(ledger: ledger, configuration: configuration, logger: logger) { continuation.yield($0) }
    return try await withServing(server, ports: ports, logger: logger, body)
}


extension ByteBuffer {
    var bytes: [UInt8] { Array(readableBytesView) }
    var text: String { String(decoding: readableBytesView, as: UTF8.self) }
}
