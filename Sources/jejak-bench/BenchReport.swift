import Foundation
import JejakCommands
import JejakJSON
import JejakOfflineCommands

/// One figure of `jejak-bench`: a measurement beside the limit it is compared with, and its target.
struct BenchRow: Sendable {
    /// What a figure must reach.
    enum Target: Sendable {
        /// At least this fraction of the limit.
        case ratioAtLeast(Double)
        /// At most this fraction of the limit plus a constant (e.g. disk ≤ 1.3 × leaf + 100 B).
        case ratioAtMost(Double, plus: Double)
        /// At least this value.
        case atLeast(Double)
        /// At most this value.
        case atMost(Double)
    }

    var section: String
    /// The JSON key, `section.name`.
    var key: String
    var name: String
    var value: Double
    var unit: String
    var limitName: String? = nil
    var limit: Double? = nil
    var target: Target? = nil
    var note: String? = nil

    var ratio: Double? {
        guard let limit, limit > 0 else { return nil }
        return value / limit
    }

    /// Whether the target is met; `nil` without a target (or without the limit it needs).
    var met: Bool? {
        switch target {
        case nil: return nil
        case .ratioAtLeast(let r)?: return ratio.map { $0 >= r }
        case .ratioAtMost(let r, let plus)?: return limit.map { value <= r * $0 + plus }
        case .atLeast(let v)?: return value >= v
        case .atMost(let v)?: return value <= v
        }
    }

    var targetText: String {
        switch target {
        case nil: return ""
        case .ratioAtLeast(let r)?: return String(format: "≥ %.2f × limit", r)
        case .ratioAtMost(let r, let plus)?: return String(format: "≤ %.1f × limit + %@", r, BenchRow.format(plus, unit))
        case .atLeast(let v)?: return "≥ " + BenchRow.format(v, unit)
        case .atMost(let v)?: return "≤ " + BenchRow.format(v, unit)
        }
    }

    /// A figure with its unit, grouped by thousands, to three significant digits below 100.
    static func format(_ value: Double, _ unit: String) -> String {
        guard value.isFinite else { return "n/a" }
        let number: String
        if abs(value) >= 100 {
            let f = NumberFormatter()
            f.numberStyle = .decimal
            f.maximumFractionDigits = 0
            f.groupingSeparator = ","
            f.usesGroupingSeparator = true
            number = f.string(from: NSNumber(value: value.rounded())) ?? String(format: "%.0f", value)
        } else if abs(value) >= 10 {
            number = String(format: "%.1f", value)
        } else {
            number = String(format: "%.2f", value)
        }
        return unit.isEmpty ? number : number + " " + unit
    }
}

/// The whole run: where it ran, at what sizes, and every figure.
struct BenchReport: Sendable {
    var date: Date
    var cores: Int
    var cpu: String
    var memoryGiB: Double
    var kernel: String
    var mode: String
    var largeEntries: Int
    var durable: Bool
    var seconds: Double = 0
    var rows: [BenchRow] = []
    var notes: [String] = []

    static func machine() -> (cpu: String, memoryGiB: Double, kernel: String) {
        var cpu = "unknown CPU"
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let name = line.split(separator: ":", maxSplits: 1).last {
            cpu = name.trimmingCharacters(in: .whitespaces)
        }
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30)
        var kernel = ProcessInfo.processInfo.operatingSystemVersionString
        if let release = try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8) {
            kernel = "Linux " + release.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (cpu, memory, kernel)
    }

    var dateText: String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: date)
    }

    var header: String {
        String(format: "jejak-bench, %@: %d cores (%@), %.0f GiB, %@; %@ run, large ledger %@ entries%@, %.0f s",
               dateText, cores, cpu, memoryGiB, kernel, mode, BenchRow.format(Double(largeEntries), ""),
               durable ? "" : ", appends NOT durable (--no-sync)", seconds)
    }

    private func cells(_ r: BenchRow) -> [String] {
        let limit = r.limit.map { (r.limitName.map { $0 + " " } ?? "") + BenchRow.format($0, r.unit) } ?? ""
        let met = r.met.map { $0 ? "yes" : "NO" } ?? ""
        return [r.section, r.name, BenchRow.format(r.value, r.unit), limit,
                r.ratio.map { String(format: "%.2f", $0) } ?? "", r.targetText, met, r.note ?? ""]
    }

    private static let columns = ["section", "figure", "value", "limit", "ratio", "target", "met?", "note"]

    /// A plain-text table, one row per figure.
    var text: String {
        let table = [Self.columns] + rows.map(cells)
        var widths = Array(repeating: 0, count: Self.columns.count)
        for row in table { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        var out = header + "\n\n"
        for (n, row) in table.enumerated() {
            let line = row.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return i == 2 || i == 4 ? pad + c : c + pad   // numbers to the right
            }.joined(separator: "  ")
            out += line.trimmingCharacters(in: .whitespaces) + "\n"
            if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        for note in notes { out += "\n- " + note }
        return out + (notes.isEmpty ? "" : "\n")
    }

    /// The same table in Markdown (for the README).
    var markdown: String {
        var out = header + "\n\n"
        out += "| " + Self.columns.joined(separator: " | ") + " |\n"
        out += "| " + Self.columns.enumerated().map { i, _ in i == 2 || i == 4 ? "---:" : "---" }.joined(separator: " | ") + " |\n"
        for r in rows { out += "| " + cells(r).map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
        for note in notes { out += "\n- " + note }
        return out + (notes.isEmpty ? "" : "\n")
    }

    /// One JSON object: the machine, the run, `figures` (key → value) and `rows` in full.
    var json: String {
        func number(_ d: Double) -> JSONValue {
            let rounded = abs(d) >= 1000 ? d.rounded() : (d * 1000).rounded() / 1000
            return JSONNumber(rounded).map { .number($0) } ?? .null
        }
        func object(_ members: [(String, JSONValue)]) -> JSONValue {
            .object(JSONObject(members: members.map { (key: $0.0, value: $0.1) }) ?? JSONObject())
        }
        let rowValues: [JSONValue] = rows.map { r in
            var m: [(String, JSONValue)] = [("key", .string(r.key)), ("section", .string(r.section)), ("name", .string(r.name)),
                                            ("value", number(r.value)), ("unit", .string(r.unit))]
            if let limit = r.limit {
                m.append(("limitName", .string(r.limitName ?? "")))
                m.append(("limit", number(limit)))
            }
            if let ratio = r.ratio { m.append(("ratio", number(ratio))) }
            if r.target != nil { m.append(("target", .string(r.targetText))) }
            if let met = r.met { m.append(("met", .bool(met))) }
            if let note = r.note { m.append(("note", .string(note))) }
            return object(m)
        }
        let iso = ISO8601DateFormatter()
        return jsonLine(object([
            ("date", .string(iso.string(from: date))), ("cores", .number(JSONNumber(cores))), ("cpu", .string(cpu)),
            ("memoryGiB", number(memoryGiB)), ("kernel", .string(kernel)), ("mode", .string(mode)),
            ("largeEntries", .number(JSONNumber(largeEntries))), ("durable", .bool(durable)), ("seconds", number(seconds)),
            ("figures", object(rows.map { ($0.key, number($0.value)) })),
            ("rows", .array(rowValues)), ("notes", .array(notes.map { .string($0) })),
        ]))
    }
}
