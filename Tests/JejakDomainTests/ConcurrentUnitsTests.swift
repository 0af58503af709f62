import Foundation
import Jejak
import JejakCrypto
import JejakDemo
import JejakDomain
import Synchronization
import Testing

/// `ScenarioRunner.Options.concurrentUnits`: one task per unit, causality kept per stream and,
/// with a replay clock, per day.
@Suite struct ConcurrentUnitsTests {
    private struct Fixture {
        let path = NSTemporaryDirectory() + "jejak-units-" + UUID().uuidString
        let ledger: Ledger
        let authority: RegistryAuthority
        let clock: ScenarioClock?

        init(clock: Bool) async throws {
            let replay = clock ? ScenarioClock(start: try #require(LedgerTime(rfc3339: "2025-12-31T17:00:00.000Z"))) : nil
            var options = Ledger.Options()
            options.durable = false
            options.validator = try DomainValidator.bundled()
            if let replay { options.clock = replay.ledgerClock }
            let key = try SignerKey.generate(name: "units.test/authority")
            ledger = try await Ledger.create(at: path, origin: "units.test/ledger", authorityKey: key, options: options)
            authority = RegistryAuthority(key: key)
            self.clock = replay
        }

        func cleanUp() {
            ledger.close()
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    private static func runner() throws -> ScenarioRunner {
        let seeds = try #require(ScenarioRunner.locateSeeds(from: URL(fileURLWithPath: #filePath).deletingLastPathComponent().path))
        return try ScenarioRunner(seedsDirectory: seeds)
    }

    @Test(arguments: [false, true])
    func everyStreamLandsInScenarioOrder(withClock: Bool) async throws {
        let runner = try Self.runner()
        let fixture = try await Fixture(clock: withClock)
        defer { fixture.cleanUp() }
        var options = ScenarioRunner.Options()
        options.concurrentUnits = true
        options.clock = fixture.clock
        let seen = Mutex<[Int]>([])
        let registered = Mutex<Int?>(nil)
        options.registered = { n in registered.withLock { $0 = n } }
        options.progress = { done, total in
            #expect(total == runner.scenario.events.count)
            seen.withLock { $0.append(done) }
        }
        let report = try await runner.run(ledger: fixture.ledger, authority: fixture.authority, options: options)
        let events = runner.scenario.events
        #expect(registered.withLock { $0 } == 3 * runner.units.units.count, "a registration, a key and a recipient per unit")
        #expect(seen.withLock { $0 } == Array(1...events.count), "progress once per event, in order")
        #expect(report.indexes.count == events.count)
        #expect(try fixture.ledger.size() == UInt64(1 + 3 * runner.units.units.count + events.count))

        for (subject, streamEvents) in runner.scenario.streams {
            let stored = try fixture.ledger.stream(subject)
            #expect(stored.map(\.entry.event.id) == streamEvents.map(\.id), "\(subject)")
        }
        guard withClock else { return }
        // Each entry is stamped no earlier than its own time and within its replay day (WIB):
        // the day of its time, or of a later-dated event before it in the scenario.
        let day = { (t: LedgerTime) in (t.millisecondsSinceEpoch + 7 * 3_600_000) / 86_400_000 }
        var replayDay = Int64.min
        for event in events {
            let instant = try #require(ScenarioClock.instant(of: event.time))
            replayDay = max(replayDay, day(instant))
            let entry = try fixture.ledger.entry(at: try #require(report.indexes[event.id]))
            #expect(entry.appended >= instant, "\(event.id)")
            #expect(day(entry.appended) == replayDay, "\(event.id) appended \(entry.appended.rfc3339) for \(event.time)")
        }
    }

    @Test func aRefusalEndsEveryUnitsWaitAndIsReported() async throws {
        let runner = try Self.runner()
        // biro-perencanaan acknowledges a delivery nobody made; biro-keuangan's later delivery in
        // the same stream waits for that acknowledgement and must be released by the failure.
        let request = #"{"provider":"biro-keuangan","category":"anggaran","title":"Uji","purpose":"Uji","legalBasis":"UU 7/2017","dueDate":"2026-01-09","classification":"terbuka"}"#
        let json = """
        {"fiscalYear":2026,"description":"uji","asOf":"2026-12-31","expected":{"events":3},"events":[
        {"time":"2026-01-05T09:00:00+07:00","source":"biro-perencanaan","type":"exchange.requested.v1","subject":"exchange/t-1","id":"t-1/requested","data":\(request)},
        {"time":"2026-01-05T10:00:00+07:00","source":"biro-perencanaan","type":"exchange.acknowledged.v1","subject":"exchange/t-1","id":"t-1/acknowledged","data":{}},
        {"time":"2026-01-05T11:00:00+07:00","source":"biro-keuangan","type":"exchange.declined.v1","subject":"exchange/t-1","id":"t-1/declined","data":{"reason":"uji","legalBasis":"UU 14/2008"}}
        ]}
        """
        let scenario = try SeedScenario(json: Array(json.utf8))
        for withClock in [false, true] {
            let fixture = try await Fixture(clock: withClock)
            defer { fixture.cleanUp() }
            var options = ScenarioRunner.Options()
            options.concurrentUnits = true
            options.clock = fixture.clock
            do {
                _ = try await ScenarioRunner(units: runner.units, scenario: scenario)
                    .run(ledger: fixture.ledger, authority: fixture.authority, options: options)
                Issue.record("the acknowledgement without a delivery was accepted")
            } catch {
                #expect(error.message.contains("t-1/acknowledged") && error.message.contains("no-delivery-pending"), "\(error)")
            }
            #expect(try fixture.ledger.stream("exchange/t-1").map(\.entry.event.id) == ["t-1/requested"])
        }
    }
}
