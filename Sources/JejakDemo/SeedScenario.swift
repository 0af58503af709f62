import Foundation
import JejakAge
import Jejak
import JejakCrypto
import JejakDomain
import JejakInspector
import JejakJSON
import JejakVerification
import Synchronization

// The seed data of the repository's `seeds/` directory — units and a scenario of
// one fiscal year of exchanges — and the runner that publishes the scenario to a ledger.
//
// The files are data, not code: `seeds/units.json` is written by
// hand, `seeds/scenario.json` by `Tools/make-scenario.py`. No key is part of them: the runner
// generates one key per unit each time it runs.

// MARK: - Units

/// A unit of the seed data: what the registry authority registers.
public struct SeedUnit: Hashable, Sendable {
    /// The unit id (the `source` of its events and the name of its key), e.g. `biro-keuangan`.
    public var id: String
    /// The display name, e.g. "Biro Keuangan dan Barang Milik Negara".
    public var name: String
    /// The unit's role.
    public var role: UnitRole

    /// A unit.
    public init(id: String, name: String, role: UnitRole) {
        self.id = id
        self.name = name
        self.role = role
    }
}

/// The units of `seeds/units.json`: a JSON array of `{"id", "name", "role"}` objects.
///
/// ```swift
/// let units = try SeedUnits.load(seedsDirectory: "seeds")
/// print(units["inspektorat"]?.role)  // Optional(inspektorat)
/// ```
public struct SeedUnits: Hashable, Sendable {
    /// The file's name in the seeds directory.
    public static let fileName = "units.json"

    /// The units, in file order.
    public let units: [SeedUnit]
    private let byID: [String: Int]

    /// Units from a list.
    ///
    /// - Throws: ``DomainError`` with code ``DomainError/Code/seedInvalid`` for an invalid unit id
    ///   (see `RegistryEvent.isValidUnitID`), an empty name or a repeated id.
    public init(units: [SeedUnit]) throws(DomainError) {
        var byID: [String: Int] = [:]
        for (i, unit) in units.enumerated() {
            guard RegistryEvent.isValidUnitID(unit.id) else {
                throw DomainError(.seedInvalid, "the unit id \"\(unit.id)\" is not valid (1–64 of a-z 0-9 . _ / -, starting and ending with a letter or digit)")
            }
            guard !unit.name.isEmpty else {
                throw DomainError(.seedInvalid, "the unit \"\(unit.id)\" has an empty name")
            }
            guard byID.updateValue(i, forKey: unit.id) == nil else {
                throw DomainError(.seedInvalid, "the unit \"\(unit.id)\" is listed twice")
            }
        }
        self.units = units
        self.byID = byID
    }

    /// Parses the contents of a `units.json` file.
    ///
    /// - Throws: ``DomainError`` with code ``DomainError/Code/seedInvalid`` naming the problem.
    public init(json bytes: [UInt8]) throws(DomainError) {
        let file = Self.fileName
        guard case .array(let array) = try parseSeed(bytes, file: file) else {
            throw DomainError(.seedInvalid, "\(file) must hold a JSON array of units")
        }
        var units: [SeedUnit] = []
        for (i, value) in array.enumerated() {
            let at = "\(file): unit \(i)"
            let roleText = try requiredString(value, "role", at)
            guard let role = UnitRole(rawValue: roleText) else {
                throw DomainError(.seedInvalid, "\(at): \"\(roleText)\" is not a role (\(UnitRole.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            units.append(SeedUnit(id: try requiredString(value, "id", at), name: try requiredString(value, "name", at), role: role))
        }
        try self.init(units: units)
    }

    /// Loads `units.json` from a seeds directory.
    ///
    /// - Throws: ``DomainError`` with code ``DomainError/Code/seedInvalid`` when the file is
    ///   missing or does not load.
    public static func load(seedsDirectory: String) throws(DomainError) -> SeedUnits {
        try SeedUnits(json: try readSeedFile(seedsDirectory, fileName))
    }

    /// The unit with id `id`, if listed.
    public subscript(id: String) -> SeedUnit? {
        byID[id].map { units[$0] }
    }

    /// The units' ids.
    public var ids: Set<String> { Set(byID.keys) }
}

// MARK: - Scenario

/// One event of the scenario, before it is signed: who publishes what, in which stream, when.
public struct SeedEvent: Hashable, Sendable {
    /// The event time as the publisher states it (RFC 3339 with the unit's offset, e.g.
    /// `2026-01-06T09:15:00+07:00`); it becomes the CloudEvent's `time` verbatim.
    public let time: String
    /// The publishing unit's id (the CloudEvent's `source`; its key signs the event).
    public let source: String
    /// The event type.
    public let type: DomainEventType
    /// The stream, e.g. `exchange/2026-0001` or `audit/2026-001`.
    public let subject: String
    /// The event id (the idempotency key), unique in the scenario.
    public let id: String
    /// The event's `data`, members in file order.
    public let data: JSONValue

    /// An event.
    public init(time: String, source: String, type: DomainEventType, subject: String, id: String, data: JSONValue) {
        self.time = time
        self.source = source
        self.type = type
        self.subject = subject
        self.id = id
        self.data = data
    }

    /// The CloudEvent of this seed event: `time`, `id`, `subject` and `source` as given,
    /// `type` the full type name and `dataschema` the type's schema id. Attributes are
    /// written in the order `CloudEvent.make` uses.
    ///
    /// - Throws: `LedgerError` with code `malformedEvent` when an attribute is not acceptable
    ///   (e.g. a `time` that is not RFC 3339).
    public func cloudEvent() throws(LedgerError) -> CloudEvent {
        let members: [(key: String, value: JSONValue)] = [
            ("specversion", "1.0"), ("id", .string(id)), ("source", .string(source)),
            ("type", .string(type.rawValue)), ("subject", .string(subject)), ("time", .string(time)),
            ("datacontenttype", .string(CloudEvent.jsonContentType)), ("dataschema", .string(type.schemaID)),
            ("data", data),
        ]
        guard let object = JSONObject(members: members) else {
            throw LedgerError(.malformedEvent, "the event \(id) repeats an attribute")
        }
        return try CloudEvent(bytes: JSONWriter.bytes(.object(object)))
    }

    /// The event signed with `key` (which must be the key of ``source``).
    ///
    /// - Throws: as ``cloudEvent()``.
    public func signed(with key: SignerKey) throws(LedgerError) -> SignedEvent {
        SignedEvent.sign(try cloudEvent(), with: key)
    }

    /// The same event with `data` in place of its data (its content sealed, say).
    public func with(data: JSONValue) -> SeedEvent {
        SeedEvent(time: time, source: source, type: type, subject: subject, id: id, data: data)
    }
}

/// Seals the scenario's `terbatas` and `rahasia` exchange content before it is signed, as a
/// unit's publisher does: to the exchange's parties and the oversight units, at each unit's
/// recipient in the registry.
struct ScenarioSealer: Sendable {
    let registry: Registry
    let catalog: SchemaCatalog
    /// Each exchange's state as its opening event made it (parties, classification), by subject.
    let openings: [String: ExchangeState]

    init(events: [SeedEvent], registry: Registry, catalog: SchemaCatalog) {
        var openings: [String: ExchangeState] = [:]
        for e in events where e.type == .exchangeRequested || e.type == .exchangeDistributed {
            openings[e.subject] = ExchangeState(opening: e.type, by: e.source, data: e.data)
        }
        self.registry = registry
        self.catalog = catalog
        self.openings = openings
    }

    func signed(_ event: SeedEvent, with key: SignerKey) throws(DomainError) -> SignedEvent {
        let data: JSONValue
        do {
            data = try SealedContent.sealIfRestricted(event.data, type: event.type, source: event.source,
                                                      exchange: openings[event.subject], registry: registry, catalog: catalog)
        } catch {
            throw DomainError(.seedInvalid, "the content of the scenario event \(event.id) could not be sealed: \(error.message)")
        }
        do { return try event.with(data: data).signed(with: key) } catch {
            throw DomainError(.seedInvalid, "the scenario event \(event.id) cannot be signed: \(error.message)")
        }
    }
}

/// The scenario of `seeds/scenario.json`: a fiscal year of exchanges and one audit, with the
/// counts a correct replay implies.
///
/// The file is a JSON object:
///
/// ```json
/// {"fiscalYear": 2026, "description": "…", "asOf": "2026-12-31",
///  "expected": {"exchanges": 300, "late": 39, "overdueAtEnd": 12, "openFindings": 2, …},
///  "definitions": {"late": "…", …},
///  "events": [{"time": "2026-01-05T12:40:00+07:00", "source": "pusdatin",
///              "type": "exchange.requested.v1", "subject": "exchange/2026-0001",
///              "id": "exchange/2026-0001/requested", "data": {…}}, …]}
/// ```
///
/// `type` is written without the `id.go.kpu.jejak.` prefix. Events are sorted by time, and each
/// stream's events are in an order the exchange and audit rules accept. Each expected count is
/// defined in the file's `definitions`.
public struct SeedScenario: Hashable, Sendable {
    /// The file's name in the seeds directory.
    public static let fileName = "scenario.json"

    /// The counts the scenario implies, as stated by the file (`expected`).
    public struct Expected: Hashable, Sendable {
        /// Every count of the file's `expected` object, by name (the ones below and any others,
        /// such as `rejected`, `pendingAcknowledgement` or `followUps`).
        public let counts: [String: Int]

        /// Creates the counts.
        public init(counts: [String: Int]) {
            self.counts = counts
        }

        /// The count named `name`, or 0 if the file does not state it.
        public subscript(name: String) -> Int { counts[name] ?? 0 }

        /// Streams opened by a request.
        public var exchanges: Int { self["exchanges"] }
        /// Streams holding one distribution.
        public var distributions: Int { self["distributions"] }
        /// All events of the scenario (registry events not included).
        public var events: Int { self["events"] }
        /// Requests ended by an acknowledgement.
        public var acknowledged: Int { self["acknowledged"] }
        /// Acknowledged requests whose accepted delivery is dated after the due date.
        public var late: Int { self["late"] }
        /// Requests with a rejection followed by another delivery.
        public var rejectedThenRedelivered: Int { self["rejectedThenRedelivered"] }
        /// Requests ended by the provider's refusal.
        public var declined: Int { self["declined"] }
        /// Requests ended by the requester's withdrawal.
        public var withdrawn: Int { self["withdrawn"] }
        /// Requests neither acknowledged, declined nor withdrawn at the end.
        public var open: Int { self["open"] }
        /// Open requests whose due date is before ``SeedScenario/asOf``.
        public var overdueAtEnd: Int { self["overdueAtEnd"] }
        /// Audit findings recorded.
        public var findings: Int { self["findings"] }
        /// Findings without any follow-up.
        public var openFindings: Int { self["openFindings"] }
    }

    /// The fiscal year the scenario covers.
    public let fiscalYear: Int
    /// What the scenario holds, in Indonesian.
    public let description: String
    /// The date (`YYYY-MM-DD`) at which the expected counts hold, e.g. `2026-12-31`.
    public let asOf: String
    /// The expected counts.
    public let expected: Expected
    /// What each expected count means, by name (empty if the file has no `definitions`).
    public let definitions: [String: String]
    /// The events, sorted by time.
    public let events: [SeedEvent]

    /// Parses the contents of a `scenario.json` file.
    ///
    /// - Throws: ``DomainError`` with code ``DomainError/Code/seedInvalid`` naming the problem:
    ///   a missing member, an unknown or registry event type, a subject outside the type's area,
    ///   a repeated event id, or an `expected.events` other than the number of events.
    public init(json bytes: [UInt8]) throws(DomainError) {
        let file = Self.fileName
        let root = try parseSeed(bytes, file: file)
        guard case .object = root else {
            throw DomainError(.seedInvalid, "\(file) must hold a JSON object")
        }
        guard let year = root["fiscalYear"]?.int64Value else {
            throw DomainError(.seedInvalid, "\(file): \"fiscalYear\" must be an integer")
        }
        fiscalYear = Int(year)
        description = try requiredString(root, "description", file)
        asOf = try requiredString(root, "asOf", file)
        guard case .object(let expectedObject)? = root["expected"] else {
            throw DomainError(.seedInvalid, "\(file): \"expected\" must be an object of counts")
        }
        var counts: [String: Int] = [:]
        for (name, value) in expectedObject {
            guard let n = value.int64Value, n >= 0 else {
                throw DomainError(.seedInvalid, "\(file): expected.\(name) must be a non-negative integer")
            }
            counts[name] = Int(n)
        }
        expected = Expected(counts: counts)
        var definitions: [String: String] = [:]
        if case .object(let d)? = root["definitions"] {
            for (name, value) in d { if case .string(let s) = value { definitions[name] = s } }
        }
        self.definitions = definitions

        guard case .array(let array)? = root["events"] else {
            throw DomainError(.seedInvalid, "\(file): \"events\" must be an array")
        }
        var events: [SeedEvent] = []
        events.reserveCapacity(array.count)
        var ids: Set<String> = []
        for (i, value) in array.enumerated() {
            let at = "\(file): event \(i)"
            let id = try requiredString(value, "id", at)
            let at2 = "\(file): event \(id)"
            let typeText = try requiredString(value, "type", at2)
            let fullType = typeText.hasPrefix(DomainEventType.prefix) ? typeText : DomainEventType.prefix + typeText
            guard let type = DomainEventType(rawValue: fullType), let area = type.subjectPrefix else {
                throw DomainError(.seedInvalid, "\(at2): \"\(typeText)\" is not an exchange or audit event type")
            }
            let subject = try requiredString(value, "subject", at2)
            guard subject.hasPrefix(area), subject.count > area.count else {
                throw DomainError(.seedInvalid, "\(at2): a \(typeText) event belongs to a stream \"\(area)<id>\", not \"\(subject)\"")
            }
            guard case .object? = value["data"] else {
                throw DomainError(.seedInvalid, "\(at2): \"data\" must be an object")
            }
            guard ids.insert(id).inserted else {
                throw DomainError(.seedInvalid, "\(at2): the event id is used twice")
            }
            events.append(SeedEvent(time: try requiredString(value, "time", at2), source: try requiredString(value, "source", at2),
                                    type: type, subject: subject, id: id, data: value["data"] ?? .null))
        }
        guard counts["events"] == nil || counts["events"] == events.count else {
            throw DomainError(.seedInvalid, "\(file): expected.events is \(counts["events"] ?? 0) but the file holds \(events.count) events")
        }
        self.events = events
    }

    /// Loads `scenario.json` from a seeds directory.
    ///
    /// - Throws: ``DomainError`` with code ``DomainError/Code/seedInvalid`` when the file is
    ///   missing or does not load.
    public static func load(seedsDirectory: String) throws(DomainError) -> SeedScenario {
        try SeedScenario(json: try readSeedFile(seedsDirectory, fileName))
    }

    /// The streams, in the order of their first events, each with its events in order.
    public var streams: [(subject: String, events: [SeedEvent])] {
        var order: [String] = []
        var bySubject: [String: [SeedEvent]] = [:]
        for e in events {
            if bySubject[e.subject] == nil { order.append(e.subject) }
            bySubject[e.subject, default: []].append(e)
        }
        return order.map { (subject: $0, events: bySubject[$0] ?? []) }
    }
}

// MARK: - Runner

/// Publishes the seed scenario to a ledger: registers every unit, gives each a fresh Ed25519 key,
/// then signs and appends every event with its unit's key.
///
/// Keys are generated each time it runs (`SignerKey.generate(name: unitID)`) and returned in the
/// report, never written anywhere. Each event is appended with the expected stream version, so
/// a stream's events land in scenario order, also when streams are appended concurrently.
///
/// ```swift
/// guard let seeds = ScenarioRunner.locateSeeds() else { fatalError("no seeds/ directory") }
/// let runner = try ScenarioRunner(seedsDirectory: seeds)
/// var options = ScenarioRunner.Options()
/// options.concurrent = true
/// let report = try await runner.run(ledger: ledger, authority: authority, options: options)
/// print(report.events, "events;", runner.scenario.expected.overdueAtEnd, "overdue")
/// ```
public struct ScenarioRunner: Sendable {
    /// How the scenario is published.
    public struct Options: Sendable {
        /// Append the events of different streams concurrently (each stream in order), so the
        /// ledger's writer commits many appends together. Default `false`: one event at a time,
        /// in the scenario's time order, so the log order is the scenario's. See also
        /// ``concurrentUnits``, which takes precedence.
        public var concurrent = false
        /// Publish as the units would: one task per unit appends that unit's events in scenario
        /// order, concurrently with the other units, so the ledger's writer commits the appends
        /// of several units together. Causality across units is kept: an event waits until its
        /// stream holds every event before it (a delivery waits for the request it answers, an
        /// acknowledgement for the delivery). With a ``clock``, an event also waits until every
        /// event of an earlier replay day (see ``replayDayOffset``) is appended, and each unit
        /// advances the clock to its event's `time` before appending it: an entry's `appended`
        /// then lies between its own `time` and the end of that day, so everything dated from it
        /// (lateness, overdue, activity per month) falls on the day a sequential replay gives.
        /// Default `false`; takes precedence over ``concurrent``.
        public var concurrentUnits = false
        /// With ``concurrentUnits`` and a ``clock``: the UTC offset, in seconds, of the calendar
        /// days that bound the replay's concurrency. WIB (UTC+07:00, the read models' zone) by default.
        public var replayDayOffset = 7 * 3600
        /// The most streams appended at the same time when ``concurrent`` is set.
        public var maxConcurrentStreams = 64
        /// The `time` of the registry events; `nil` for the time of the run.
        public var registrationTime: LedgerTime?
        /// A clock to advance to each event's own `time` before it is appended, in scenario order,
        /// so that a ledger opened with ``ScenarioClock/ledgerClock`` as its `Options.clock` stamps
        /// each entry's `appended` with the time the scenario says it happened (a replay of the
        /// scenario's year, rather than of the moment it runs). The registry events are stamped with
        /// ``registrationTime`` or, if `nil`, the clock's time when the run starts. With a clock the
        /// events are appended one at a time in time order (``concurrent`` is ignored), or by
        /// day with ``concurrentUnits``. `nil` by default.
        public var clock: ScenarioClock?
        /// Called once the units and their keys are registered, before the first scenario event,
        /// with the number of registry events appended, on the task running ``ScenarioRunner/run(ledger:authority:options:)``.
        public var registered: (@Sendable (_ registryEvents: Int) -> Void)?
        /// Called after events are appended with the number appended so far and the total
        /// (per event, or per stream when ``concurrent``), on the task running ``ScenarioRunner/run(ledger:authority:options:)``.
        public var progress: (@Sendable (_ appended: Int, _ total: Int) -> Void)?

        /// Whether each unit gets an age identity (its recipient registered with its key) and the
        /// content of `terbatas` and `rahasia` exchanges is sealed, as the domain's rules
        /// require. `true` by default; `false` publishes everything in the clear (for a ledger
        /// whose validator allows it).
        public var seal = true

        /// The defaults: one event at a time, registry events stamped with the time of the run.
        public init() {}
    }

    /// The units to register.
    public let units: SeedUnits
    /// The scenario to publish.
    public let scenario: SeedScenario

    /// A runner for `scenario` with the units of `units`.
    ///
    /// - Throws: ``DomainError`` with code ``DomainError/Code/seedInvalid`` when an event's
    ///   `source`, `provider`, `recipients` or `auditedUnit` is not one of `units`.
    public init(units: SeedUnits, scenario: SeedScenario) throws(DomainError) {
        for e in scenario.events {
            var named = [e.source]
            if let p = e.data["provider"]?.stringValue { named.append(p) }
            if let a = e.data["auditedUnit"]?.stringValue { named.append(a) }
            if let r = e.data["recipients"]?.arrayValue { named += r.compactMap(\.stringValue) }
            if let unknown = named.first(where: { units[$0] == nil }) {
                throw DomainError(.seedInvalid, "the scenario event \(e.id) names \"\(unknown)\", which is not in \(SeedUnits.fileName)")
            }
        }
        self.units = units
        self.scenario = scenario
    }

    /// A runner for the units and scenario of a seeds directory.
    ///
    /// - Throws: as ``SeedUnits/load(seedsDirectory:)``, ``SeedScenario/load(seedsDirectory:)``
    ///   and ``init(units:scenario:)``.
    public init(seedsDirectory: String) throws(DomainError) {
        try self.init(units: try SeedUnits.load(seedsDirectory: seedsDirectory),
                      scenario: try SeedScenario.load(seedsDirectory: seedsDirectory))
    }

    /// The seeds shipped with the program (SwiftPM's `Jejak_JejakDemo.resources` beside it, a
    /// copy of the repository's `seeds/`), or those in the directory named by the environment
    /// variable `JEJAK_SEEDS`; `nil` when neither is there.
    public static func bundledSeeds() -> String? {
        if let env = ProcessInfo.processInfo.environment["JEJAK_SEEDS"], !env.isEmpty { return env }
        return BundledResources.directory("Seeds", inBundle: "Jejak_JejakDemo")
    }

    /// The `seeds` directory of the nearest enclosing directory (starting with `start` itself)
    /// that has a `seeds/scenario.json`, or `nil`.
    ///
    /// For tests and tools working in a checkout; the demo uses ``bundledSeeds()``.
    public static func locateSeeds(from start: String = FileManager.default.currentDirectoryPath) -> String? {
        var dir = URL(fileURLWithPath: start).standardizedFileURL
        while true {
            let seeds = dir.appendingPathComponent("seeds")
            if FileManager.default.fileExists(atPath: seeds.appendingPathComponent(SeedScenario.fileName).path) {
                return seeds.path
            }
            let parent = dir.deletingLastPathComponent().standardizedFileURL
            if parent.path == dir.path { return nil }
            dir = parent
        }
    }

    /// Registers the units, adds one fresh key per unit, and appends every scenario event.
    ///
    /// The ledger should be new (its genesis only): units already registered, or streams that
    /// already hold events, make the appends fail.
    ///
    /// - Parameters:
    ///   - ledger: An open, writable ledger.
    ///   - authority: The ledger's registry authority (it registers units and adds keys).
    ///   - options: See ``Options``.
    /// - Returns: The report, with the generated keys.
    /// - Throws: ``DomainError`` with code ``DomainError/Code/seedInvalid`` naming the event the
    ///   ledger refused and why (the ledger's error code and rule); events appended before it stay.
    public func run(ledger: Ledger, authority: RegistryAuthority, options: Options = Options()) async throws(DomainError) -> ScenarioReport {
        let clock = ContinuousClock()
        let start = clock.now

        var generated: [String: SignerKey] = [:]
        var identities: [String: AgeIdentity] = [:]
        for unit in units.units {
            do { generated[unit.id] = try SignerKey.generate(name: unit.id) } catch {
                throw DomainError(.seedInvalid, "no key can be named after the unit \"\(unit.id)\": \(error.message)")
            }
            if options.seal { identities[unit.id] = AgeIdentity.generate() }
        }
        let keys = generated
        var registry: [SignedEvent] = []
        let time = options.registrationTime ?? options.clock?.now ?? .now()
        if let clock = options.clock { clock.advance(to: time) }
        do {
            for unit in units.units {
                registry.append(try authority.registerUnit(unit.id, name: unit.name, role: unit.role, time: time))
                if let key = keys[unit.id] { registry.append(try authority.addKey(key.verifierKey, time: time)) }
                if let identity = identities[unit.id] {
                    registry.append(try authority.addRecipient(identity.recipient, to: unit.id, time: time))
                }
            }
            _ = try await ledger.append(registry)
        } catch {
            throw DomainError(.seedInvalid, "the ledger refused to register the seed units: \(Self.explain(error))")
        }
        let sealer: ScenarioSealer?
        if options.seal {
            let registry: Registry
            do { registry = try ledger.registry() } catch {
                throw DomainError(.seedInvalid, "the registry could not be read after the registration: \(error.message)")
            }
            sealer = ScenarioSealer(events: scenario.events, registry: registry, catalog: try SchemaCatalog.bundled())
        } else {
            sealer = nil
        }
        options.registered?(registry.count)

        let total = scenario.events.count
        var indexes: [String: UInt64] = [:]
        indexes.reserveCapacity(total)
        if options.concurrentUnits {
            indexes = try await publishByUnit(keys: keys, sealer: sealer, ledger: ledger, options: options)
        } else if options.concurrent && options.clock == nil {
            let streams = scenario.streams
            let limit = max(1, options.maxConcurrentStreams)
            var failure: DomainError?
            var done = 0
            await withTaskGroup(of: Result<[(String, UInt64)], DomainError>.self) { group in
                var next = 0
                while next < streams.count && next < limit {
                    let events = streams[next].events
                    group.addTask { await Self.append(stream: events, keys: keys, sealer: sealer, ledger: ledger) }
                    next += 1
                }
                while let result = await group.next() {
                    switch result {
                    case .success(let appended):
                        for (id, index) in appended { indexes[id] = index }
                        done += appended.count
                        options.progress?(done, total)
                    case .failure(let error):
                        if failure == nil { failure = error }
                        group.cancelAll()
                    }
                    if failure == nil && next < streams.count {
                        let events = streams[next].events
                        group.addTask { await Self.append(stream: events, keys: keys, sealer: sealer, ledger: ledger) }
                        next += 1
                    }
                }
            }
            if let failure { throw failure }
        } else {
            var versions: [String: UInt64] = [:]
            for (n, event) in scenario.events.enumerated() {
                let version = versions[event.subject, default: 0]
                if let clock = options.clock {
                    guard let instant = ScenarioClock.instant(of: event.time) else {
                        throw DomainError(.seedInvalid, "the scenario event \(event.id) has a time that is not RFC 3339: \(event.time)")
                    }
                    clock.advance(to: instant)
                }
                indexes[event.id] = try await Self.append(event, version: version, keys: keys, sealer: sealer, ledger: ledger)
                versions[event.subject] = version + 1
                options.progress?(n + 1, total)
            }
        }

        var byType: [DomainEventType: Int] = [:]
        for e in scenario.events { byType[e.type, default: 0] += 1 }
        let size: UInt64
        do { size = try ledger.size() } catch {
            throw DomainError(.seedInvalid, "the ledger's size could not be read after the scenario: \(error.message)")
        }
        return ScenarioReport(keys: keys, identities: identities, registryEvents: registry.count, events: total,
                              streams: Set(scenario.events.map(\.subject)).count, eventsByType: byType,
                              indexes: indexes, logSize: size, elapsed: clock.now - start)
    }

    /// Publishes with one task per unit (``Options/concurrentUnits``); returns each event's log index by id.
    private func publishByUnit(keys: [String: SignerKey], sealer: ScenarioSealer?, ledger: Ledger, options: Options) async throws(DomainError) -> [String: UInt64] {
        let events = scenario.events
        let total = events.count
        var indexes: [String: UInt64] = [:]
        indexes.reserveCapacity(total)
        guard total > 0 else { return indexes }
        let plan = try UnitPublishingPlan(events: events, dayOffset: options.clock == nil ? nil : options.replayDayOffset)
        let gate = PublishingGate(plan: plan)
        let clock = options.clock
        var failure: DomainError?
        let (completions, completed) = AsyncStream<Result<(String, UInt64), DomainError>>.makeStream()
        await withTaskGroup(of: Void.self) { group in
            for positions in plan.byUnit {
                group.addTask {
                    for p in positions {
                        let event = events[p]
                        do throws(DomainError) {
                            try await gate.waitForTurn(of: p)
                            if let clock, let instant = plan.instants[p] { clock.advance(to: instant) }
                            let index = try await Self.append(event, version: plan.versions[p], keys: keys, sealer: sealer, ledger: ledger)
                            await gate.appended(p)
                            completed.yield(.success((event.id, index)))
                        } catch {
                            // A failure of another unit resumes every waiter with it: report only the first.
                            if await gate.fail(error) { completed.yield(.failure(error)) }
                            return
                        }
                    }
                }
            }
            var done = 0
            for await completion in completions {
                switch completion {
                case .success(let (id, index)):
                    indexes[id] = index
                    done += 1
                    options.progress?(done, total)
                case .failure(let error):
                    failure = error
                }
                if failure != nil || done == total { break }
            }
            completed.finish()
        }
        if let failure { throw failure }
        return indexes
    }

    /// Appends one stream's events in order; the result lists (event id, log index).
    private static func append(stream events: [SeedEvent], keys: [String: SignerKey], sealer: ScenarioSealer?,
                               ledger: Ledger) async -> Result<[(String, UInt64)], DomainError> {
        var appended: [(String, UInt64)] = []
        appended.reserveCapacity(events.count)
        for (version, event) in events.enumerated() {
            if Task.isCancelled {
                return .failure(DomainError(.seedInvalid, "the scenario run was cancelled before \(event.id)"))
            }
            do {
                appended.append((event.id, try await append(event, version: UInt64(version), keys: keys, sealer: sealer, ledger: ledger)))
            } catch {
                return .failure(error)
            }
        }
        return .success(appended)
    }

    /// Signs and appends one event as version `version + 1` of its stream; returns its log index.
    private static func append(_ event: SeedEvent, version: UInt64, keys: [String: SignerKey], sealer: ScenarioSealer?,
                               ledger: Ledger) async throws(DomainError) -> UInt64 {
        guard let key = keys[event.source] else {
            throw DomainError(.seedInvalid, "the scenario event \(event.id) comes from \"\(event.source)\", which has no key")
        }
        let signed: SignedEvent
        if let sealer {
            signed = try sealer.signed(event, with: key)
        } else {
            do { signed = try event.signed(with: key) } catch {
                throw DomainError(.seedInvalid, "the scenario event \(event.id) cannot be signed: \(error.message)")
            }
        }
        do {
            return try await ledger.append(signed, expecting: .exactly(version)).index
        } catch {
            throw DomainError(.seedInvalid, "the ledger refused the scenario event \(event.id) (\(event.subject)): \(explain(error))")
        }
    }

    private static func explain(_ error: LedgerError) -> String {
        var text = error.code.name
        if let rule = error.rule { text += " [\(rule)]" }
        return text + ": " + error.message
    }
}

/// What ``ScenarioRunner/Options/concurrentUnits`` needs to know of each event, by scenario position.
private struct UnitPublishingPlan: Sendable {
    /// Each unit's event positions, in scenario order.
    let byUnit: [[Int]]
    /// Each event's subject.
    let subjects: [String]
    /// Each event's stream version before it (the events of its stream before it).
    let versions: [UInt64]
    /// Each event's instant (only with a replay clock).
    let instants: [LedgerTime?]
    /// Each event's replay day: the day of its instant, never less than the day of an event
    /// before it, so that waiting for earlier days never waits for a later event. All 0 without a clock.
    let days: [Int]

    init(events: [SeedEvent], dayOffset: Int?) throws(DomainError) {
        var units: [String: Int] = [:]
        var byUnit: [[Int]] = []
        var streamLengths: [String: UInt64] = [:]
        var subjects: [String] = [], versions: [UInt64] = [], instants: [LedgerTime?] = [], days: [Int] = []
        var day = Int.min
        for (p, event) in events.enumerated() {
            if let u = units[event.source] { byUnit[u].append(p) } else {
                units[event.source] = byUnit.count
                byUnit.append([p])
            }
            subjects.append(event.subject)
            versions.append(streamLengths[event.subject, default: 0])
            streamLengths[event.subject, default: 0] += 1
            if let dayOffset {
                guard let instant = ScenarioClock.instant(of: event.time) else {
                    throw DomainError(.seedInvalid, "the scenario event \(event.id) has a time that is not RFC 3339: \(event.time)")
                }
                let local = instant.millisecondsSinceEpoch + Int64(dayOffset) * 1000
                var localDay = local / 86_400_000
                if local % 86_400_000 < 0 { localDay -= 1 }
                day = max(day, Int(localDay))
                instants.append(instant)
                days.append(day)
            } else {
                instants.append(nil)
                days.append(0)
            }
        }
        self.byUnit = byUnit
        self.subjects = subjects
        self.versions = versions
        self.instants = instants
        self.days = days
    }
}

/// Lets each unit's task append its next event only when the events it depends on are in the
/// log: its stream's earlier events and, with a replay clock, every event of an earlier day.
///
/// Every dependency of an event is an event earlier in the scenario, and each unit appends its
/// events in scenario order, so the earliest event not yet appended can always go: no deadlock.
private actor PublishingGate {
    private let plan: UnitPublishingPlan
    /// The events appended so far, per stream.
    private var streamLengths: [String: UInt64] = [:]
    /// The events not yet appended, per day (days are 0-based from the first event's).
    private var pendingPerDay: [Int]
    private let firstDay: Int
    /// The earliest day with an event not yet appended.
    private var openDay: Int
    private var waiting: [Int: CheckedContinuation<DomainError?, Never>] = [:]
    private var failure: DomainError?

    init(plan: UnitPublishingPlan) {
        self.plan = plan
        let first = plan.days.first ?? 0
        var pending = Array(repeating: 0, count: (plan.days.last ?? first) - first + 1)
        for day in plan.days { pending[day - first] += 1 }
        firstDay = first
        openDay = first
        pendingPerDay = pending
    }

    private func mayGo(_ p: Int) -> Bool {
        streamLengths[plan.subjects[p], default: 0] == plan.versions[p] && plan.days[p] <= openDay
    }

    /// Returns when the event at position `p` may be appended.
    ///
    /// - Throws: the first failure of any unit (see ``fail(_:)``).
    func waitForTurn(of p: Int) async throws(DomainError) {
        if let failure { throw failure }
        if mayGo(p) { return }
        if let error = await withCheckedContinuation({ waiting[p] = $0 }) { throw error }
    }

    /// Records that the event at position `p` is in the log, and lets go the events that waited for it.
    func appended(_ p: Int) {
        streamLengths[plan.subjects[p], default: 0] += 1
        pendingPerDay[plan.days[p] - firstDay] -= 1
        while openDay - firstDay < pendingPerDay.count - 1 && pendingPerDay[openDay - firstDay] == 0 { openDay += 1 }
        for (q, continuation) in waiting where mayGo(q) {
            waiting[q] = nil
            continuation.resume(returning: nil)
        }
    }

    /// Records a unit's failure and ends every wait with it; `true` for the first failure.
    func fail(_ error: DomainError) -> Bool {
        guard failure == nil else { return false }
        failure = error
        for continuation in waiting.values { continuation.resume(returning: error) }
        waiting = [:]
        return true
    }
}

/// A settable ledger clock for replaying the scenario at the times it states.
///
/// Give ``ledgerClock`` to the ledger (`Ledger.Options.clock`) and the clock to the runner
/// (``ScenarioRunner/Options/clock``): the runner advances it to each event's `time` before
/// appending it, so the entries' `appended` times follow the scenario's calendar and anything
/// derived from them (due dates, lateness, activity per month) matches the scenario's counts.
///
/// ```swift
/// guard let start = LedgerTime(rfc3339: "2026-01-01T00:00:00.000Z") else { return }
/// let clock = ScenarioClock(start: start)
/// var ledgerOptions = Ledger.Options()
/// ledgerOptions.clock = clock.ledgerClock
/// let ledger = try await Ledger.create(at: path, origin: "…", authorityKey: authorityKey,
///                                      options: ledgerOptions)
/// let authority = RegistryAuthority(key: authorityKey)
/// var options = ScenarioRunner.Options()
/// options.clock = clock
/// _ = try await runner.run(ledger: ledger, authority: authority, options: options)
/// ```
public final class ScenarioClock: Sendable {
    private let current: Mutex<LedgerTime>

    /// A clock showing `start`.
    public init(start: LedgerTime) {
        current = Mutex(start)
    }

    /// The time the clock shows.
    public var now: LedgerTime { current.withLock { $0 } }

    /// Moves the clock forward to `time`; an earlier time leaves it where it is.
    public func advance(to time: LedgerTime) {
        current.withLock { $0 = max($0, time) }
    }

    /// The clock as a ledger clock (`Ledger.Options.clock`).
    public var ledgerClock: @Sendable () -> LedgerTime {
        { [self] in now }
    }

    /// The instant of an RFC 3339 date-time with any offset (`2026-01-06T09:15:00+07:00`),
    /// truncated to milliseconds; `nil` if it does not parse.
    public static func instant(of time: String) -> LedgerTime? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var date = formatter.date(from: time)
        if date == nil {
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            date = formatter.date(from: time)
        }
        guard let date else { return nil }
        return LedgerTime(millisecondsSinceEpoch: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

/// What ``ScenarioRunner/run(ledger:authority:options:)`` did.
public struct ScenarioReport: Sendable {
    /// The key generated for each unit, by unit id (registered and active in the ledger): keep
    /// them to publish more events as the units. They exist only in memory.
    public let keys: [String: SignerKey]
    /// The age identity generated for each unit, by unit id, whose recipient the registry holds
    /// (empty when ``ScenarioRunner/Options/seal`` is off). They exist only in memory.
    public let identities: [String: AgeIdentity]
    /// The registry events appended (a registration, a key and a recipient per unit).
    public let registryEvents: Int
    /// The scenario events appended.
    public let events: Int
    /// The streams the scenario events belong to.
    public let streams: Int
    /// The scenario events appended, by type.
    public let eventsByType: [DomainEventType: Int]
    /// The log index of each scenario event, by event id.
    public let indexes: [String: UInt64]
    /// The ledger's size after the run.
    public let logSize: UInt64
    /// How long the run took (key generation included).
    public let elapsed: Duration
}

// MARK: - Reading seed files

private func readSeedFile(_ directory: String, _ name: String) throws(DomainError) -> [UInt8] {
    let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
    guard let data = FileManager.default.contents(atPath: path) else {
        throw DomainError(.seedInvalid, "the seed file \(path) is missing or unreadable")
    }
    return [UInt8](data)
}

private func parseSeed(_ bytes: [UInt8], file: String) throws(DomainError) -> JSONValue {
    do { return try JSONParser.parse(bytes) } catch {
        throw DomainError(.seedInvalid, "\(file) is not valid JSON: \(error.message) at byte \(error.offset)")
    }
}

private func requiredString(_ value: JSONValue, _ name: String, _ at: String) throws(DomainError) -> String {
    guard case .string(let s)? = value[name], !s.isEmpty else {
        throw DomainError(.seedInvalid, "\(at): \"\(name)\" must be a non-empty string")
    }
    return s
}
