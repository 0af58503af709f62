import Foundation

/// The language an audit report is written in: English, or Bahasa Indonesia with the terms
/// the Inspektorat uses (temuan, utuh, disaksikan). The report's frame — headings, labels, the
/// verdict — is translated; the findings' own sentences and the rules' descriptions stay in
/// English, as the rule codes do.
public enum ReportLanguage: String, Hashable, Sendable, CaseIterable, Codable {
    /// English.
    case en
    /// Bahasa Indonesia.
    case id

    /// The language from the environment: `JEJAK_LANG`, then `LC_ALL`, `LC_MESSAGES` and
    /// `LANG` (`id_ID.UTF-8` and the like give Indonesian); English otherwise.
    ///
    /// ```swift
    /// let language = ReportLanguage.fromEnvironment()   // .id under LANG=id_ID.UTF-8
    /// print(report.summary(in: language))
    /// ```
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ReportLanguage {
        for name in ["JEJAK_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let value = environment[name], !value.isEmpty else { continue }
            return value.lowercased().hasPrefix("id") ? .id : .en
        }
        return .en
    }
}

/// The words of a report in one language.
struct ReportText: Sendable {
    let lang: String
    let audit, exportVerification, integrityAuditOf, verificationOfAnExportOf: String
    let auditRow, audited, policy, authorityKey, tool, signedBy, started: String
    let entriesAuditedLabel, of, verdict: String
    let entriesAudited: @Sendable (UInt64, UInt64, UInt64) -> String
    let checkpointsChecked, witnessedUpTo, noQuorum, size, signaturesVerified, trustedCheckpoint: String
    let readModelTablesCompared, sealedEventsOpened: String
    let took: @Sendable (Double, Double) -> String
    let findingsHeading: String
    let firstOf: @Sendable (Int, Int) -> String
    let findingColumns: [String]
    let perUnit: String
    let unitColumns: [String]
    let rulesChecked: String
    let ruleColumns: [String]
    let auditedCheckpoint, keepIt: String
    let full, incremental, export: String
    let fullTitle, incrementalTitle, exportTitle: String
    let entries: @Sendable (UInt64, UInt64) -> String
    let noNewEntries: String
    let logSize: String
    let checkpoints: @Sendable (Int) -> String
    let signatures: @Sendable (Int) -> String
    let auditedAt: @Sendable (String, String, String, String, String) -> String
    let none: String
    let trustedSize: @Sendable (UInt64) -> String
    let readModels: @Sendable (Int) -> String
    let sealedContent: @Sendable (Int, String) -> String
    let intact, notIntact, notWitnessed, noFindings: String
    let findingsCount: @Sendable (Int) -> String
    let andMore: @Sendable (Int) -> String
    let intactSentence: String
    let notIntactSentence: @Sendable (Int) -> String
    let unwitnessedSentence: @Sendable (String, UInt64?, UInt64) -> String
    let at: (entry: String, event: String, checkpoint: String, table: String)

    static func of(_ language: ReportLanguage) -> ReportText { language == .id ? .indonesian : .english }

    static let english = ReportText(
        lang: "en", audit: "audit", exportVerification: "export verification",
        integrityAuditOf: "Integrity audit of", verificationOfAnExportOf: "Verification of an export of",
        auditRow: "Audit", audited: "Audited", policy: "Policy (SHA-256)", authorityKey: "Authority key", tool: "Tool",
        signedBy: "Signed by", started: "Started", entriesAuditedLabel: "Entries audited", of: "of", verdict: "Verdict",
        entriesAudited: { "\($0) to \($1) (log size \($2))" },
        checkpointsChecked: "Checkpoints checked", witnessedUpTo: "Witnessed up to", noQuorum: "no checkpoint meets the quorum",
        size: "size", signaturesVerified: "Signatures verified", trustedCheckpoint: "Trusted checkpoint",
        readModelTablesCompared: "Read-model tables compared", sealedEventsOpened: "Sealed events opened",
        took: { String(format: "took %.2f s (%.0f entries/s)", $0, $1) },
        findingsHeading: "Findings", firstOf: { "The first \($0) of \($1) are listed." },
        findingColumns: ["Rule", "Entry", "Event id", "Checkpoint", "Table", "What is wrong"],
        perUnit: "Per unit", unitColumns: ["Unit", "Events", "With findings", "Keys used", "First entry", "Last entry"],
        rulesChecked: "Rules checked", ruleColumns: ["Rule", "Meaning", "Findings"],
        auditedCheckpoint: "Audited checkpoint",
        keepIt: "Keep it: it is the starting point of the next incremental audit (<code>jejak inspect --since FILE</code>).",
        full: "full, from genesis", incremental: "incremental", export: "an export (C2SP tlog-tiles), offline, every entry from genesis",
        fullTitle: "Full audit", incrementalTitle: "Incremental audit", exportTitle: "Export",
        entries: { "entries \($0)–\($1)" }, noNewEntries: "no new entries", logSize: "log size",
        checkpoints: { "\($0) checkpoint\($0 == 1 ? "" : "s")" }, signatures: { "\($0) signature\($0 == 1 ? "" : "s")" },
        auditedAt: { subject, time, tool, policy, authority in
            "Audited \(subject) at \(time) with \(tool): policy sha256:\(policy.prefix(16))…, authority \(authority)" },
        none: "none", trustedSize: { "Trusted checkpoint: size \($0)." },
        readModels: { "Read models: \($0) tables compared with a rebuild from the log." },
        sealedContent: { "Sealed content: \($0) sealed events opened as \($1), each matching its schema and signed commitment." },
        intact: "INTACT", notIntact: "NOT INTACT", notWitnessed: "NOT WITNESSED", noFindings: "no findings",
        findingsCount: { "\($0) finding\($0 == 1 ? "" : "s")" }, andMore: { "… and \($0) more (see --json or --report)." },
        intactSentence: "Intact: no findings.",
        notIntactSentence: { "\($0) finding\($0 == 1 ? "" : "s"): the ledger is not intact." },
        unwitnessedSentence: { quorum, witnessed, size in
            let how = witnessed.map {
                "the policy's quorum (\(quorum)) is met only up to size \($0), so entries \($0)–\(size - 1) rest on the log's signature alone"
            } ?? "no checkpoint meets the policy's quorum (\(quorum)), so the whole history rests on the log's signature alone"
            return "No findings, but \(how): whoever holds the log key could have rewritten them. Have the witness cosign (`jejak witness cosign`), or audit against a checkpoint it cosigned (--trusted FILE, --witness DIR)."
        },
        at: ("entry", "event", "checkpoint", "table"))

    static let indonesian = ReportText(
        lang: "id", audit: "pemeriksaan", exportVerification: "verifikasi ekspor",
        integrityAuditOf: "Pemeriksaan integritas", verificationOfAnExportOf: "Verifikasi ekspor",
        auditRow: "Pemeriksaan", audited: "Yang diperiksa", policy: "Kebijakan (SHA-256)", authorityKey: "Kunci otoritas", tool: "Alat",
        signedBy: "Ditandatangani oleh", started: "Dimulai", entriesAuditedLabel: "Entri diperiksa", of: "atas", verdict: "Putusan",
        entriesAudited: { "\($0) sampai \($1) (ukuran log \($2))" },
        checkpointsChecked: "Checkpoint diperiksa", witnessedUpTo: "Disaksikan sampai", noQuorum: "tidak ada checkpoint yang memenuhi kuorum",
        size: "ukuran", signaturesVerified: "Tanda tangan diverifikasi", trustedCheckpoint: "Checkpoint tepercaya",
        readModelTablesCompared: "Tabel read model dibandingkan", sealedEventsOpened: "Peristiwa tersegel dibuka",
        took: { String(format: "selama %.2f dtk (%.0f entri/dtk)", $0, $1) },
        findingsHeading: "Temuan", firstOf: { "Ditampilkan \($0) temuan pertama dari \($1)." },
        findingColumns: ["Aturan", "Entri", "ID peristiwa", "Checkpoint", "Tabel", "Apa yang salah"],
        perUnit: "Per unit", unitColumns: ["Unit", "Peristiwa", "Dengan temuan", "Kunci dipakai", "Entri pertama", "Entri terakhir"],
        rulesChecked: "Aturan yang diperiksa", ruleColumns: ["Aturan", "Arti", "Temuan"],
        auditedCheckpoint: "Checkpoint yang diperiksa",
        keepIt: "Simpan: ini titik awal pemeriksaan bertahap berikutnya (<code>jejak inspect --since FILE</code>).",
        full: "lengkap, dari genesis", incremental: "bertahap", export: "ekspor (C2SP tlog-tiles), luring, setiap entri dari genesis",
        fullTitle: "Pemeriksaan lengkap", incrementalTitle: "Pemeriksaan bertahap", exportTitle: "Ekspor",
        entries: { "entri \($0)–\($1)" }, noNewEntries: "tidak ada entri baru", logSize: "ukuran log",
        checkpoints: { "\($0) checkpoint" }, signatures: { "\($0) tanda tangan" },
        auditedAt: { subject, time, tool, policy, authority in
            "Diperiksa: \(subject) pada \(time) dengan \(tool): kebijakan sha256:\(policy.prefix(16))…, otoritas \(authority)" },
        none: "belum ada", trustedSize: { "Checkpoint tepercaya: ukuran \($0)." },
        readModels: { "Read model: \($0) tabel dibandingkan dengan hasil bangun ulang dari log." },
        sealedContent: { "Konten tersegel: \($0) peristiwa tersegel dibuka sebagai \($1), masing-masing sesuai skema dan komitmen bertandatangannya." },
        intact: "UTUH", notIntact: "TIDAK UTUH", notWitnessed: "BELUM DISAKSIKAN", noFindings: "tidak ada temuan",
        findingsCount: { "\($0) temuan" }, andMore: { "… dan \($0) lagi (lihat --json atau --report)." },
        intactSentence: "Utuh: tidak ada temuan.",
        notIntactSentence: { "\($0) temuan: ledger tidak utuh." },
        unwitnessedSentence: { quorum, witnessed, size in
            let how = witnessed.map {
                "kuorum kebijakan (\(quorum)) hanya terpenuhi sampai ukuran \($0), sehingga entri \($0)–\(size - 1) hanya bersandar pada tanda tangan log"
            } ?? "tidak ada checkpoint yang memenuhi kuorum kebijakan (\(quorum)), sehingga seluruh riwayat hanya bersandar pada tanda tangan log"
            return "Tidak ada temuan, tetapi \(how): pemegang kunci log dapat menulis ulang entri tersebut. Mintalah saksi menandatangani (`jejak witness cosign`), atau periksa terhadap checkpoint yang ditandatanganinya (--trusted FILE, --witness DIR)."
        },
        at: ("entri", "peristiwa", "checkpoint", "tabel"))
}
