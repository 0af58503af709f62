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
import Synchronization
import Testing

/// The client against a real server on 127.0.0.1: every answer verified, refusals typed as
/// the ledger's, a lying or forked server caught.
@Suite struct ClientTests {
    @Test func publishVerifiesTheReceiptAndARepeatGetsTheSameOne() async throws {
        let f = try await ServerFixture.make()
        let signed = try f.event()
        try await f.withServer { url in
            let client = try f.client(url)
            let published = try await client.publish([signed], expecting: .noStream)
            #expect(published.count == 1 && published[0].created && published[0].version == 1)
            let again = try await client.publish([signed], expecting: .noStream)
            #expect(!again[0].created && again[0].index == published[0].index)
            #expect(client.pinnedCheckpoint?.checkpoint.size == 4)
            try await client.shutdown()
        }
    }

    @Test func aRefusalIsTheLedgersErrorWithItsFields() async throws {
        let f = try await ServerFixture.make()
        _ = try await f.ledger.append(try f.event(subject: "exchange/x"))
        try await f.withServer { url in
            let client = try f.client(url)
            let error = await #expect(throws: LedgerError.self) {
                _ = try await client.append(try f.event(subject: "exchange/x"), expecting: .noStream)
            }
            #expect(error?.code == .streamVersionMismatch && error?.actualVersion == 1 && error?.position == 0)
            let size = try await client.size()
            #expect(size == 4)
            try await client.shutdown()
        }
    }

    @Test func readsAreProvenIncluded() async throws {
        let f = try await ServerFixture.make()
        let events = try (0..<5).map { _ in try f.event(subject: "exchange/read") }
        _ = try await f.ledger.append(events)
        try await f.withServer { url in
            let client = try f.client(url)
            let entry = try await client.entry(at: 5)
            #expect(entry.signedEvent == events[2])
            let byID = try await client.entry(eventID: events[4].event.id)
            #expect(byID?.index == 7)
            #expect(try await client.entry(eventID: "no-such-event") == nil)
            #expect(try await client.entries(from: 3, to: 6, limit: 10).map(\.signedEvent) == Array(events[0..<3]))
            let stream = try await client.stream("exchange/read", fromVersion: 2, limit: 3)
            #expect(stream.map(\.version) == [2, 3, 4] && stream.map(\.entry.index) == [4, 5, 6])
            let receipt = try await client.receipt(index: 6, eventID: events[3].event.id, checkpointSize: nil)
            #expect(receipt.eventID == events[3].event.id)
            #expect(try await client.receipt(index: 6).eventID == events[3].event.id, "the event id comes with the entry")
            try await client.verify(receipt, of: events[3])
            await #expect(throws: LedgerError.self) { _ = try await client.entry(at: 99) }
            try await client.shutdown()
        }
    }

    /// The same code runs on the embedded ledger and on the client (the ``EventLog`` protocol).
    @Test func embeddedAndRemoteAreOneProtocol() async throws {
        let f = try await ServerFixture.make()
        @Sendable func publishAndRead(_ log: some EventLog, _ event: SignedEvent) async throws -> (UInt64, LogEntry) {
            let receipt = try await log.append([event], expecting: .any)[0]
            return (receipt.index, try await log.entry(at: receipt.index))
        }
        let embedded = try await publishAndRead(f.ledger, try f.event())
        try await f.withServer { url in
            let client = try f.client(url)
            let remote = try await publishAndRead(client, try f.event())
            #expect(remote.0 == embedded.0 + 1)
            try await client.shutdown()
        }
    }

    /// The pinned checkpoint survives a restart of the client, and a server with another
    /// history under the same log key is a split view naming both checkpoints.
    @Test func aForkedServerIsASplitView() async throws {
        let logKey = try SignerKey.generate(name: ServerFixture.origin)
        let a = try await ServerFixture.make(logKey: logKey)
        let b = try await ServerFixture.make(logKey: logKey)
        _ = try await a.ledger.append(try a.event())
        let pinFile = a.dir.file("pinned-checkpoint")
        let policyA = try a.ledger.policy()
        try await a.withServer { url in
            let client = try JejakClient(url: url, policy: policyA, configuration: Self.configuration(pinFile))
            _ = try await client.latestCheckpoint()
            try await client.shutdown()
        }
        #expect(try SignedCheckpoint(parsing: String(contentsOfFile: pinFile, encoding: .utf8)).checkpoint.size == 4)
        _ = try await b.ledger.append([try b.event(), try b.event()])
        try await b.withServer { url in
            // B's log key is A's, so its checkpoints verify; its history is not A's.
            let client = try JejakClient(url: url, policy: policyA, configuration: Self.configuration(pinFile))
            let error = await #expect(throws: APIError.self) { _ = try await client.latestCheckpoint() }
            #expect(error?.code == .splitView)
            #expect(error?.message.contains("size 4") == true && error?.message.contains("size 5") == true)
            try await client.shutdown()
        }
        // The pin is unchanged: the client never took B's view.
        #expect(try SignedCheckpoint(parsing: String(contentsOfFile: pinFile, encoding: .utf8)).checkpoint.size == 4)
    }

    @Test func aServerOfAnotherLogIsNotBelieved() async throws {
        let a = try await ServerFixture.make()
        let b = try await ServerFixture.make()
        try await b.withServer { url in
            let client = try JejakClient(url: url, policy: try a.ledger.policy(), configuration: Self.configuration(nil))
            let error = await #expect(throws: APIError.self) { _ = try await client.latestCheckpoint() }
            #expect(error?.code == .unverifiedResponse)
            try await client.shutdown()
        }
    }

    /// A server that answers an entry the tree does not hold is caught by the inclusion proof.
    @Test func aTamperedEntryIsCaught() async throws {
        let f = try await ServerFixture.make()
        let other = try await ServerFixture.make()
        _ = try await f.ledger.append(try f.event())
        _ = try await other.ledger.append(try other.event())
        // The honest checkpoint and proofs, and another log's entry 3 as this one's.
        let router = Router()
        let forged = try EntryDocument.jsonBytes(other.ledger.entry(at: 3))
        let checkpoint = try f.ledger.latestCheckpoint().note.serialized
        let proof = try f.ledger.inclusionProof(index: 3, size: 4).map { "\"\(Base64.encode($0.bytes))\"" }.joined(separator: ",")
        router.get("v1/entries/:index") { _, _ in
            Response(status: .ok, headers: [.contentType: MediaType.json], body: .init(byteBuffer: ByteBuffer(bytes: forged)))
        }
        router.get("checkpoint") { _, _ in
            Response(status: .ok, headers: [.contentType: MediaType.text], body: .init(byteBuffer: ByteBuffer(string: checkpoint)))
        }
        router.get("v1/proofs/inclusion") { _, _ in
            Response(status: .ok, headers: [.contentType: MediaType.json],
                     body: .init(byteBuffer: ByteBuffer(string: "{\"index\":3,\"size\":4,\"hashes\":[\(proof)]}")))
        }
        try await serveRouter(router) { url in
            let client = try f.client(url)
            let error = await #expect(throws: APIError.self) { _ = try await client.entry(at: 3) }
            #expect(error?.code == .unverifiedResponse)
            try await client.shutdown()
        }
    }

    /// 503 with Retry-After is retried; a server that stays busy is unreachable after the
    /// configured attempts.
    @Test func busyAnswersAreRetriedThenGivenUpOn() async throws {
        let f = try await ServerFixture.make()
        let attempts = Mutex(0)
        let text = try f.ledger.latestCheckpoint().note.serialized
        let router = Router()
        router.get("checkpoint") { _, _ in
            let n = attempts.withLock { $0 += 1; return $0 }
            if n <= 2 || n >= 10 {
                return Response(status: .serviceUnavailable, headers: [.contentType: Problem.mediaType, .retryAfter: "0"],
                                body: .init(byteBuffer: ByteBuffer(bytes: Problem(LedgerError(.writerQueueFull, "busy")).jsonBytes)))
            }
            return Response(status: .ok, headers: [.contentType: MediaType.text], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        try await serveRouter(router) { url in
            let client = try f.client(url) { $0.maxAttempts = 4 }
            _ = try await client.latestCheckpoint()
            #expect(attempts.withLock { $0 } == 3)
            attempts.withLock { $0 = 10 }
            let error = await #expect(throws: APIError.self) { _ = try await client.latestCheckpoint() }
            #expect(error?.code == .unreachable)
            #expect(attempts.withLock { $0 } == 14)
            try await client.shutdown()
        }
    }

    @Test func aFollowerSeesEachCommitInOrder() async throws {
        let f = try await ServerFixture.make()
        _ = try await f.ledger.append([try f.event(), try f.event()])
        try await f.withServer { url in
            let client = try f.client(url)
            var iterator = client.subscribe(from: 2).makeAsyncIterator()
            var seen: [UInt64] = []
            for _ in 0..<3 { seen.append(try #require(try await iterator.next()).index) }
            let later = try f.event(subject: "exchange/live")
            _ = try await f.ledger.append(later)
            let next = try #require(try await iterator.next())
            #expect(seen == [2, 3, 4] && next.index == 5 && next.signedEvent == later)
            try await client.shutdown()
        }
    }

    static func configuration(_ pinFile: String?) -> ClientConfiguration {
        var c = ClientConfiguration()
        c.checkpointFile = pinFile
        c.maxAttempts = 2
        c.initialDelay = .milliseconds(5)
        return c
    }
}

/// Serves `router` on 127.0.0.1 (an ephemeral port) for `body`.
func serveRouter<R: Sendable>(_ router: Router<BasicRequestContext>, _ body: @Sendable (String) async throws -> R) async throws -> R {
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "jejak.test.router")
    logger.logLevel = .warning
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
    return try await withServing(app, ports: ports, logger: logger, body)
}
