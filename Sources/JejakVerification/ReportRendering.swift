import Foundation
import JejakBase

extension AuditReport {
    /// A self-contained HTML page for people, in English: see ``html(in:)``.
    public var html: String { html(in: .en) }

    /// A self-contained HTML page for people, in `language`: the verdict, what was audited and
    /// with what trust, the audited range, the findings (each naming the entry, the event and
    /// the rule), per-unit statistics and the rules checked. No scripts, no external resources.
    public func html(in language: ReportLanguage) -> String {
        let t = ReportText.of(language)
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
        func row(_ label: String, _ value: String) -> String { "<tr><th>\(label)</th><td>\(value)</td></tr>" }
        var rows = [row(t.auditRow, modeDescription(t))]
        if let p = provenance {
            rows += [row(t.audited, "<code>\(esc(p.subject))</code>"), row(t.policy, "<code>\(esc(p.policySHA256))</code>"),
                     row(t.authorityKey, "<code>\(esc(p.authorityKey))</code>"), row(t.tool, esc(p.tool))]
            if let signer = p.signer { rows.append(row(t.signedBy, "<code>\(esc(signer))</code>")) }
        }
        rows += [
            row(t.entriesAuditedLabel, t.entriesAudited(auditedFrom, auditedTo == 0 ? 0 : auditedTo - 1, auditedTo)),
            row(t.checkpointsChecked, String(checkpointsChecked)),
            row(t.witnessedUpTo, (witnessedSize.map { "\(t.size) \($0)" } ?? t.noQuorum) + " (quorum <code>\(esc(quorum))</code>)"),
            row(t.signaturesVerified, String(signaturesVerified)),
        ]
        if let trustedSize { rows.append(row(t.trustedCheckpoint, "\(t.size) \(trustedSize)")) }
        if let readModelTables { rows.append(row(t.readModelTablesCompared, String(readModelTables))) }
        if let sealedOpened { rows.append(row("\(t.sealedEventsOpened) (\(esc(sealedReader ?? "")))", String(sealedOpened))) }
        rows.append(row(t.started, esc(startedAt) + ", " + t.took(seconds, eventsPerSecond)))
        let title = mode == .export ? t.verificationOfAnExportOf : t.integrityAuditOf
        var h = """
            <!doctype html>
            <html lang="\(t.lang)"><head><meta charset="utf-8">
            <title>Jejak \(mode == .export ? t.exportVerification : t.audit) — \(esc(origin))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#222;padding:0 1rem}
            .verdict{padding:1rem 1.5rem;border-radius:.5rem;font-size:1.4rem;font-weight:600}
            .clean{background:#e6f4ea;color:#1e6b34}.findings{background:#fde8e8;color:#9b1c1c}.unwitnessed{background:#fff4e0;color:#8a4b00}
            table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
            th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}code,pre{font-size:.85rem}
            pre{background:#f7f7f7;padding:.75rem;overflow-x:auto}
            </style></head><body>
            <h1>\(title) <code>\(esc(origin))</code></h1>
            <div class="verdict \(verdict.rawValue)">\(esc(verdictSentence(in: language)))</div>
            <table>
            \(rows.joined(separator: "\n"))
            </table>

            """
        func header(_ columns: [String]) -> String { "<tr>" + columns.map { "<th>\($0)</th>" }.joined() + "</tr>\n" }
        if !findings.isEmpty {
            h += "<h2>\(t.findingsHeading)</h2>\n"
            if findingCount > findings.count { h += "<p>\(t.firstOf(findings.count, findingCount))</p>\n" }
            h += "<table>" + header(t.findingColumns)
            for f in findings {
                h += "<tr><td><code>\(esc(f.rule))</code></td><td class=\"n\">\(f.index.map(String.init) ?? "")</td>"
                h += "<td><code>\(esc(f.eventID ?? ""))</code></td><td class=\"n\">\(f.checkpointSize.map(String.init) ?? "")</td>"
                h += "<td>\(esc(f.table ?? ""))</td><td>\(esc(f.message))</td></tr>\n"
            }
            h += "</table>\n"
        }
        if !units.isEmpty {
            h += "<h2>\(t.perUnit)</h2>\n<table>" + header(t.unitColumns)
            for u in units {
                h += "<tr><td><code>\(esc(u.unit))</code></td><td class=\"n\">\(u.events)</td><td class=\"n\">\(u.eventsWithFindings)</td>"
                h += "<td class=\"n\">\(u.keys)</td><td class=\"n\">\(u.firstIndex)</td><td class=\"n\">\(u.lastIndex)</td></tr>\n"
            }
            h += "</table>\n"
        }
        h += "<h2>\(t.rulesChecked)</h2>\n<table>" + header(t.ruleColumns)
        for rule in AuditRule.allCases {
            let n = findings.filter { $0.rule == rule.rawValue }.count
            h += "<tr><td><code>\(rule.rawValue)</code></td><td>\(esc(rule.summary))</td><td class=\"n\">\(n)</td></tr>\n"
        }
        h += "</table>\n"
        if let checkpoint {
            h += "<h2>\(t.auditedCheckpoint)</h2>\n<p>\(t.keepIt)</p>\n<pre>\(esc(checkpoint))</pre>\n"
        }
        h += "</body></html>\n"
        return h
    }

    /// What was audited, for the HTML report's table.
    private func modeDescription(_ t: ReportText) -> String {
        switch mode {
        case .full: t.full
        case .incremental: t.incremental
        case .export: t.export
        }
    }

    /// A few lines for a terminal, in English: see ``summary(maxFindings:in:)``.
    public func summary(maxFindings: Int = 20) -> String { summary(maxFindings: maxFindings, in: .en) }

    /// A few lines for a terminal, in `language`: what was audited, the range, the verdict and
    /// the first `maxFindings` findings.
    public func summary(maxFindings: Int = 20, in language: ReportLanguage) -> String {
        let t = ReportText.of(language)
        var lines: [String] = []
        let range = auditedTo > auditedFrom ? t.entries(auditedFrom, auditedTo - 1) : t.noNewEntries
        let title = switch mode { case .full: t.fullTitle; case .incremental: t.incrementalTitle; case .export: t.exportTitle }
        lines.append("\(title) \(t.of) \(origin): \(range) (\(t.logSize) \(auditedTo)), \(t.checkpoints(checkpointsChecked)), \(t.signatures(signaturesVerified)).")
        if let p = provenance {
            lines.append(t.auditedAt(p.subject, startedAt, p.tool, p.policySHA256, p.authorityKey)
                         + (p.signer.map { "; \(t.signedBy.lowercased()) \($0)" } ?? "") + ".")
        }
        lines.append("\(t.witnessedUpTo): \(witnessedSize.map { "\(t.size) \($0)" } ?? t.none) (quorum \(quorum)).")
        if let s = trustedSize { lines.append(t.trustedSize(s)) }
        if let r = readModelTables { lines.append(t.readModels(r)) }
        if let unit = sealedReader, let n = sealedOpened { lines.append(t.sealedContent(n, unit)) }
        let took = t.took(seconds, eventsPerSecond)
        lines.append(took.prefix(1).uppercased() + took.dropFirst() + ".")
        let verdictWord = t.verdict
        switch verdict {
        case .clean:
            lines.append("\(verdictWord): \(t.intact) — \(t.noFindings).")
        case .unwitnessed:
            lines.append("\(verdictWord): \(t.notWitnessed) — " + verdictSentence(in: language))
        case .findings:
            lines.append("\(verdictWord): \(t.notIntact) — \(t.findingsCount(findingCount)):")
            for f in findings.prefix(maxFindings) {
                var at: [String] = []
                if let i = f.index { at.append("\(t.at.entry) \(i)") }
                if let id = f.eventID { at.append("\(t.at.event) \(id)") }
                if let s = f.checkpointSize { at.append("\(t.at.checkpoint) \(s)") }
                if let table = f.table { at.append("\(t.at.table) \(table)") }
                lines.append("  [\(f.rule)] \(at.isEmpty ? "" : at.joined(separator: ", ") + ": ")\(f.message)")
            }
            if findingCount > maxFindings { lines.append("  " + t.andMore(findingCount - maxFindings)) }
        }
        return lines.joined(separator: "\n")
    }

    /// The verdict in one sentence, in English.
    public var verdictSentence: String { verdictSentence(in: .en) }

    /// The verdict in one sentence, in `language`.
    public func verdictSentence(in language: ReportLanguage) -> String {
        let t = ReportText.of(language)
        switch verdict {
        case .clean: return t.intactSentence
        case .findings: return t.notIntactSentence(findingCount)
        case .unwitnessed: return t.unwitnessedSentence(quorum, witnessedSize, auditedTo)
        }
    }
}
