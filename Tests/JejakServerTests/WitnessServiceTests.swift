import AsyncHTTPClient
import Foundation
import JejakServer
import Hummingbird
import HummingbirdTesting
import JejakAPI
import JejakCrypto
import JejakTestSupport
import JejakTlog
import JejakWitness
import JejakWitnessServer
import Logging
import NIOCore
import Testing

/// A witness state directory trusting one in-memory log, and the log's tree.
struct WitnessFixture {
    let dir: TemporaryDirectory
    let witness: Witness
    let logKey: SignerKey
    let configuration: WitnessConfiguration
    var tree = MerkleTree()
    static let origin = "test.jejak.kpu.go.id/witnessed-log"

    init(name: String = "test.jejak.kpu.go.id/witness", logKey: SignerKey? = nil) throws {
        dir = TemporaryDirectory("witness", create: false)
        witness = try Witness.initialize(stateDirectory: dir.path, name: name)
        let key = try logKey ?? SignerKey.generate(name: Self.origin)
        self.logKey = key
        configuration = WitnessConfiguration(logs: [key.verifierKey])
        try witness.trust(configuration)
    }

    /// Grows the tree to `size` leaves (distinct per `history`).
    mutating func grow(to size: UInt64, history: String = "a") {
        while tree.size < size { _ = tree.append(leaf: Array("\(history)-\(tree.size)".utf8)) }
    }

    func checkpoint(_ size: UInt64, key: SignerKey? = nil, root: SHA256Digest? = nil) throws -> SignedCheckpoint {
        try SignedCheckpoint.sign(
            Checkpoint(origin: Self.origin, size: size, rootHash: root ?? (size == 0 ? Merkle.emptyRoot : tree.rootHash(size: size))),
            with: key ?? logKey)
    }

    func body(old: UInt64, _ size: UInt64, proof: [SHA256Digest]? = nil, key: SignerKey? = nil) throws -> [UInt8] {
        let proof = try proof ?? (old == 0 || old == size ? [] : tree.consistencyProof(oldSize: old, newSize: size))
        return try AddCheckpointRequest(oldSize: old, consistencyProof: proof, checkpoint: checkpoint(size, key: key)).serialized
    }

    func application(maxBodyBytes: Int = WitnessServer.defaultMaxBodyBytes) -> some ApplicationProtocol {
        Application(router: WitnessRoutes(witness: witness, configuration: configuration, maxBodyBytes: maxBodyBytes).router(),
                    configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}

/// `POST /add-checkpoint` and the monitoring route over a real loopback server, with hand-made
/// bodies: each status for the spec's reason, and nothing recorded on a refusal.
@Suite struct WitnessServiceTests {
    static func post(_ client: some TestClientProtocol, _ body: [UInt8]) async throws -> TestResponse {
        try await client.execute(uri: "/add-checkpoint", method: .post, headers: [.contentType: "text/plain"],
                                 body: ByteBuffer(bytes: body))
    }

    @Test func aFirstCheckpointThenConsistentOnesAreCosigned() async throws {
        var grown = try WitnessFixture()
        grown.grow(to: 10)
        let f = grown
        try await f.application().test(.live) { client in
            // A log that knows nothing asks with old 0 and learns the size from the 409.
            let first = try await Self.post(client, try f.body(old: 0, 5))
            #expect(first.status == .ok)
            let lines = first.body.text
            #expect(lines.hasPrefix("— test.jejak.kpu.go.id/witness ") && lines.hasSuffix("\n"))
            let cosigned = try f.checkpoint(5).adding(cosignatureLines: first.body.bytes)
            let witnessed = try TlogPolicy(log: f.logKey.verifierKey, witnesses: [f.witness.key], threshold: .all).verify(cosigned)
            #expect(witnessed.cosigners.count == 1)

            let next = try await Self.post(client, try f.body(old: 5, 10))
            #expect(next.status == .ok)
            let same = try await Self.post(client, try f.body(old: 10, 10))
            #expect(same.status == .ok)

            let monitored = try await client.execute(uri: "/\(SHA256Digest.hash(WitnessFixture.origin.utf8).hex)/checkpoint", method: .get)
            #expect(monitored.status == .ok)
            let record = try SignedCheckpoint(parsing: monitored.body.text)
            #expect(record.checkpoint.size == 10 && record.note.signatures.count == 2)
        }
    }

    @Test func eachRefusalHasTheSpecsStatus() async throws {
        var grown = try WitnessFixture()
        grown.grow(to: 8)
        let f = grown
        let stranger = try SignerKey.generate(name: WitnessFixture.origin)
        try await f.application().test(.live) { client in
            #expect(try await Self.post(client, try f.body(old: 0, 4)).status == .ok)

            // 409: the old size is not the one last cosigned; the body is that size.
            let conflict = try await Self.post(client, try f.body(old: 2, 8))
            #expect(conflict.status == .conflict && conflict.headers[.contentType] == TlogSize.mediaType)
            #expect(try TlogSize.parse(conflict.body.bytes) == 4)

            // 400: old above the checkpoint; a malformed body.
            #expect(try await Self.post(client, try f.body(old: 4, 3, proof: [])).status == .badRequest)
            for bad in ["old 04\n\n", "old 4\nnot-base64\n\n", "old 4\n", "new 4\n\n", ""] {
                let answer = try await Self.post(client, Array(bad.utf8) + Array(try f.checkpoint(8).serialized.utf8))
                #expect(answer.status == .badRequest, "\(bad.debugDescription)")
                #expect(answer.headers[.contentType] == Problem.mediaType)
            }

            // 403: signed by another key under the log's name; a signature line that fails.
            #expect(try await Self.post(client, try f.body(old: 4, 8, key: stranger)).status == .forbidden)
            let good = try f.checkpoint(8)
            let line = try #require(good.note.signatures.first)
            var flipped = line.signature
            flipped[20] ^= 0x01
            let bad = try SignedCheckpoint(note: SignedNote(
                text: good.note.text, signatures: [NoteSignature(name: line.name, keyID: line.keyID, signature: flipped)]))
            let tampered = try AddCheckpointRequest(oldSize: 4, consistencyProof: f.tree.consistencyProof(oldSize: 4, newSize: 8), checkpoint: bad)
            #expect(try await Self.post(client, tampered.serialized).status == .forbidden)

            // 404: an origin the witness does not witness.
            let other = try SignerKey.generate(name: "elsewhere.example/log")
            let unknown = try AddCheckpointRequest(
                oldSize: 0, consistencyProof: [],
                checkpoint: SignedCheckpoint.sign(Checkpoint(origin: "elsewhere.example/log", size: 0, rootHash: Merkle.emptyRoot), with: other))
            #expect(try await Self.post(client, unknown.serialized).status == .notFound)
            #expect(try await client.execute(uri: "/\(String(repeating: "0", count: 64))/checkpoint", method: .get).status == .notFound)

            // 422: a proof that does not verify; the same size with another root (a fork).
            let wrongProof = [SHA256Digest.hash([9])]
            #expect(try await Self.post(client, try f.body(old: 4, 8, proof: Array(wrongProof))).status == .unprocessableContent)
            var forked = f
            forked.tree = MerkleTree()
            forked.grow(to: 8, history: "b")
            #expect(try await Self.post(client, try forked.body(old: 4, 8, proof: forked.tree.consistencyProof(oldSize: 4, newSize: 8))).status
                == .unprocessableContent)
            let sameSizeOtherRoot = try AddCheckpointRequest(oldSize: 4, consistencyProof: [], checkpoint: forked.checkpoint(4))
            #expect(try await Self.post(client, sameSizeOtherRoot.serialized).status == .unprocessableContent)

            // Nothing refused was recorded: the record is still size 4, and extends to 8.
            #expect(try f.witness.lastCosigned(origin: WitnessFixture.origin)?.checkpoint.size == 4)
            #expect(try await Self.post(client, try f.body(old: 4, 8)).status == .ok)
        }
    }

    @Test func aCheckpointOfSizeZeroMustHaveTheEmptyRootAndAProofFromZeroMustBeEmpty() async throws {
        var grown = try WitnessFixture()
        grown.grow(to: 4)
        let f = grown
        try await f.application().test(.live) { client in
            let badEmpty = try AddCheckpointRequest(
                oldSize: 0, consistencyProof: [], checkpoint: f.checkpoint(0, root: SHA256Digest.hash([1])))
            #expect(try await Self.post(client, badEmpty.serialized).status == .unprocessableContent)
            let needless = try AddCheckpointRequest(oldSize: 0, consistencyProof: [SHA256Digest.hash([2])], checkpoint: f.checkpoint(4))
            #expect(try await Self.post(client, needless.serialized).status == .unprocessableContent)
            #expect(try f.witness.lastCosigned(origin: WitnessFixture.origin) == nil)
        }
    }

    @Test func aBodyOverTheLimitIsRefused() async throws {
        var grown = try WitnessFixture()
        grown.grow(to: 4)
        let f = grown
        try await f.application(maxBodyBytes: 256).test(.live) { client in
            let answer = try await Self.post(client, Array(repeating: UInt8(ascii: "A"), count: 4096))
            #expect(answer.status == .contentTooLarge)
        }
    }

    /// Concurrent submissions that conflict are never both cosigned: of twenty requests from two
    /// histories, all with old size 0, sent at once over separate connections (AsyncHTTPClient),
    /// exactly one is cosigned.
    @Test func concurrentConflictingSubmissionsAreNotBothCosigned() async throws {
        var a = try WitnessFixture()
        a.grow(to: 6)
        var b = a
        b.tree = MerkleTree()
        b.grow(to: 6, history: "b")
        let bodies = try (0..<10).flatMap { _ in [try a.body(old: 0, 6), try b.body(old: 0, 6)] }
        var logger = Logger(label: "jejak.test.witness")
        logger.logLevel = .critical
        let (ports, found) = AsyncStream<Int>.makeStream()
        let server = WitnessServer(witness: a.witness, configuration: a.configuration, port: 0, logger: logger) { found.yield($0) }
        let statuses = try await withServing(server, ports: ports, logger: logger) { url in
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = bodies.count
            let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            do {
                let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                    for body in bodies {
                        group.addTask {
                            var request = HTTPClientRequest(url: url + "/add-checkpoint")
                            request.method = .POST
                            request.body = .bytes(ByteBuffer(bytes: body))
                            let response = try await http.execute(request, timeout: .seconds(120))
                            _ = try await response.body.collect(upTo: 1 << 16)
                            return response.status.code
                        }
                    }
                    return try await group.reduce(into: [UInt]()) { $0.append($1) }
                }
                try await http.shutdown()
                return statuses
            } catch {
                try? await http.shutdown()
                throw error
            }
        }
        #expect(statuses.filter { $0 == 200 }.count == 1)
        #expect(statuses.filter { $0 == 409 }.count == bodies.count - 1)
    }

    @Test func theConfigurationFileIsStrict() throws {
        let key = try SignerKey.generate(name: "a.example/log").verifierKey
        let parsed = try WitnessConfiguration(parsing: "# logs\n\nlog \(key)\n")
        #expect(parsed.logs == [key])
        #expect(try WitnessConfiguration(parsing: parsed.serialized).logs == [key])
        for bad in ["logs \(key)\n", "log \(key) extra\n", "log \(key)\nlog \(key)\n", "log not-a-key\n"] {
            #expect(throws: WitnessError.self) { try WitnessConfiguration(parsing: bad) }
        }
    }
}
