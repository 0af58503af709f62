import Foundation
import GRDB
import Jejak
import JejakCrypto
import JejakDemo
import JejakDomain
import JejakJSON
import JejakProjections
import JejakTestSupport
import Testing

@Suite struct ReplayTests {
    /// Replaying the seed scenario's ledger as of entry N gives, row for row, the read models of
    /// a second ledger that holds only those N entries.
    ///
    /// The second ledger is made honestly: a fresh ledger under the same authority whose clock
    /// is advanced to each original entry's `appended` time before that entry's signed event is
    /// appended again, one entry per commit. Its entries from 1 on are then byte for byte the
    /// first ledger's (checked below); only the genesis entry differs, because `Ledger.create`
    /// stamps the genesis event's own `time` with the wall clock. The read models ignore the
    /// genesis entry, so every cut point from 2 on must agree in every table, checkpoints
    /// (position, last index, last appended time, last leaf hash) included. Cut point 1 is left
    /// out: there the only row that could differ is the checkpoint's hash of that genesis entry.
    @Test func replayAsOfNEqualsTheReadModelsOfALedgerOfNEntries() async throws {
        let fixture = try await ScenarioLedger.make()
        defer { fixture.cleanUp() }
        let original = fixture.ledger
        let size = try original.size()
        let entries = try original.entries(from: 0, to: size, limit: .max)
        #expect(UInt64(entries.count) == size)
        #expect(size > 100)

        let clock = ScenarioClock(start: entries[0].appended)
        var options = Ledger.Options()
        options.durable = false
        options.clock = clock.ledgerClock
        let copy = try await Ledger.create(at: fixture.directory.file("copy"), origin: original.origin,
                                           authorityKey: fixture.authority.key, options: options)
        defer { copy.close() }

        let cuts = Array(Set([2, 3, size / 4, size / 2, size / 2 + 1, 3 * size / 4, size - 1, size])).sorted()
        var next: UInt64 = 1
        var fullCounts: [String: Int] = [:]
        var halfCounts: [String: Int] = [:]
        for cut in cuts {
            while next < cut {
                let entry = entries[Int(next)]
                clock.advance(to: entry.appended)
                _ = try await copy.append(entry.signedEvent)
                next += 1
            }
            #expect(try copy.size() == cut)

            let expectedDB = try ReadModelDatabase.openForWriting(path: fixture.directory.file("copy-\(cut).sqlite"))
            let runner = try ProjectionRunner(ledger: copy, database: expectedDB, projections: ReadModels.builtIn())
            try await runner.catchUp()

            let path = fixture.directory.file("replay-\(cut).sqlite")
            let summary = try await ReadModels.replay(original, until: cut, into: path)
            let replayed = try ReadModelDatabase.openReadOnly(path: path)
            let expected = try dump(expectedDB)
            let actual = try dump(replayed)
            #expect(Set(actual.keys) == Set(expected.keys), "cut \(cut)")
            for table in expected.keys.sorted() {
                #expect(actual[table] == expected[table], "cut \(cut), table \(table)")
            }
            #expect(expected["exchanges"]?.isEmpty == false || cut < size / 4, "cut \(cut): the comparison is not vacuous")

            #expect(summary.position == cut)
            #expect(summary.logSize == size)
            #expect(summary.lastAppended == entries[Int(cut) - 1].appended)
            #expect(summary.projections.allSatisfy { $0.position == cut })
            let counts = try ReadModels(reader: expectedDB).exchangeCounts()
            #expect(summary.exchangeCounts == counts, "cut \(cut)")
            #expect(summary.units == (try ReadModels(reader: expectedDB).units().count))
            if cut == size { fullCounts = counts }
            if cut == size / 2 { halfCounts = counts }
        }
        // Time travel shows another state than the present one.
        #expect(halfCounts != fullCounts)
        // The copy is honest: the same leaves from entry 1 on.
        #expect(try copy.leaves(from: 1, to: size, limit: .max).map(\.leaf) == entries.dropFirst().map(\.leaf))

        // Small batches (overdue flags judged after each one) end in the same rows.
        let cut = size / 2
        let small = fixture.directory.file("replay-small-batches.sqlite")
        _ = try await ReadModels.replay(original, until: cut, into: small, batchSize: 7)
        let oneBatch = try dump(try ReadModelDatabase.openReadOnly(path: fixture.directory.file("replay-\(cut).sqlite")))
        #expect(try dump(try ReadModelDatabase.openReadOnly(path: small)) == oneBatch)
    }

    @Test func replayUntilZeroIsEmptyAndRefusalsLeaveFilesAlone() async throws {
        let fixture = try await SmallLedger.make()
        defer { fixture.cleanUp() }
        let path = fixture.directory.file("empty.sqlite")
        let summary = try await ReadModels.replay(fixture.ledger, until: 0, into: path)
        #expect(summary.position == 0 && summary.lastAppended == nil && summary.exchangeCounts.isEmpty && summary.units == 0)
        let tables = try dump(try ReadModelDatabase.openReadOnly(path: path))
        // Besides the runner's own tables, only the record of who the exchanges are read for.
        for (table, rows) in tables where table != "projections" && table != "ledger" && table != "exchanges_reader" {
            #expect(rows.isEmpty, "\(table)")
        }
        #expect(tables["exchanges_reader"] == [#"[reader:""]"#])
        #expect(tables["projections"]?.count == ReadModels.builtIn().count)

        // An existing file is refused and left as it was.
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        await #expect(throws: ProjectionError.self) {
            try await ReadModels.replay(fixture.ledger, until: 3, into: path)
        }
        do {
            _ = try await ReadModels.replay(fixture.ledger, until: 3, into: path)
        } catch {
            #expect(error.code == .replayTarget)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)

        // Past the end of the log: refused, nothing written.
        let size = try fixture.ledger.size()
        let beyond = fixture.directory.file("beyond.sqlite")
        do {
            _ = try await ReadModels.replay(fixture.ledger, until: size + 1, into: beyond)
            Issue.record("a replay past the end was accepted")
        } catch {
            #expect(error.code == .replayRange)
        }
        #expect(!FileManager.default.fileExists(atPath: beyond))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).filter { $0.contains(".replay-") }
        #expect(leftovers.isEmpty, "\(leftovers)")

        // The whole log: the exchange counts of the present.
        let all = try await ReadModels.replay(fixture.ledger, until: size, into: fixture.directory.file("all.sqlite"))
        #expect(all.exchangeCounts == ["requested": 1])
        #expect(all.units == 1)
    }

    @Test func streamAsOfAnIndexAndIndexAsOfATimeAtTheEdges() async throws {
        let fixture = try await SmallLedger.make()
        defer { fixture.cleanUp() }
        let ledger = fixture.ledger, t = fixture.times, s = SmallLedger.subject
        #expect(try ledger.size() == 7)

        // index(asOf:): the number of entries appended at or before the time.
        #expect(try ledger.index(asOf: LedgerTime(millisecondsSinceEpoch: 0)) == 0)
        #expect(try ledger.index(asOf: t[0].minus(1)) == 0)
        #expect(try ledger.index(asOf: t[0]) == 1)
        #expect(try ledger.index(asOf: t[1].minus(1)) == 1)
        #expect(try ledger.index(asOf: t[1]) == 3, "entries 1 and 2 share their time: both count")
        #expect(try ledger.index(asOf: t[2]) == 4)
        #expect(try ledger.index(asOf: t[3].minus(1)) == 4)
        #expect(try ledger.index(asOf: t[3]) == 5)
        #expect(try ledger.index(asOf: t[4]) == 7)
        #expect(try ledger.index(asOf: t[4].minus(-86_400_000)) == 7, "after the end: the whole log")
        #expect(try ledger.index(asOf: LedgerTime(millisecondsSinceEpoch: .max)) == 7)
        // Against a linear scan, at every entry's time and a millisecond either side.
        let entries = try ledger.entries(from: 0)
        for e in entries {
            for time in [e.appended.minus(1), e.appended, e.appended.minus(-1)] {
                let count = UInt64(entries.filter { $0.appended <= time }.count)
                #expect(try ledger.index(asOf: time) == count, "\(time)")
            }
        }

        // stream(_:asOf:): the events with entry index < asOf, with their versions.
        func versions(_ asOf: UInt64) throws -> [String] {
            try ledger.stream(s, asOf: asOf).map { "v\($0.version)@\($0.entry.index)" }
        }
        #expect(try versions(0) == [])
        #expect(try versions(3) == [])
        #expect(try versions(4) == ["v1@3"], "entry 3 is the first before 4")
        #expect(try versions(5) == ["v1@3"])
        #expect(try versions(6) == ["v1@3", "v2@5"])
        #expect(try versions(7) == ["v1@3", "v2@5", "v3@6"])
        #expect(try versions(100) == ["v1@3", "v2@5", "v3@6"], "after the end: the whole stream")
        #expect(try versions(.max) == ["v1@3", "v2@5", "v3@6"])
        #expect(try ledger.stream(s, asOf: 7).map(\.entry) == ledger.stream(s).map(\.entry))
        #expect(try ledger.stream("exchange/none", asOf: 7).isEmpty)
        #expect(try ledger.stream("registry/biro-a", asOf: 2).map(\.version) == [1])
        #expect(try ledger.stream("registry/biro-a", asOf: 3).map(\.version) == [1, 2])
        // The two together: the stream as it stood at a time.
        #expect(try ledger.stream(s, asOf: ledger.index(asOf: t[3])).map(\.version) == [1])
        #expect(try ledger.stream(s, asOf: ledger.index(asOf: t[4])).map(\.version) == [1, 2, 3])
    }

    @Test func peopleTypedTimesParseInAnyOffset() throws {
        let wib = try #require(LedgerTime(parsing: "2026-03-31T23:59:59.999+07:00"))
        #expect(wib.rfc3339 == "2026-03-31T16:59:59.999Z")
        #expect(LedgerTime(parsing: "2026-03-31T10:00:00Z")?.rfc3339 == "2026-03-31T10:00:00.000Z")
        #expect(LedgerTime(parsing: "2026-03-31t10:00:00.123456-01:30")?.rfc3339 == "2026-03-31T11:30:00.123Z")
        #expect(LedgerTime(parsing: "2026-02-30T00:00:00Z") == nil)
        #expect(LedgerTime(parsing: "2026-03-31") == nil)
        #expect(LedgerTime(parsing: "2026-03-31T10:00:00") == nil, "an offset is required")
    }
}

/// A small ledger with a clock the test moves: genesis at `times[0]`; a unit registered and
/// its key added at `times[1]` (entries 1 and 2, the same time); a request on ``subject`` at
/// `times[2]` (entry 3); an event of another stream at `times[3]` (entry 4); two more events on
/// ``subject`` at `times[4]` (entries 5 and 6, the same time).
struct SmallLedger {
    static let subject = "exchange/2026-000001"
    let directory: TemporaryDirectory
    let ledger: Ledger
    let times: [LedgerTime]

    static func make() async throws -> SmallLedger {
        let directory = TemporaryDirectory()
        let start = try #require(LedgerTime(rfc3339: "2026-03-01T00:00:00.000Z"))
        let times = [0, 60_000, 3_600_000, 86_400_000, 2 * 86_400_000].map { start.minus(-Int64($0)) }
        let clock = ScenarioClock(start: times[0])
        var options = Ledger.Options()
        options.durable = false
        options.clock = clock.ledgerClock
        let authorityKey = try SignerKey.generate(name: "replay.test/authority")
        let ledger = try await Ledger.create(at: directory.file("ledger"), origin: "replay.test/ledger",
                                             authorityKey: authorityKey, options: options)
        let authority = RegistryAuthority(key: authorityKey)
        clock.advance(to: times[1])
        _ = try await ledger.append(try authority.registerUnit("biro-a", name: "Biro A", role: .biro))
        let key = try SignerKey.generate(name: "biro-a")
        _ = try await ledger.append(try authority.addKey(key.verifierKey))
        let unit = UnitPublisher(key: key, ledger: ledger)
        let request: JSONValue = ["provider": "biro-a", "category": "anggaran", "title": "Rekap", "purpose": "Laporan",
                                 "legalBasis": "UU 7/2017", "dueDate": "2026-12-31", "classification": "terbatas"]
        clock.advance(to: times[2])
        _ = try await unit.publish(type: DomainEventType.exchangeRequested.rawValue, subject: subject, data: request)
        clock.advance(to: times[3])
        _ = try await unit.publish(type: "test.other", subject: "other/1", data: ["n": 1])
        clock.advance(to: times[4])
        _ = try await unit.publish(type: "test.note", subject: subject, data: ["n": 2])
        _ = try await unit.publish(type: "test.note", subject: subject, data: ["n": 3])
        return SmallLedger(directory: directory, ledger: ledger, times: times)
    }

    func cleanUp() {
        ledger.close()
        directory.cleanUp()
    }
}

extension LedgerTime {
    /// This time `ms` milliseconds earlier (later for a negative `ms`).
    func minus(_ ms: Int64) -> LedgerTime {
        LedgerTime(millisecondsSinceEpoch: millisecondsSinceEpoch - ms)
    }
}
