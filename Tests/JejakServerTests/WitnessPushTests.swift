import Foundation
import Hummingbird
import Jejak
import JejakAPI
import JejakBase
import JejakClient
import JejakCrypto
import JejakServer
import JejakTestSupport
import JejakTlog
import JejakWitness
import JejakWitnessServer
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// The log side of tlog-witness against real witness servers on 127.0.0.1: each commit pushed,
/// quorum k of n with witnesses down or lying, receipts born witnessed, forks refused.
@Suite struct WitnessPushTests {
    static var logger: Logger {
        var logger = Logger(label: "jejak.test.witness")
        logger.logLevel = .critical
        return logger
    }

    /// A witness in a state directory of its own, trusting `ledger`'s log.
    static func witness(_ n: Int, for ledger: Ledger) throws -> (Witness, WitnessConfiguration, TemporaryDirectory) {
        let dir = TemporaryDirectory("witness-\(n)", create: false)
        let witness = try Witness.initialize(stateDirectory: dir.path, name: "w\(n).test.jejak.kpu.go.id")
        let log = try #require(try ledger.policy().logs.first)
        let configuration = WitnessConfiguration(logs: [log.key])
        try witness.trust(configuration)
        return (witness, configuration, dir)
    }

    /// Runs `body` with `witness` served on an ephemeral loopback port.
    static func serving<R: Sendable>(_ witness: Witness, _ configuration: WitnessConfiguration,
                                     _ body: @Sendable (String) async throws -> R) async throws -> R {
        let (ports, found) = AsyncStream<Int>.makeStream()
        let server = WitnessServer(witness: witness, configuration: configuration, port: 0, logger: logger) { found.yield($0) }
        return try await withServing(server, ports: ports, logger: logger, body)
    }

    /// A "witness" that answers every add-checkpoint with a line under the witness's name and
    /// key id whose signature is garbage.
    static func lying<R: Sendable>(as key: VerifierKey, _ body: @Sendable (String) async throws -> R) async throws -> R {
        let router = Router()
        router.post("add-checkpoint") { _, _ -> Response in
            let line = try NoteSignature(name: key.name, keyID: key.keyID, signature: Array(repeating: 7, count: 72)).line + "\n"
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: line)))
        }
        let (ports, found) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { found.yield($0.localAddress?.port ?? 0) }, logger: logger)
        return try await withServing(app, ports: ports, logger: logger, body)
    }

    /// Writes `ledger`'s policy: its log, these witnesses (name, key, URL), quorum `k` of them.
    static func requireWitnesses(_ ledger: Ledger, _ witnesses: [(String, VerifierKey, String)], k: Int) throws {
        var builder = TlogPolicy.Builder()
        for log in try ledger.policy().logs { builder.addLog(log.key, url: log.url) }
        for (name, key, url) in witnesses { builder.addWitness(name: name, key: key, url: url) }
        builder.addGroup(name: "witnesses", threshold: .atLeast(k), members: witnesses.map(\.0))
        builder.setQuorum("witnesses")
        try AtomicFile.write(Array(try builder.build().serialized.utf8), to: ledger.directory.policy)
    }

    /// Serves `ledger` with its pusher.
    static func serveWithWitnesses<R: Sendable>(_ ledger: Ledger, timeout: Duration = .seconds(20),
                                                _ body: @Sendable (String, WitnessPusher) async throws -> R) async throws -> R {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.witnessTimeout = timeout
        let pusher = try #require(try WitnessPusher(ledger: ledger, logger: logger))
        let (ports, found) = AsyncStream<Int>.makeStream()
        let server = try LedgerServer(ledger: ledger, configuration: configuration, witnesses: pusher, logger: logger) { found.yield($0) }
        return try await withServing([server, pusher], ports: ports, logger: logger) { url in try await body(url, pusher) }
    }

    /// A port nothing listens on (bound, then closed).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func twoOfThreeWitnessesWithOneDownMakeEveryReceiptWitnessed() async throws {
        let f = try await ServerFixture.make()
        let (w1, c1, d1) = try Self.witness(1, for: f.ledger)
        let (w2, c2, d2) = try Self.witness(2, for: f.ledger)
        let (w3, _, d3) = try Self.witness(3, for: f.ledger)
        defer { _ = (d1, d2, d3) }
        let down = "http://127.0.0.1:\(try Self.closedPort())"
        try await Self.serving(w1, c1) { url1 in
            try await Self.serving(w2, c2) { url2 in
                try Self.requireWitnesses(f.ledger, [("w1", w1.key, url1), ("w2", w2.key, url2), ("w3", w3.key, down)], k: 2)
                let start = try f.ledger.size()
                try await Self.serveWithWitnesses(f.ledger) { url, pusher in
                    let client = try f.client(url)   // requires the quorum: publishes with wait=witnessed
                    for n in 0..<3 {
                        let event = try f.event(subject: "exchange/witnessed-\(n)")
                        let receipt = try await client.append(event)
                        let cosigners = try f.ledger.policy().verify(receipt.checkpoint).cosigners
                        #expect(Set(cosigners) == ["w1", "w2"])
                        #expect(receipt.checkpoint.checkpoint.size > receipt.index)
                    }
                    // /checkpoint is the newest witnessed one, and the client accepts it.
                    let latest = try await client.latestCheckpoint()
                    #expect(latest.checkpoint.size == start + 3)
                    #expect(pusher.witnessed?.checkpoint.size == start + 3)
                    // The witnesses hold what they cosigned.
                    #expect(try w1.lastCosigned(origin: ServerFixture.origin)?.checkpoint.size == start + 3)
                    #expect(try w3.lastCosigned(origin: ServerFixture.origin) == nil)
                    try await client.shutdown()
                }
            }
        }
    }

    @Test func aBadCosignatureIsIgnoredAndAMissingQuorumIsAWitnessTimeout() async throws {
        let f = try await ServerFixture.make()
        let (w1, c1, d1) = try Self.witness(1, for: f.ledger)
        let (liar, _, d2) = try Self.witness(2, for: f.ledger)
        defer { _ = (d1, d2) }
        try await Self.serving(w1, c1) { url1 in
            try await Self.lying(as: liar.key) { url2 in
                try Self.requireWitnesses(f.ledger, [("w1", w1.key, url1), ("liar", liar.key, url2)], k: 2)
                try await Self.serveWithWitnesses(f.ledger, timeout: .seconds(2)) { url, pusher in
                    let client = try f.client(url) { $0.maxAttempts = 1 }
                    let event = try f.event()
                    let error = await #expect(throws: APIError.self) { _ = try await client.append(event) }
                    #expect(error?.code == .witnessTimeout)
                    // Committed, cosigned by the honest witness only (its line may land just
                    // after the publish timed out): the liar's line is never stored.
                    var stored = try f.ledger.latestCheckpoint()
                    let deadline = ContinuousClock.now + .seconds(20)
                    while !stored.note.signatures.contains(where: { $0.matches(w1.key) }), ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(50))
                        stored = try f.ledger.latestCheckpoint()
                    }
                    #expect(stored.checkpoint.size == 4)
                    #expect(stored.note.signatures.contains { $0.matches(w1.key) })
                    #expect(!stored.note.signatures.contains { $0.matches(liar.key) })
                    #expect(pusher.witnessed == nil)
                    try await client.shutdown()
                }
            }
        }
    }

    @Test func aForkWithTheSameKeyIsRefusedByTheWitnessAndReported() async throws {
        let logKey = try SignerKey.generate(name: ServerFixture.origin)
        let honest = try await ServerFixture.make(logKey: logKey)
        let fork = try await ServerFixture.make(logKey: logKey)
        _ = try await honest.ledger.append(try honest.event(subject: "exchange/honest"))
        _ = try await fork.ledger.append(try fork.event(subject: "exchange/forked"))
        let (w1, c1, d1) = try Self.witness(1, for: honest.ledger)
        defer { _ = d1 }
        try await Self.serving(w1, c1) { url1 in
            for f in [honest, fork] {
                try Self.requireWitnesses(f.ledger, [("w1", w1.key, url1)], k: 1)
            }
            try await Self.serveWithWitnesses(honest.ledger) { url, _ in
                let client = try honest.client(url)
                _ = try await client.append(try honest.event(subject: "exchange/honest-2"))
                try await client.shutdown()
            }
            let witnessed = try #require(try w1.lastCosigned(origin: ServerFixture.origin))
            try await Self.serveWithWitnesses(fork.ledger, timeout: .seconds(2)) { url, pusher in
                _ = await pusher.waitForWitnesses(size: 1, timeout: .seconds(2))
                #expect(pusher.splitViewReports > 0)
                #expect(pusher.witnessed == nil)
                // A client of the fork, shown what the witness cosigned, reports a split view.
                let client = try fork.client(url) { $0.witnessing = .logSignature }
                let error = await #expect(throws: APIError.self) { try await client.checkWitnessed(witnessed, by: w1.key) }
                #expect(error?.code == .splitView)
                try await client.shutdown()
            }
            // A client of the honest server finds the same checkpoint one view with its own.
            try await Self.serveWithWitnesses(honest.ledger) { url, _ in
                let client = try honest.client(url)
                try await client.checkWitnessed(witnessed, by: w1.key)
                try await client.shutdown()
            }
        }
        // The witness kept the honest history; the fork's checkpoint carries no cosignature.
        #expect(try w1.lastCosigned(origin: ServerFixture.origin)?.checkpoint.rootHash == honest.ledger.latestCheckpoint().checkpoint.rootHash)
        #expect(try !fork.ledger.latestCheckpoint().note.signatures.contains { $0.matches(w1.key) })
    }
}
