import JejakBase
import JejakCrypto
import JejakModel
import JejakTlog
import Synchronization

extension ErrorCode where Kind == LedgerErrors {
    /// A standby's tail (a mirror or export of the lost primary) is not the continuation of the
    /// standby's log: another log's, not signed by the log's key, tiles that do not hash to its
    /// checkpoint, a tree inconsistent with the standby's, or entries the standby could not
    /// append byte for byte.
    public static var tailInconsistent: Self { Self("tailInconsistent") }
    /// The witnesses cosigned a larger tree than the standby and its tail hold: promoting it
    /// would fork the log they vouched for.
    public static var behindWitnesses: Self { Self("behindWitnesses") }
    /// The checkpoint given as the last witnessed one is not signed and cosigned as the
    /// ledger's policy asks, or is not on the standby's history.
    public static var witnessedInconsistent: Self { Self("witnessedInconsistent") }
    /// The ledger's policy asks for witnesses, and no witnessed checkpoint was given to prove
    /// the standby against.
    public static var witnessedMissing: Self { Self("witnessedMissing") }
}

/// What ``Ledger/promote(_:tail:witnessed:options:)`` did.
public struct Promotion: Hashable, Sendable {
    /// The standby's size as it was backed up.
    public var backedUpSize: UInt64
    /// The entries appended from the tail.
    public var restored: UInt64
    /// The standby's size now: the size of the tail's checkpoint when it was larger.
    public var size: UInt64
    /// The size of the witnessed checkpoint the standby was proven consistent with.
    public var witnessedSize: UInt64?
}

/// Failover: a standby promoted from a backup of the writer and the tail of its log.
extension Ledger {
    /// Promotes the standby ledger at `path` — a `jejak backup` copy of a lost primary — to the
    /// log's writer: appends the entries a mirror or export of the primary (`tail`) holds past
    /// the backup, each leaf byte for byte as the primary wrote it (its `appended` time kept),
    /// so the standby's tree is the primary's tree; then proves it consistent with the last
    /// checkpoint the witnesses cosigned (`witnessed`). Everything is checked before the first
    /// entry is appended, so a refusal leaves the standby as it was:
    ///
    /// - the tail's checkpoint is signed by this log's key, its tiles hash to its root, each
    ///   entry to its leaf hash, and its tree is consistent with the standby's (a consistency
    ///   proof computed from the tiles);
    /// - every tail entry is a leaf the standby's writer would write again exactly (the same
    ///   envelope bytes, an `appended` time not before the standby's last);
    /// - `witnessed` meets the ledger's policy (the log's signature and the witnesses' quorum),
    ///   is no larger than the tree the standby will hold, and its root is that tree's root at
    ///   its size.
    ///
    /// The appends go through the ordinary pipeline, with the registry and `options.validator`
    /// (the domain rules) checking each event again; the standby's writer signs its own
    /// checkpoints, of the same roots.
    ///
    /// ```swift
    /// let promotion = try await Ledger.promote("standby", tail: TiledLog(directory: "mirror"),
    ///                                          witnessed: lastCosigned, options: options)
    /// ```
    ///
    /// - Throws: ``LedgerError/Code/tailInconsistent``, ``LedgerError/Code/behindWitnesses``,
    ///   ``LedgerError/Code/witnessedInconsistent``, ``LedgerError/Code/witnessedMissing`` (the
    ///   policy asks for witnesses and `witnessed` is nil); what opening and appending throw.
    public static func promote(_ path: String, tail: TiledLog?, witnessed: SignedCheckpoint?,
                               options: Options = Options()) async throws(LedgerError) -> Promotion {
        let clock = RestoringClock()
        var options = options
        let wallClock = options.clock
        options.clock = { clock.time ?? wallClock() }
        let ledger = try Ledger(opening: path, options: options)
        defer { ledger.close() }

        let backedUp = try ledger.latestCheckpoint().checkpoint
        let plan = try tail.map { log throws(LedgerError) in try ledger.tailPlan(log, after: backedUp) }
        let size = plan?.checkpoint.size ?? backedUp.size
        if witnessed == nil, !(try ledger.policy()).isQuorumSatisfied(byWitnessesNamed: [String]()) {
            throw LedgerError(.witnessedMissing, """
                the ledger's policy asks for witnesses: give the last checkpoint they cosigned, so that the standby is \
                proven to hold everything they vouched for
                """)
        }
        if let witnessed {
            try ledger.checkWitnessed(witnessed, standbySize: backedUp.size, size: size, tail: tail)
        }
        if let plan, let tail {
            // One entry bundle at a time (a long tail is never held in memory), one append per
            // run of entries the primary committed at one time.
            var index = plan.from
            while index < plan.checkpoint.size {
                let (end, entries) = try ledger.tailEntries(tail, from: index, treeSize: plan.checkpoint.size)
                var first = 0
                while first < entries.count {
                    let appended = entries[first].appended
                    var next = first + 1
                    while next < entries.count, entries[next].appended == appended { next += 1 }
                    clock.time = appended
                    _ = try await ledger.append(entries[first..<next].map(\.event))
                    first = next
                }
                index = end
            }
        }
        clock.time = nil
        if let plan {
            let root = try ledger.latestCheckpoint().checkpoint
            guard root.size == plan.checkpoint.size, root.rootHash == plan.checkpoint.rootHash else {
                throw LedgerError(.corruptStore,
                                  "the standby's tree after the tail (size \(root.size)) is not the tail's tree of size \(plan.checkpoint.size)")
            }
        }
        return Promotion(backedUpSize: backedUp.size, restored: size - backedUp.size, size: size, witnessedSize: witnessed?.checkpoint.size)
    }

    /// The tree the tail brings the standby to, after every check that can be made before
    /// appending its entries (each entry bundle is read and checked again as it is appended).
    private func tailPlan(_ log: TiledLog, after backedUp: Checkpoint) throws(LedgerError) -> TailPlan {
        func refused(_ why: String) -> LedgerError {
            LedgerError(.tailInconsistent, "the tail in \(log.directory) \(why)")
        }
        let signed: SignedCheckpoint
        do { signed = try log.checkpoint() } catch { throw refused("has no readable checkpoint: \(error.message)") }
        let checkpoint = signed.checkpoint
        guard checkpoint.origin.sameBytes(as: origin) else { throw refused("is of the log \"\(checkpoint.origin)\", not \"\(origin)\"") }
        guard signed.note.signatures.contains(where: { $0.matches(logKey) && logKey.verify(noteText: signed.note.text, signature: $0.signature) }) else {
            throw refused("has a checkpoint not signed by this log's key \(logKey.hint)")
        }
        let source = log.hashSource(treeSize: checkpoint.size)
        do {
            guard try Merkle.rootHash(size: checkpoint.size, from: source) == checkpoint.rootHash else {
                throw refused("has tiles that do not hash to its checkpoint of size \(checkpoint.size)")
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw refused("has tiles that can't be read: \(error)")
        }
        guard checkpoint.size >= backedUp.size else {
            // An older tail adds nothing; it must still be this history.
            guard try rootHash(size: checkpoint.size) == checkpoint.rootHash else {
                throw refused("of size \(checkpoint.size) is not the standby's history at that size")
            }
            return TailPlan(checkpoint: backedUp, from: backedUp.size)
        }
        if backedUp.size > 0 {
            do {
                let proof = try log.consistencyProof(oldSize: backedUp.size, newSize: checkpoint.size)
                try ConsistencyProof.verify(oldSize: backedUp.size, newSize: checkpoint.size, oldRoot: backedUp.rootHash,
                                            newRoot: checkpoint.rootHash, proof: proof)
            } catch {
                throw refused("of size \(checkpoint.size) is not consistent with the standby's tree of size \(backedUp.size): \(error)")
            }
        }
        var last = LedgerTime(millisecondsSinceEpoch: 0)
        if backedUp.size > 0, let entry = try store.entry(at: backedUp.size - 1) { last = entry.appended }
        var index = backedUp.size
        while index < checkpoint.size {
            let (end, entries) = try tailEntries(log, from: index, treeSize: checkpoint.size)
            for (offset, entry) in entries.enumerated() {
                guard entry.appended >= last else {
                    throw refused("has an entry \(index + UInt64(offset)) appended before the one preceding it: the standby could not write it again")
                }
                last = entry.appended
            }
            index = end
        }
        return TailPlan(checkpoint: checkpoint, from: backedUp.size)
    }

    /// The tail's entries from `index` to the end of its entry bundle, each checked against its
    /// leaf hash and checked to be a leaf the standby's writer would write again byte for byte
    /// (given its time); returns where the bundle ends.
    private func tailEntries(_ log: TiledLog, from index: UInt64, treeSize: UInt64) throws(LedgerError)
        -> (end: UInt64, entries: [(appended: LedgerTime, event: SignedEvent)]) {
        func refused(_ why: String) -> LedgerError {
            LedgerError(.tailInconsistent, "the tail in \(log.directory) \(why)")
        }
        let width = UInt64(Tile.fullWidth)
        let end = min((index / width + 1) * width, treeSize)
        let leaves: [[UInt8]], hashes: [SHA256Digest]
        do {
            leaves = try log.entries(from: index, to: end, treeSize: treeSize)
            hashes = try log.hashTile(level: 0, index: index / width, treeSize: treeSize)
        } catch {
            throw refused("lacks entries \(index)..<\(end): \(error.message)")
        }
        var entries: [(appended: LedgerTime, event: SignedEvent)] = []
        entries.reserveCapacity(leaves.count)
        for (offset, leaf) in leaves.enumerated() {
            let i = index + UInt64(offset)
            guard Int(i % width) < hashes.count, Merkle.leafHash(leaf) == hashes[Int(i % width)] else {
                throw refused("has an entry \(i) that does not hash to its leaf hash")
            }
            let (appended, envelope): (LedgerTime, [UInt8])
            let event: SignedEvent
            do {
                (appended, envelope) = try Leaf.decode(leaf)
                event = try SignedEvent(json: envelope)
            } catch {
                throw refused("has an entry \(i) that is not a Jejak leaf: \(error.message)")
            }
            guard Leaf.encode(appended: appended, envelopeJSON: event.jsonBytes) == leaf else {
                throw refused("has an entry \(i) the standby could not write again byte for byte")
            }
            entries.append((appended, event))
        }
        return (end, entries)
    }

    /// Checks the last witnessed checkpoint against the tree the standby will hold: the tail's
    /// when it has one, else the standby's own.
    private func checkWitnessed(_ witnessed: SignedCheckpoint, standbySize: UInt64, size: UInt64, tail: TiledLog?) throws(LedgerError) {
        let w = witnessed.checkpoint
        let policy = try self.policy()
        do { _ = try policy.verify(witnessed) } catch {
            throw LedgerError(.witnessedInconsistent, "the witnessed checkpoint of size \(w.size) does not meet the ledger's policy: \(error.message)")
        }
        guard w.size <= size else {
            throw LedgerError(.behindWitnesses, """
                the witnesses cosigned the tree of size \(w.size), but the standby and its tail hold \(size) entries: \
                promoting it would fork the log they vouched for; give a tail (a mirror or export of the primary) of size \(w.size) or more
                """)
        }
        let root: SHA256Digest
        if w.size <= standbySize {
            root = try rootHash(size: w.size)
        } else if let tail {
            let tailSize = (try? tail.checkpoint().checkpoint.size) ?? size
            do { root = try Merkle.rootHash(size: w.size, from: tail.hashSource(treeSize: tailSize)) } catch {
                throw LedgerError(.tailInconsistent, "the tail's tiles can't give the root at size \(w.size): \(error.message)")
            }
        } else {
            throw LedgerError(.behindWitnesses, "the witnesses cosigned the tree of size \(w.size); the standby holds \(standbySize) entries")
        }
        guard root == w.rootHash else {
            throw LedgerError(.witnessedInconsistent,
                              "the witnessed checkpoint of size \(w.size) is not on the standby's history: its root differs at that size")
        }
    }
}

/// The tree a tail brings the standby to, and the first entry it adds.
private struct TailPlan {
    var checkpoint: Checkpoint
    var from: UInt64
}

/// The clock of a standby being promoted: the `appended` time of the tail's entries being
/// appended, the wall clock otherwise.
private final class RestoringClock: Sendable {
    private let state = Mutex<LedgerTime?>(nil)
    var time: LedgerTime? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
