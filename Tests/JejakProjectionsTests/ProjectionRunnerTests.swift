import Foundation
import GRDB
import Jejak
import JejakCrypto
import JejakDemo
import JejakDomain
import JejakProjections
import Logging
import ServiceLifecycle
import Testing

@Suite struct ProjectionRunnerTests {
    @Test func theSeedScenarioQueriesReturnWhatTheScenarioImplies() async throws {
        let fixture = try await ScenarioLedger.make()
        defer { fixture.cleanUp() }
        let db = try ReadModelDatabase.openForWriting(path: fixture.directory.file("read-models.sqlite"))
        let runner = try ProjectionRunner(ledger: fixture.ledger, database: db, projections: ReadModels.builtIn())
        let statuses = try await runner.catchUp()
        let size = try fixture.ledger.size()
        #expect(statuses.map(\.position) == Array(repeating: size, count: 4))
        #expect(statuses.allSatisfy { $0.lag == 0 })

        let expected = fixture.scenario.expected
        let models = ReadModels(reader: db)
        let all = try models.exchanges()
        let requests = all.filter { $0.kind == "request" }
        #expect(requests.count == expected.exchanges)
        #expect(all.filter { $0.kind == "distribution" }.count == expected.distributions)
        let counts = try models.exchangeCounts()
        #expect(counts["acknowledged"] == expected.acknowledged)
        #expect(counts["declined"] == expected.declined)
        #expect(counts["withdrawn"] == expected.withdrawn)
        #expect(counts["requested"] == expected["unanswered"])
        #expect(counts["delivered"] == expected["pendingAcknowledgement"])
        #expect(counts["rejected"] == expected["awaitingRedelivery"])
        #expect(requests.filter(\.open).count == expected.open)
        #expect(requests.filter(\.late).count == expected.late)
        #expect(requests.filter { $0.rejections > 0 }.count == expected["rejected"])
        #expect(requests.map(\.rejections).reduce(0, +) == expected["rejections"])
        #expect(requests.map(\.deliveries).reduce(0, +) == expected["deliveries"])

        var overdue = ExchangeFilter()
        overdue.overdueAsOf = fixture.scenario.asOf
        #expect(try models.exchanges(overdue).count == expected.overdueAtEnd)
        var rejected = ExchangeFilter()
        rejected.status = .rejected
        #expect(try models.exchanges(rejected).count == expected["awaitingRedelivery"])

        // Filters by unit and by date, against counts taken from the scenario's own events.
        let openings = fixture.scenario.events.filter { $0.type == .exchangeRequested || $0.type == .exchangeDistributed }
        func involves(_ e: SeedEvent, _ unit: String) -> Bool {
            e.source == unit || e.data["provider"]?.stringValue == unit
                || (e.data["recipients"]?.arrayValue ?? []).contains { $0.stringValue == unit }
        }
        for unit in ["biro-keuangan", "inspektorat", "pusdatin"] {
            var byUnit = ExchangeFilter()
            byUnit.unit = unit
            #expect(try models.exchanges(byUnit).count == openings.filter { involves($0, unit) }.count, "\(unit)")
        }
        var since = ExchangeFilter()
        since.since = "2026-07-01"
        // From 00:00 WIB, the read models' zone, like every date they derive.
        let julyOn = try #require(LedgerTime(rfc3339: "2026-06-30T17:00:00.000Z"))
        #expect(ReadModelTimeZone.wib.start(ofDate: "2026-07-01") == julyOn)
        #expect(try models.exchanges(since).count == openings.filter { (ScenarioClock.instant(of: $0.time) ?? julyOn) >= julyOn }.count)
        var badDate = ExchangeFilter()
        badDate.since = "July"
        #expect(throws: ProjectionError.self) { try models.exchanges(badDate) }

        // The timeline: rejected, then delivered again.
        let redelivered = try await db.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(DISTINCT r.exchange_id) FROM exchange_events r JOIN exchange_events d
                ON d.exchange_id = r.exchange_id AND d.type = 'delivered' AND d.seq > r.seq WHERE r.type = 'rejected'
                """)
        }
        #expect(redelivered == expected.rejectedThenRedelivered)
        // Every event of every exchange is in its row's log indexes and in its timeline, in order.
        var indexed = 0
        for x in all {
            let timeline = try models.timeline(of: x.id)
            #expect(timeline.map(\.logIndex) == x.eventIndexes)
            indexed += timeline.count
        }
        #expect(indexed == fixture.scenario.events.filter { $0.subject.hasPrefix("exchange/") }.count)
        // `appended` follows the scenario's clock; the events' own times are kept verbatim.
        let first = try #require(all.first { $0.id == "exchange/2026-0001" })
        #expect(first.requestedTime == "2026-01-05T12:40:00+07:00")
        #expect(first.requestedAt == "2026-01-05T05:40:00.000Z")

        // Audits.
        let audits = try models.audits()
        #expect(audits.count == expected["audits"])
        #expect(audits.map(\.findingCount).reduce(0, +) == expected.findings)
        #expect(audits.map(\.openFindings).reduce(0, +) == expected.openFindings)
        #expect(audits.flatMap(\.findings).filter { $0.status == "open" }.count == expected.openFindings)
        #expect(audits.map(\.followUpCount).reduce(0, +) == expected["followUps"])
        #expect(audits.flatMap(\.findings).flatMap(\.followUps).count == expected["followUps"])

        // Units and keys as the registry stands.
        let units = try models.units()
        #expect(Set(units.map(\.id)) == fixture.units.ids)
        for unit in units {
            #expect(unit.activeKeys == 1)
            #expect(unit.keys.map(\.vkey) == [fixture.report.keys[unit.id]?.verifierKey.description])
        }

        // Activity: every scenario event is counted once for its publisher.
        let activity = try models.activity()
        #expect(activity.map { $0.counts["published"] ?? 0 }.reduce(0, +) == expected.events)
        #expect(activity.map { $0.counts["requests_made"] ?? 0 }.reduce(0, +) == expected.exchanges)
        #expect(activity.map { $0.counts["requests_received"] ?? 0 }.reduce(0, +) == expected.exchanges)
        #expect(Set(activity.map(\.month)).allSatisfy { $0.hasPrefix("2026-") })
    }

    @Test func aFailureInTheMiddleOfABatchThenARerunGivesTheRowsOfAFreshBuild() async throws {
        let fixture = try await ScenarioLedger.make()
        defer { fixture.cleanUp() }
        var options = ProjectionRunner.Options()
        options.batchSize = 100
        let failAt: UInt64 = 450

        let crashed = try ReadModelDatabase.openForWriting(path: fixture.directory.file("crashed.sqlite"))
        var failing = ReadModels.builtIn()
        failing[0] = FailingProjection(base: failing[0], failAt: failAt)
        let first = try ProjectionRunner(ledger: fixture.ledger, database: crashed, projections: failing, options: options)
        await #expect(throws: ProjectionError.self) { try await first.catchUp() }
        do {
            _ = try await first.catchUp()
        } catch {
            #expect(error.code == .apply)
            #expect(error.message.contains("exchanges") && error.message.contains("entry \(failAt)"))
        }
        // The failed batch (400–499) left nothing: every checkpoint is at 400, before it.
        let checkpoints = try ReadModels(reader: crashed).checkpoints()
        #expect(checkpoints.map(\.position) == [400, 400, 400, 400])
        let partial = try await crashed.read { db in try Int.fetchOne(db, sql: "SELECT MAX(log_index) FROM exchange_events") }
        #expect((partial ?? 0) < 400)

        // A rerun (a new process, say) continues from the checkpoint.
        let rerun = try ProjectionRunner(ledger: fixture.ledger, database: crashed, projections: ReadModels.builtIn(), options: options)
        #expect(try rerun.status().map(\.position) == [400, 400, 400, 400])
        try await rerun.catchUp()

        let fresh = try ReadModelDatabase.openForWriting(path: fixture.directory.file("fresh.sqlite"))
        let scratch = try ProjectionRunner(ledger: fixture.ledger, database: fresh, projections: ReadModels.builtIn())
        try await scratch.catchUp()
        let a = try dump(crashed), b = try dump(fresh)
        #expect(a.keys.sorted() == b.keys.sorted())
        for table in b.keys.sorted() {
            #expect(a[table] == b[table], "table \(table)")
            #expect(!(b[table] ?? []).isEmpty, "table \(table) has rows")
        }
    }

    @Test func aVersionBumpRebuildsThatProjectionOnly() async throws {
        let fixture = try await ScenarioLedger.make()
        defer { fixture.cleanUp() }
        let path = fixture.directory.file("read-models.sqlite")
        let db = try ReadModelDatabase.openForWriting(path: path)
        try await ProjectionRunner(ledger: fixture.ledger, database: db, projections: ReadModels.builtIn()).catchUp()
        let before = try dump(db)
        // A stray row, which a rebuild must drop.
        try await db.write { db in
            try db.execute(sql: """
                INSERT INTO exchanges (id, kind, requester, provider, status, open, requested_at, requested_time,
                    first_index, last_index, event_indexes, events)
                VALUES ('exchange/stray', 'request', 'x', 'y', 'requested', 1, '', '', 0, 0, '[]', 0)
                """)
        }
        var bumped = ReadModels.builtIn()
        bumped[0] = VersionedProjection(base: bumped[0], version: bumped[0].version + 1)
        let runner = try ProjectionRunner(ledger: fixture.ledger, database: db, projections: bumped)
        let size = try fixture.ledger.size()
        #expect(try runner.status().map(\.position) == [0, size, size, size])
        #expect(try runner.status().first?.lag == size)
        try await runner.catchUp()
        var after = try dump(db)
        #expect(after["exchanges"] == before["exchanges"])
        #expect(after["exchange_events"] == before["exchange_events"])
        #expect(try ReadModels(reader: db).checkpoints().first { $0.name == "exchanges" }?.version == ExchangesProjection().version + 1)
        after["projections"] = nil
        var unchanged = before
        unchanged["projections"] = nil
        #expect(after == unchanged)
    }

    @Test func aProjectionAheadOfAnotherAppliesOnlyThePartOfAPreparedBatchItHasNotSeen() async throws {
        let fixture = try await ScenarioLedger.make()
        defer { fixture.cleanUp() }
        var options = ProjectionRunner.Options()
        options.batchSize = 300
        // The exchanges first, to the middle of a batch; then the units join from the first entry,
        // so the batch 300–599 is prepared whole and the exchanges apply it from 450 on.
        let staggered = try ReadModelDatabase.openForWriting(path: fixture.directory.file("staggered.sqlite"))
        try await ProjectionRunner(ledger: fixture.ledger, database: staggered, projections: [ExchangesProjection()],
                                   options: options).catchUp(until: 450)
        let both: [any Projection] = [UnitsProjection(), ExchangesProjection()]
        let runner = try ProjectionRunner(ledger: fixture.ledger, database: staggered, projections: both, options: options)
        #expect(try runner.status().map(\.position) == [0, 450])
        try await runner.catchUp()

        let fresh = try ReadModelDatabase.openForWriting(path: fixture.directory.file("fresh.sqlite"))
        try await ProjectionRunner(ledger: fixture.ledger, database: fresh, projections: both).catchUp()
        let a = try dump(staggered), b = try dump(fresh)
        #expect(a.keys.sorted() == b.keys.sorted())
        for table in b.keys.sorted() {
            #expect(a[table] == b[table], "table \(table)")
        }
        #expect((b["exchange_events"] ?? []).count > 450)
    }

    @Test func batchSizeAndReadAheadDoNotChangeTheRows() async throws {
        let fixture = try await ScenarioLedger.make()
        defer { fixture.cleanUp() }
        var dumps: [[String: [String]]] = []
        for (batchSize, readAhead) in [(4096, 4), (7, 1), (50, 9)] {
            var options = ProjectionRunner.Options()
            options.batchSize = batchSize
            options.readAhead = readAhead
            let db = try ReadModelDatabase.openForWriting(path: fixture.directory.file("rows-\(batchSize).sqlite"))
            try await ProjectionRunner(ledger: fixture.ledger, database: db, projections: ReadModels.builtIn(),
                                       options: options).catchUp()
            var dump = try dump(db)
            dump["projections"] = nil  // rebuilt_at differs
            dumps.append(dump)
        }
        #expect(dumps[0] == dumps[1] && dumps[0] == dumps[2])
        #expect((dumps[0]["exchange_events"] ?? []).count > 450)
    }

    /// An export of the ledger (what a mirror serves) projects into the same rows as the
    /// ledger itself, and a copy that lost a bundle stops the catch-up at what it can read.
    @Test func anExportProjectsIntoTheRowsOfItsLedger() async throws {
        let fixture = try await ScenarioLedger.make()
        defer { fixture.cleanUp() }
        let size = try fixture.ledger.size()
        let export = fixture.directory.file("export")
        _ = try fixture.ledger.export(to: export)
        var dumps: [[String: [String]]] = []
        for (name, source) in [("ledger", fixture.ledger as any LogSource),
                               ("export", ExportSource(directory: export, origin: fixture.ledger.origin, size: size))] {
            let db = try ReadModelDatabase.openForWriting(path: fixture.directory.file("\(name).sqlite"))
            var options = ProjectionRunner.Options()
            options.batchSize = 100
            let statuses = try await ProjectionRunner(source: source, database: db, projections: ReadModels.builtIn(), options: options).catchUp()
            #expect(statuses.allSatisfy { $0.position == size && $0.lag == 0 })
            var dump = try dump(db)
            dump["projections"] = nil  // rebuilt_at differs
            dumps.append(dump)
        }
        #expect(dumps[0] == dumps[1])
        #expect((dumps[1]["exchange_events"] ?? []).count > 450)

        // The same file, read from another log's export, is refused; a missing bundle is named.
        let other = ExportSource(directory: export, origin: "another.test/ledger", size: size)
        let db = try ReadModelDatabase.openForWriting(path: fixture.directory.file("export.sqlite"))
        #expect(throws: ProjectionError.self) { try ProjectionRunner(source: other, database: db, projections: ReadModels.builtIn()) }
        try FileManager.default.removeItem(atPath: export + "/tile/entries/001")
        let fresh = try ReadModelDatabase.openForWriting(path: fixture.directory.file("partial.sqlite"))
        var options = ProjectionRunner.Options()
        options.batchSize = 100
        let runner = try ProjectionRunner(source: ExportSource(directory: export, origin: fixture.ledger.origin, size: size),
                                          database: fresh, projections: ReadModels.builtIn(), options: options)
        do {
            try await runner.catchUp()
            Issue.record("a catch-up over a missing bundle succeeded")
        } catch {
            #expect(error.code == .ledger && error.message.contains("tile/entries/001 is missing"), "\(error)")
        }
        #expect(try runner.status().allSatisfy { $0.position == 200 })  // the batches before it are kept
    }

    /// What `prepare` made of a batch (timeline texts, exchanges opened and folded in it) is used
    /// only for exactly that batch: applied to part of it, the entries are prepared again.
    @Test func aPreparedBatchServesOnlyItsOwnEntries() async throws {
        let fixture = try await ScenarioLedger.make()
        defer { fixture.cleanUp() }
        let projection = ExchangesProjection()
        let entries = try fixture.ledger.entries(from: 0, to: try fixture.ledger.size(), limit: .max)[...]
        let middle = entries.startIndex + entries.count / 2
        var dumps: [[String: [String]]] = []
        for split in [false, true] {
            let db = try ReadModelDatabase.openForWriting(path: fixture.directory.file("prepared-\(split).sqlite"))
            try await db.write { db in
                try projection.create(in: db)
                if split {
                    // The whole batch's preparation, offered for each half.
                    let prepared = projection.prepare(batch: entries)
                    try projection.apply(batch: entries[..<middle], prepared: prepared, in: db)
                    try projection.apply(batch: entries[middle...], prepared: prepared, in: db)
                } else {
                    try projection.apply(batch: entries, prepared: projection.prepare(batch: entries), in: db)
                }
            }
            dumps.append(try dump(db))
        }
        #expect(dumps[0] == dumps[1])
        #expect((dumps[0]["exchange_events"] ?? []).count > 450)
    }

    @Test func aLiveFollowerSeesANewCommitPromptlyAndStopsOnGracefulShutdown() async throws {
        let fixture = try await ScenarioLedger.make()
        defer { fixture.cleanUp() }
        let db = try ReadModelDatabase.openForWriting(path: fixture.directory.file("read-models.sqlite"))
        let runner = try ProjectionRunner(ledger: fixture.ledger, database: db, projections: ReadModels.builtIn())
        let group = ServiceGroup(configuration: .init(services: [runner], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let models = ReadModels(reader: db)

        func waitFor(_ condition: () throws -> Bool) async throws -> Duration? {
            let clock = ContinuousClock(), start = clock.now
            while clock.now - start < .seconds(10) {
                if try condition() { return clock.now - start }
                try await Task.sleep(for: .milliseconds(2))
            }
            return nil
        }
        let size = try fixture.ledger.size()
        #expect(try await waitFor { try runner.status().allSatisfy { $0.position == size } } != nil)

        let key = try #require(fixture.report.keys["biro-keuangan"])
        let event = try UnitPublisher(key: key, ledger: fixture.ledger).sign(
            type: DomainEventType.exchangeRequested.rawValue, subject: "exchange/2027-0001",
            data: ["provider": "biro-perencanaan", "category": "anggaran", "title": "Pagu 2027",
                   "purpose": "Perencanaan", "legalBasis": "UU 17/2003", "dueDate": "2027-01-31",
                   "classification": "terbuka"])
        let receipt = try await fixture.ledger.append(event)
        let seen = try await waitFor { try models.exchanges().contains { $0.id == "exchange/2027-0001" } }
        let latency = try #require(seen, "the follower did not apply the new commit within 10 s")
        #expect(latency < .seconds(1))
        let row = try #require(try models.exchanges().first { $0.id == "exchange/2027-0001" })
        #expect(row.eventIndexes == [receipt.index] && row.status == "requested" && row.requester == "biro-keuangan")
        // The runner's own checkpoints follow right after the commit.
        #expect(try await waitFor { try runner.status().allSatisfy { $0.lag == 0 && $0.logSize == receipt.index + 1 } } != nil)

        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test func aReadModelFileOfAnotherHistoryOfTheSameOriginIsRefused() async throws {
        let fixture = try await ScenarioLedger.make()
        defer { fixture.cleanUp() }
        let db = try ReadModelDatabase.openForWriting(path: fixture.directory.file("read-models.sqlite"))
        try await ProjectionRunner(ledger: fixture.ledger, database: db, projections: ReadModels.builtIn()).catchUp()
        // Another ledger with the same origin and as many entries, but other entries.
        let other = try await ScenarioLedger.make()
        defer { other.cleanUp() }
        #expect(try other.ledger.size() == fixture.ledger.size())
        #expect {
            _ = try ProjectionRunner(ledger: other.ledger, database: db, projections: ReadModels.builtIn())
        } throws: { ($0 as? ProjectionError)?.code == .wrongLedger }
        // The right ledger still continues.
        _ = try ProjectionRunner(ledger: fixture.ledger, database: db, projections: ReadModels.builtIn())
    }

    @Test func aReadModelFileOfAnotherLogIsRefused() async throws {
        let fixture = try await ScenarioLedger.make()
        defer { fixture.cleanUp() }
        let db = try ReadModelDatabase.openForWriting(path: fixture.directory.file("read-models.sqlite"))
        try await db.write { db in
            try db.execute(sql: "CREATE TABLE ledger (origin TEXT NOT NULL); INSERT INTO ledger VALUES ('elsewhere.test/log')")
        }
        #expect {
            _ = try ProjectionRunner(ledger: fixture.ledger, database: db, projections: ReadModels.builtIn())
        } throws: { ($0 as? ProjectionError)?.code == .wrongLedger }
    }
}
