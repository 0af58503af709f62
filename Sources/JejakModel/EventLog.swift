import JejakCrypto
import JejakTlog

/// What a unit's system does with a Jejak log, whether the log is embedded (`Ledger`, in the
/// same process) or remote (`JejakClient`, over HTTP): publish signed events, read entries and
/// streams, follow the log, and prove. Code written against `EventLog` moves from one to the
/// other by changing the line that makes it.
///
/// ```swift
/// func recordRequest(_ log: some EventLog, _ signed: SignedEvent) async throws -> Receipt {
///     try await log.append([signed], expecting: .noStream)[0]
/// }
/// let embedded = try Ledger(opening: "kpu-ledger")
/// let remote = try JejakClient(url: "https://jejak.kpu.go.id", policy: policy)
/// ```
///
/// Every method throws what its conformer throws: a `LedgerError` naming the rule broken for a
/// refusal (the same codes either way), and for the client also its own errors (the server
/// unreachable, an answer that does not verify).
public protocol EventLog: Sendable {
    /// The sequence ``subscribe(from:)`` returns.
    associatedtype Subscription: AsyncSequence where Subscription.Element == LogEntry

    /// Appends signed events atomically (all or none) and returns one receipt per event.
    func append(_ events: [SignedEvent], expecting expected: ExpectedVersion) async throws -> [Receipt]
    /// The number of entries in the log.
    func size() async throws -> UInt64
    /// The entry at `index`.
    func entry(at index: UInt64) async throws -> LogEntry
    /// The entries from index `from` up to (not including) `to`, in order, at most `limit`.
    func entries(from: UInt64, to: UInt64, limit: Int) async throws -> [LogEntry]
    /// The entry holding the event with id `id`, or `nil`.
    func entry(eventID id: String) async throws -> LogEntry?
    /// The events of stream `subject` from `fromVersion` (1-based) on, at most `limit`.
    func stream(_ subject: String, fromVersion: UInt64, limit: Int) async throws -> [(version: UInt64, entry: LogEntry)]
    /// The latest signed checkpoint.
    func latestCheckpoint() async throws -> SignedCheckpoint
    /// The receipt of entry `index`, against the checkpoint of `checkpointSize` or the latest.
    func receipt(index: UInt64, checkpointSize: UInt64?) async throws -> Receipt
    /// An RFC 9162 inclusion proof of entry `index` in the tree of `size` entries.
    func inclusionProof(index: UInt64, size: UInt64?) async throws -> [SHA256Digest]
    /// An RFC 9162 consistency proof between the trees of `oldSize` and `newSize` entries.
    func consistencyProof(from oldSize: UInt64, to newSize: UInt64) async throws -> [SHA256Digest]
    /// The entries from `index` on, then each new one as it is committed.
    func subscribe(from index: UInt64) -> Subscription
}
