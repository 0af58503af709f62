import Foundation
import Jejak
import JejakCrypto
import JejakDemo
import JejakDomain
import JejakJSON
import Testing

// The repository root, three levels above this file (Tests/JejakDomainTests/<file>).
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func seedsDirectory() throws -> String {
    try #require(ScenarioRunner.locateSeeds(from: URL(fileURLWithPath: #filePath).deletingLastPathComponent().path),
                 "no seeds/scenario.json above \(#filePath)")
}

private struct LoadedSeeds {
    let directory: String
    let units: SeedUnits
    let categories: DataCategories
    let scenario: SeedScenario
}

private func loadSeeds() throws -> LoadedSeeds {
    let dir = try seedsDirectory()
    return LoadedSeeds(directory: dir, units: try SeedUnits.load(seedsDirectory: dir),
                       categories: try domainValidator().catalog.categories,
                       scenario: try SeedScenario.load(seedsDirectory: dir))
}

/// The domain validator with the repository's schemas (`Schemas/`, the source of the bundled copy).
private func domainValidator() throws -> DomainValidator {
    DomainValidator(catalog: try SchemaCatalog(directory: repositoryRoot.appendingPathComponent("Schemas").path))
}

/// Seconds since the epoch of an RFC 3339 time with an offset (`2026-01-06T09:15:00+07:00`).
private func instant(_ time: String) -> Date? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.date(from: time)
}

/// The calendar date of a time in its own offset: its first ten characters.
private func localDate(_ time: String) -> String { String(time.prefix(10)) }

/// A fresh ledger in a temp directory (removed by `cleanUp`), with its authority.
private struct SeedLedger {
    let path: String
    let ledger: Ledger
    let authority: RegistryAuthority

    static func make(validator: any EventValidator) async throws -> SeedLedger {
        let path = NSTemporaryDirectory() + "jejak-seeds-" + UUID().uuidString
        var options = Ledger.Options()
        options.durable = false
        options.validator = validator
        let authorityKey = try SignerKey.generate(name: "seeds.test/authority")
        let ledger = try await Ledger.create(at: path, origin: "seeds.test/ledger", authorityKey: authorityKey, options: options)
        return SeedLedger(path: path, ledger: ledger, authority: RegistryAuthority(key: authorityKey))
    }

    func cleanUp() {
        ledger.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Replays the scenario with the exchange and audit rules, independently of the library, and
/// counts what the file's `expected` states. Records an issue for each rule broken.
private func replay(_ scenario: SeedScenario, units: SeedUnits) -> [String: Int] {
    enum Phase { case requested, deliveryPending, rejected, closed }
    struct Exchange { var requester: String; var provider: String; var due: String; var phase: Phase; var types: [DomainEventType]; var deliveries: [SeedEvent] }
    struct Audit { var audited: String; var findings: [String]; var followed: Set<String>; var closed: Bool; var followUps: Int }
    var exchanges: [String: Exchange] = [:]
    var exchangeOrder: [String] = []
    var distributions: Set<String> = []
    var audits: [String: Audit] = [:]

    for e in scenario.events {
        let s = e.subject
        func broken(_ rule: String) { Issue.record("\(e.id): \(rule)") }
        switch e.type {
        case .exchangeRequested:
            if exchanges[s] != nil || distributions.contains(s) { broken("a request opens a new stream") }
            let provider = e.data["provider"]?.stringValue ?? ""
            if provider == e.source || units[provider] == nil { broken("the provider is another registered unit") }
            exchanges[s] = Exchange(requester: e.source, provider: provider, due: e.data["dueDate"]?.stringValue ?? "",
                                    phase: .requested, types: [.exchangeRequested], deliveries: [])
            exchangeOrder.append(s)
        case .exchangeDistributed:
            if exchanges[s] != nil || distributions.contains(s) { broken("a distribution opens a new stream") }
            let recipients = (e.data["recipients"]?.arrayValue ?? []).compactMap(\.stringValue)
            if recipients.isEmpty || Set(recipients).count != recipients.count || recipients.contains(e.source) {
                broken("recipients are unique and exclude the provider")
            }
            distributions.insert(s)
        case .exchangeDelivered, .exchangeDeclined, .exchangeAcknowledged, .exchangeRejected, .exchangeWithdrawn:
            guard var x = exchanges[s] else { broken("the stream is an opened request"); continue }
            if x.phase == .closed { broken("nothing follows a closed exchange") }
            switch e.type {
            case .exchangeDelivered, .exchangeDeclined:
                if e.source != x.provider { broken("only the provider delivers or declines") }
                if x.phase == .deliveryPending { broken("a delivery already awaits an answer") }
                if e.type == .exchangeDelivered { x.deliveries.append(e) }
                x.phase = e.type == .exchangeDelivered ? .deliveryPending : .closed
            case .exchangeAcknowledged, .exchangeRejected:
                if e.source != x.requester { broken("only the requester acknowledges or rejects") }
                if x.phase != .deliveryPending { broken("acknowledging or rejecting needs a pending delivery") }
                x.phase = e.type == .exchangeAcknowledged ? .closed : .rejected
            default:
                if e.source != x.requester { broken("only the requester withdraws") }
                x.phase = .closed
            }
            x.types.append(e.type)
            exchanges[s] = x
        case .auditOpened:
            if audits[s] != nil { broken("an audit opens a new stream") }
            if units[e.source]?.role != .inspektorat { broken("only the Inspektorat opens audits") }
            let audited = e.data["auditedUnit"]?.stringValue ?? ""
            if units[audited] == nil { broken("the audited unit is registered") }
            audits[s] = Audit(audited: audited, findings: [], followed: [], closed: false, followUps: 0)
        case .auditFindingRecorded, .auditFollowUpRecorded, .auditClosed:
            guard var a = audits[s] else { broken("the stream is an opened audit"); continue }
            if a.closed { broken("nothing follows a closed audit") }
            let finding = e.data["finding"]?.stringValue ?? ""
            switch e.type {
            case .auditFindingRecorded:
                if units[e.source]?.role != .inspektorat { broken("only the Inspektorat records findings") }
                if a.findings.contains(finding) { broken("a finding is recorded once") }
                a.findings.append(finding)
            case .auditFollowUpRecorded:
                if e.source != a.audited { broken("only the audited unit follows up") }
                if !a.findings.contains(finding) { broken("a follow-up names a recorded finding") }
                a.followed.insert(finding)
                a.followUps += 1
            default:
                if units[e.source]?.role != .inspektorat { broken("only the Inspektorat closes audits") }
                a.closed = true
            }
            audits[s] = a
        default:
            broken("units publish exchange and audit events only")
        }
    }

    var c: [String: Int] = [:]
    for key in ["exchanges", "distributions", "events", "acknowledged", "late", "rejectedThenRedelivered", "declined",
                "withdrawn", "open", "overdueAtEnd", "findings", "openFindings", "rejected", "rejections", "deliveries",
                "unanswered", "pendingAcknowledgement", "awaitingRedelivery", "audits", "followUps"] {
        c[key] = 0
    }
    c["events"] = scenario.events.count
    c["distributions"] = distributions.count
    for s in exchangeOrder {
        guard let x = exchanges[s] else { continue }
        c["exchanges", default: 0] += 1
        c["deliveries", default: 0] += x.deliveries.count
        let rejections = x.types.filter { $0 == .exchangeRejected }.count
        c["rejections", default: 0] += rejections
        if rejections > 0 { c["rejected", default: 0] += 1 }
        if let firstRejection = x.types.firstIndex(of: .exchangeRejected),
           x.types[(firstRejection + 1)...].contains(.exchangeDelivered) {
            c["rejectedThenRedelivered", default: 0] += 1
        }
        switch x.types.last {
        case .exchangeAcknowledged?:
            c["acknowledged", default: 0] += 1
            // Dates compare as strings in the YYYY-MM-DD form.
            if let accepted = x.deliveries.last, localDate(accepted.time) > x.due { c["late", default: 0] += 1 }
        case .exchangeDeclined?: c["declined", default: 0] += 1
        case .exchangeWithdrawn?: c["withdrawn", default: 0] += 1
        default:
            c["open", default: 0] += 1
            if x.due < scenario.asOf { c["overdueAtEnd", default: 0] += 1 }
            switch x.types.last {
            case .exchangeRequested?: c["unanswered", default: 0] += 1
            case .exchangeDelivered?:
                c["pendingAcknowledgement", default: 0] += 1
                // The file promises no pending delivery is past due, so "overdue" means the same
                // whether or not a read model counts those.
                if x.due < scenario.asOf { Issue.record("\(s) awaits acknowledgement but is past due") }
            default: c["awaitingRedelivery", default: 0] += 1
            }
        }
    }
    for a in audits.values {
        c["audits", default: 0] += 1
        c["findings", default: 0] += a.findings.count
        c["openFindings", default: 0] += a.findings.filter { !a.followed.contains($0) }.count
        c["followUps", default: 0] += a.followUps
    }
    return c
}

/// The progress reports of a run.
private final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var log: [(Int, Int)] = []
    func add(_ done: Int, _ total: Int) { lock.withLock { log.append((done, total)) } }
    var values: [(Int, Int)] { lock.withLock { log } }
}

/// One way of running the scenario against a real ledger.
struct SeedRun: Sendable, CustomTestStringConvertible {
    let domainValidator: Bool
    let concurrent: Bool
    var testDescription: String {
        (domainValidator ? "DomainValidator" : "AcceptAllValidator") + (concurrent ? ", streams concurrently" : ", in order")
    }
}

@Suite struct SeedScenarioTests {
    @Test func theSeedsAreFoundFromTheTestFileAndNotFromTheRoot() throws {
        let dir = try seedsDirectory()
        #expect(URL(fileURLWithPath: dir).standardizedFileURL.path == repositoryRoot.appendingPathComponent("seeds").standardizedFileURL.path)
        #expect(ScenarioRunner.locateSeeds(from: repositoryRoot.appendingPathComponent("Sources/JejakDomain").path) == dir)
        #expect(ScenarioRunner.locateSeeds(from: "/") == nil)
    }

    @Test func theUnitsLoad() throws {
        let units = try loadSeeds().units
        let byRole = Dictionary(grouping: units.units, by: \.role)
        #expect(byRole[.biro, default: []].count >= 8)
        #expect(units["inspektorat"]?.role == .inspektorat)
        #expect(units["pusdatin"]?.role == .pusdatin)
        #expect(byRole[.inspektorat, default: []].count == 1)
        let regional = byRole[.kpuProvinsi, default: []].count + byRole[.kpuKabkota, default: []].count
        #expect((6...8).contains(regional), "a handful of provincial and regency/city commissions")
        #expect(byRole[.kpuProvinsi, default: []].count >= 2 && byRole[.kpuKabkota, default: []].count >= 2)
        for unit in units.units {
            #expect(RegistryEvent.isValidUnitID(unit.id))
            switch unit.role {
            case .biro: #expect(unit.id.hasPrefix("biro-") && unit.name.hasPrefix("Biro "), "\(unit.id)")
            case .kpuProvinsi: #expect(unit.id.hasPrefix("kpu-provinsi-") && unit.name.hasPrefix("KPU Provinsi "), "\(unit.id)")
            case .kpuKabkota: #expect(unit.id.hasPrefix("kpu-kabkota-") && unit.name.hasPrefix("KPU "), "\(unit.id)")
            default: break
            }
        }
        #expect(units["biro-keuangan"]?.name == "Biro Keuangan dan Barang Milik Negara")
    }

    @Test func theCategoriesLoad() throws {
        let categories = try loadSeeds().categories
        let ids = categories.ids
        for id in ["anggaran", "laporan-keuangan", "aset", "sdm", "regulasi", "dptb", "logistik-pemilu", "hasil-rekapitulasi"] {
            #expect(ids.contains(id), "\(id)")
        }
        for c in categories.categories {
            #expect(c.id.range(of: "^[a-z0-9][a-z0-9-]{0,63}$", options: .regularExpression) != nil, "\(c.id)")
            #expect(!c.name.isEmpty && !c.englishName.isEmpty)
        }
    }

    @Test func everyEventReferencesRegisteredUnitsAndKnownCategories() throws {
        let seeds = try loadSeeds()
        let scenario = seeds.scenario
        #expect(scenario.fiscalYear == 2026)
        #expect(scenario.asOf == "2026-12-31")
        #expect(!scenario.description.isEmpty)
        var previous: Date?
        var opened: Set<String> = []
        for e in scenario.events {
            #expect(seeds.units[e.source] != nil, "\(e.id): source \(e.source)")
            if let provider = e.data["provider"]?.stringValue { #expect(seeds.units[provider] != nil, "\(e.id): provider \(provider)") }
            if let audited = e.data["auditedUnit"]?.stringValue { #expect(seeds.units[audited] != nil, "\(e.id): audited \(audited)") }
            for r in e.data["recipients"]?.arrayValue ?? [] {
                #expect(seeds.units[r.stringValue ?? ""] != nil, "\(e.id): recipient \(r)")
            }
            if let category = e.data["category"]?.stringValue {
                #expect(seeds.categories.ids.contains(category), "\(e.id): category \(category)")
            }
            if e.type == .exchangeRequested || e.type == .exchangeDistributed {
                #expect(seeds.categories.ids.contains(e.data["category"]?.stringValue ?? ""), "\(e.id) has a category")
            }
            let time = try #require(instant(e.time), "\(e.id): time \(e.time)")
            #expect(e.time.hasPrefix("2026-"), "\(e.id) is in the fiscal year")
            #expect(localDate(e.time) <= scenario.asOf, "\(e.id) is not after asOf")
            if let previous { #expect(previous <= time, "\(e.id) is out of time order") }
            previous = time
            #expect(e.id.hasPrefix(e.subject + "/"), "\(e.id) is named after its stream")
            if opened.insert(e.subject).inserted {
                #expect([.exchangeRequested, .exchangeDistributed, .auditOpened].contains(e.type), "\(e.subject) opens with \(e.type)")
            }
            // Items with inline content carry that content's size and digest.
            for item in (e.data["items"]?.arrayValue ?? []) {
                if let content = item["content"]?.stringValue {
                    #expect(item["size"]?.int64Value == Int64(content.utf8.count), "\(e.id): \(item)")
                    #expect(item["sha256"]?.stringValue == SHA256Digest.hash(Array(content.utf8)).hex, "\(e.id): \(item)")
                }
            }
        }
    }

    @Test func theSeedFilesHoldNoKeysAndStaySmall() throws {
        let dir = try seedsDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            #expect(!text.contains("PRIVATE+KEY"), "\(name) holds a private key")
        }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: dir + "/scenario.json")[.size] as? Int)
        #expect(size < 1_500_000)
    }

    @Test func theExpectedCountsAreWhatTheEventsImply() throws {
        let seeds = try loadSeeds()
        let counted = replay(seeds.scenario, units: seeds.units)
        let expected = seeds.scenario.expected
        for name in Set(counted.keys).union(expected.counts.keys).sorted() {
            #expect(counted[name] == expected.counts[name], "expected.\(name): the file says \(expected.counts[name].map(String.init) ?? "nothing"), the events give \(counted[name].map(String.init) ?? "nothing")")
        }
        for name in ["exchanges", "distributions", "events", "acknowledged", "late", "rejectedThenRedelivered", "declined",
                     "withdrawn", "open", "overdueAtEnd", "findings", "openFindings"] {
            #expect(expected.counts[name] != nil, "expected.\(name) is stated")
            #expect(seeds.scenario.definitions[name] != nil, "expected.\(name) is defined")
        }
        // The scenario's shape: every case the read models and the demo rely on is there.
        #expect((250...350).contains(expected.exchanges))
        #expect(expected.distributions > 0 && expected.late > 0 && expected.rejectedThenRedelivered > 0)
        #expect(expected.declined > 0 && expected.withdrawn > 0)
        #expect(expected.open > expected.overdueAtEnd && expected.overdueAtEnd > 0)
        #expect((3...5).contains(expected.findings) && expected.openFindings > 0 && expected.openFindings < expected.findings)
        #expect(expected["audits"] == 1)
        #expect(expected.acknowledged + expected.declined + expected.withdrawn + expected.open == expected.exchanges)
        #expect(expected.open == expected["unanswered"] + expected["pendingAcknowledgement"] + expected["awaitingRedelivery"])
    }

    @Test(arguments: [SeedRun(domainValidator: false, concurrent: false),
                      SeedRun(domainValidator: true, concurrent: false),
                      SeedRun(domainValidator: true, concurrent: true)])
    func theWholeSeedScenarioAppendsCleanly(_ run: SeedRun) async throws {
        let seeds = try loadSeeds()
        let validator: any EventValidator = try run.domainValidator ? domainValidator() : AcceptAllValidator()
        let fixture = try await SeedLedger.make(validator: validator)
        defer { fixture.cleanUp() }

        let events = seeds.scenario.events
        let runner = try ScenarioRunner(units: seeds.units, scenario: seeds.scenario)
        var options = ScenarioRunner.Options()
        options.concurrent = run.concurrent
        options.maxConcurrentStreams = 48
        let progress = ProgressLog()
        options.progress = { done, total in progress.add(done, total) }
        let report = try await runner.run(ledger: fixture.ledger, authority: fixture.authority, options: options)
        let reported = progress.values
        #expect(reported.last.map { [$0.0, $0.1] } == [events.count, events.count])
        #expect(reported.map(\.0) == reported.map(\.0).sorted(), "progress only grows")

        let unitCount = seeds.units.units.count
        #expect(report.events == events.count)
        // A registration, a key and an encryption recipient per unit.
        #expect(report.registryEvents == 3 * unitCount)
        #expect(report.logSize == UInt64(1 + 3 * unitCount + events.count))
        #expect(try fixture.ledger.size() == report.logSize)
        #expect(report.indexes.count == events.count)
        #expect(report.streams == seeds.scenario.streams.count)
        #expect(report.eventsByType.values.reduce(0, +) == events.count)

        // Every unit is registered with its role and the one key the runner made for it.
        let registry = try fixture.ledger.registry()
        #expect(Set(report.keys.keys) == seeds.units.ids)
        for unit in seeds.units.units {
            #expect(registry.unit(unit.id)?.role == unit.role)
            #expect(registry.unit(unit.id)?.name == unit.name)
            #expect(registry.keys(of: unit.id).map(\.vkey) == [report.keys[unit.id]?.verifierKey].compactMap { $0 })
        }

        // Each stream holds its events in scenario order, as signed: time, type, dataschema verbatim;
        // the content of restricted exchanges sealed, opening (as the Inspektorat) to the scenario's.
        let inspektorat = try #require(report.identities["inspektorat"])
        for (subject, streamEvents) in seeds.scenario.streams {
            let stored = try fixture.ledger.stream(subject)
            try #require(stored.count == streamEvents.count, "\(subject)")
            for (entry, seed) in zip(stored, streamEvents) {
                let event = entry.entry.event
                #expect(event.id == seed.id && event.source == seed.source && event.time == seed.time)
                #expect(event.type == seed.type.rawValue)
                #expect(event.dataschema == RegistryEvent.schema(of: event.type))
                if let sealed = try SealedMember.parse(event.data) {
                    #expect(sealed.to.contains("inspektorat"))
                    let opened = try SealedContent.open(sealed, with: [inspektorat], as: "inspektorat")
                    #expect(opened.matches(sealed.commitment))
                    // The same members (the content after the public part): compared in canonical form.
                    #expect(JSONWriter.canonicalBytes(SealedContent.clearData(event.data, opened: opened)) == JSONWriter.canonicalBytes(seed.data))
                } else {
                    #expect(event.data == seed.data)
                }
                #expect(report.indexes[seed.id] == entry.entry.index)
            }
        }
        if !run.concurrent {
            // In order: the log order is the scenario's.
            let indexes = events.compactMap { report.indexes[$0.id] }
            #expect(indexes == Array(indexes.sorted()))
            #expect(indexes.first == UInt64(1 + 3 * unitCount))
        }
        // The keys keep working: a unit can publish more after the scenario.
        let extra = try UnitPublisher(key: try #require(report.keys["biro-keuangan"]), ledger: fixture.ledger).sign(
            type: DomainEventType.exchangeDistributed.rawValue, subject: "exchange/2027-0001",
            data: ["recipients": ["biro-perencanaan"], "category": "anggaran", "title": "Pagu 2027",
                   "classification": "terbuka",
                   "items": [["name": "pagu.pdf", "mediaType": "application/pdf", "size": 1,
                              "sha256": .string(String(repeating: "0", count: 64))]]])
        _ = try await fixture.ledger.append(extra)
    }

    @Test func aRefusedEventIsReportedWithItsIDAndRule() async throws {
        let seeds = try loadSeeds()
        // A scenario whose second event acknowledges a request nobody delivered.
        let json = """
        {"fiscalYear":2026,"description":"uji","asOf":"2026-12-31","expected":{"events":2},"events":[
        {"time":"2026-01-05T09:00:00+07:00","source":"biro-perencanaan","type":"exchange.requested.v1","subject":"exchange/t-1","id":"t-1/requested",
         "data":{"provider":"biro-keuangan","category":"anggaran","title":"Uji","purpose":"Uji","legalBasis":"UU 7/2017","dueDate":"2026-01-09","classification":"terbuka"}},
        {"time":"2026-01-06T09:00:00+07:00","source":"biro-perencanaan","type":"exchange.acknowledged.v1","subject":"exchange/t-1","id":"t-1/acknowledged","data":{}}
        ]}
        """
        let scenario = try SeedScenario(json: Array(json.utf8))
        let fixture = try await SeedLedger.make(validator: try domainValidator())
        defer { fixture.cleanUp() }
        let runner = try ScenarioRunner(units: seeds.units, scenario: scenario)
        do {
            _ = try await runner.run(ledger: fixture.ledger, authority: fixture.authority)
            Issue.record("the acknowledgement without a delivery was accepted")
        } catch {
            #expect(error.code == .seedInvalid)
            #expect(error.message.contains("t-1/acknowledged") && error.message.contains("no-delivery-pending"), "\(error)")
        }
        #expect(try fixture.ledger.stream("exchange/t-1").count == 1)
    }

    @Test func badSeedFilesAreRefusedWithTheProblemNamed() throws {
        func scenarioError(_ events: String, expected: String = #"{"events":1}"#) -> DomainError? {
            let json = #"{"fiscalYear":2026,"description":"uji","asOf":"2026-12-31","expected":\#(expected),"events":[\#(events)]}"#
            do { _ = try SeedScenario(json: Array(json.utf8)); return nil } catch { return error }
        }
        let ok = #"{"time":"2026-01-05T09:00:00+07:00","source":"biro-umum","type":"exchange.withdrawn.v1","subject":"exchange/x","id":"x/1","data":{"reason":"r"}}"#
        #expect(scenarioError(ok) == nil)
        #expect(scenarioError(ok.replacingOccurrences(of: "exchange.withdrawn.v1", with: "exchange.forgotten.v1"))?.message.contains("exchange.forgotten.v1") == true)
        #expect(scenarioError(ok.replacingOccurrences(of: "exchange.withdrawn.v1", with: "registry.unit-registered.v1")) != nil,
                "units do not publish registry events")
        #expect(scenarioError(ok.replacingOccurrences(of: "exchange/x", with: "audit/x"))?.message.contains("audit/x") == true)
        #expect(scenarioError(ok + "," + ok, expected: #"{"events":2}"#)?.message.contains("used twice") == true)
        #expect(scenarioError(ok, expected: #"{"events":3}"#)?.message.contains("expected.events") == true)
        #expect(scenarioError(ok.replacingOccurrences(of: #""data":{"reason":"r"}"#, with: #""data":[]"#)) != nil)

        #expect(throws: DomainError.self) { try SeedUnits(json: Array(#"[{"id":"Biro Besar","name":"x","role":"biro"}]"#.utf8)) }
        #expect(throws: DomainError.self) { try SeedUnits(json: Array(#"[{"id":"a","name":"x","role":"kementerian"}]"#.utf8)) }
        #expect(throws: DomainError.self) { try SeedUnits(json: Array(#"[{"id":"a","name":"x","role":"biro"},{"id":"a","name":"y","role":"biro"}]"#.utf8)) }
        #expect(throws: DomainError.self) { try DataCategories(json: Array(#"[{"id":"a","name":"A"}]"#.utf8)) }
        #expect(throws: DomainError.self) { try DataCategories(json: Array(#"[{"id":"a","name":{"id":"A","en":"A"}},{"id":"a","name":{"id":"B","en":"B"}}]"#.utf8)) }
        #expect(throws: DomainError.self) { try SeedUnits.load(seedsDirectory: "/nonexistent-seeds") }

        // A scenario naming a unit that units.json lacks cannot be run.
        let units = try SeedUnits(units: [SeedUnit(id: "biro-umum", name: "Biro Umum", role: .biro)])
        let stranger = ok.replacingOccurrences(of: "biro-umum", with: "biro-rahasia")
        let scenario = try SeedScenario(json: Array(#"{"fiscalYear":2026,"description":"uji","asOf":"2026-12-31","expected":{},"events":[\#(stranger)]}"#.utf8))
        #expect(throws: DomainError.self) { try ScenarioRunner(units: units, scenario: scenario) }
    }
}
