import Foundation
import Hummingbird
import HummingbirdTesting
import Jejak
import JejakAPI
import JejakCrypto
import JejakJSON
import JejakProjections
import JejakServer
import JejakTlog
import NIOCore
import Synchronization
import Testing

/// Every route and every refusal status, through HummingbirdTesting's router client against a
/// real ledger: what a refusal answers, and that it writes nothing.
@Suite struct RouteTests {
    static let envelope: HTTPFields = [.contentType: MediaType.dsseEnvelope]
    static let envelopeJSON: HTTPFields = [.contentType: MediaType.dsseEnvelope, .accept: MediaType.json]

    @Test func publishAnswers201ThenTheSameReceiptWith200() async throws {
        let f = try await ServerFixture.make()
        let signed = try f.event()
        try await f.application().test(.router) { client in
            let first = try await client.execute(uri: "/v1/events", method: .post, headers: Self.envelope,
                                                 body: ByteBuffer(bytes: signed.jsonBytes))
            #expect(first.status == .created)
            #expect(first.headers[.contentType] == MediaType.text)
            let receipt = try Receipt(parsing: first.body.text, for: signed)
            try receipt.verify(signed, policy: f.ledger.policy())
            #expect(receipt.index == 3)

            let again = try await client.execute(uri: "/v1/events", method: .post, headers: Self.envelopeJSON,
                                                 body: ByteBuffer(bytes: signed.jsonBytes))
            #expect(again.status == .ok)
            let published = try PublishedEntry(json: JSONParser.parse(again.body.bytes))
            #expect(published.index == 3 && published.version == 1 && !published.created)
            #expect(published.eventID == signed.event.id)
        }
        #expect(try f.ledger.size() == 4)
    }

    @Test func aBatchIsOneAtomicAppendAnsweredAsAnArray() async throws {
        let f = try await ServerFixture.make()
        let events = try (0..<3).map { _ in try f.event(subject: "exchange/batch") }
        let body = "[" + events.map { String(decoding: $0.jsonBytes, as: UTF8.self) }.joined(separator: ",\n ") + "]"
        try await f.application().test(.router) { client in
            let response = try await client.execute(uri: "/v1/events?expected-version=none", method: .post,
                                                    headers: [.contentType: MediaType.json], body: ByteBuffer(string: body))
            #expect(response.status == .created)
            let items = try #require(try JSONParser.parse(response.body.bytes).arrayValue)
            let published = try items.map { try PublishedEntry(json: $0) }
            #expect(published.map(\.index) == [3, 4, 5])
            #expect(published.map(\.version) == [1, 2, 3])
            for (event, entry) in zip(events, published) { try entry.receipt.verify(event, policy: f.ledger.policy()) }
        }
    }

    /// Each bad request gets its status and code, and the log is unchanged.
    @Test func refusalsAnswerTheirStatusAndWriteNothing() async throws {
        let f = try await ServerFixture.make()
        let good = try f.event(subject: "exchange/r")
        _ = try await f.ledger.append(good)
        let size = try f.ledger.size()
        let stranger = try SignerKey.generate(name: "biro-unknown")
        let unknown = try f.event(key: stranger)
        var tampered = try f.event(data: ["n": 1]).envelope
        let digit = try #require(tampered.payload.firstRange(of: Array("\"n\":1".utf8)))
        tampered.payload[digit.upperBound - 1] = UInt8(ascii: "2")
        let sameID = try f.event(subject: "exchange/r", id: good.event.id, data: ["n": 2])
        let secondBad = "[" + String(decoding: try f.event().jsonBytes, as: UTF8.self) + ","
            + String(decoding: unknown.jsonBytes, as: UTF8.self) + "]"
        let json = Array(try f.event().jsonBytes)
        let cases: [(name: String, uri: String, headers: HTTPFields, body: [UInt8], status: Int, code: String)] = [
            ("a wrong content type", "/v1/events", [.contentType: "text/plain"], json, 415, "unsupportedMediaType"),
            ("no content type", "/v1/events", [:], json, 415, "unsupportedMediaType"),
            ("malformed JSON", "/v1/events", Self.envelope, Array("{\"payloadType\":".utf8), 400, "malformedEnvelope"),
            ("invalid UTF-8", "/v1/events", Self.envelope, [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], 400, "malformedEnvelope"),
            ("a truncated body", "/v1/events", Self.envelope, Array(json.prefix(json.count / 2)), 400, "malformedEnvelope"),
            ("an empty body", "/v1/events", Self.envelope, [], 400, "malformedRequest"),
            ("an empty batch", "/v1/events", Self.envelope, Array("[]".utf8), 400, "malformedRequest"),
            ("a 10 MB body", "/v1/events", Self.envelope, [UInt8](repeating: 0x20, count: 10 << 20), 413, "requestTooLarge"),
            ("a bad expected version", "/v1/events?expected-version=01", Self.envelope, json, 400, "invalidExpectedVersion"),
            ("a version conflict", "/v1/events?expected-version=none", Self.envelope, Array(try f.event(subject: "exchange/r").jsonBytes), 409, "streamVersionMismatch"),
            ("an event id taken by other bytes", "/v1/events", Self.envelope, Array(sameID.jsonBytes), 409, "eventIDConflict"),
            ("an unknown unit's key", "/v1/events", Self.envelope, Array(unknown.jsonBytes), 422, "unknownSource"),
            ("a bad signature", "/v1/events", Self.envelope, tampered.jsonBytes(), 422, "badSignature"),
            ("a batch whose second event is refused", "/v1/events", Self.envelope, Array(secondBad.utf8), 422, "unknownSource"),
            ("an entry past the end", "/v1/entries/999", [:], [], 404, "notFound"),
            ("an index with a leading zero", "/v1/entries/01", [:], [], 400, "invalidParameter"),
            ("a receipt against an unsigned size", "/v1/receipts/0?size=999", [:], [], 404, "notFound"),
            ("an inclusion proof past the end", "/v1/proofs/inclusion?index=5&size=999", [:], [], 400, "invalidProofRequest"),
            ("a consistency proof from 0", "/v1/proofs/consistency?from=0&to=1", [:], [], 400, "invalidProofRequest"),
            ("an unknown event", "/v1/events/nope", [:], [], 404, "notFound"),
            ("a tile the log does not hold", "/tile/0/001", [:], [], 404, "notFound"),
            ("a path that is not a tile", "/tile/0/x1", [:], [], 404, "notFound"),
        ]
        try await f.application().test(.router) { client in
            for c in cases {
                let method: HTTPRequest.Method = c.uri.hasPrefix("/v1/events") && (c.uri.contains("?") || c.uri == "/v1/events") ? .post : .get
                let response = try await client.execute(uri: c.uri, method: method, headers: c.headers, body: ByteBuffer(bytes: c.body))
                #expect(Int(response.status.code) == c.status, "\(c.name): \(response.status) \(response.body.text)")
                #expect(response.headers[.contentType] == Problem.mediaType, "\(c.name)")
                let problem = try Problem(json: response.body.bytes)
                #expect(problem.code == c.code && problem.status == c.status, "\(c.name): \(problem)")
                #expect(problem.type == Problem.typePrefix + c.code)
                if c.code == "streamVersionMismatch" { #expect(problem.actualVersion == 1) }
                if c.name.hasPrefix("a batch") { #expect(problem.position == 1) }
            }
        }
        #expect(try f.ledger.size() == size)
    }

    @Test func aFullWriterQueueAnswers503WithRetryAfter() throws {
        let problem = Problem(LedgerError(.writerQueueFull, "full"))
        #expect(problem.status == 503 && problem.retryAfter == 1)
        #expect(HTTPStatus.of(.corruptStore) == 500)
        #expect(HTTPStatus.of(codeName: "malformedRequest") == 400)
    }

    @Test func readsAnswerEntriesStreamsReceiptsAndProofs() async throws {
        let f = try await ServerFixture.make()
        let events = try (0..<4).map { _ in try f.event(subject: "exchange/7") }
        _ = try await f.ledger.append(events)
        let policy = try f.ledger.policy()
        try await f.application().test(.router) { client in
            let checkpoint = try await client.execute(uri: "/checkpoint", method: .get)
            #expect(checkpoint.headers[.cacheControl] == "no-cache")
            let signed = try SignedCheckpoint(parsing: checkpoint.body.text)
            #expect(signed.checkpoint.size == 7)
            _ = try policy.verify(signed)

            let policyText = try await client.execute(uri: "/policy", method: .get)
            #expect(try TlogPolicy(parsing: policyText.body.text) == policy)

            let entry = try await client.execute(uri: "/v1/entries/4", method: .get)
            #expect(entry.headers[.cacheControl] == "public, max-age=31536000, immutable")
            let (logEntry, version) = try EntryDocument.logEntry(JSONParser.parse(entry.body.bytes))
            #expect(logEntry.index == 4 && version == 2 && logEntry.signedEvent == events[1])

            let byID = try await client.execute(uri: "/v1/events/\(events[2].event.id)", method: .get)
            #expect(try EntryDocument.logEntry(JSONParser.parse(byID.body.bytes)).entry.index == 5)

            let stream = try await client.execute(uri: "/v1/streams/exchange/7?from-version=2&limit=2", method: .get)
            let items = try #require(try JSONParser.parse(stream.body.bytes).arrayValue).map { try EntryDocument.logEntry($0) }
            #expect(items.map(\.entry.index) == [4, 5] && items.map(\.version) == [2, 3])

            let page = try await client.execute(uri: "/v1/entries?from=1&limit=2", method: .get)
            #expect(try #require(try JSONParser.parse(page.body.bytes).arrayValue).count == 2)

            let receipt = try await client.execute(uri: "/v1/receipts/6?size=7", method: .get)
            try Receipt(parsing: receipt.body.text, for: events[3]).verify(events[3], policy: policy)

            let inclusion = try await client.execute(uri: "/v1/proofs/inclusion?index=4&size=7", method: .get)
            let hashes = try Self.hashes(inclusion.body)
            try InclusionProof.verify(leafHash: logEntry.leafHash, index: 4, size: 7, proof: hashes, root: signed.checkpoint.rootHash)

            let consistency = try await client.execute(uri: "/v1/proofs/consistency?from=2&to=7", method: .get)
            try ConsistencyProof.verify(oldSize: 2, newSize: 7, oldRoot: try f.ledger.rootHash(size: 2), newRoot: signed.checkpoint.rootHash,
                                        proof: try Self.hashes(consistency.body))

            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok && health.body.text.contains("\"size\":7"))
        }
    }

    @Test func metricsCountAppendsAndRefusals() async throws {
        let f = try await ServerFixture.make()
        try await f.application().test(.router) { client in
            _ = try await client.execute(uri: "/v1/events", method: .post, headers: Self.envelope, body: ByteBuffer(bytes: try f.event().jsonBytes))
            _ = try await client.execute(uri: "/v1/events", method: .post, headers: [.contentType: "text/csv"], body: ByteBuffer(string: "x"))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            let text = metrics.body.text
            #expect(text.contains("jejak_appends_total 1"))
            #expect(text.contains("jejak_refusals_total{code=\"unsupportedMediaType\"} 1"))
            #expect(text.contains("jejak_commit_seconds_count 1"))
            #expect(text.contains("jejak_log_size 4"))
        }
    }

    /// The tlog-tiles resources, from the live store, equal what an export writes.
    @Test func tilesAreServedFromTheLiveStore() async throws {
        let f = try await ServerFixture.make()
        _ = try await f.ledger.append(try (0..<297).map { _ in try f.event(subject: "exchange/tiles") })  // 300 entries
        let export = f.dir.file("export")
        try f.ledger.export(to: export)
        let exported = TiledLog(directory: export)
        try await f.application().test(.router) { client in
            for path in ["tile/0/000", "tile/entries/000", "tile/0/001.p/44", "tile/entries/001.p/44", "tile/1/000.p/1"] {
                let response = try await client.execute(uri: "/" + path, method: .get)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType] == MediaType.octetStream)
                #expect(response.body.bytes == (try exported.bytes(of: path)), "\(path)")
                #expect(response.headers[.cacheControl] == (path.contains(".p/") ? "public, max-age=3600" : "public, max-age=31536000, immutable"))
            }
            // A partial tile of a smaller size than the checkpoint's is the prefix of the larger.
            let smaller = try await client.execute(uri: "/tile/0/001.p/3", method: .get)
            #expect(smaller.body.bytes == Array(try exported.bytes(of: "tile/0/001.p/44").prefix(96)))
            let tooWide = try await client.execute(uri: "/tile/0/001.p/45", method: .get)
            #expect(tooWide.status == .notFound)
        }
    }

    static func hashes(_ body: ByteBuffer) throws -> [SHA256Digest] {
        let items = try #require(try JSONParser.parse(body.bytes).objectValue?["hashes"]?.arrayValue)
        return try items.map { try Merkle.decodeHash(base64: try #require($0.stringValue)) }
    }
}

/// The read models' queries over HTTP, JSON and CSV, as `jejak query` has them.
@Suite struct QueryRouteTests {
    @Test func queriesAnswerJSONAndCSVAnd404WithoutReadModels() async throws {
        let f = try await ServerFixture.make()
        _ = try await f.ledger.append(try f.authority.registerUnit("biro-keuangan", name: "Biro Keuangan", role: .biro))
        let db = f.dir.file("read-models.sqlite")
        let runner = try ProjectionRunner(ledger: f.ledger, database: try ReadModelDatabase.openForWriting(path: db),
                                          projections: ReadModels.builtIn())
        _ = try await runner.catchUp()
        let app = Application(router: LedgerRoutes(ledger: f.ledger, readModels: db).router())
        try await app.test(.router) { client in
            let json = try await client.execute(uri: "/v1/query/units", method: .get)
            #expect(json.status == .ok && json.headers[.contentType] == MediaType.json)
            let units = try #require(try JSONParser.parse(json.body.bytes).arrayValue)
            #expect(units.compactMap { $0.objectValue?["id"]?.stringValue }.sorted() == ["biro-1", "biro-keuangan"])
            let csv = try await client.execute(uri: "/v1/query/units?format=csv", method: .get)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = csv.body.text.split(separator: "\n")
            #expect(lines.first == "id,role,name,registered,active keys,keys" && lines.count == 3)
            let exchanges = try await client.execute(uri: "/v1/query/exchanges?status=open-ish", method: .get)
            #expect(exchanges.status == .badRequest)
            let none = try await client.execute(uri: "/v1/query/timeline/exchange/none", method: .get)
            #expect(none.status == .notFound)
            _ = try await f.ledger.append([try f.event(), try f.event()])   // the read models now lag by 2
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.body.text.contains("jejak_follower_lag 2"), "\(metrics.body.text)")
        }
        try await f.application().test(.router) { client in
            let response = try await client.execute(uri: "/v1/query/units", method: .get)
            #expect(response.status == .notFound && response.body.text.contains("--db"))
        }
    }
}

/// The writer's queue is bounded: a publish that finds it full is answered 503 with
/// `Retry-After` at once, and writes nothing.
@Suite struct BackpressureTests {
    /// Holds the writer in the stream check of an event of `exchange/hold` until released. The
    /// test polls `hasEntered` instead of waiting on a semaphore: a blocking wait on the
    /// cooperative pool could starve the very request that is to reach the writer.
    final class Gate: EventValidator {
        private let entered = Mutex(false)
        let release = DispatchSemaphore(value: 0)
        var hasEntered: Bool { entered.withLock { $0 } }
        func validate(_ event: CloudEvent) throws(ValidationFailure) {}
        func validate(_ event: CloudEvent, stream: StreamState, registry: Registry) throws(ValidationFailure) {
            guard event.subject == "exchange/hold" else { return }
            entered.withLock { $0 = true }
            release.wait()   // on the writer's own thread
        }
    }

    @Test func aFullQueueIsA503WithRetryAfterAndWritesNothing() async throws {
        let gate = Gate()
        let f = try await ServerFixture.make { options in
            options.validator = gate
            options.maxQueuedEvents = 1
        }
        let held = try f.event(subject: "exchange/hold"), queued = try f.event(subject: "exchange/q"), refused = try f.event(subject: "exchange/r")
        let size = try f.ledger.size()
        try await f.application().test(.router) { client in
            async let first = client.execute(uri: "/v1/events", method: .post, headers: RouteTests.envelope, body: ByteBuffer(bytes: held.jsonBytes))
            while !gate.hasEntered { try await Task.sleep(for: .milliseconds(5)) }   // the writer holds the first event
            async let second = client.execute(uri: "/v1/events", method: .post, headers: RouteTests.envelope, body: ByteBuffer(bytes: queued.jsonBytes))
            while f.ledger.queueDepth < 1 { try await Task.sleep(for: .milliseconds(5)) }
            let third = try await client.execute(uri: "/v1/events", method: .post, headers: RouteTests.envelope, body: ByteBuffer(bytes: refused.jsonBytes))
            #expect(third.status == .serviceUnavailable && third.headers[.retryAfter] == "1")
            #expect(try Problem(json: third.body.bytes).code == "writerQueueFull")
            gate.release.signal()
            #expect(try await first.status == .created)
            #expect(try await second.status == .created)
        }
        #expect(try f.ledger.size() == size + 2)
        #expect(try f.ledger.entry(eventID: refused.event.id) == nil)
    }

    /// `wait` takes committed or witnessed; a wait for witnesses no server can reach is refused
    /// before anything is written.
    @Test func aWaitThatCannotEndIsRefusedAndWritesNothing() async throws {
        let f = try await ServerFixture.make()
        try await f.application().test(.router) { client in
            let bad = try await client.execute(uri: "/v1/events?wait=soon", method: .post, headers: RouteTests.envelope,
                                               body: ByteBuffer(bytes: try f.event().jsonBytes))
            #expect(bad.status == .badRequest && bad.headers[.contentType] == Problem.mediaType)
            #expect(try Problem(json: bad.body.bytes).code == "invalidParameter")
            // Quorum none: witnessed is the same as committed.
            let none = try await client.execute(uri: "/v1/events?wait=witnessed", method: .post, headers: RouteTests.envelope,
                                                body: ByteBuffer(bytes: try f.event().jsonBytes))
            #expect(none.status == .created)
        }
        let sizeBefore = try f.ledger.size()
        try f.ledger.addWitness(name: "unreachable", key: try SignerKey.generate(name: "unreachable.example/w", type: .cosignatureV1).verifierKey)
        try await f.application().test(.router) { client in
            let answer = try await client.execute(uri: "/v1/events?wait=witnessed", method: .post, headers: RouteTests.envelope,
                                                  body: ByteBuffer(bytes: try f.event().jsonBytes))
            #expect(answer.status == .badRequest)
            #expect(try Problem(json: answer.body.bytes).code == "invalidParameter")
        }
        #expect(try f.ledger.size() == sizeBefore)
    }
}
