import Foundation
import GRDB
import Jejak
import JejakCrypto
import JejakDomain
import JejakJSON
import Testing

@testable import JejakProjections

/// The exchanges projection on entries built by hand (signed, never appended: the projection
/// reads what a ledger holds, whatever its rules allowed), applied in one batch and one entry at a
/// time: both must give the same rows.
@Suite struct ExchangeFoldTests {
    let key: SignerKey

    init() throws {
        key = try SignerKey.generate(name: "biro-a")
    }

    func entry(_ index: UInt64, _ type: DomainEventType, subject: String, appended: Int64,
               data: JSONValue = [:]) throws -> LogEntry {
        let event = try CloudEvent.make(id: "\(subject)/\(index)", source: "biro-a", type: type.rawValue,
                                        subject: subject, dataschema: type.schemaID, data: data)
        let leaf = Leaf.encode(appended: LedgerTime(millisecondsSinceEpoch: appended),
                               envelopeJSON: SignedEvent.sign(event, with: key).jsonBytes)
        return try LogEntry(index: index, leaf: leaf)
    }

    /// The rows of `exchanges` and `exchange_events` after applying `entries` in one batch, or
    /// one at a time.
    func rows(_ entries: [LogEntry], oneByOne: Bool) throws -> [String: [String]] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fold-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = try ReadModelDatabase.openForWriting(path: directory.appendingPathComponent("rm.sqlite").path)
        let projection = ExchangesProjection()
        try db.write { db in
            try projection.create(in: db)
            if oneByOne {
                for entry in entries { try projection.apply(batch: [entry][...], prepared: nil, in: db) }
            } else {
                try projection.apply(batch: entries[...], prepared: projection.prepare(batch: entries[...]), in: db)
            }
        }
        return try dump(db)
    }

    /// Two stream names that are canonically equivalent ("é" precomposed and decomposed) but
    /// different bytes are two exchanges, as SQLite and the ledger see them.
    @Test func streamsAreToldApartByTheirBytes() throws {
        let composed = "exchange/caf\u{e9}", decomposed = "exchange/cafe\u{301}"
        #expect(composed == decomposed && Array(composed.utf8) != Array(decomposed.utf8))
        let request: JSONValue = ["provider": "biro-b", "title": "Rekap", "dueDate": "2026-12-31"]
        let entries = [
            try entry(0, .exchangeRequested, subject: composed, appended: 1_780_000_000_000, data: request),
            try entry(1, .exchangeRequested, subject: decomposed, appended: 1_780_000_001_000, data: request),
            try entry(2, .exchangeDelivered, subject: decomposed, appended: 1_780_000_002_000),
        ]
        for oneByOne in [false, true] {
            let rows = try rows(entries, oneByOne: oneByOne)
            let exchanges = rows["exchanges"] ?? []
            #expect(exchanges.count == 2, "one by one: \(oneByOne)")
            #expect(exchanges.filter { $0.contains("status:\"delivered\"") }.count == 1, "one by one: \(oneByOne)")
            #expect(exchanges.filter { $0.contains("status:\"requested\"") }.count == 1, "one by one: \(oneByOne)")
            #expect((rows["exchange_events"] ?? []).count == 3, "one by one: \(oneByOne)")
        }
        #expect(try rows(entries, oneByOne: false) == rows(entries, oneByOne: true))
    }

    /// An acknowledged exchange is late when its delivery's date (in WIB) is after the due date,
    /// whether the batch opened it or it was read back from the file.
    @Test func lateComparesTheDeliveryDateWithTheDueDate() throws {
        let request: JSONValue = ["provider": "biro-b", "title": "Rekap", "dueDate": "2026-12-31"]
        // 2027-01-15 (late), 2026-12-31T16:59Z = 23:59 WIB (on time), 2026-12-31T17:00Z = 00:00 WIB (late).
        for (delivered, late) in [(1_800_000_000_000 as Int64, 1), (1_798_736_340_000, 0), (1_798_736_400_000, 1)] {
            let entries = [
                try entry(0, .exchangeRequested, subject: "exchange/x", appended: 1_690_000_000_000, data: request),
                try entry(1, .exchangeDelivered, subject: "exchange/x", appended: delivered),
                try entry(2, .exchangeAcknowledged, subject: "exchange/x", appended: delivered + 1000),
            ]
            for oneByOne in [false, true] {
                let row = try #require(rows(entries, oneByOne: oneByOne)["exchanges"]?.first)
                #expect(row.contains("late:\(late)"), "\(delivered), one by one: \(oneByOne): \(row)")
            }
        }
    }
}
