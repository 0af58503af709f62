import JejakBase
import JejakCrypto
import JejakJSON
import JejakModel
import JejakTlog
import Synchronization

/// Recently decoded entries, for the stream histories the domain rules read: two
/// generations, the older dropped when the newer fills, so memory stays bounded whatever the
/// log's size. Misses are read from the log.
package final class EntryCache: Sendable {
    private struct Generations {
        var current: [UInt64: LogEntry] = [:]
        var previous: [UInt64: LogEntry] = [:]
    }
    private let state = Mutex(Generations())
    private let limit: Int
    private let fetch: @Sendable (UInt64) throws(LedgerError) -> LogEntry

    package init(limit: Int, fetch: @escaping @Sendable (UInt64) throws(LedgerError) -> LogEntry) {
        self.limit = limit
        self.fetch = fetch
    }

    package func put(_ entry: LogEntry) {
        state.withLock { g in
            if g.current.count >= limit {
                g.previous = g.current
                g.current = [:]
            }
            g.current[entry.index] = entry
        }
    }

    package func entry(at index: UInt64) throws(LedgerError) -> LogEntry {
        if let e = state.withLock({ $0.current[index] ?? $0.previous[index] }) { return e }
        let e = try fetch(index)
        put(e)
        return e
    }
}

/// What replaying a chunk produced for the checks that need the ledger's own storage.
package struct ReplayedChunk {
    package init() {}

    /// Merkle nodes completed by the chunk's leaves (to compare with the stored nodes).
    package var nodes: [MerkleNode] = []
    /// Each decoded event's id and entry index (to compare with the `ids` index).
    package var ids: [(id: String, index: UInt64)] = []
    /// Each decoded event's subject, stream version and entry index (the `streams` index).
    package var streams: [(subject: String, version: UInt64, index: UInt64)] = []
}

/// The sequential stage of an audit: replays the log in order from a known state, re-deciding
/// everything that depends on what came before — the registry (and so which key may sign each
/// entry), stream histories and domain rules, id uniqueness, time order and the Merkle tree.
///
/// It reads entries only through the ``CheckedEntry`` values handed to it and an
/// ``EntryCache`` for stream histories, so the same replay audits a live ledger or an export.
package struct LogReplay {
    package let origin: String
    package let logKey: VerifierKey
    package let validator: any EventValidator
    package let cache: EntryCache
    package let knownKeys: KnownKeys
    /// Earlier entries of a stream, for a replay that starts after genesis (incremental audit).
    package let priorStream: (String) throws(LedgerError) -> [UInt64]

    package private(set) var registry: Registry
    package private(set) var frontier: MerkleFrontier
    package private(set) var lastAppended: LedgerTime?
    package private(set) var findings = FindingSink()
    package private(set) var signaturesVerified = 0
    /// Each stream's last entry and length, by the subject's bytes: two spellings are two streams.
    private var heads: [ExactText: StreamHead] = [:]
    /// For each entry replayed (from ``base``), the previous entry of its stream, or `.max`:
    /// the streams' histories as one flat array (8 bytes an entry) instead of a list per stream.
    private var previous: [UInt64] = []
    /// The size the replay started at.
    private let base: UInt64
    /// Entries before ``base`` of the streams met since (an incremental audit).
    private var prior: [ExactText: [UInt64]] = [:]
    /// Whether to track event ids for uniqueness (a ledger's audit relies on its `ids` index
    /// instead, which it checks entry by entry).
    private let trackIDs: Bool
    /// Event ids seen, by their bytes → entry index.
    private var ids: [ExactText: UInt64] = [:]

    package struct StreamHead {
        var last: UInt64
        var count: UInt64
    }
    private var units: [ExactText: UnitTally] = [:]

    package struct UnitTally {
        var events = 0, eventsWithFindings = 0
        var keys: Set<ExactText> = []
        var first: UInt64 = 0, last: UInt64 = 0
    }

    package init(origin: String, logKey: VerifierKey, registry: Registry, frontier: MerkleFrontier,
         lastAppended: LedgerTime?, validator: any EventValidator, cache: EntryCache, trackIDs: Bool,
         priorStream: @escaping (String) throws(LedgerError) -> [UInt64] = { _ in [] }) {
        self.base = frontier.size
        self.trackIDs = trackIDs
        self.origin = origin
        self.logKey = logKey
        self.registry = registry
        self.frontier = frontier
        self.lastAppended = lastAppended
        self.validator = validator
        self.cache = cache
        self.priorStream = priorStream
        var keys = [ExactText(registry.authority.hint): registry.authority]
        for (hint, k) in registry.keys { keys[hint] = k.vkey }
        self.knownKeys = KnownKeys(keys)
    }

    /// The index of the next entry to replay.
    package var size: UInt64 { frontier.size }

    /// Per-unit statistics, by unit id.
    package var unitStatistics: [AuditReport.UnitStatistics] {
        units.sorted { $0.key < $1.key }.map { AuditReport.UnitStatistics(unit: $0.key.string, events: $0.value.events,
                                               eventsWithFindings: $0.value.eventsWithFindings,
                                               keys: $0.value.keys.count, firstIndex: $0.value.first,
                                               lastIndex: $0.value.last) }
    }

    package mutating func addFinding(_ finding: Finding) { findings.add(finding) }

    /// Replays a chunk of consecutive entries starting at ``size``.
    package mutating func replay(_ chunk: ArraySlice<CheckedEntry>) throws(LedgerError) -> ReplayedChunk {
        var out = ReplayedChunk()
        out.ids.reserveCapacity(chunk.count)
        out.streams.reserveCapacity(chunk.count)
        for checked in chunk {
            out.nodes += frontier.append(leafHash: checked.leafHash)
            guard let entry = checked.entry else {
                previous.append(.max)
                if let f = checked.failure { findings.add(f) }
                continue
            }
            cache.put(entry)
            let before = findings.count
            try replayOne(entry, checked, into: &out)
            let source = ExactText(entry.event.source)
            var tally = units[source] ?? UnitTally(first: entry.index)
            tally.events += 1
            tally.last = entry.index
            tally.keys.insert(ExactText(entry.signedEvent.keyHint))
            if findings.count > before { tally.eventsWithFindings += 1 }
            units[source] = tally
        }
        return out
    }

    private mutating func replayOne(_ entry: LogEntry, _ checked: CheckedEntry, into out: inout ReplayedChunk) throws(LedgerError) {
        let index = entry.index, event = entry.event, id = event.id
        func add(_ rule: AuditRule, _ message: String) {
            findings.add(rule, message, index: index, eventID: id)
        }

        if let last = lastAppended, entry.appended < last {
            add(.appendedOrder, "entry \(index) was appended at \(entry.appended), before the entry before it (\(last))")
        }
        lastAppended = max(lastAppended ?? entry.appended, entry.appended)

        if index == 0 { checkGenesis(entry, add: add) }

        // The signer: the key the registry had active at this index.
        do {
            let key = try registry.signingKey(source: event.source, hint: entry.signedEvent.keyHint, at: index)
            let valid: Bool
            switch checked.signature {
            case .verified(let k) where k == key: valid = true
            case .invalid(let k) where k == key: valid = false
            default: valid = entry.signedEvent.envelope.verifySignature(at: 0, with: key)
            }
            signaturesVerified += 1
            if !valid { add(.entrySignature, "the signature of entry \(index) does not verify with \(key.hint), the key of \(event.source) it names") }
        } catch {
            add(.signerKey, "entry \(index): \(error.message)")
        }

        // The registry, replayed.
        if RegistryEvent.isRegistryType(event.type) || registry.isAuthority(event.source) {
            do {
                try registry.apply(event, at: index)
                if event.type.sameBytes(as: RegistryEvent.keyAdded), case .string(let text)? = event.data["key"],
                   let key = try? VerifierKey(parsing: text) {
                    knownKeys.add(key)
                }
            } catch {
                add(.registryRule, "entry \(index): \(error.message)")
            }
        }

        // Ids unique.
        if trackIDs {
            let key = ExactText(id)
            if let earlier = ids[key] {
                add(.duplicateEventID, "entry \(index) repeats the event id \"\(id)\" of entry \(earlier)")
            } else {
                ids[key] = index
            }
        }
        out.ids.append((id, index))

        // The stream and its rules.
        let subject = event.subject
        let stream = ExactText(subject)
        let earlier = try history(of: stream)
        if let f = checked.stateless {
            add(.domainRule, "entry \(index) breaks the rule \(f.rule): \(f.message)")
        } else {
            let cache = self.cache, history = earlier
            let state = StreamState(subject: subject, version: UInt64(earlier.count)) { () throws(LedgerError) -> [LogEntry] in
                var out: [LogEntry] = []
                out.reserveCapacity(history.count)
                for i in history { out.append(try cache.entry(at: i)) }
                return out
            }
            do { try validator.validate(event, stream: state, registry: registry) } catch {
                add(.domainRule, "entry \(index) breaks the rule \(error.rule): \(error.message)")
            }
        }
        previous.append(heads[stream]?.last ?? .max)
        heads[stream] = StreamHead(last: index, count: UInt64(earlier.count) + 1)
        out.streams.append((subject, UInt64(earlier.count) + 1, index))
    }

    /// The indexes of the earlier entries of stream `subject`, oldest first.
    private mutating func history(of stream: ExactText) throws(LedgerError) -> [UInt64] {
        var chain: [UInt64] = []
        if let head = heads[stream] {
            var i = head.last
            while i != .max, i >= base {
                chain.append(i)
                i = previous[Int(i - base)]
            }
            chain.reverse()
        }
        if base > 0 {
            if prior[stream] == nil { prior[stream] = try priorStream(stream.string) }
            return (prior[stream] ?? []) + chain
        }
        return chain
    }

    private func checkGenesis(_ entry: LogEntry, add: (AuditRule, String) -> Void) {
        let e = entry.event
        guard e.type.sameBytes(as: RegistryEvent.genesis) else {
            add(.registryRule, "entry 0 is a \(e.type) event, not the genesis of the log")
            return
        }
        if case .string(let o)? = e.data["origin"], o.sameBytes(as: origin), case .string(let l)? = e.data["log"],
           l.sameBytes(as: logKey.description) {
            return
        }
        add(.registryRule, "the genesis entry names another origin or log key than \(origin) (\(logKey.hint))")
    }

    /// Checks a stored checkpoint of size ``size`` against the replayed tree.
    ///
    /// - Returns: Whether its cosignatures satisfy the quorum.
    package mutating func checkCheckpoint(text: String?, policy: TlogPolicy) -> Bool {
        let size = self.size
        guard let text else {
            findings.add(.checkpointSize, "the log's last commit (size \(size)) has no stored checkpoint", checkpointSize: size)
            return false
        }
        let signed: SignedCheckpoint
        do { signed = try SignedCheckpoint(parsing: text) } catch {
            findings.add(.checkpointFormat, "the stored checkpoint of size \(size) does not parse: \(error.message)", checkpointSize: size)
            return false
        }
        let cp = signed.checkpoint
        if cp.size != size || !cp.origin.sameBytes(as: origin) {
            findings.add(.checkpointFormat, "the checkpoint stored under size \(size) is for \(cp.origin) size \(cp.size)", checkpointSize: size)
        }
        var witnessed = false
        do {
            _ = try policy.verify(signed)
            witnessed = true
            signaturesVerified += signed.note.signatures.count
        } catch {
            switch error.code {
            case .quorumNotMet: signaturesVerified += 1
            case .invalidCosignature:
                findings.add(.cosignature, "checkpoint \(size): \(error.message)", checkpointSize: size)
            default:
                findings.add(.checkpointSignature, "checkpoint \(size): \(error.message)", checkpointSize: size)
            }
        }
        if cp.rootHash != frontier.root {
            let low = lastGoodCheckpoint.map { " (the checkpoint of size \($0) matched; an entry in \($0)..<\(size) differs from what was signed)" } ?? ""
            findings.add(.checkpointRoot, "the checkpoint of size \(size) was signed for root \(cp.rootHash.base64), but the entries give \(frontier.root.base64)\(low)",
                         index: size - 1, checkpointSize: size)
        } else {
            lastGoodCheckpoint = size
        }
        return witnessed
    }

    package private(set) var lastGoodCheckpoint: UInt64?
}
