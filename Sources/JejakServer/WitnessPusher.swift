import AsyncHTTPClient
import Jejak
import JejakBase
import JejakCrypto
import JejakModel
import JejakTlog
import JejakAPI
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The log side of c2sp.org/tlog-witness: submits the ledger's newest checkpoint to every
/// witness of its tlog-policy that has a URL, with the consistency proof from the size that
/// witness last cosigned, and stores the cosignatures that verify with the checkpoint
/// (`Ledger.addCosignatures(_:)`), so `/checkpoint`, receipts and exports carry them.
///
/// - A witness's size is learnt from its 409 (`text/x.tlog.size`) answer; the first request
///   to a witness says old size 0 to learn it.
/// - Witnesses are asked concurrently; one that is down, slow or refusing does not hold up the
///   others, and the quorum is met as soon as enough have answered.
/// - An answer whose lines are not a valid cosignature by the witness's key is logged and
///   ignored, never stored.
/// - A witness that has cosigned a larger checkpoint than the ledger holds, or that refuses the
///   ledger's checkpoint as inconsistent (422), has seen another history of this log: that is
///   logged as an error (a split view, or a rolled-back ledger) and counted in
///   ``splitViewReports``.
///
/// Commits are not cosigned one by one: when the ledger moves on while a request is out, the
/// next request takes the newest checkpoint, which covers every entry before it.
///
/// Publishers wait for a quorum with ``waitForWitnesses(size:timeout:)``.
public final class WitnessPusher: Service, Sendable {
    /// A witness the pusher submits to.
    public struct Endpoint: Sendable {
        /// Its name in the policy.
        public let name: String
        /// Its cosignature key.
        public let key: VerifierKey
        /// Its submission prefix (`<url>/add-checkpoint` is posted to).
        public let url: String

        /// A witness named `name` in the policy, with cosignature key `key`, at `url`.
        public init(name: String, key: VerifierKey, url: String) {
            self.name = name
            self.key = key
            self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
    }

    /// The witnesses of the ledger's policy that have a URL.
    public let endpoints: [Endpoint]
    private let ledger: Ledger
    private let policy: TlogPolicy
    private let http: HTTPClient
    private let logger: Logger
    private let requestTimeout: Duration
    private let wakeInterval: Duration
    private let state = Mutex(State())
    private let wakeups: [AsyncStream<Void>]
    private let wakes: [AsyncStream<Void>.Continuation]

    private struct State {
        var witnessSizes: [ExactText: UInt64] = [:]
        var witnessed: SignedCheckpoint?
        var waiters: [Int: (size: UInt64, continuation: CheckedContinuation<SignedCheckpoint?, Never>)] = [:]
        var nextWaiter = 0
        var splitViews = 0
        var stopped = false
    }

    /// A pusher for `ledger`'s policy witnesses that have a URL (or for `endpoints`, when
    /// given), or `nil` when there is none. The quorum is always the policy's.
    ///
    /// - Throws: `LedgerError` when the policy can't be read.
    ///
    /// - Parameter wakeInterval: How often the ledger is looked at without being told of a new
    ///   checkpoint (``checkpointAdded()``): a witness that was down is asked again, and a ledger
    ///   written by another process is followed.
    public init?(ledger: Ledger, endpoints given: [Endpoint]? = nil, requestTimeout: Duration = .seconds(5),
                 wakeInterval: Duration = .seconds(1), logger: Logger) throws {
        let policy = try ledger.policy()
        let endpoints = given ?? policy.witnesses.compactMap { w in w.url.map { Endpoint(name: w.name, key: w.key, url: $0) } }
        guard !endpoints.isEmpty else { return nil }
        self.endpoints = endpoints
        self.ledger = ledger
        self.policy = policy
        self.logger = logger
        self.requestTimeout = requestTimeout
        self.wakeInterval = wakeInterval
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2), read: .nanoseconds(requestTimeout.nanoseconds))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 4)
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let streams = endpoints.map { _ in AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1)) }
        wakeups = streams.map(\.stream)
        wakes = streams.map(\.continuation)
        if let latest = try? ledger.latestCheckpoint(), (try? policy.verify(latest)) != nil {
            state.withLock { $0.witnessed = latest }
        }
    }

    /// The largest checkpoint stored with a quorum of cosignatures, if any yet.
    public var witnessed: SignedCheckpoint? { state.withLock { $0.witnessed } }

    /// How many times a witness showed a view of the log that is not the ledger's.
    public var splitViewReports: Int { state.withLock { $0.splitViews } }

    /// Says the ledger has a new checkpoint (the publish route calls it after each commit).
    public func checkpointAdded() {
        for w in wakes { w.yield() }
    }

    /// Waits until a checkpoint of at least `size` entries meets the policy's quorum, and
    /// returns it with its cosignatures, or `nil` after `timeout` (or when the pusher stops).
    public func waitForWitnesses(size: UInt64, timeout: Duration) async -> SignedCheckpoint? {
        checkpointAdded()
        return await withTaskGroup(of: SignedCheckpoint?.self) { group in
            group.addTask { await self.witnessed(size: size) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    private func witnessed(size: UInt64) async -> SignedCheckpoint? {
        let id = state.withLock { s in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<SignedCheckpoint?, Never>) in
                let ready: SignedCheckpoint?? = state.withLock { s in
                    if let w = s.witnessed, w.checkpoint.size >= size { return .some(w) }
                    if s.stopped || Task.isCancelled { return .some(nil) }
                    s.waiters[id] = (size, continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: nil)
        }
    }

    /// Pushes each new checkpoint until graceful shutdown: one loop per witness, so a witness
    /// that is down or slow holds up no other (and is asked again at most once a second).
    public func run() async throws {
        // On graceful shutdown the loops are cancelled: a request out to a witness that is down
        // ends at once instead of holding up the server's stop.
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for (endpoint, wakeups) in zip(self.endpoints, self.wakeups) {
                    group.addTask { await self.follow(endpoint, wakeups) }
                }
                group.addTask {
                    // A periodic wake-up: a witness that was down is asked again.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.wakeInterval)
                        self.checkpointAdded()
                    }
                }
            }
        }
        stop()
        try? await http.shutdown()
    }

    private func stop() {
        let waiters = state.withLock { s in
            s.stopped = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for w in waiters { w.continuation.resume(returning: nil) }
        for w in wakes { w.finish() }
    }

    /// Submits the newest checkpoint to `endpoint` each time there is one it has not cosigned.
    private func follow(_ endpoint: Endpoint, _ wakeups: AsyncStream<Void>) async {
        for await _ in wakeups where !Task.isCancelled {
            guard let latest = try? ledger.latestCheckpoint() else { continue }
            if latest.note.signatures.contains(where: { $0.matches(endpoint.key) }) {
                publishIfWitnessed(latest)
                continue
            }
            let lines = await submit(latest, to: endpoint)
            if lines.isEmpty {
                // Down or refusing: ask again after a pause, not on every commit.
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if let stored = await store(latest, adding: lines) { publishIfWitnessed(stored) }
        }
    }

    /// Stores `lines` with the ledger's checkpoint; returns the checkpoint as stored.
    private func store(_ checkpoint: SignedCheckpoint, adding lines: [NoteSignature]) async -> SignedCheckpoint? {
        guard !lines.isEmpty else { return nil }
        let ledger = self.ledger
        do {
            let note = try SignedNote(text: checkpoint.note.text, signatures: checkpoint.note.signatures + lines)
            let cosigned = try SignedCheckpoint(note: note)
            return try await NIOThreadPool.singleton.runIfActive { () throws(LedgerError) in try ledger.addCosignatures(cosigned) }
        } catch {
            logger.error("the witnesses' cosignatures could not be stored", metadata: ["size": "\(checkpoint.checkpoint.size)", "error": "\(error)"])
            return nil
        }
    }

    private func publishIfWitnessed(_ checkpoint: SignedCheckpoint) {
        guard (try? policy.verify(checkpoint)) != nil else { return }
        let ready = state.withLock { s -> [CheckedContinuation<SignedCheckpoint?, Never>] in
            guard (s.witnessed?.checkpoint.size ?? 0) <= checkpoint.checkpoint.size else { return [] }
            s.witnessed = checkpoint
            let due = s.waiters.filter { $0.value.size <= checkpoint.checkpoint.size }
            for id in due.keys { s.waiters.removeValue(forKey: id) }
            return due.values.map(\.continuation)
        }
        for c in ready { c.resume(returning: checkpoint) }
    }

    /// Submits `checkpoint` to one witness; returns its verified cosignature lines (none when
    /// it is down, refuses, or answers something that does not verify).
    private func submit(_ checkpoint: SignedCheckpoint, to endpoint: Endpoint) async -> [NoteSignature] {
        let size = checkpoint.checkpoint.size
        var old = state.withLock { $0.witnessSizes[ExactText(endpoint.name)] } ?? 0
        let log = logger.with("witness", endpoint.name)
        for _ in 0..<3 {
            if old > size {
                reportSplitView(log, "the witness has cosigned a checkpoint of \(old) entries, more than the ledger's \(size): it was shown another history of this log, or the ledger was rolled back")
                return []
            }
            let proof: [SHA256Digest]
            do { proof = old == 0 || old == size ? [] : try ledger.consistencyProof(from: old, to: size) } catch {
                log.error("no consistency proof from the witness's size", metadata: ["old": "\(old)", "error": "\(error.message)"])
                return []
            }
            let body: [UInt8]
            do { body = try AddCheckpointRequest(oldSize: old, consistencyProof: proof, checkpoint: checkpoint).serialized } catch {
                log.error("the request could not be made", metadata: ["error": "\(error.message)"])
                return []
            }
            var request = HTTPClientRequest(url: endpoint.url + "/add-checkpoint")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            request.body = .bytes(ByteBuffer(bytes: body))
            let status: UInt, answer: [UInt8]
            do {
                let response = try await http.execute(request, timeout: .nanoseconds(requestTimeout.nanoseconds), logger: logger)
                status = response.status.code
                answer = Array(try await response.body.collect(upTo: 64 << 10).readableBytesView)
            } catch {
                log.warning("the witness did not answer", metadata: ["error": "\(error)"])
                return []
            }
            switch status {
            case 200:
                return verifiedLines(answer, on: checkpoint, by: endpoint, log)
            case 409:
                guard let theirs = try? TlogSize.parse(answer) else {
                    log.warning("the witness's 409 does not carry its size")
                    return []
                }
                old = theirs
                state.withLock { $0.witnessSizes[ExactText(endpoint.name)] = theirs }
            case 422:
                reportSplitView(log, "the witness refuses the ledger's checkpoint of \(size) entries as inconsistent with the one it cosigned: \(String(decoding: answer.prefix(512), as: UTF8.self))")
                return []
            default:
                log.warning("the witness refused the checkpoint", metadata: [
                    "status": "\(status)", "size": "\(size)", "answer": "\(String(decoding: answer.prefix(512), as: UTF8.self))",
                ])
                return []
            }
        }
        return []
    }

    private func verifiedLines(_ answer: [UInt8], on checkpoint: SignedCheckpoint, by endpoint: Endpoint, _ log: Logger) -> [NoteSignature] {
        let text = checkpoint.note.text
        guard let withLines = try? checkpoint.adding(cosignatureLines: answer) else {
            log.error("the witness's answer is not signature lines; ignored")
            return []
        }
        let new = withLines.note.signatures.dropFirst(checkpoint.note.signatures.count)
        let valid = new.filter { $0.matches(endpoint.key) && endpoint.key.verify(noteText: text, signature: $0.signature) }
        guard !valid.isEmpty else {
            log.error("the witness's answer holds no valid cosignature by its key \(endpoint.key.hint); ignored, not stored")
            return []
        }
        state.withLock { $0.witnessSizes[ExactText(endpoint.name)] = checkpoint.checkpoint.size }
        return Array(valid.prefix(1))
    }

    private func reportSplitView(_ log: Logger, _ message: String) {
        state.withLock { $0.splitViews += 1 }
        log.error("split view: \(message)")
    }
}

extension Logger {
    fileprivate func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy[metadataKey: key] = "\(value)"
        return copy
    }
}
