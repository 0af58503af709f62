import JejakAge
#if canImport(Glibc)
import JejakBase
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JejakCrypto
import JejakJSON
import JejakStorage
import JejakTlog
import Synchronization

/// The ledger's LMDB schema. The log (`entries`) is the only truth; every other database is
/// derived from it in the same write transaction and can be rebuilt from it.
///
/// | database | key | value |
/// | --- | --- | --- |
/// | `entries` | index (u64 BE) | leaf bytes (in format 2, only the entries of the bundle not yet full) |
/// | `bundles` | bundle number n (u64 BE) | leaves `256n ..< 256(n+1)` as a tlog-tiles entry bundle (format 2) |
/// | `nodes` | format 2: completing leaf (u64 BE) ‖ level (u8); format 1: level (u8) ‖ index (u64 BE) | 32-byte hash of the perfect subtree |
/// | `ids` | event id (UTF-8) | entry index (u64 BE) |
/// | `streams` | subject (UTF-8) ‖ 0x00 ‖ version (u64 BE) | entry index (u64 BE) |
/// | `checkpoints` | tree size (u64 BE) | signed checkpoint note |
/// | `registry` | `u/<unit>` or `k/<key hint>` | unit or key record (JSON) |
/// | `meta` | name | value (origin, vkeys, format) |
///
/// Format 2 (`jejak-ledger/2`, every ledger created since 2026-12-03) packs the leaves of each
/// full entry tile into one `bundles` record (``PackedEntries``), to save the page space one
/// record per 1 KB leaf wastes, and keys each Merkle node by the leaf whose append completes it
/// (then its level), so that nodes are written in key order and fill their pages (keyed by level
/// first, every level but the last was inserted mid-tree, into half-full pages). A format 1
/// store is read and appended to as it is, never converted: its `bundles` database stays empty.
final class LedgerStore: Sendable {
    /// The format of the ledgers this version creates.
    static let format = "jejak-ledger/2"
    /// The formats this version opens.
    static let formats: Set<String> = ["jejak-ledger/1", format]
    let env: Environment
    let entries: Database, nodes: Database, ids: Database, streams: Database
    let checkpoints: Database, registry: Database, meta: Database
    /// Packed leaves; `nil` in a format 1 store opened read-only, which lacks the database.
    let bundles: Database?
    /// Whether the writer packs full bundles: the store is in format 2 (or new).
    let packs: Bool
    /// Recently written or read Merkle nodes (they never change once written).
    let nodeCache = NodeCache(limit: 1 << 16)

    init(path: String, readOnly: Bool, durable: Bool = true) throws(LedgerError) {
        var options = Environment.Options()
        options.readOnly = readOnly
        options.durable = durable
        options.mapSize = 1 << 32
        do {
            env = try Environment(
                path: path,
                databases: ["entries", "nodes", "ids", "streams", "checkpoints", "registry", "meta",
                            DatabaseSpec("bundles", optional: true)],
                options: options)
            entries = try env.database("entries")
            nodes = try env.database("nodes")
            ids = try env.database("ids")
            streams = try env.database("streams")
            checkpoints = try env.database("checkpoints")
            registry = try env.database("registry")
            meta = try env.database("meta")
            bundles = try? env.database("bundles")
            let meta = self.meta
            let format = try env.read { txn in try txn.get(meta, key: Array("format".utf8)) }
            packs = bundles != nil && (format == nil || format == Array(Self.format.utf8))
        } catch {
            throw LedgerError.fromStore(error)
        }
    }

    // MARK: Keys

    /// The `nodes` key of the node at `level`, `index`: in format 2 the index of the last leaf
    /// it covers, `(index + 1) · 2^level − 1` (the append that completes it), then the level, so
    /// that keys grow in the order the writer stores nodes; in format 1 the level, then the index.
    func nodeKey(level: Int, index: UInt64) -> [UInt8] {
        guard packs else { return [UInt8(truncatingIfNeeded: level)] + BigEndian.bytes(index) }
        return BigEndian.bytes(((index &+ 1) &<< UInt64(level)) &- 1) + [UInt8(truncatingIfNeeded: level)]
    }

    static func streamKey(_ subject: String, version: UInt64) -> [UInt8] {
        Array(subject.utf8) + [0] + BigEndian.bytes(version)
    }

    // MARK: Reading (each call is its own consistent snapshot)

    func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws(LedgerError) -> R {
        do { return try env.read(body) } catch let e as LedgerError { throw e } catch {
            throw LedgerError.fromStore(error)
        }
    }

    /// The number of entries (the tree size of the latest commit).
    func size() throws(LedgerError) -> UInt64 {
        try read { txn in try Self.size(txn, self) }
    }

    static func size(_ txn: borrowing ReadTransaction, _ store: LedgerStore) throws -> UInt64 {
        let single = try txn.withCursor(store.entries) { c -> UInt64 in
            guard let last = try c.last() else { return 0 }
            let index = try BigEndian.uint64(from: last.key)
            guard index < .max else { throw LedgerError(.corruptStore, "the log's last entry has an impossible index") }
            return index + 1
        }
        guard let bundles = store.bundles else { return single }
        let packed = try txn.withCursor(bundles) { c -> UInt64 in
            guard let last = try c.last() else { return 0 }
            let bundle = try BigEndian.uint64(from: last.key)
            guard bundle < UInt64.max / PackedEntries.width else {
                throw LedgerError(.corruptStore, "the log's last bundle has an impossible number")
            }
            return (bundle + 1) * PackedEntries.width
        }
        return max(single, packed)
    }

    func metaValue(_ key: String) throws(LedgerError) -> String? {
        try read { txn in try txn.get(meta, key: Array(key.utf8)).map { String(decoding: $0, as: UTF8.self) } }
    }

    func entry(at index: UInt64) throws(LedgerError) -> LogEntry? {
        guard let leaf = try read({ txn in try Self.leaf(txn, self, index) }) else { return nil }
        return try LogEntry(index: index, leaf: leaf)
    }

    /// The leaf bytes of the entries `[from, to)` (clamped to the log), at most `limit` of
    /// them, in one snapshot: the one scan of the log every reader uses.
    func leaves(from: UInt64, to: UInt64, limit: Int = .max) throws(LedgerError) -> [(index: UInt64, leaf: [UInt8])] {
        try read { txn in
            var out: [(index: UInt64, leaf: [UInt8])] = []
            guard from < to else { return out }
            try txn.withCursor(entries) { c in
                try c.scan(from: BigEndian.bytes(from)) { k, v in
                    let i = try BigEndian.uint64(from: k)
                    guard i < to, out.count < limit else { return false }
                    out.append((i, Array(v)))
                    return true
                }
            }
            let bundled = try Self.bundledLeaves(txn, self, from: from, to: to, limit: limit)
            guard !bundled.isEmpty else { return out }
            guard !out.isEmpty else { return bundled }
            // Normally every bundled entry precedes the single ones; merged by index whatever
            // the store holds, so that an audit sees each record there is.
            return Array((bundled + out).sorted { $0.index < $1.index }.prefix(limit))
        }
    }

    /// Entries `[from, to)` (clamped to the log), at most `limit` of them, decoded.
    func entries(from: UInt64, to: UInt64, limit: Int = .max) throws(LedgerError) -> [LogEntry] {
        let leaves = try leaves(from: from, to: to, limit: limit)
        var result: [LogEntry] = []
        result.reserveCapacity(leaves.count)
        for (i, leaf) in leaves { result.append(try LogEntry(index: i, leaf: leaf)) }
        return result
    }

    /// The index of the entry holding event `id`, if any.
    func index(ofEventID id: String) throws(LedgerError) -> UInt64? {
        let raw = try read { txn in try txn.get(ids, key: Array(id.utf8)) }
        guard let raw else { return nil }
        return try Self.decodeIndex(raw)
    }

    static func decodeIndex(_ raw: some Collection<UInt8>) throws(LedgerError) -> UInt64 {
        guard let index = try? BigEndian.uint64(from: raw) else {
            throw LedgerError(.corruptStore, "an index record is damaged")
        }
        return index
    }

    /// The envelope bytes stored in entry `index`.
    func envelopeJSON(at index: UInt64) throws(LedgerError) -> [UInt8]? {
        guard let leaf = try read({ txn in try Self.leaf(txn, self, index) }) else { return nil }
        return try Leaf.decode(leaf).envelopeJSON
    }

    /// Looks up, in one snapshot, the entry indexes of the given event ids and the versions of
    /// the given streams (absent ids are left out; absent streams are at version 0). Ids and
    /// subjects are keyed by their bytes, as LMDB keys them.
    func lookup(ids wanted: some Sequence<String>, subjects: some Sequence<ExactText>) throws(LedgerError) -> (ids: [ExactText: UInt64], versions: [ExactText: UInt64]) {
        try read { txn in
            var found: [ExactText: UInt64] = [:]
            for id in wanted {
                if let raw = try txn.get(ids, key: Array(id.utf8)) { found[ExactText(id)] = try Self.decodeIndex(raw) }
            }
            var versions: [ExactText: UInt64] = [:]
            try txn.withCursor(streams) { c in
                for subject in subjects { versions[subject] = try Self.streamVersion(c, subject.string) }
            }
            return (found, versions)
        }
    }

    static func streamVersion(_ c: borrowing Cursor, _ subject: String) throws -> UInt64 {
        let prefix = Array(subject.utf8) + [0]
        guard let kv = try c.seek(atMost: streamKey(subject, version: .max)),
              kv.key.count == prefix.count + 8, kv.key.starts(with: prefix) else { return 0 }
        return try BigEndian.uint64(from: kv.key.suffix(8))
    }

    /// The number of events in the stream `subject`.
    func streamVersion(_ subject: String) throws(LedgerError) -> UInt64 {
        try read { txn in try txn.withCursor(streams) { c in try Self.streamVersion(c, subject) } }
    }

    /// The version entry `index` has in its stream `subject` (1-based), found by bisecting the
    /// stream's versions (whose indexes grow with them); `nil` when the entry is not in it.
    func streamVersion(ofEntry index: UInt64, subject: String) throws(LedgerError) -> UInt64? {
        try read { txn in
            let current = try txn.withCursor(streams) { c in try Self.streamVersion(c, subject) }
            var low: UInt64 = 1, high = current
            while low <= high {
                let middle = low + (high - low) / 2
                guard let raw = try txn.get(streams, key: Self.streamKey(subject, version: middle)) else { return nil }
                let at = try BigEndian.uint64(from: raw)
                if at == index { return middle }
                if at < index { low = middle + 1 } else { high = middle - 1 }
            }
            return nil
        }
    }

    /// The entry indexes of stream `subject` from version `fromVersion` (1-based) on, at most
    /// `limit`, with their versions.
    func streamIndexes(_ subject: String, fromVersion: UInt64 = 1, limit: Int = .max) throws(LedgerError) -> [(version: UInt64, index: UInt64)] {
        try read { txn in
            var out: [(UInt64, UInt64)] = []
            let prefix = Array(subject.utf8) + [0]
            try txn.withCursor(streams) { c in
                try c.scan(from: Self.streamKey(subject, version: max(fromVersion, 1))) { k, v in
                    guard k.count == prefix.count + 8, k.starts(with: prefix), out.count < limit else { return false }
                    out.append((try BigEndian.uint64(from: k.suffix(8)), try BigEndian.uint64(from: v)))
                    return true
                }
            }
            return out
        }
    }

    func checkpointText(size: UInt64) throws(LedgerError) -> String? {
        try read { txn in try txn.get(checkpoints, key: BigEndian.bytes(size)).map { String(decoding: $0, as: UTF8.self) } }
    }

    /// The stored checkpoint of the largest size.
    func latestCheckpointText() throws(LedgerError) -> String? {
        try read { txn in try txn.withCursor(checkpoints) { c in try c.last().map { String(decoding: $0.value, as: UTF8.self) } } }
    }

    /// The sizes of all stored checkpoints from `from` on, at most `limit`.
    func checkpointSizes(from: UInt64 = 0, limit: Int = .max) throws(LedgerError) -> [UInt64] {
        try read { txn in
            var out: [UInt64] = []
            try txn.withCursor(checkpoints) { c in
                try c.scan(from: BigEndian.bytes(from)) { k, _ in
                    guard out.count < limit else { return false }
                    out.append(try BigEndian.uint64(from: k))
                    return true
                }
            }
            return out
        }
    }

    // MARK: Merkle

    /// A hash source serving the stored Merkle nodes, through ``nodeCache``.
    ///
    /// Nodes never change once written, so each miss may read in its own snapshot: any node a
    /// proof of a committed size needs is already stored.
    var nodeSource: StoredNodes { StoredNodes(store: self) }

    /// Runs `body` with ``nodeSource``, mapping proof errors to ``LedgerError``.
    func withStoredNodes<R>(_ body: (StoredNodes) throws -> R) throws(LedgerError) -> R {
        do { return try body(nodeSource) } catch let e as LedgerError { throw e } catch {
            throw LedgerError(.invalidProofRequest, "\(error)")
        }
    }

    func readNode(_ c: NodeCoordinate) throws(LedgerError) -> SHA256Digest {
        let hash = try read { txn in
            try txn.withValue(nodes, key: nodeKey(level: c.level, index: c.index)) { try? SHA256Digest(raw: $0) } ?? nil
        }
        guard let hash else {
            throw LedgerError(.corruptStore, "the stored Merkle node (level \(c.level), index \(c.index)) is missing or damaged")
        }
        return hash
    }

    // MARK: Registry

    func loadRegistry(authority: VerifierKey) throws(LedgerError) -> Registry {
        let records: [KeyValue] = try read { txn in
            var out: [KeyValue] = []
            try txn.withCursor(registry) { c in
                try c.scan { k, v in out.append(KeyValue(key: Array(k), value: Array(v))); return true }
            }
            return out
        }
        var units: [ExactText: Unit] = [:], keys: [ExactText: UnitKey] = [:], recipients: [ExactText: UnitRecipient] = [:]
        func index(_ value: JSONValue?) -> UInt64? {
            if case .number(let n)? = value { return n.int64.flatMap(UInt64.init(exactly:)) }
            return nil
        }
        for r in records {
            let name = String(decoding: r.key, as: UTF8.self)
            guard case .object(let o)? = try? JSONParser.parse(r.value) else {
                throw LedgerError(.corruptStore, "the registry record \(name) is damaged")
            }
            if name.hasBytePrefix("u/"), case .string(let n)? = o["name"], case .string(let roleText)? = o["role"],
               let role = UnitRole(rawValue: roleText), case .number(let at)? = o["at"], let atIndex = at.int64.flatMap(UInt64.init(exactly:)) {
                let id = String(decoding: r.key.dropFirst(2), as: UTF8.self)
                units[ExactText(id)] = Unit(id: id, name: n, role: role, registeredAt: atIndex)
            } else if name.hasBytePrefix("k/"), case .string(let unit)? = o["unit"], case .string(let keyText)? = o["key"],
                      let vkey = try? VerifierKey(parsing: keyText), case .number(let added)? = o["added"],
                      let addedAt = added.int64.flatMap(UInt64.init(exactly:)) {
                var revokedAt: UInt64?
                if let r = o["revoked"] {
                    guard case .number(let number) = r, let v = number.int64.flatMap(UInt64.init(exactly:)) else {
                        throw LedgerError(.corruptStore, "the registry record \(name) is damaged")
                    }
                    revokedAt = v
                }
                keys[ExactText(vkey.hint)] = UnitKey(unit: unit, vkey: vkey, addedAt: addedAt, revokedAt: revokedAt)
            } else if name.hasBytePrefix("r/"), case .string(let unit)? = o["unit"],
                      let recipient = try? AgeRecipient(parsing: String(decoding: r.key.dropFirst(2), as: UTF8.self)),
                      let addedAt = index(o["added"]), o["revoked"] == nil || index(o["revoked"]) != nil {
                recipients[ExactText(recipient.description)] = UnitRecipient(unit: unit, recipient: recipient, addedAt: addedAt,
                                                                             revokedAt: index(o["revoked"]))
            } else {
                throw LedgerError(.corruptStore, "the registry record \(name) is damaged")
            }
        }
        return Registry(authority: authority, units: units, keys: keys, recipients: recipients)
    }

    static func registryRecords(_ registry: Registry, changedFrom old: Registry) -> [(key: [UInt8], value: [UInt8])] {
        var out: [(key: [UInt8], value: [UInt8])] = []
        for (id, unit) in registry.units where old.units[id] != unit {
            let v: JSONValue = ["name": .string(unit.name), "role": .string(unit.role.rawValue),
                                "at": .number(JSONNumber(Int64(unit.registeredAt)))]
            out.append((Array("u/\(id.string)".utf8), JSONWriter.bytes(v)))
        }
        for (hint, key) in registry.keys where old.keys[hint] != key {
            var o: [(key: String, value: JSONValue)] = [
                ("unit", .string(key.unit)), ("key", .string(key.vkey.description)),
                ("added", .number(JSONNumber(Int64(key.addedAt)))),
            ]
            if let r = key.revokedAt { o.append(("revoked", .number(JSONNumber(Int64(r))))) }
            out.append((Array("k/\(hint.string)".utf8), JSONWriter.bytes(.object(JSONObject(members: o) ?? JSONObject()))))
        }
        for (text, r) in registry.recipients where old.recipients[text] != r {
            var o: [(key: String, value: JSONValue)] = [("unit", .string(r.unit)), ("added", .number(JSONNumber(Int64(r.addedAt))))]
            if let at = r.revokedAt { o.append(("revoked", .number(JSONNumber(Int64(at))))) }
            out.append((Array("r/\(text.string)".utf8), JSONWriter.bytes(.object(JSONObject(members: o) ?? JSONObject()))))
        }
        return out
    }
}

struct NodeCoordinate: Hashable {
    let level: Int
    let index: UInt64
}

/// A bounded cache of Merkle nodes: two generations, the older dropped when the newer fills.
final class NodeCache: Sendable {
    private struct Generations {
        var current: [NodeCoordinate: SHA256Digest] = [:]
        var previous: [NodeCoordinate: SHA256Digest] = [:]
        /// Composed right-border nodes `[begin, end)` of recent tree sizes.
        var ranges: [Range<UInt64>: SHA256Digest] = [:]
    }
    private let state = Mutex(Generations())
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func get(_ c: NodeCoordinate) -> SHA256Digest? {
        state.withLock { $0.current[c] ?? $0.previous[c] }
    }

    func range(_ r: Range<UInt64>) -> SHA256Digest? {
        state.withLock { $0.ranges[r] }
    }

    func put(range r: Range<UInt64>, _ hash: SHA256Digest) {
        state.withLock { g in
            if g.ranges.count >= 4096 { g.ranges.removeAll(keepingCapacity: true) }
            g.ranges[r] = hash
        }
    }

    func put(_ nodes: some Sequence<(NodeCoordinate, SHA256Digest)>) {
        state.withLock { g in
            for (c, h) in nodes {
                if g.current.count >= limit {
                    g.previous = g.current
                    g.current = [:]
                }
                g.current[c] = h
            }
        }
    }
}

/// The stored Merkle nodes of a ledger, read through its node cache.
struct StoredNodes: MerkleHashSource {
    let store: LedgerStore
    func hash(level: Int, index: UInt64) throws(LedgerError) -> SHA256Digest {
        let c = NodeCoordinate(level: level, index: index)
        if let h = store.nodeCache.get(c) { return h }
        let h = try store.readNode(c)
        store.nodeCache.put(CollectionOfOne((c, h)))
        return h
    }

    func rememberedRange(begin: UInt64, end: UInt64) -> SHA256Digest? {
        store.nodeCache.range(begin..<end)
    }

    func remember(range begin: UInt64, end: UInt64, hash: SHA256Digest) {
        store.nodeCache.put(range: begin..<end, hash)
    }
}

extension LedgerError {
    /// The error of an operation on the store: a `LedgerError` the operation threw itself (a
    /// refusal decided inside a transaction) as it is; an LMDB or system error explained in one
    /// sentence and kept as the cause.
    static func fromStore(_ error: any Error) -> LedgerError {
        if let e = error as? LedgerError { return e }
        if let e = error as? LMDBError {
            // Say plainly what a refused write means (LMDB reports a short write as EIO).
            if [ENOSPC, EFBIG, EDQUOT, EIO].contains(e.code) {
                return LedgerError(.storage, "the ledger's store could not be written, so nothing of this write was kept: the disk is full or a file size limit was reached, or the disk failed (\(e))", underlying: e)
            }
            if [EROFS, EACCES, EPERM].contains(e.code) {
                return LedgerError(.storage, "the ledger's store is not writable: the file system is read-only or its permissions forbid writing (\(e))", underlying: e)
            }
            return LedgerError(.storage, "the ledger's LMDB store failed: \(e)", underlying: e)
        }
        return LedgerError(.storage, "the ledger's store failed: \(error)", underlying: error)
    }
}
