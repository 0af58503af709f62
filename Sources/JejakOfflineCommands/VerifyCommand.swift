import ArgumentParser
import Foundation
import JejakCrypto
import JejakDomain
import JejakModel
import JejakTlog
import JejakVerification

public struct VerifyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: localized("Verify an export (C2SP tlog-tiles, from `jejak export`) offline, without the ledger.",
                            id: "Memverifikasi ekspor (C2SP tlog-tiles, dari `jejak export`) secara luring, tanpa ledger."),
        discussion: localized("""
            Checks the exported checkpoint against your trust policy (log signature, witness \
            cosignatures, quorum), then replays every exported entry from the entry bundles: \
            leaf hashes, the Merkle root and the exported hash tiles recomputed; every event \
            signature checked against the key the registry — replayed from genesis under the \
            authority key you pin with --authority — had active at that entry; every event \
            re-validated against its schema and the domain rules; ids unique; appended times in \
            order. Findings name the entry and the rule.

            Use your own copies of the policy and of the authority's vkey, obtained out of band: \
            an export's own files prove nothing about who may sign.
            """, id: """
            Memeriksa checkpoint yang diekspor terhadap kebijakan kepercayaan Anda (tanda tangan \
            log, tanda tangan bersama (cosignature) saksi, kuorum), lalu memutar ulang setiap entri \
            yang diekspor dari bundel entri: hash leaf, root Merkle, dan tile hash yang diekspor \
            dihitung ulang; tanda tangan setiap peristiwa diperiksa terhadap kunci yang aktif di \
            registri pada entri itu — registri diputar ulang dari genesis di bawah kunci otoritas \
            yang Anda sematkan dengan --authority; setiap peristiwa divalidasi ulang terhadap \
            skemanya dan aturan domain; ID unik; waktu appended berurutan. Temuan menyebut entri \
            dan aturannya.

            Gunakan salinan kebijakan dan vkey otoritas milik Anda sendiri, yang diperoleh melalui \
            jalur terpisah: berkas-berkas di dalam ekspor sendiri tidak membuktikan apa pun tentang \
            siapa yang berhak menandatangani.
            """) + "\n\n" + helpExamples("jejak verify export/ --policy kpu.policy --authority \"$(cat authority.vkey)\"", "jejak verify export/ --policy kpu.policy --authority authority.vkey --json") + "\n\n" + localized("""
            Exit codes: 0 verified; 1 findings; 2 could not verify (no checkpoint, unusable policy).
            """, id: """
            Kode keluar: 0 terverifikasi; 1 ada temuan; 2 tidak dapat diverifikasi (tidak ada \
            checkpoint, kebijakan tidak dapat dipakai).
            """))

    @Argument(help: localizedHelp("The export's directory (holding `checkpoint` and `tile/`).",
                                  id: "Direktori ekspor (berisi `checkpoint` dan `tile/`).", valueName: "dir"))
    var directory: String
    @Option(help: localizedHelp("The trust policy (c2sp.org/tlog-policy).", id: "Kebijakan kepercayaan (c2sp.org/tlog-policy).", valueName: "file"))
    var policy: String
    @Option(help: localizedHelp("The registry authority's vkey, or a file holding it.",
                                id: "vkey otoritas registri, atau berkas yang memuatnya.", valueName: "vkey|file"))
    var authority: String
    @Option(help: localizedHelp("Write an HTML report to this file.", id: "Tulis laporan HTML ke berkas ini.", valueName: "file"))
    var report: String?
    @Flag(help: localizedHelp("Print the report as JSON.", id: "Cetak laporan sebagai JSON."))
    var json = false
    @OptionGroup var signing: ReportSigningOptions

    public init() {}

    public func run() async throws {
        var result: AuditReport
        let signer = try signing.signer()
        do {
            let trust = try readPolicy(policy)
            let key = try readVerifierKey(authority, option: "--authority")
            var verifier = ExportVerifier(directory: directory, policy: trust, authority: key, validator: try domainValidator())
            let bar = ProgressBar(enabled: !json && isatty(2) == 1)
            verifier.progress = { done, total in bar.update(done, total) }
            defer { bar.finish() }
            do { result = try verifier.verify() } catch { throw CLIFailure(description: error.description) }
            result.provenance = try reportProvenance(subject: directory, policyPath: policy, authority: key)
            result.provenance?.signer = signer?.verifierKey.hint
        } catch {
            FileHandle.standardError.write(Data("\(localized("Error", id: "Galat")): \(describe(error))\n".utf8))
            throw ExitCode(2)
        }
        try emit(result, json: json, summary: result.summary(in: CLILanguage.current), html: report)
        try signing.write(result, signer: signer)
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
