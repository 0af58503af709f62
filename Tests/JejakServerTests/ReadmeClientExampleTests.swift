import Foundation
import Jejak
import JejakClient
import JejakCrypto
import JejakDomain
import JejakServer
import JejakTestSupport
import JejakTlog
import Testing

// The README's client example, compiled and run here against a real server; the test below
// checks that the README shows exactly this code.
// README:begin
func clientExample(server: String, policyFile: String, outboxFile: String, key: SignerKey) async throws -> [Receipt] {
    // The policy is pinned: obtained out of band, never from the server it is to check.
    let policy = try TlogPolicy(parsing: String(contentsOfFile: policyFile, encoding: .utf8))
    var configuration = ClientConfiguration()
    configuration.checkpointFile = outboxFile + ".checkpoint"  // the largest verified checkpoint, kept
    let client = try JejakClient(url: server, policy: policy, configuration: configuration)

    // The same code as for an embedded ledger (both are an EventLog): sign, append, get a
    // receipt that the client verified before returning it.
    let request = SignedEvent.sign(try CloudEvent.make(
        id: UnitPublisher.randomID(), source: key.name, type: "id.go.kpu.jejak.exchange.requested.v1",
        subject: "exchange/2026-000777", dataschema: UnitPublisher.defaultSchema(for: "id.go.kpu.jejak.exchange.requested.v1"),
        data: ["provider": "biro-keuangan", "category": "anggaran", "title": "Rekap anggaran 2026",
               "purpose": "Laporan kinerja", "legalBasis": "UU 7/2017", "dueDate": "2026-12-31",
               "classification": "terbuka"]), with: key)
    let receipt = try await client.append(request, expecting: .noStream)

    // An office whose link drops keeps signed events in an outbox: durable once enqueued,
    // delivered in order when the server answers, never appended twice.
    let outbox = try Outbox(path: outboxFile, client: client)
    let withdrawal = SignedEvent.sign(try CloudEvent.make(
        id: UnitPublisher.randomID(), source: key.name, type: "id.go.kpu.jejak.exchange.withdrawn.v1",
        subject: "exchange/2026-000777", dataschema: UnitPublisher.defaultSchema(for: "id.go.kpu.jejak.exchange.withdrawn.v1"),
        data: ["reason": "Sudah tidak diperlukan."]), with: key)
    try await outbox.enqueue(withdrawal, expecting: .exactly(1))
    let report = await outbox.deliver()

    try await client.shutdown()
    return [receipt] + report.delivered.compactMap(\.receipt)
}
// README:end

@Suite("The README's client example")
struct ReadmeClientExampleTests {
    @Test func theExampleRunsAgainstARealServer() async throws {
        let f = try await ServerFixture.make { $0.validator = try DomainValidator.bundled() }
        _ = try await f.ledger.append([try f.authority.registerUnit("biro-keuangan", name: "Biro Keuangan", role: .biro)])
        let policyFile = f.dir.file("kpu.policy")
        try f.ledger.policy().serialized.write(toFile: policyFile, atomically: true, encoding: .utf8)
        let outbox = f.dir.file("outbox.jsonl")
        let unit = f.unit
        let receipts = try await f.withServer { url in
            try await clientExample(server: url, policyFile: policyFile, outboxFile: outbox, key: unit)
        }
        #expect(receipts.map(\.index) == [4, 5])
        #expect(try f.ledger.stream("exchange/2026-000777").count == 2)
    }

    @Test func theReadmeShowsExactlyThisCode() throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let code = try #require(textBetween(source, "// README:" + "begin", "// README:" + "end"))
        let shown = try #require(textBetween(try readme(from: #filePath), "<!-- client-example -->\n```swift", "```"),
                                 "README.md has no client example block")
        #expect(shown == code)
    }
}
