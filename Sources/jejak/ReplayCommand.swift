import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakJSON
import JejakOfflineCommands
import JejakProjections

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: localized("Build the read models as they stood at an earlier point of the log (time travel), into a new SQLite file.",
                            id: "Membangun read model sebagaimana keadaannya pada suatu titik lebih awal di log (perjalanan waktu), ke dalam berkas SQLite baru."),
        discussion: localized("""
            Applies the log's first entries, and only those, to every built-in read model \
            (exchanges and their timelines, units and keys, activity per unit per month, audits) \
            in a new SQLite file: the file is what `jejak project` would have built had the log \
            ended there, overdue flags included (judged as of the last entry applied). Query it \
            with `jejak query … --db OUT.sqlite` or any SQLite tool.

            --until names the point:
              INDEX        a number: the first INDEX entries (entries 0 to INDEX-1); 0 is the
                           empty log, the log's size is all of it.
              YYYY-MM-DD   every entry appended up to the end of that day in WIB (UTC+07:00),
                           i.e. up to YYYY-MM-DDT23:59:59.999+07:00.
              RFC 3339     every entry appended at or before that time, e.g.
                           2026-03-31T17:00:00+07:00 or 2026-03-31T10:00:00Z.
            Times are compared with each entry's `appended` time (the ledger's clock when it \
            sequenced the entry), not with the events' own `time`.

            OUT.sqlite must not exist (--force replaces it); it is written under a temporary \
            name and appears only when complete. The ledger is opened read-only, so this may \
            run beside the writing process.
            """, id: """
            Menerapkan entri-entri pertama log, dan hanya entri itu, pada setiap read model bawaan \
            (pertukaran beserta lini masanya, unit dan kunci, aktivitas per unit per bulan, audit) dalam \
            berkas SQLite baru: berkas itu adalah apa yang akan dibangun `jejak project` seandainya log \
            berakhir di titik itu, termasuk penanda keterlambatan (dinilai per entri terakhir yang \
            diterapkan). Lakukan kueri dengan `jejak query … --db OUT.sqlite` atau alat SQLite apa pun.

            --until menyebut titiknya:
              INDEX        sebuah bilangan: INDEX entri pertama (entri 0 sampai INDEX-1); 0 adalah
                           log kosong, ukuran log adalah seluruh log.
              YYYY-MM-DD   setiap entri yang ditambahkan sampai akhir hari itu dalam WIB (UTC+07:00),
                           yaitu sampai YYYY-MM-DDT23:59:59.999+07:00.
              RFC 3339     setiap entri yang ditambahkan pada atau sebelum waktu itu, misalnya
                           2026-03-31T17:00:00+07:00 atau 2026-03-31T10:00:00Z.
            Waktu dibandingkan dengan waktu `appended` setiap entri (jam ledger saat mengurutkan entri \
            itu), bukan dengan `time` milik peristiwa itu sendiri.

            OUT.sqlite tidak boleh sudah ada (--force menggantinya); berkas ditulis dengan nama \
            sementara dan baru muncul setelah lengkap. Ledger dibuka hanya-baca, sehingga perintah ini \
            dapat berjalan berdampingan dengan proses yang menulis ledger.
            """) + "\n\n" + helpExamples("jejak replay --until 1200 --db as-of-1200.sqlite", "jejak replay --until 2026-06-30 --db end-of-june.sqlite", "jejak replay --until 2026-06-30T12:00:00+07:00 --db noon.sqlite --json", "jejak query exchanges --db end-of-june.sqlite --overdue --as-of 2026-06-30"))

    @OptionGroup var ledgerOption: LedgerOption
    @Option(help: localizedHelp("The point: an entry count, a date (end of that day in WIB, +07:00) or an RFC 3339 time.",
                                id: "Titiknya: jumlah entri, tanggal (akhir hari itu dalam WIB, +07:00) atau waktu RFC 3339.",
                                valueName: "index|time"))
    var until: String
    @Option(help: localizedHelp("The new read models' SQLite file.", id: "Berkas SQLite untuk read model yang baru.", valueName: "out.sqlite"))
    var db: String
    @Flag(help: localizedHelp("Replace OUT.sqlite if it exists.", id: "Ganti OUT.sqlite jika sudah ada."))
    var force = false
    @Flag(help: localizedHelp("Print the summary as JSON.", id: "Cetak ringkasan sebagai JSON."))
    var json = false

    /// A point named on the command line.
    enum Point {
        case index(UInt64)
        case time(LedgerTime)
    }

    /// Parses `--until`: digits are an entry count, `YYYY-MM-DD` the end of that day in WIB,
    /// anything else an RFC 3339 time.
    static func parsePoint(_ text: String) -> Point? {
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return UInt64(text).map(Point.index)
        }
        if text.utf8.count == 10, let endOfDay = LedgerTime(parsing: text + "T23:59:59.999+07:00") {
            return .time(endOfDay)
        }
        return LedgerTime(parsing: text).map(Point.time)
    }

    func validate() throws {
        guard Self.parsePoint(until) != nil else {
            throw ValidationError(localized("--until takes an entry count, a date YYYY-MM-DD or an RFC 3339 time, not \"\(until)\".",
                                            id: "--until menerima jumlah entri, tanggal YYYY-MM-DD atau waktu RFC 3339, bukan \"\(until)\"."))
        }
    }

    func run() async throws {
        guard let point = Self.parsePoint(until) else { throw ValidationError(localized("bad --until", id: "--until tidak sah")) }
        if FileManager.default.fileExists(atPath: db) {
            guard force else {
                throw CLIFailure(description: localized("\(db) already exists; pass --force to replace it, or name a new file",
                                                        id: "\(db) sudah ada; berikan --force untuk menggantinya, atau sebutkan berkas baru"))
            }
            for suffix in ["", "-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: db + suffix) {
                do { try FileManager.default.removeItem(atPath: db + suffix) } catch {
                    throw CLIFailure(description: localized("cannot replace \(db): \(error.localizedDescription)",
                                                            id: "tidak dapat mengganti \(db): \(error.localizedDescription)"))
                }
            }
        }
        let ledger = try ledgerOption.open(readOnly: true)
        let index: UInt64
        switch point {
        case .index(let n): index = n
        case .time(let t): index = try attempt { try ledger.index(asOf: t) }
        }
        let summary = try await attempt { try await ReadModels.replay(ledger, until: index, into: db) }
        let asOf: LedgerTime? = if case .time(let t) = point { t } else { nil }
        print(json ? Self.json(summary, db: db, asOf: asOf) : Self.text(summary, db: db, asOf: asOf))
    }

    static func text(_ s: ReplaySummary, db: String, asOf: LedgerTime?) -> String {
        var lines: [String] = []
        let through = asOf.map { localized(" (appended at or before \($0.rfc3339))", id: " (ditambahkan pada atau sebelum \($0.rfc3339))") } ?? ""
        if let last = s.lastAppended {
            lines.append(localized("Replayed the read models as of entry \(s.position) of \(s.logSize): entries 0–\(s.position - 1)\(through), "
                                   + "the last appended \(last.rfc3339).",
                                   id: "Read model diputar ulang per entri \(s.position) dari \(s.logSize): entri 0–\(s.position - 1)\(through), "
                                   + "yang terakhir ditambahkan \(last.rfc3339)."))
        } else {
            lines.append(localized("Replayed the read models as of entry 0 of \(s.logSize): no entries\(through).",
                                   id: "Read model diputar ulang per entri 0 dari \(s.logSize): tanpa entri\(through)."))
        }
        lines.append(localized("Wrote \(db).", id: "Berkas \(db) ditulis."))
        let total = s.exchangeCounts.values.reduce(0, +)
        let byStatus = s.exchangeCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append(localized("Exchanges: \(total)", id: "Pertukaran: \(total)") + (byStatus.isEmpty ? "" : " (\(byStatus))") + ".")
        lines.append(localized("Units: \(s.units).", id: "Unit: \(s.units)."))
        lines.append(localized("Projections: ", id: "Proyeksi: ")
                     + s.projections.map { localized("\($0.name) v\($0.version) at \($0.position)",
                                                     id: "\($0.name) v\($0.version) pada \($0.position)") }
                         .joined(separator: ", ") + ".")
        return lines.joined(separator: "\n")
    }

    static func json(_ s: ReplaySummary, db: String, asOf: LedgerTime?) -> String {
        func number(_ n: UInt64) -> JSONValue { .number(JSONNumber(Int64(n))) }
        let counts = s.exchangeCounts.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSONValue.number(JSONNumber(Int64($0.value)))) }
        let projections: [JSONValue] = s.projections.map {
            ["name": .string($0.name), "version": .number(JSONNumber(Int64($0.version))), "position": number($0.position)]
        }
        let value: JSONValue = .object(JSONObject(members: [
            (key: "db", value: .string(db)),
            (key: "position", value: number(s.position)),
            (key: "logSize", value: number(s.logSize)),
            (key: "asOf", value: asOf.map { .string($0.rfc3339) } ?? .null),
            (key: "lastAppended", value: s.lastAppended.map { .string($0.rfc3339) } ?? .null),
            (key: "exchanges", value: .object(JSONObject(members: counts) ?? JSONObject())),
            (key: "units", value: .number(JSONNumber(Int64(s.units)))),
            (key: "projections", value: .array(projections)),
        ]) ?? JSONObject())
        return jsonLine(value)
    }
}
