import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakCrypto
import JejakInspector
import JejakWitness
import JejakOfflineCommands
import JejakProjections
import JejakTlog
import JejakVerification
import Synchronization

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: localized("Audit the ledger's integrity and report findings, each naming the entry and the rule.",
                            id: "Memeriksa integritas ledger dan melaporkan temuan, masing-masing menyebut entri dan aturannya."),
        discussion: localized("""
            A full audit replays the whole log on all cores: every leaf hashed and each stored \
            checkpoint's root recomputed, its log signature and witness cosignatures checked \
            against the policy; every event's signature checked against the key the registry \
            had active at that entry (the registry replayed from genesis under the pinned \
            authority key); every event re-validated against its schema and the domain rules; \
            event ids unique, appended times in order; the ids and streams indexes, the stored \
            Merkle nodes and the registry records compared with the entries. With --trusted, a \
            checkpoint held outside the ledger (the last one the Inspektorat cosigned) must be \
            extended by the log: this catches rollback, truncation and forks. With --db, the \
            read models are rebuilt from the log into a temporary file and compared row by row.
            With --identity FILE (the Inspektorat's age identity), every sealed event sealed to \
            its unit is opened: content that does not open, does not fit its schema or does \
            not match the commitment its event signed is a finding (rule sealed-content).

            With --since FILE (a checkpoint saved by an earlier audit, see --save-checkpoint), \
            the audit proves the log consistent with it and replays only the entries after it.

            When the policy requires witnesses, the verdict is INTACT only if the latest \
            checkpoint meets the quorum; otherwise, findings or not, it is not the clean verdict: \
            NOT WITNESSED says how far the quorum is met (an operator holding the log key could \
            have rewritten the rest, re-signing every checkpoint). --witness DIR reads the last \
            checkpoint a witness on this machine cosigned (its state directory) and audits \
            against it as --trusted does: a rewritten history is then found even if the store's \
            checkpoints lost their cosignatures.

            The ledger is opened read-only: audit while another process appends. Every report \
            names what it audited: the ledger directory, the SHA-256 of the policy file, the \
            authority's key, the tool and the time. With --sign-report-with KEY --signed-report \
            FILE the auditor signs it (DSSE over its JSON); anyone checks it with `jejak \
            verify-report FILE --key VKEY`.
            """, id: """
            Pemeriksaan lengkap memutar ulang seluruh log di semua inti prosesor: setiap leaf \
            di-hash dan root setiap checkpoint tersimpan dihitung ulang, tanda tangan log dan \
            tanda tangan bersama (cosignature) saksinya diperiksa terhadap kebijakan; tanda tangan \
            setiap peristiwa diperiksa terhadap kunci yang aktif di registri pada entri itu \
            (registri diputar ulang dari genesis di bawah kunci otoritas yang disematkan); setiap \
            peristiwa divalidasi ulang terhadap skemanya dan aturan domain; ID peristiwa unik, \
            waktu appended berurutan; indeks ID dan aliran (stream), node Merkle tersimpan, dan \
            catatan registri dibandingkan dengan entri. Dengan --trusted, checkpoint yang disimpan \
            di luar ledger (yang terakhir ditandatangani bersama oleh Inspektorat) harus \
            diperpanjang oleh log: ini mendeteksi rollback, pemotongan, dan percabangan (fork). \
            Dengan --db, read model dibangun ulang dari log ke berkas sementara dan dibandingkan \
            baris demi baris.
            Dengan --identity FILE (identitas age milik Inspektorat), setiap peristiwa tersegel \
            yang disegel untuk unitnya dibuka: konten yang tidak dapat dibuka, tidak sesuai \
            skemanya, atau tidak cocok dengan komitmen yang ditandatangani peristiwanya menjadi \
            temuan (aturan sealed-content).

            Dengan --since FILE (checkpoint yang disimpan oleh pemeriksaan sebelumnya, lihat \
            --save-checkpoint), pemeriksaan membuktikan bahwa log konsisten dengannya dan hanya \
            memutar ulang entri sesudahnya.

            Bila kebijakan mewajibkan saksi, putusannya UTUH hanya jika checkpoint terakhir \
            memenuhi kuorum; jika tidak, ada temuan atau tidak, putusannya bukan putusan bersih: \
            BELUM DISAKSIKAN menyatakan sejauh mana kuorum terpenuhi (operator yang memegang kunci \
            log dapat saja menulis ulang sisanya dan menandatangani ulang setiap checkpoint). \
            --witness DIR membaca checkpoint terakhir yang ditandatangani bersama oleh saksi di \
            mesin ini (direktori state-nya) dan memeriksa terhadapnya seperti --trusted: riwayat \
            yang ditulis ulang tetap ditemukan meskipun checkpoint di penyimpanan kehilangan tanda \
            tangan bersamanya.

            Ledger dibuka hanya-baca: pemeriksaan dapat berjalan selagi proses lain menambahkan \
            entri. Setiap laporan menyebut apa yang diperiksa: direktori ledger, SHA-256 berkas \
            kebijakan, kunci otoritas, alat, dan waktunya. Dengan --sign-report-with KEY \
            --signed-report FILE pemeriksa menandatanganinya (DSSE atas JSON-nya); siapa pun \
            dapat memeriksanya dengan `jejak verify-report FILE --key VKEY`.
            """) + "\n\n" + helpExamples(
                "jejak inspect",
                "jejak inspect --trusted witnessed.checkpoint --db read-models.sqlite --report audit.html",
                "jejak inspect --save-checkpoint audited.checkpoint",
                "jejak inspect --since audited.checkpoint --save-checkpoint audited.checkpoint --json",
                "jejak inspect --witness /var/lib/inspektorat",
                "jejak inspect --sign-report-with inspektorat.key --signed-report audit.dsse.json") + "\n\n" + localized("""
            Exit codes: 0 intact and witnessed as the policy requires; 1 findings; 2 the audit \
            could not run; 3 no findings, but not witnessed as the policy requires.
            """, id: """
            Kode keluar: 0 utuh dan disaksikan sebagaimana diwajibkan kebijakan; 1 ada temuan; \
            2 pemeriksaan tidak dapat berjalan; 3 tanpa temuan, tetapi tidak disaksikan \
            sebagaimana diwajibkan kebijakan.
            """))

    @OptionGroup var ledgerOption: LedgerOption
    @Option(help: localizedHelp("The trust policy (c2sp.org/tlog-policy; default: the ledger's policy file).",
                                id: "Kebijakan kepercayaan (c2sp.org/tlog-policy; bawaan: berkas kebijakan ledger).", valueName: "file"))
    var policy: String?
    @Option(help: localizedHelp("A signed checkpoint held outside the ledger, which the log must extend.",
                                id: "Checkpoint bertanda tangan yang disimpan di luar ledger, yang harus diperpanjang oleh log.", valueName: "file"))
    var trusted: String?
    @Option(help: localizedHelp("A witness's state directory: its last cosigned checkpoint of this log is the trusted one.",
                                id: "Direktori state saksi: checkpoint log ini yang terakhir ditandatanganinya bersama menjadi checkpoint tepercaya.", valueName: "dir"))
    var witness: String?
    @Option(help: localizedHelp("An earlier audited checkpoint: audit only the entries after it.",
                                id: "Checkpoint yang telah diperiksa sebelumnya: periksa hanya entri sesudahnya.", valueName: "file"))
    var since: String?
    @Option(help: localizedHelp("A read-model SQLite file to rebuild and compare.", id: "Berkas SQLite read model yang akan dibangun ulang dan dibandingkan.", valueName: "file"))
    var db: String?
    @Option(help: localizedHelp("Write an HTML report to this file.", id: "Tulis laporan HTML ke berkas ini.", valueName: "file"))
    var report: String?
    @Option(help: localizedHelp("Write the audited checkpoint to this file (for the next --since).",
                                id: "Tulis checkpoint yang diperiksa ke berkas ini (untuk --since berikutnya).", valueName: "file"))
    var saveCheckpoint: String?
    @Flag(help: localizedHelp("Print the report as JSON.", id: "Cetak laporan sebagai JSON."))
    var json = false
    @Flag(help: localizedHelp("No progress bar.", id: "Tanpa bilah kemajuan."))
    var quiet = false
    @OptionGroup var identity: IdentityOption
    @OptionGroup var signing: ReportSigningOptions

    func run() async throws {
        var report: AuditReport
        let signer = try signing.signer()
        do {
            let authority: VerifierKey
            (report, authority) = try await audit()
            let ledger = try ledgerOption.path()
            report.provenance = try reportProvenance(subject: ledger, policyPath: policy ?? LedgerDirectory(path: ledger).policy,
                                                     authority: authority)
            report.provenance?.signer = signer?.verifierKey.hint
        } catch {
            FileHandle.standardError.write(Data("\(localized("Error", id: "Galat")): \(describe(error))\n".utf8))
            throw ExitCode(2)
        }
        try emit(report, json: json, summary: report.summary(in: CLILanguage.current), html: self.report)
        try signing.write(report, signer: signer)
        if let path = saveCheckpoint, let text = report.checkpoint {
            try writeFile(text, to: path)
            if !json {
                print(localized("Audited checkpoint saved to \(path) (use it with --since next time).",
                                id: "Checkpoint yang diperiksa disimpan ke \(path) (pakai dengan --since pada pemeriksaan berikutnya)."))
            }
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    /// The audit's report, and the registry authority's key it trusted.
    private func audit() async throws -> (AuditReport, VerifierKey) {
        let ledger = try ledgerOption.open(readOnly: true)
        var options = Inspector.Options()
        options.validator = try domainValidator()
        options.readModels = db
        if let reader = try identity.reader(registry: try attempt { try ledger.registry() }) {
            options.sealedReader = reader
            options.projections = ReadModels.builtIn(reader: reader)
        }
        if let policy {
            let text = try readPublicText(policy, what: localized("a tlog-policy", id: "tlog-policy"))
            do { options.policy = try TlogPolicy(parsing: text) } catch {
                throw CLIFailure(description: localized("\(policy) is not a tlog-policy: \(error.message)", id: "\(policy) bukan tlog-policy: \(error.message)"))
            }
        }
        if let trusted { options.trusted = try readCheckpoint(trusted) }
        if let witness {
            guard trusted == nil else { throw ValidationError(localized("Give --trusted or --witness, not both.", id: "Berikan --trusted atau --witness, jangan keduanya.")) }
            let last: SignedCheckpoint?
            do throws(WitnessError) {
                last = try Witness.lastCosigned(stateDirectory: witness, origin: ledger.origin)
            } catch {
                throw CLIFailure(description: error.description)
            }
            guard let last else {
                throw CLIFailure(description: localized("the witness in \(witness) has cosigned no checkpoint of \(ledger.origin)",
                                                        id: "saksi di \(witness) belum menandatangani bersama satu pun checkpoint \(ledger.origin)"))
            }
            options.trusted = last
        }
        if let since { options.since = try readCheckpoint(since) }
        let bar = ProgressBar(enabled: !quiet && !json && isatty(2) == 1)
        options.progress = { done, total in bar.update(done, total) }
        defer { bar.finish() }
        do {
            return (try await Inspector(ledger: ledger, options: options).audit(), ledger.authority)
        } catch {
            throw CLIFailure(description: error.description)
        }
    }
}
