import Foundation
import Jejak
import JejakCrypto
import JejakDemo
import JejakDomain
import JejakInspector
import JejakProjections
import JejakStorage
import JejakTestSupport
import JejakTlog
import Testing

let domainValidator = Result { () throws(DomainError) -> DomainValidator in try DomainValidator.bundled() }

/// The seed scenario published once into a closed ledger; each test works on its own copy.
actor ScenarioMaster {
    static let shared = ScenarioMaster()

    struct Built: Sendable {
        /// Kept alive for the whole test run: the master ledger's directory.
        let temp: TemporaryDirectory
        let directory: String
        let keys: [String: SignerKey]
        let authorityKey: SignerKey
    }
    private var built: Built?

    func get() async throws -> Built {
        if let built { return built }
        let dir = TemporaryDirectory()
        let seeds = try #require(ScenarioRunner.locateSeeds(from: URL(fileURLWithPath: #filePath).deletingLastPathComponent().path))
        let runner = try ScenarioRunner(seedsDirectory: seeds)
        let clock = ScenarioClock(start: try #require(LedgerTime(rfc3339: "2026-01-01T00:00:00.000Z")))
        var options = Ledger.Options()
        options.durable = false
        options.clock = clock.ledgerClock
        options.validator = try domainValidator.get()
        let authorityKey = try SignerKey.generate(name: "inspector.test/authority")
        let ledger = try await Ledger.create(at: dir.file("ledger"), origin: "inspector.test/ledger",
                                             authorityKey: authorityKey, options: options)
        var runOptions = ScenarioRunner.Options()
        runOptions.clock = clock
        let report = try await runner.run(ledger: ledger, authority: RegistryAuthority(key: authorityKey), options: runOptions)
        ledger.close()
        let b = Built(temp: dir, directory: dir.file("ledger"), keys: report.keys, authorityKey: authorityKey)
        built = b
        return b
    }
}

/// A private copy of the scenario ledger.
struct LedgerCopy {
    let temp: TemporaryDirectory
    let master: ScenarioMaster.Built
    var path: String { temp.file("ledger") }

    static func make() async throws -> LedgerCopy {
        let master = try await ScenarioMaster.shared.get()
        let temp = TemporaryDirectory()
        try FileManager.default.copyItem(atPath: master.directory, toPath: temp.file("ledger"))
        try? FileManager.default.removeItem(atPath: temp.file("ledger/writer.lock"))
        return LedgerCopy(temp: temp, master: master)
    }

    func open(readOnly: Bool = true) throws -> Ledger {
        var options = Ledger.Options()
        options.readOnly = readOnly
        options.durable = false
        if !readOnly { options.validator = try domainValidator.get() }
        return try Ledger(opening: path, options: options)
    }

    func audit(_ configure: (inout Inspector.Options) -> Void = { _ in }) async throws -> AuditReport {
        let ledger = try open()
        var options = Inspector.Options()
        options.validator = try domainValidator.get()
        options.chunkSize = 100
        configure(&options)
        return try await Inspector(ledger: ledger, options: options).audit()
    }

    /// Changes the LMDB store directly, as someone with write access to the files would.
    func tamper(_ body: (borrowing WriteTransaction, Stores) throws -> Void) throws {
        var options = Environment.Options()
        options.mapSize = 1 << 32
        options.durable = false
        let env = try Environment(path: path + "/store",
                                  databases: ["entries", "nodes", "ids", "streams", "checkpoints", "registry", "meta", "bundles"],
                                  options: options)
        let stores = Stores(entries: try env.database("entries"), nodes: try env.database("nodes"), ids: try env.database("ids"),
                            streams: try env.database("streams"), checkpoints: try env.database("checkpoints"),
                            bundles: try env.database("bundles"))
        try env.write { txn in try body(txn, stores) }
    }

    /// The store's databases. Leaves are either records of their own in `entries` (keyed by
    /// index) or packed 256 to a record in `bundles` (keyed by index / 256, as an entry bundle).
    struct Stores {
        let entries: JejakStorage.Database, nodes: JejakStorage.Database, ids: JejakStorage.Database
        let streams: JejakStorage.Database, checkpoints: JejakStorage.Database, bundles: JejakStorage.Database
    }

    func cleanUp() { temp.cleanUp() }
}

func key(_ i: UInt64) -> [UInt8] { BigEndian.bytes(i) }

/// All leaves of the store, in order: the packed ones, then those on their own.
func allLeaves(_ txn: borrowing WriteTransaction, _ s: LedgerCopy.Stores) throws -> [[UInt8]] {
    var out: [[UInt8]] = []
    try txn.withCursor(s.bundles) { c in
        try c.scan { _, v in out += try Tiles.decodeEntryBundle(v); return true }
    }
    try txn.withCursor(s.entries) { c in
        try c.scan { _, v in out.append(Array(v)); return true }
    }
    return out
}

/// The leaf of entry `index`, from its bundle or its own record.
func storedLeaf(_ index: UInt64, _ txn: borrowing WriteTransaction, _ s: LedgerCopy.Stores) throws -> [UInt8]? {
    if let bundle = try txn.get(s.bundles, key: key(index / 256)) {
        return try Tiles.decodeEntryBundle(bundle)[Int(index % 256)]
    }
    return try txn.get(s.entries, key: key(index))
}

/// Replaces the leaf of entry `index` where it is stored (inside its bundle, or its own record).
func replaceLeaf(_ index: UInt64, with leaf: [UInt8], _ txn: borrowing WriteTransaction, _ s: LedgerCopy.Stores) throws {
    if let bundle = try txn.get(s.bundles, key: key(index / 256)) {
        var leaves = try Tiles.decodeEntryBundle(bundle)
        leaves[Int(index % 256)] = leaf
        try txn.put(s.bundles, key: key(index / 256), value: try Tiles.encodeEntryBundle(leaves))
    } else {
        try txn.put(s.entries, key: key(index), value: leaf)
    }
}

/// Deletes entry `index` from the store; the entries after it keep their indexes. A bundled
/// entry's bundle is unpacked into records of their own, less that one.
func deleteLeaf(_ index: UInt64, _ txn: borrowing WriteTransaction, _ s: LedgerCopy.Stores) throws {
    if let bundle = try txn.get(s.bundles, key: key(index / 256)) {
        for (offset, leaf) in try Tiles.decodeEntryBundle(bundle).enumerated() where UInt64(offset) != index % 256 {
            try txn.put(s.entries, key: key(index / 256 * 256 + UInt64(offset)), value: leaf)
        }
        _ = try txn.delete(s.bundles, key: key(index / 256))
    } else {
        _ = try txn.delete(s.entries, key: key(index))
    }
}

/// Rewrites the entries and everything an attacker can recompute without a private key: every
/// Merkle node and the ids and streams indexes. Checkpoints stay (they need the log key).
func rewriteLog(_ leaves: [[UInt8]], _ txn: borrowing WriteTransaction, _ s: LedgerCopy.Stores) throws {
    try txn.clear(s.entries)
    try txn.clear(s.bundles)
    try txn.clear(s.nodes)
    try txn.clear(s.ids)
    try txn.clear(s.streams)
    var frontier = MerkleFrontier()
    var versions: [String: UInt64] = [:]
    for (i, leaf) in leaves.enumerated() {
        let index = UInt64(i)
        try txn.put(s.entries, key: key(index), value: leaf)
        for node in frontier.append(leafHash: Merkle.leafHash(leaf)) {
            // Format 2's node key: the last leaf the node covers, then its level.
            try txn.put(s.nodes, key: key(((node.index + 1) << UInt64(node.level)) - 1) + [UInt8(node.level)], value: node.hash.bytes)
        }
        if let entry = try? LogEntry(index: index, leaf: leaf) {
            try txn.put(s.ids, key: Array(entry.event.id.utf8), value: key(index))
            let v = (versions[entry.event.subject] ?? 0) + 1
            versions[entry.event.subject] = v
            try txn.put(s.streams, key: Array(entry.event.subject.utf8) + [0] + key(v), value: key(index))
        }
    }
}

/// A leaf with the same `appended` time as `leaf`, holding `envelopeJSON`.
func leaf(like leaf: [UInt8], envelope: [UInt8]) throws -> [UInt8] {
    Leaf.encode(appended: try Leaf.decode(leaf).appended, envelopeJSON: envelope)
}

extension AuditReport {
    /// The findings that name an entry.
    var entryFindings: [Finding] { findings.filter { $0.index != nil } }
    func has(_ rule: AuditRule, at index: UInt64? = nil, size: UInt64? = nil) -> Bool {
        findings.contains { $0.rule == rule.rawValue && (index == nil || $0.index == index) && (size == nil || $0.checkpointSize == size) }
    }
}
