import AsyncHTTPClient
import Foundation
import JejakAPI
import JejakBase
import JejakCrypto
import JejakJSON
import JejakModel
import JejakTlog
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// A Jejak ledger over HTTP, for a unit's own system: publish signed events, read entries and
/// streams, follow the log and prove — and verify every answer that matters before returning
/// it, so that trusting the client means trusting the pinned policy, not the server.
///
/// - A receipt is verified against the pinned tlog-policy (the log's signature, the witness
///   quorum unless ``ClientConfiguration/witnessing`` says otherwise, the entry's inclusion).
/// - Every checkpoint it sees (the latest, or a receipt's) must be consistent with the largest
///   it verified before (kept in ``ClientConfiguration/checkpointFile`` across restarts); two
///   that are not are a ``APIError/Code/splitView`` naming both.
/// - An entry it reads is rebuilt from its leaf bytes and proven included in a checkpoint it
///   verified.
/// - A publish is retried, the same signed bytes each time, with backoff that honours
///   `Retry-After`: the ledger answers a repeat with the original receipt, so a retry never
///   appends twice.
///
/// It conforms to ``EventLog``, as the embedded `Ledger` does:
///
/// ```swift
/// let policy = try TlogPolicy(parsing: String(contentsOfFile: "kpu.policy"))
/// let log = try JejakClient(url: "https://jejak.kpu.go.id", policy: policy)
/// defer { Task { try await log.shutdown() } }
/// let receipt = try await log.append([signed], expecting: .noStream)[0]
/// ```
///
/// Errors: a refusal by the ledger is the `LedgerError` the server's problem document carries
/// (the same code an embedded append would throw); the client's own are ``APIError``s
/// (``APIError/Code/unreachable``, ``APIError/Code/unverifiedResponse``,
/// ``APIError/Code/splitView``, ``APIError/Code/malformedResponse``).
public final class JejakClient: EventLog, Sendable {
    /// The server's base URL, without a trailing slash.
    public let url: String
    /// The policy every checkpoint and receipt is verified against.
    public let policy: TlogPolicy
    /// The configuration.
    public let configuration: ClientConfiguration

    let http: HTTPClient
    private let isShutDown = Mutex(false)
    /// The digests of the signed checkpoints (their whole note, signatures included) already
    /// verified against the policy and proven consistent with the pin: the receipts of one
    /// group commit share their checkpoint, which is then checked once.
    private let accepted = Mutex(Set<SHA256Digest>())
    /// The acceptances under way, by the checkpoint's digest: the publishers answered by one
    /// group commit all hold its checkpoint at once, and wait for one verification and one
    /// consistency proof instead of each asking the server for its own.
    private let acceptances = Mutex([SHA256Digest: Task<Void, any Error>]())
    let pin: CheckpointPin
    /// The policy checkpoints are held to: ``policy``, or its logs alone.
    private let acceptance: TlogPolicy
    /// Whether a publish asks the server to wait for the witnesses (`wait=witnessed`): when the
    /// accepted checkpoints need a quorum of cosignatures.
    private var waitsForWitnesses: Bool { !acceptance.isQuorumSatisfied(byWitnessesNamed: [String]()) }
    let logger: Logger

    /// A client of the server at `url` (`http://` or `https://`), trusting `policy`.
    ///
    /// - Throws: ``APIError`` with ``APIError/Code/invalidParameter`` for a URL that is not
    ///   HTTP(S) or unreadable trusted certificates; ``APIError/Code/unverifiedResponse`` when
    ///   the checkpoint file holds no checkpoint.
    public init(url: String, policy: TlogPolicy, configuration: ClientConfiguration = ClientConfiguration(),
                logger: Logger = Logger(label: "jejak.client")) throws(APIError) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        guard base.hasPrefix("http://") || base.hasPrefix("https://"), URL(string: base)?.host != nil else {
            throw APIError(.invalidParameter, "the server's URL must be http:// or https:// with a host, not \"\(url)\"")
        }
        self.url = base
        self.policy = policy
        self.configuration = configuration
        self.logger = logger
        switch configuration.witnessing {
        case .quorum: acceptance = policy
        case .logSignature:
            var builder = TlogPolicy.Builder()
            for log in policy.logs { builder.addLog(log.key, url: log.url) }
            builder.setQuorum(TlogPolicy.noneName)
            do { acceptance = try builder.build() } catch {
                throw APIError(.invalidParameter, "the policy's logs do not make a policy: \(error.message)", underlying: error)
            }
        }
        pin = try CheckpointPin(file: configuration.checkpointFile)
        var http = HTTPClient.Configuration(
            timeout: .init(connect: .nanoseconds(configuration.connectTimeout.nanoseconds),
                           read: .nanoseconds(configuration.requestTimeout.nanoseconds)))
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, configuration.maxConnections)
        if let file = configuration.trustedCertificates {
            do {
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
                http.tlsConfiguration = tls
            } catch {
                throw APIError(.invalidParameter, "the trusted certificates in \(file) can't be read: \(error)")
            }
        }
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
    }

    /// Closes the client's connections. Call it once done (the client can't be used after);
    /// a client dropped without it closes them in the background.
    public func shutdown() async throws {
        guard isShutDown.withLock({ done in defer { done = true }; return !done }) else { return }
        try await http.shutdown()
    }

    deinit {
        if !isShutDown.withLock({ $0 }) { http.shutdown(queue: .global()) { _ in } }
    }

    /// The largest checkpoint the client has verified, if any.
    public var pinnedCheckpoint: SignedCheckpoint? { pin.current }

    // MARK: Publishing

    /// Publishes signed events (one atomic batch when more than one) and returns their receipts,
    /// each verified against the policy and its checkpoint against the pinned one. When the
    /// policy needs witnesses (and ``ClientConfiguration/witnessing`` is `.quorum`), the server
    /// is asked to answer once their quorum has cosigned (`wait=witnessed`), so each receipt is
    /// born witnessed.
    ///
    /// - Throws: the `LedgerError` of a refusal; ``APIError/Code/unreachable`` after the last
    ///   attempt; ``APIError/Code/unverifiedResponse`` or ``APIError/Code/splitView`` for an
    ///   answer that does not verify.
    public func append(_ events: [SignedEvent], expecting expected: ExpectedVersion = .any) async throws -> [Receipt] {
        try await publish(events, expecting: expected).map(\.receipt)
    }

    /// Publishes one signed event; see ``append(_:expecting:)``.
    public func append(_ event: SignedEvent, expecting expected: ExpectedVersion = .any) async throws -> Receipt {
        guard let receipt = try await append([event], expecting: expected).first else {
            throw APIError(.malformedResponse, "the server answered a publish without a receipt")
        }
        return receipt
    }

    /// Publishes signed events and returns what the server says of each (index, stream
    /// version, whether it is new), every receipt verified.
    ///
    /// - Throws: as ``append(_:expecting:)``.
    public func publish(_ events: [SignedEvent], expecting expected: ExpectedVersion = .any) async throws -> [PublishedEntry] {
        guard !events.isEmpty else { throw LedgerError(.emptyAppend, "an append needs at least one event") }
        let body: [UInt8]
        if events.count == 1 {
            body = events[0].jsonBytes
        } else {
            body = [UInt8(ascii: "[")] + events.map(\.jsonBytes).joined(separator: [UInt8(ascii: ",")]) + [UInt8(ascii: "]")]
        }
        // A receipt is only accepted with the policy's quorum: ask the server to answer once met.
        let wait = waitsForWitnesses ? "&wait=witnessed" : ""
        let answer = try await send(.POST, "/v1/events?expected-version=\(expected.parameter)\(wait)", body: body,
                                    contentType: MediaType.dsseEnvelope, accept: MediaType.json)
        let value = try Self.json(answer)
        let published: [PublishedEntry]
        if events.count == 1 {
            published = [try PublishedEntry(json: value)]
        } else {
            guard let items = value.arrayValue else {
                throw APIError(.malformedResponse, "the server answered a batch without an array of published entries")
            }
            published = try items.map { (item) throws(APIError) in try PublishedEntry(json: item) }
        }
        guard published.count == events.count else {
            throw APIError(.malformedResponse, "the server answered \(published.count) receipts for \(events.count) events")
        }
        for (event, entry) in zip(events, published) {
            guard entry.eventID.sameBytes(as: event.event.id), entry.receipt.index == entry.index else {
                throw APIError(.unverifiedResponse, "the server's receipt for event \"\(event.event.id)\" is about another event or entry")
            }
            try await verify(entry.receipt, of: event)
        }
        return published
    }

    /// Verifies `receipt` for `event` against the policy, and its checkpoint against the pinned
    /// one.
    ///
    /// - Throws: ``APIError/Code/unverifiedResponse``, ``APIError/Code/splitView``.
    public func verify(_ receipt: Receipt, of event: SignedEvent) async throws {
        try await accept(receipt.checkpoint)
        let checkpoint = receipt.checkpoint.checkpoint
        do {
            try InclusionProof.verify(leafHash: Merkle.leafHash(try receipt.leaf(for: event)), index: receipt.index,
                                      size: checkpoint.size, proof: receipt.proof.inclusionProof, root: checkpoint.rootHash)
        } catch {
            throw APIError(.unverifiedResponse, "the receipt for event \"\(event.event.id)\" does not verify: \(Self.message(error))",
                           underlying: error)
        }
    }

    // MARK: Checkpoints

    /// The server's latest checkpoint, verified against the policy and consistent with the
    /// pinned one (which it then replaces if larger).
    ///
    /// - Throws: ``APIError/Code/unverifiedResponse``, ``APIError/Code/splitView``.
    public func latestCheckpoint() async throws -> SignedCheckpoint {
        let checkpoint = try await fetchCheckpoint()
        try await accept(checkpoint)
        return checkpoint
    }

    /// The server's `/checkpoint`, parsed but not yet verified.
    ///
    /// - Throws: ``APIError/Code/malformedResponse`` when it is not a signed checkpoint.
    func fetchCheckpoint() async throws -> SignedCheckpoint {
        let text = String(decoding: try await send(.GET, "/checkpoint"), as: UTF8.self)
        do { return try SignedCheckpoint(parsing: text) } catch {
            throw APIError(.malformedResponse, "the server's checkpoint is not a signed checkpoint: \(error.message)", underlying: error)
        }
    }

    /// Checks `checkpoint`'s signatures against the policy (the log's key and, unless the
    /// client was made `unwitnessed`, the witnesses' quorum).
    ///
    /// - Throws: ``APIError/Code/unverifiedResponse``.
    func verifySignatures(_ checkpoint: SignedCheckpoint) throws(APIError) {
        do { _ = try acceptance.verify(checkpoint) } catch {
            throw APIError(.unverifiedResponse, "the checkpoint of size \(checkpoint.checkpoint.size) does not verify: \(error.message)",
                           underlying: error)
        }
    }

    /// Pins `checkpoint`, which the caller verified and proved consistent with the pinned one,
    /// and remembers it as accepted.
    func pinVerified(_ checkpoint: SignedCheckpoint) throws(APIError) {
        try pin.advance(to: checkpoint)
        let digest = SHA256Digest.hash(checkpoint.note.serialized.utf8)
        accepted.withLock { known in
            if known.count >= 4096 { known.removeAll(keepingCapacity: true) }
            known.insert(digest)
        }
    }

    /// The number of entries in the server's latest verified checkpoint.
    public func size() async throws -> UInt64 {
        try await latestCheckpoint().checkpoint.size
    }

    /// Verifies `checkpoint` against the policy and proves it consistent with the pinned one;
    /// pins it when it is larger.
    func accept(_ checkpoint: SignedCheckpoint) async throws {
        let digest = SHA256Digest.hash(checkpoint.note.serialized.utf8)
        if accepted.withLock({ $0.contains(digest) }) { return }
        let flight = acceptances.withLock { running in
            if let task = running[digest] { return task }
            let task = Task {
                defer { _ = self.acceptances.withLock { $0.removeValue(forKey: digest) } }
                try await self.acceptOnce(checkpoint, digest: digest)
            }
            running[digest] = task
            return task
        }
        try await flight.value
    }

    /// The work of ``accept(_:)`` for a checkpoint not accepted yet, done once however many
    /// callers hold it.
    private func acceptOnce(_ checkpoint: SignedCheckpoint, digest: SHA256Digest) async throws {
        if accepted.withLock({ $0.contains(digest) }) { return }
        try verifySignatures(checkpoint)
        guard let pinned = pin.current else {
            try pin.advance(to: checkpoint)
            accepted.withLock { _ = $0.insert(digest) }
            return
        }
        let new = try await proveConsistent(checkpoint, pinned)
        try pin.advance(to: new)
        accepted.withLock { known in
            if known.count >= 4096 { known.removeAll(keepingCapacity: true) }
            known.insert(digest)
        }
    }

    /// Proves `a` and `b` views of one tree (equal roots at one size, or a consistency proof
    /// from the server between them); returns the larger.
    private func proveConsistent(_ a: SignedCheckpoint, _ b: SignedCheckpoint) async throws -> SignedCheckpoint {
        let (old, new) = a.checkpoint.size <= b.checkpoint.size ? (a, b) : (b, a)
        if old.checkpoint.size == new.checkpoint.size {
            guard old.checkpoint.rootHash == new.checkpoint.rootHash else { throw Self.splitView(old, new, "the roots differ") }
        } else if old.checkpoint.size > 0 {
            let proof = try await consistencyProof(from: old.checkpoint.size, to: new.checkpoint.size)
            do {
                try ConsistencyProof.verify(oldSize: old.checkpoint.size, newSize: new.checkpoint.size,
                                            oldRoot: old.checkpoint.rootHash, newRoot: new.checkpoint.rootHash, proof: proof)
            } catch {
                throw Self.splitView(old, new, error.message)
            }
        }
        return new
    }

    /// Checks a checkpoint a witness cosigned — from its monitoring route
    /// (`GET <witness>/<sha256(origin) hex>/checkpoint`), or one a relying party holds — against
    /// the log as this client sees it: it must carry a valid signature by the policy's log key
    /// and a valid cosignature by `witness`, and be one view with the server's latest checkpoint
    /// (equal at equal sizes, else a consistency proof from the server). A witness shown another
    /// history than the server shows this client is a split view.
    ///
    /// - Throws: ``APIError/Code/unverifiedResponse`` (not signed by the log or not cosigned by
    ///   `witness`), ``APIError/Code/splitView``, or what reading the server's checkpoint throws.
    public func checkWitnessed(_ checkpoint: SignedCheckpoint, by witness: VerifierKey) async throws {
        let text = checkpoint.note.text
        let logSigned = policy.logs.contains { log in
            log.key.name.sameBytes(as: checkpoint.checkpoint.origin)
                && checkpoint.note.signatures.contains { $0.matches(log.key) && log.key.verify(noteText: text, signature: $0.signature) }
        }
        let cosigned = checkpoint.note.signatures.contains { $0.matches(witness) && witness.verify(noteText: text, signature: $0.signature) }
        guard logSigned, cosigned else {
            throw APIError(.unverifiedResponse, "the checkpoint of size \(checkpoint.checkpoint.size) is not signed by the policy's log and cosigned by \(witness.hint)")
        }
        let latest = try await latestCheckpoint()
        do { _ = try await proveConsistent(checkpoint, latest) } catch let error as LedgerError where error.code == .invalidProofRequest {
            // The server's log is smaller than a tree the witness cosigned: a rollback or a fork.
            throw Self.splitView(latest, checkpoint, "the server cannot prove the witness's larger tree: \(error.message)")
        }
    }

    static func splitView(_ a: SignedCheckpoint, _ b: SignedCheckpoint, _ why: String) -> APIError {
        APIError(.splitView, """
            the server showed two views of the log "\(a.checkpoint.origin)": the checkpoint of size \(a.checkpoint.size) \
            (root \(Base64.encode(a.checkpoint.rootHash.bytes))) and the one of size \(b.checkpoint.size) \
            (root \(Base64.encode(b.checkpoint.rootHash.bytes))) are not consistent: \(why)
            """)
    }

    /// A checkpoint the client verified whose tree holds entry `index`: the pinned one, or the
    /// latest when the pinned one is smaller.
    private func checkpoint(holding index: UInt64) async throws -> SignedCheckpoint {
        if let pinned = pin.current, pinned.checkpoint.size > index { return pinned }
        let latest = try await latestCheckpoint()
        guard latest.checkpoint.size > index else {
            throw LedgerError(.notFound, "the log's latest checkpoint has \(latest.checkpoint.size) entries; there is no entry \(index)")
        }
        return latest
    }

    // MARK: Reading

    /// The entry at `index`, proven included in a verified checkpoint.
    ///
    /// - Throws: the server's `LedgerError` (``LedgerError/Code/notFound``);
    ///   ``APIError/Code/unverifiedResponse`` when the entry is not the one asked or its proof
    ///   fails.
    public func entry(at index: UInt64) async throws -> LogEntry {
        let (entry, _) = try EntryDocument.logEntry(try Self.json(try await send(.GET, "/v1/entries/\(index)")))
        guard entry.index == index else {
            throw APIError(.unverifiedResponse, "the server answered entry \(entry.index) when asked for entry \(index)")
        }
        try await proveIncluded(entry)
        return entry
    }

    /// The entries from `from` up to (not including) `to`, at most `limit` (the server may
    /// answer fewer), each proven included, in order without gaps.
    public func entries(from: UInt64, to: UInt64 = .max, limit: Int = 1000) async throws -> [LogEntry] {
        guard from < to, limit > 0 else { return [] }
        let count = min(UInt64(limit), to - from)
        let value = try Self.json(try await send(.GET, "/v1/entries?from=\(from)&limit=\(count)"))
        guard let items = value.arrayValue else { throw APIError(.malformedResponse, "entries are answered as an array") }
        var out: [LogEntry] = []
        for item in items.prefix(Int(count)) {
            let (entry, _) = try EntryDocument.logEntry(item)
            guard entry.index == from + UInt64(out.count) else {
                throw APIError(.unverifiedResponse, "the server answered entry \(entry.index) where entry \(from + UInt64(out.count)) comes next")
            }
            try await proveIncluded(entry)
            out.append(entry)
        }
        return out
    }

    /// The entry holding event `id`, proven included; `nil` when the log has none.
    public func entry(eventID id: String) async throws -> LogEntry? {
        let bytes: [UInt8]
        do { bytes = try await send(.GET, "/v1/events/\(Self.pathSegment(id))") } catch let error as LedgerError where error.code == .notFound {
            return nil
        }
        let (entry, _) = try EntryDocument.logEntry(try Self.json(bytes))
        guard entry.event.id.sameBytes(as: id) else {
            throw APIError(.unverifiedResponse, "the server answered event \"\(entry.event.id)\" when asked for \"\(id)\"")
        }
        try await proveIncluded(entry)
        return entry
    }

    /// The events of stream `subject` from `fromVersion` on (at most `limit`), each proven
    /// included, of that subject, in version order.
    public func stream(_ subject: String, fromVersion: UInt64 = 1, limit: Int = 1000) async throws -> [(version: UInt64, entry: LogEntry)] {
        let path = "/v1/streams/" + subject.split(separator: "/", omittingEmptySubsequences: false).map { Self.pathSegment(String($0)) }.joined(separator: "/")
        let value = try Self.json(try await send(.GET, path + "?from-version=\(max(fromVersion, 1))&limit=\(max(limit, 0))"))
        guard let items = value.arrayValue else { throw APIError(.malformedResponse, "a stream is answered as an array of entries") }
        var out: [(version: UInt64, entry: LogEntry)] = []
        var expected = max(fromVersion, 1)
        for item in items {
            let (entry, version) = try EntryDocument.logEntry(item)
            guard entry.event.subject.sameBytes(as: subject), version == expected, out.last.map({ $0.entry.index < entry.index }) ?? true else {
                throw APIError(.unverifiedResponse, "the server's stream \"\(subject)\" holds an entry of another stream, or out of order")
            }
            try await proveIncluded(entry)
            out.append((expected, entry))
            expected += 1
        }
        return out
    }

    /// Proves `entry` included in a verified checkpoint.
    private func proveIncluded(_ entry: LogEntry) async throws {
        let checkpoint = try await checkpoint(holding: entry.index)
        let proof = try await inclusionProof(index: entry.index, size: checkpoint.checkpoint.size)
        do {
            try InclusionProof.verify(leafHash: entry.leafHash, index: entry.index, size: checkpoint.checkpoint.size,
                                      proof: proof, root: checkpoint.checkpoint.rootHash)
        } catch {
            throw APIError(.unverifiedResponse, "entry \(entry.index) is not proven included in the checkpoint of size \(checkpoint.checkpoint.size): \(error.message)",
                           underlying: error)
        }
    }

    // MARK: Proofs

    /// The receipt of entry `index` (against the checkpoint of `checkpointSize`, or the
    /// latest), for the event the server says the entry holds: its checkpoint verified and
    /// consistent with the pinned one, and its inclusion proof checked against that event.
    /// Two requests; with the event at hand, ``receipt(index:eventID:checkpointSize:)`` is one.
    ///
    /// - Throws: ``APIError`` (``APIError/Code/unverifiedResponse`` when a proof fails).
    public func receipt(index: UInt64, checkpointSize: UInt64? = nil) async throws -> Receipt {
        let entry = try await entry(at: index)
        let receipt = try await receipt(index: index, eventID: entry.event.id, checkpointSize: checkpointSize)
        try await verify(receipt, of: entry.signedEvent)
        return receipt
    }

    /// The receipt of entry `index`, which holds the event `eventID` (against the checkpoint of
    /// `checkpointSize`, or the latest), with its checkpoint verified and consistent with the
    /// pinned one. Its inclusion proof is checked when the caller has the event
    /// (``verify(_:of:)``).
    public func receipt(index: UInt64, eventID: String, checkpointSize: UInt64?) async throws -> Receipt {
        let text = String(decoding: try await send(.GET, "/v1/receipts/\(index)" + (checkpointSize.map { "?size=\($0)" } ?? "")), as: UTF8.self)
        let receipt: Receipt
        do { receipt = try Receipt(parsing: text, eventID: eventID) } catch {
            throw APIError(.malformedResponse, "the server's receipt is not a tlog-proof: \(error.message)", underlying: error)
        }
        guard receipt.index == index, checkpointSize.map({ $0 == receipt.checkpoint.checkpoint.size }) ?? true else {
            throw APIError(.unverifiedResponse, "the server answered the receipt of entry \(receipt.index) when asked for entry \(index)")
        }
        try await accept(receipt.checkpoint)
        return receipt
    }

    /// An inclusion proof, as the server gives it (verify it against a checkpoint you trust).
    public func inclusionProof(index: UInt64, size: UInt64?) async throws -> [SHA256Digest] {
        let treeSize: UInt64
        if let size { treeSize = size } else { treeSize = try await self.size() }
        return try Self.hashes(try await send(.GET, "/v1/proofs/inclusion?index=\(index)&size=\(treeSize)"))
    }

    /// A consistency proof, as the server gives it (verify it against checkpoints you trust).
    public func consistencyProof(from oldSize: UInt64, to newSize: UInt64) async throws -> [SHA256Digest] {
        try Self.hashes(try await send(.GET, "/v1/proofs/consistency?from=\(oldSize)&to=\(newSize)"))
    }

    /// The server's policy text, for a person to compare with the one they pinned (the client
    /// never trusts it by itself).
    public func serverPolicy() async throws -> TlogPolicy {
        do { return try TlogPolicy(parsing: try await send(.GET, "/policy")) } catch let error as PolicyError {
            throw APIError(.malformedResponse, "the server's policy is not a tlog-policy: \(error.message)", underlying: error)
        }
    }

    // MARK: Following

    /// The log's entries from `index` on, live (Server-Sent Events), each proven included in a
    /// verified checkpoint before it is returned; reconnects with `Last-Event-ID` when the
    /// connection drops.
    public func subscribe(from index: UInt64 = 0) -> ClientSubscription {
        ClientSubscription(client: self, start: index)
    }

    /// Verifies an entry received live: included in a verified checkpoint.
    func verifyFollowed(_ entry: LogEntry) async throws {
        try await proveIncluded(entry)
    }

    // MARK: HTTP

    /// Sends a request, retrying unreachable and busy answers with backoff, and returns the
    /// body of a 2xx answer.
    ///
    /// - Throws: the `LedgerError` of a problem document (4xx, or a 5xx after the retries);
    ///   ``APIError/Code/witnessTimeout`` when the last answer said the witnesses' quorum was
    ///   not met in time; ``APIError/Code/unreachable`` when no attempt got an answer.
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, contentType: String? = nil,
              accept: String? = nil) async throws -> [UInt8] {
        var delay = configuration.initialDelay
        var lastFailure = "no attempt was made"
        var witnessTimeout: Problem?
        for attempt in 1...max(configuration.maxAttempts, 1) {
            var request = HTTPClientRequest(url: url + path)
            request.method = method
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            if let accept { request.headers.add(name: "Accept", value: accept) }
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            var wait = delay
            do {
                let response = try await http.execute(request, timeout: .nanoseconds(configuration.requestTimeout.nanoseconds), logger: logger)
                let bytes = Array(try await response.body.collect(upTo: configuration.maxResponseBytes).readableBytesView)
                let status = Int(response.status.code)
                if (200..<300).contains(status) { return bytes }
                let problem = (try? Problem(json: bytes)) ?? Problem(status: status, code: "http\(status)",
                                                                    detail: "the server answered \(status) \(response.status.reasonPhrase)")
                guard [502, 503, 504].contains(status) else { throw problem.ledgerError }
                lastFailure = problem.detail
                witnessTimeout = problem.code == APIError.Code.witnessTimeout.name ? problem : nil
                if let seconds = response.headers.first(name: "Retry-After").flatMap(Int.init), seconds >= 0 {
                    wait = .seconds(min(seconds, 60))
                }
            } catch let error as LedgerError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                lastFailure = "\(error)"
                witnessTimeout = nil
            }
            guard attempt < configuration.maxAttempts else { break }
            logger.debug("retrying", metadata: ["path": "\(path)", "attempt": "\(attempt)", "after": "\(wait)"])
            try await Task.sleep(for: wait + .milliseconds(Int.random(in: 0...Int(max(1, wait.milliseconds / 4)))))
            delay = min(delay * 2, configuration.maxDelay)
        }
        if let witnessTimeout { throw APIError(.witnessTimeout, witnessTimeout.detail) }
        throw APIError(.unreachable, "\(url) did not answer \(method) \(path) after \(configuration.maxAttempts) attempts: \(lastFailure)")
    }

    static func json(_ bytes: [UInt8]) throws(APIError) -> JSONValue {
        do { return try JSONParser.parse(bytes) } catch {
            throw APIError(.malformedResponse, "the server's answer is not JSON: \(error.message)", underlying: error)
        }
    }

    private static func hashes(_ bytes: [UInt8]) throws(APIError) -> [SHA256Digest] {
        guard let items = try json(bytes).objectValue?["hashes"]?.arrayValue else {
            throw APIError(.malformedResponse, "a proof is answered as an object with hashes")
        }
        var out: [SHA256Digest] = []
        for item in items {
            guard let text = item.stringValue, let hash = try? Merkle.decodeHash(base64: text) else {
                throw APIError(.malformedResponse, "a proof's hash is not 32 bytes in base64")
            }
            out.append(hash)
        }
        return out
    }

    /// `text` percent-encoded as one path segment.
    static func pathSegment(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private static func message(_ error: any Error) -> String {
        (error as? any JejakError)?.message ?? "\(error)"
    }
}
