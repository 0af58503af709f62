import Foundation
import JejakBase

extension AuditReport {
    /// A self-contained HTML page for people: the verdict, the audited range, the findings
    /// (each naming the entry, the event and the rule), per-unit statistics and the rules
    /// checked. No scripts, no external resources.
    public var html: String {
        func esc(_ s: String) -> String {
            var out = ""
            out.reserveCapacity(s.count)
            for c in s {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                default: out.append(c)
                }
            }
            return out
        }
        var h = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Jejak \(mode == .export ? "export verification" : "audit") — \(esc(origin))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#222;padding:0 1rem}
            .verdict{padding:1rem 1.5rem;border-radius:.5rem;font-size:1.4rem;font-weight:600}
            .clean{background:#e6f4ea;color:#1e6b34}.findings{background:#fde8e8;color:#9b1c1c}.unwitnessed{background:#fff4e0;color:#8a4b00}
            table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
            th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}code,pre{font-size:.85rem}
            pre{background:#f7f7f7;padding:.75rem;overflow-x:auto}
            </style></head><body>
            <h1>\(mode == .export ? "Verification of an export of" : "Integrity audit of") <code>\(esc(origin))</code></h1>
            <div class="verdict \(verdict.rawValue)">\(esc(verdictSentence))</div>
            <table>
            <tr><th>Audit</th><td>\(modeDescription)</td></tr>
            \(provenanceRows(esc))
            <tr><th>Entries audited</th><td>\(auditedFrom) to \(auditedTo == 0 ? 0 : auditedTo - 1) (log size \(auditedTo))</td></tr>
            <tr><th>Checkpoints checked</th><td>\(checkpointsChecked)</td></tr>
            <tr><th>Witnessed up to</th><td>\(witnessedSize.map { "size \($0)" } ?? "no checkpoint meets the quorum") (quorum <code>\(esc(quorum))</code>)</td></tr>
            <tr><th>Signatures verified</th><td>\(signaturesVerified)</td></tr>
            \(trustedSize.map { "<tr><th>Trusted checkpoint</th><td>size \($0)</td></tr>" } ?? "")
            \(readModelTables.map { "<tr><th>Read-model tables compared</th><td>\($0)</td></tr>" } ?? "")
            \(sealedOpened.map { "<tr><th>Sealed events opened (\(esc(sealedReader ?? "")))</th><td>\($0)</td></tr>" } ?? "")
            <tr><th>Started</th><td>\(esc(startedAt)), took \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", eventsPerSecond)) entries/s)</td></tr>
            </table>

            """
        if !findings.isEmpty {
            h += "<h2>Findings</h2>\n"
            if findingCount > findings.count {
                h += "<p>The first \(findings.count) of \(findingCount) are listed.</p>\n"
            }
            h += "<table><tr><th>Rule</th><th>Entry</th><th>Event id</th><th>Checkpoint</th><th>Table</th><th>What is wrong</th></tr>\n"
            for f in findings {
                h += "<tr><td><code>\(esc(f.rule))</code></td><td class=\"n\">\(f.index.map(String.init) ?? "")</td>"
                h += "<td><code>\(esc(f.eventID ?? ""))</code></td><td class=\"n\">\(f.checkpointSize.map(String.init) ?? "")</td>"
                h += "<td>\(esc(f.table ?? ""))</td><td>\(esc(f.message))</td></tr>\n"
            }
            h += "</table>\n"
        }
        if !units.isEmpty {
            h += "<h2>Per unit</h2>\n<table><tr><th>Unit</th><th>Events</th><th>With findings</th><th>Keys used</th><th>First entry</th><th>Last entry</th></tr>\n"
            for u in units {
                h += "<tr><td><code>\(esc(u.unit))</code></td><td class=\"n\">\(u.events)</td><td class=\"n\">\(u.eventsWithFindings)</td>"
                h += "<td class=\"n\">\(u.keys)</td><td class=\"n\">\(u.firstIndex)</td><td class=\"n\">\(u.lastIndex)</td></tr>\n"
            }
            h += "</table>\n"
        }
        h += "<h2>Rules checked</h2>\n<table><tr><th>Rule</th><th>Meaning</th><th>Findings</th></tr>\n"
        for rule in AuditRule.allCases {
            let n = findings.filter { $0.rule == rule.rawValue }.count
            h += "<tr><td><code>\(rule.rawValue)</code></td><td>\(esc(rule.summary))</td><td class=\"n\">\(n)</td></tr>\n"
        }
        h += "</table>\n"
        if let checkpoint {
            h += "<h2>Audited checkpoint</h2>\n<p>Keep it: it is the starting point of the next incremental audit (<code>jejak inspect --since FILE</code>).</p>\n<pre>\(esc(checkpoint))</pre>\n"
        }
        h += "</body></html>\n"
        return h
    }

    /// The provenance's rows of the HTML report's table (none without one).
    private func provenanceRows(_ esc: (String) -> String) -> String {
        guard let p = provenance else { return "" }
        var rows = [("Audited", "<code>\(esc(p.subject))</code>"), ("Policy (SHA-256)", "<code>\(esc(p.policySHA256))</code>"),
                    ("Authority key", "<code>\(esc(p.authorityKey))</code>"), ("Tool", esc(p.tool)), ("Started", esc(startedAt))]
        if let signer = p.signer { rows.append(("Signed by", "<code>\(esc(signer))</code>")) }
        return rows.map { "<tr><th>\($0.0)</th><td>\($0.1)</td></tr>" }.joined(separator: "\n")
    }

    /// What was audited, for the HTML report's table.
    private var modeDescription: String {
        switch mode {
        case .full: "full, from genesis"
        case .incremental: "incremental"
        case .export: "an export (C2SP tlog-tiles), offline, every entry from genesis"
        }
    }

    /// The first words of the terminal summary.
    private var modeTitle: String {
        switch mode {
        case .full: "Full audit"
        case .incremental: "Incremental audit"
        case .export: "Export"
        }
    }

    /// A few lines for a terminal: the verdict, the range and the first findings.
    public func summary(maxFindings: Int = 20) -> String {
        var lines: [String] = []
        let range = auditedTo > auditedFrom ? "entries \(auditedFrom)–\(auditedTo - 1)" : "no new entries"
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        lines.append("\(modeTitle) of \(origin): \(range) (log size \(auditedTo)), \(count(checkpointsChecked, "checkpoint")), \(count(signaturesVerified, "signature")).")
        if let p = provenance {
            lines.append("Audited \(p.subject) at \(startedAt) with \(p.tool): policy sha256:\(p.policySHA256.prefix(16))…, authority \(p.authorityKey)"
                         + (p.signer.map { "; signed by \($0)" } ?? "") + ".")
        }
        lines.append("Witnessed up to: \(witnessedSize.map { "size \($0)" } ?? "none") (quorum \(quorum)).")
        if let t = trustedSize { lines.append("Trusted checkpoint: size \(t).") }
        if let r = readModelTables { lines.append("Read models: \(r) tables compared with a rebuild from the log.") }
        if let unit = sealedReader, let n = sealedOpened {
            lines.append("Sealed content: \(n) sealed events opened as \(unit), each matching its schema and signed commitment.")
        }
        lines.append(String(format: "Took %.2f s (%.0f entries/s).", seconds, eventsPerSecond))
        switch verdict {
        case .clean:
            lines.append("Verdict: INTACT — no findings.")
        case .unwitnessed:
            lines.append("Verdict: NOT WITNESSED — " + verdictSentence)
        case .findings:
            lines.append("Verdict: NOT INTACT — \(findingCount) finding\(findingCount == 1 ? "" : "s"):")
            for f in findings.prefix(maxFindings) {
                var at: [String] = []
                if let i = f.index { at.append("entry \(i)") }
                if let id = f.eventID { at.append("event \(id)") }
                if let s = f.checkpointSize { at.append("checkpoint \(s)") }
                if let t = f.table { at.append("table \(t)") }
                lines.append("  [\(f.rule)] \(at.isEmpty ? "" : at.joined(separator: ", ") + ": ")\(f.message)")
            }
            if findingCount > maxFindings { lines.append("  … and \(findingCount - maxFindings) more (see --json or --report).") }
        }
        return lines.joined(separator: "\n")
    }

    /// The verdict in one sentence.
    public var verdictSentence: String {
        switch verdict {
        case .clean:
            return "Intact: no findings."
        case .findings:
            return "\(findingCount) finding\(findingCount == 1 ? "" : "s"): the ledger is not intact."
        case .unwitnessed:
            let how = witnessedSize.map {
                "the policy's quorum (\(quorum)) is met only up to size \($0), so entries \($0)–\(auditedTo - 1) rest on the log's signature alone"
            } ?? "no checkpoint meets the policy's quorum (\(quorum)), so the whole history rests on the log's signature alone"
            return "No findings, but \(how): whoever holds the log key could have rewritten them. Have the witness cosign (`jejak witness cosign`), or audit against a checkpoint it cosigned (--trusted FILE, --witness DIR)."
        }
    }
}
