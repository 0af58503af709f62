import Foundation
import GRDB
import Jejak
import JejakCrypto
import JejakDemo
import JejakDomain
import JejakProjections
import JejakTestSupport
import Testing

func seedsDirectory() throws -> String {
    try #require(ScenarioRunner.locateSeeds(from: URL(fileURLWithPath: #filePath).deletingLastPathComponent().path),
                 "no seeds/scenario.json above \(#filePath)")
}

/// A non-durable ledger holding the seed scenario, appended in order with the ledger's clock
/// following the events' times (so `appended` is the scenario's calendar).
struct ScenarioLedger {
    let directory: TemporaryDirectory
    let ledger: Ledger
    let authority: RegistryAuthority
    let scenario: SeedScenario
    let units: SeedUnits
    let report: ScenarioReport

    /// The scenario, its restricted content sealed when `sealed` (each unit then has an age
    /// identity in ``report``); in the clear otherwise (this ledger has no validator), which
    /// is five times faster in a debug build.
    static func make(sealed: Bool = false) async throws -> ScenarioLedger {
        let directory = TemporaryDirectory()
        let runner = try ScenarioRunner(seedsDirectory: try seedsDirectory())
        let clock = ScenarioClock(start: try #require(LedgerTime(rfc3339: "2026-01-01T00:00:00.000Z")))
        var options = Ledger.Options()
        options.durable = false
        options.clock = clock.ledgerClock
        let authorityKey = try SignerKey.generate(name: "projections.test/authority")
        let ledger = try await Ledger.create(at: directory.file("ledger"), origin: "projections.test/ledger",
                                             authorityKey: authorityKey, options: options)
        let authority = RegistryAuthority(key: authorityKey)
        var runOptions = ScenarioRunner.Options()
        runOptions.clock = clock
        runOptions.seal = sealed
        let report = try await runner.run(ledger: ledger, authority: authority, options: runOptions)
        return ScenarioLedger(directory: directory, ledger: ledger, authority: authority, scenario: runner.scenario,
                              units: runner.units, report: report)
    }

    func cleanUp() {
        ledger.close()
        directory.cleanUp()
    }
}

/// Every row of every table (but the rebuild times), as text, for comparing two read-model files.
func dump(_ db: any DatabaseReader) throws -> [String: [String]] {
    try db.read { db in
        var out: [String: [String]] = [:]
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        for table in tables {
            let columns = try db.columns(in: table).map(\.name).filter { $0 != "rebuilt_at" }
            let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
            let rows = try Row.fetchAll(db, sql: "SELECT \(list) FROM \"\(table)\" ORDER BY \(list)")
            out[table] = rows.map { $0.description }
        }
        return out
    }
}

/// A projection that behaves like `base` but throws at entry `failAt`.
struct FailingProjection: Projection {
    struct Injected: Error {}
    let base: any Projection
    let failAt: UInt64
    var name: String { base.name }
    var version: Int { base.version }
    func create(in db: Database) throws { try base.create(in: db) }
    func drop(in db: Database) throws { try base.drop(in: db) }
    func apply(_ entry: LogEntry, in db: Database) throws {
        if entry.index == failAt { throw Injected() }
        try base.apply(entry, in: db)
    }
    func didApplyBatch(through entry: LogEntry, in db: Database) throws { try base.didApplyBatch(through: entry, in: db) }
}

/// A projection that behaves like `base` with another version.
struct VersionedProjection: Projection {
    let base: any Projection
    let version: Int
    var name: String { base.name }
    func create(in db: Database) throws { try base.create(in: db) }
    func drop(in db: Database) throws { try base.drop(in: db) }
    func apply(_ entry: LogEntry, in db: Database) throws { try base.apply(entry, in: db) }
    func didApplyBatch(through entry: LogEntry, in db: Database) throws { try base.didApplyBatch(through: entry, in: db) }
}
