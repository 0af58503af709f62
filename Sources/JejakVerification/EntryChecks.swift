import Dispatch
import Foundation
import JejakBase
import JejakCrypto
import JejakJSON
import JejakModel
import JejakTlog
import Synchronization

/// What the parallel stage learned about one entry: the checks that need no log order.
package struct CheckedEntry: Sendable {
    /// How the signature check went, with the key known for the envelope's `keyid` when the
    /// chunk started.
    package enum Signature: Sendable {
        /// It verified with this key.
        case verified(VerifierKey)
        /// It did not verify with this key.
        case invalid(VerifierKey)
        /// No key with that `keyid` was known yet (added in an entry still being replayed):
        /// the sequential stage verifies it.
        case deferred
    }

    package let index: UInt64
    package let leafHash: SHA256Digest
    /// The decoded entry, or `nil` with ``failure`` set.
    package let entry: LogEntry?
    package let failure: Finding?
    package let signature: Signature
    /// The validator's stateless verdict.
    package let stateless: ValidationFailure?
}

/// The keys seen so far in the replay, by `keyid`: grows only (a revoked key stays, since
/// entries before its revocation still verify with it). The sequential stage adds keys as it
/// applies `key-added` events; the parallel stage reads a snapshot per chunk.
package final class KnownKeys: Sendable {
    private let keys: Mutex<[ExactText: VerifierKey]>

    package init(_ initial: [ExactText: VerifierKey]) { keys = Mutex(initial) }

    package func add(_ key: VerifierKey) { keys.withLock { $0[ExactText(key.hint)] = key } }

    package var snapshot: [ExactText: VerifierKey] { keys.withLock { $0 } }
}

/// The parallel stage of an audit: decodes leaves, hashes them, verifies signatures and runs
/// the validator's stateless checks, on all cores.
package struct EntryChecker: Sendable {
    package let validator: any EventValidator
    package let workers: Int

    package init(validator: any EventValidator, workers: Int) {
        self.validator = validator
        self.workers = workers
    }

    /// Checks `leaves` (consecutive entries) with the keys known at the start.
    package func check(_ leaves: [(index: UInt64, leaf: [UInt8])], keys: [ExactText: VerifierKey]) -> [CheckedEntry] {
        let slots = Slots(count: leaves.count)
        // Threads take small slices from a shared counter until none is left, so none idles
        // while another still has a long share (the replay's own thread competes for the cores).
        let next = Atomic<Int>(0)
        let slice = 32
        onThreads(max(1, min(workers, leaves.count / slice))) { _ in
            while true {
                let lower = next.add(slice, ordering: .relaxed).oldValue
                guard lower < leaves.count else { return }
                for k in lower..<min(lower + slice, leaves.count) {
                    slots.set(k, checkOne(leaves[k].index, leaves[k].leaf, keys: keys))
                }
            }
        }
        return slots.values
    }

    package func checkOne(_ index: UInt64, _ leaf: [UInt8], keys: [ExactText: VerifierKey]) -> CheckedEntry {
        let hash = Merkle.leafHash(leaf)
        let entry: LogEntry
        do {
            entry = try LogEntry(index: index, leaf: leaf)
        } catch {
            let rule: AuditRule = (try? Leaf.decode(leaf)) == nil ? .leafFormat : .eventFormat
            let message = rule == .leafFormat
                ? "entry \(index) is not a Jejak leaf ({\"appended\":…,\"envelope\":…})"
                : "entry \(index) does not decode: \(error.message)"
            return CheckedEntry(index: index, leafHash: hash, entry: nil,
                                failure: Finding(rule: rule.rawValue, message: message, index: index),
                                signature: .deferred, stateless: nil)
        }
        let signature: CheckedEntry.Signature
        if let key = keys[ExactText(entry.signedEvent.keyHint)] {
            signature = entry.signedEvent.envelope.verifySignature(at: 0, with: key) ? .verified(key) : .invalid(key)
        } else {
            signature = .deferred
        }
        var stateless: ValidationFailure?
        do { try validator.validate(entry.event) } catch { stateless = error }
        return CheckedEntry(index: index, leafHash: hash, entry: entry, failure: nil, signature: signature,
                            stateless: stateless)
    }
}

/// Result slots written by the parallel stage.
///
/// `@unchecked Sendable`: each slot is written by exactly one `concurrentPerform` iteration
/// (the iterations cover disjoint index ranges), and ``values`` is read only after
/// `concurrentPerform` has returned, which happens-after every iteration.
private final class Slots: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<CheckedEntry?>
    package init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }
    deinit {
        storage.deinitialize()
        storage.deallocate()
    }
    package func set(_ k: Int, _ value: CheckedEntry) { storage[k] = value }
    package var values: [CheckedEntry] { storage.compactMap { $0 } }
}

/// A chunk read and checked on a background thread while the previous one is replayed.
///
/// `@unchecked Sendable`: ``result`` is written once on the background queue before
/// `done.signal()`, and read only after `done.wait()` returns, which happens-after the signal.
package final class Prefetch: @unchecked Sendable {
    private var result: Result<[CheckedEntry], LedgerError> = .success([])
    private let done = DispatchSemaphore(value: 0)

    package init(_ work: @escaping @Sendable () throws(LedgerError) -> [CheckedEntry]) {
        let thread = Thread {
            do throws(LedgerError) { self.result = .success(try work()) } catch { self.result = .failure(error) }
            self.done.signal()
        }
        thread.start()
    }

    package func value() throws(LedgerError) -> [CheckedEntry] {
        done.wait()
        return try result.get()
    }
}

/// Runs `body(0..<count)` on `count` threads of their own (the caller's thread runs part 0)
/// and returns when all are done.
///
/// Dedicated threads rather than Dispatch's pool: the audit's sequential stage occupies a thread
/// of its own at the same time, and a pool as wide as the cores would then leave a core idle.
package func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    guard count > 1 else {
        body(0)
        return
    }
    let done = DispatchSemaphore(value: 0)
    for part in 1..<count {
        let thread = Thread {
            body(part)
            done.signal()
        }
        thread.start()
    }
    body(0)
    for _ in 1..<count { done.wait() }
}
