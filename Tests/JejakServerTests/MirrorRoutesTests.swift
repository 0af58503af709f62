import Foundation
import Hummingbird
import HummingbirdTesting
import JejakBase
import JejakCrypto
import JejakMirror
import JejakMirrorServer
import JejakTestSupport
import JejakTlog
import Logging
import NIOCore
import Testing

/// A mirror's HTTP interface over a real loopback server, with hand-made bodies: the spec's
/// status and body for each answer, gzip uploads, and no pending entry ever served.
@Suite struct MirrorRoutesTests {
    static let origin = "test.jejak.kpu.go.id/mirrored-log"

    /// `bytes` compressed by Debian's gzip.
    static func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(bytes))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }

    @Test func everyAnswerIsTheSpecsAndNothingPendingIsServed() async throws {
        let dir = TemporaryDirectory("mirror-routes", create: false)
        defer { dir.cleanUp() }
        let logKey = try SignerKey.generate(name: Self.origin)
        let mirror = try Mirror.initialize(stateDirectory: dir.path, name: "test.jejak.kpu.go.id/mirror")
        try mirror.trust(log: logKey.verifierKey)
        let entries = (0..<300).map { Array("{\"entry\":\($0)}".utf8) }
        let tree = MerkleTree(leafHashes: entries.map { Merkle.leafHash($0) })
        let checkpoint = try SignedCheckpoint.sign(Checkpoint(origin: Self.origin, size: 300, rootHash: tree.rootHash), with: logKey)
        @Sendable func upload(_ start: UInt64, limit: Int = .max, origin: String = Self.origin) throws -> [UInt8] {
            let packages = try AddEntriesRequest.packageIntervals(start: start, end: 300).prefix(limit).map { interval in
                let proof = try SubtreeConsistencyProof.generate(try Subtree(start: interval.lowerBound / 256 * 256, end: interval.upperBound),
                                                                 size: 300, from: tree)
                return EntryPackage(start: interval.lowerBound, entries: Array(entries[Int(interval.lowerBound)..<Int(interval.upperBound)]), proof: proof)
            }
            return try AddEntriesRequest(origin: origin, uploadStart: start, uploadEnd: 300, packages: packages).serialized()
        }
        let hash = Mirror.originHash(Self.origin)
        let app = Application(router: MirrorRoutes(mirror: mirror).router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            func post(_ route: String, _ body: [UInt8], gzip: Bool = false, encoding: String? = nil) async throws -> TestResponse {
                var headers: HTTPFields = [.contentType: "application/octet-stream"]
                if gzip { headers[.contentEncoding] = "gzip" }
                if let encoding { headers[.contentEncoding] = encoding }
                return try await client.execute(uri: "/" + route, method: .post, headers: headers, body: ByteBuffer(bytes: body))
            }
            // add-checkpoint: 200 with an empty body; the same old size again is a 409 with the pending size.
            let added = try await post("add-checkpoint", try AddCheckpointRequest(oldSize: 0, consistencyProof: [], checkpoint: checkpoint).serialized)
            #expect(added.status == .ok && added.body.readableBytes == 0)
            let stale = try await post("add-checkpoint", try AddCheckpointRequest(oldSize: 0, consistencyProof: [], checkpoint: checkpoint).serialized)
            #expect(stale.status == .conflict && stale.headers[.contentType] == "text/x.tlog.size" && stale.body.text == "300\n")

            // A prefix upload: 202 with the mirror-info; the bundle it wrote is pending, not served.
            let prefix = try await post("add-entries", try upload(0, limit: 1))
            #expect(prefix.status == .accepted && prefix.headers[.contentType] == "text/x.tlog.mirror-info" && prefix.body.text == "300\n256\n\n")
            #expect(prefix.headers[.acceptEncoding] == "gzip")
            #expect(FileManager.default.fileExists(atPath: mirror.logDirectory(origin: Self.origin) + "/tile/entries/000"))
            #expect(try await client.execute(uri: "/\(hash)/tile/entries/000", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/\(hash)/checkpoint", method: .get).status == .notFound)

            // 409s: a gap past the next entry (the valid upload_end first), an unknown end (the pending size first).
            let gap = try await post("add-entries", try upload(290))
            #expect(gap.status == .conflict && gap.body.text == "300\n256\n\n")
            var huge = try AddEntriesRequest(origin: Self.origin, uploadStart: 0, uploadEnd: 1 << 63, packages: []).serialized()
            huge += [0, 1, 7]
            let unknownEnd = try await post("add-entries", huge)
            #expect(unknownEnd.status == .conflict && unknownEnd.body.text == "300\n256\n\n")
            // 404 for an unknown log; 400 for an encoding the mirror does not take or a cut header.
            #expect(try await post("add-entries", try upload(256, origin: "another.example/log")).status == .notFound)
            #expect(try await post("add-entries", try upload(256), encoding: "br").status == .badRequest)
            #expect(try await post("add-entries", [0, 5, 1]).status == .badRequest)

            // The rest, gzipped: 200 with the mirror's cosignature lines only.
            let done = try await post("add-entries", try Self.gzipped(try upload(256)), gzip: true)
            #expect(done.status == .ok)
            let lines = done.body.text.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("— test.jejak.kpu.go.id/mirror "), "\(done.body.text)")
            let cosigned = try checkpoint.adding(cosignatureLines: done.body.bytes)
            #expect(cosigned.note.signatures.contains { $0.matches(mirror.key) && mirror.key.verify(noteText: cosigned.note.text, signature: $0.signature) })

            // Now the copy is served: the checkpoint, the full bundle (immutable), the partial one.
            let served = try await client.execute(uri: "/\(hash)/checkpoint", method: .get)
            #expect(served.status == .ok && served.headers[.cacheControl] == "no-cache")
            #expect(try SignedCheckpoint(parsing: served.body.text).checkpoint == checkpoint.checkpoint)
            let full = try await client.execute(uri: "/\(hash)/tile/entries/000", method: .get)
            #expect(full.status == .ok && full.headers[.cacheControl]?.contains("immutable") == true)
            #expect(try Tiles.decodeEntryBundle(full.body.bytes, count: 256) == Array(entries[..<256]))
            #expect(try await client.execute(uri: "/\(hash)/tile/entries/001.p/44", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/\(hash)/tile/entries/001.p/45", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/\(hash)/tile/0/001.p/44", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/\(hash)/pending", method: .get).status == .notFound)
        }
    }

    /// The follower service refuses a primary that is not an HTTP(S) URL, and one that never ran
    /// closes its connection pool when dropped.
    @Test func aFollowerServiceTakesOnlyAnHTTPPrimary() throws {
        let dir = TemporaryDirectory("mirror-follower", create: false)
        defer { dir.cleanUp() }
        let mirror = try Mirror.initialize(stateDirectory: dir.path, name: "test.jejak.kpu.go.id/mirror")
        #expect(throws: MirrorError.self) {
            _ = try MirrorFollowerService(mirror: mirror, origin: Self.origin, primary: "ftp://127.0.0.1/log", logger: Logger(label: "test"))
        }
        let service = try MirrorFollowerService(mirror: mirror, origin: Self.origin, primary: "http://127.0.0.1:9/", logger: Logger(label: "test"))
        #expect(service.primary == "http://127.0.0.1:9")
    }
}
