import Dispatch

/// A serial dispatch queue for blocking work (file reads, locks, fsync), awaited without
/// blocking the caller's thread: what a server's handlers use to keep the event loops and the
/// tasks' threads free while a state directory is read or synced, one piece of work at a time.
///
/// ```swift
/// let disk = BlockingQueue(label: "jejak.mirror.disk")
/// let checkpoint = await disk.run { try? mirror.mirrorCheckpoint(origin: origin) }
/// ```
public struct BlockingQueue: Sendable {
    private let queue: DispatchQueue

    /// A queue named `label` (shown by debuggers and in crash reports).
    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `work` on the queue and returns its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
