import Foundation
import Jejak
import JejakCrypto
import JejakDomain
import JejakInspector
import JejakTestSupport
import Testing

// The README's library example, compiled and run here; the test below checks that the README
// shows exactly this code.
// README:begin
func libraryExample(directory: String) async throws -> AuditReport {
    // A ledger that enforces the KPU domain's schemas and rules.
    var options = Ledger.Options()
    options.validator = try DomainValidator.bundled()
    // The registry authority's key signs the genesis and every registration: it lives with the
    // authority, offline, never in the ledger directory.
    let authorityKey = try SignerKey.generate(name: "example.kpu.go.id/authority")
    try KeyFile.write(authorityKey, to: directory + "/authority.key")
    let ledger = try await Ledger.create(at: directory + "/ledger", origin: "example.kpu.go.id/ledger",
                                         authorityKey: authorityKey, options: options)

    // The registry authority registers two units and a key.
    let authority = RegistryAuthority(key: authorityKey)
    _ = try await ledger.append(try authority.registerUnit("biro-keuangan", name: "Biro Keuangan", role: .biro))
    _ = try await ledger.append(try authority.registerUnit("biro-perencanaan", name: "Biro Perencanaan", role: .biro))
    let key = try SignerKey.generate(name: "biro-perencanaan")
    _ = try await ledger.append(try authority.addKey(key.verifierKey))

    // Biro Perencanaan asks Biro Keuangan for data: a signed event, appended, with a receipt.
    let publisher = UnitPublisher(key: key, ledger: ledger)
    let request = try publisher.sign(
        type: "id.go.kpu.jejak.exchange.requested.v1", subject: "exchange/2026-000123",
        data: ["provider": "biro-keuangan", "category": "anggaran", "title": "Rekap anggaran 2026",
               "purpose": "Laporan kinerja", "legalBasis": "UU 7/2017", "dueDate": "2026-12-31",
               "classification": "terbuka"])
    let receipt = try await ledger.append(request, expecting: .noStream)
    _ = try receipt.verify(request, policy: try ledger.policy())  // anyone can check it offline

    // The Inspektorat's view: a full integrity audit.
    return try await Inspector(ledger: ledger).audit()
}
// README:end

@Suite("The README's library example")
struct ReadmeExampleTests {
    @Test func theExampleRunsAndItsAuditIsClean() async throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanUp() }
        let report = try await libraryExample(directory: dir.path)
        #expect(report.verdict == .clean)
        #expect(report.auditedTo == 5)
    }

    @Test func theReadmeShowsExactlyThisCode() throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let code = try #require(textBetween(source, "// README:" + "begin", "// README:" + "end"))
        let shown = try #require(textBetween(try readme(from: #filePath), "<!-- library-example -->\n```swift", "```"),
                                 "README.md has no library example block")
        #expect(shown == code)
    }
}
