import Foundation
import HTTPTypes
import Hummingbird
import Jejak
import JejakAPI
import JejakHTTPServing
import JejakBase
import JejakCrypto
import JejakJSON
import JejakTlog
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// The HTTP API of a ledger: publishing, the C2SP tlog-tiles resources from the live store,
/// reads with their proofs, live follow, health and metrics.
///
/// | Route | Answer |
/// |---|---|
/// | `POST /v1/events[?expected-version=]` | one DSSE envelope, or a JSON array of them (one atomic batch) → 201 new / 200 repeat, with the receipt |
/// | `GET /checkpoint` | the latest signed checkpoint with its cosignatures (`no-cache`) |
/// | `GET /tile/<L>/<N>[.p/<W>]`, `GET /tile/entries/<N>[.p/<W>]` | tlog-tiles (full tiles `immutable`) |
/// | `GET /policy` | the ledger's tlog-policy |
/// | `GET /v1/entries/{index}` | an entry (``EntryDocument``) |
/// | `GET /v1/entries?from=&limit=` | entries in order (a JSON array) |
/// | `GET /v1/events/{id}` | the entry holding an event |
/// | `GET /v1/streams/{subject}?from-version=&limit=` | a stream's entries with their versions |
/// | `GET /v1/receipts/{index}[?size=]` | a receipt (tlog-proof text) |
/// | `GET /v1/proofs/inclusion?index=&size=`, `GET /v1/proofs/consistency?from=&to=` | proofs (JSON, base64 hashes) |
/// | `GET /v1/subscribe?from=` | Server-Sent Events, each `id` the entry's index (`Last-Event-ID` resumes) |
/// | `GET /healthz`, `GET /metrics` | health; Prometheus metrics |
/// | `GET /v1/query/…` | the read models' queries (``QueryRoutes``), with `--db` |
///
/// Every refusal is a ``Problem`` document; a refused publish writes nothing.
public struct LedgerRoutes: Sendable {
    let ledger: Ledger
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let queries: QueryRoutes
    let witnesses: WitnessPusher?
    let tiles = TileCache(capacity: 4096)

    /// Routes for `ledger`; with `readModels`, the path of the read models' SQLite file (kept
    /// up to date beside the server), also the `/v1/query/…` routes of ``QueryRoutes``.
    ///
    /// With `witnesses`, each commit is submitted to the policy's witnesses, `/checkpoint` is the
    /// newest checkpoint that meets the policy's quorum (once one does), and a publish may wait
    /// for the quorum (`?wait=witnessed`).
    public init(ledger: Ledger, configuration: ServerConfiguration = ServerConfiguration(), metrics: ServerMetrics = ServerMetrics(),
                readModels: String? = nil, witnesses: WitnessPusher? = nil) {
        self.ledger = ledger
        self.witnesses = witnesses
        self.configuration = configuration
        self.metrics = metrics
        self.queries = QueryRoutes(path: readModels)
    }

    /// The router, for an `Application` or a HummingbirdTesting client.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestLogMiddleware())
        router.post("v1/events") { request, context in try await self.answer(context) { try await self.publish(request, context) } }
        router.get("checkpoint") { _, context in try await self.answer(context) { try self.checkpoint() } }
        router.get("policy") { _, context in try await self.answer(context) { try self.policy() } }
        router.get("tile/**") { _, context in try await self.answer(context) { try self.tile(context) } }
        router.get("v1/entries") { request, context in try await self.answer(context) { try self.entries(request) } }
        router.get("v1/entries/:index") { _, context in try await self.answer(context) { try self.entry(context) } }
        router.get("v1/events/:id") { _, context in try await self.answer(context) { try self.event(context) } }
        router.get("v1/streams/**") { request, context in try await self.answer(context) { try self.stream(request, context) } }
        router.get("v1/receipts/:index") { request, context in try await self.answer(context) { try self.receipt(request, context) } }
        router.get("v1/proofs/inclusion") { request, context in try await self.answer(context) { try self.inclusion(request) } }
        router.get("v1/proofs/consistency") { request, context in try await self.answer(context) { try self.consistency(request) } }
        router.get("v1/subscribe") { request, context in try await self.answer(context) { try self.subscribe(request, context) } }
        router.get("healthz") { _, context in try await self.answer(context) { try self.health() } }
        router.get("metrics") { _, context in try await self.answer(context) { self.exposition() } }
        queries.add(to: router) { context, body in try await self.answer(context, body) }
        return router
    }

    /// Runs a handler, turning every refusal into its problem document: a ledger error by its
    /// code, an API error of the request's, and anything else as a 500 that says no more than
    /// that (its cause goes to the log, not to the client).
    private func answer(_ context: BasicRequestContext, _ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch let error as LedgerError {
            metrics.refused(error.code.name)
            switch HTTPStatus.of(error.code) {
            case 503: context.logger.notice("busy", metadata: ["code": "\(error.code)"])
            case 500...: context.logger.error("refused with a server error", metadata: ["code": "\(error.code)", "error": "\(error.message)"])
            default: break
            }
            return Answer.problem(Problem(error))
        } catch let error as APIError {
            metrics.refused(error.code.name)
            return Answer.problem(error.problem)
        } catch where Answer.isRequestTooLarge(error) {
            metrics.refused(APIError.Code.requestTooLarge.name)
            return Answer.problem(APIError(.requestTooLarge, "the request body is larger than the server takes (\(configuration.maxBodyBytes) bytes)").problem)
        } catch let error as HTTPParserError {
            // The request is cut short or not HTTP (a client that went away mid-body): its
            // mistake, answered if it is still there, and no server error.
            metrics.refused(APIError.Code.malformedRequest.name)
            context.logger.debug("the request could not be read", metadata: ["error": "\(error)"])
            return Answer.problem(APIError(.malformedRequest, "the request could not be read: \(error)").problem)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            metrics.refused("internal")
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return Answer.problem(Problem(status: 500, code: "internal", detail: "the server could not answer; its log says why"))
        }
    }

    // MARK: Publishing

    private func publish(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let start = DispatchTime.now()
        let type = request.headers[.contentType].map { Self.mediaType($0) } ?? ""
        guard type == MediaType.dsseEnvelope || type == MediaType.json else {
            throw APIError(.unsupportedMediaType,
                           "a publish takes \(MediaType.dsseEnvelope) or \(MediaType.json), not \(type.isEmpty ? "a body without a Content-Type" : type)")
        }
        let expected = try ExpectedVersion(parameter: request.uri.queryParameters.get("expected-version") ?? "any")
        let waitForWitnesses: Bool
        let wait = request.uri.queryParameters.get("wait").map { String($0) } ?? "committed"
        switch wait {
        case "committed": waitForWitnesses = false
        case "witnessed": waitForWitnesses = true
        case let other: throw APIError(.invalidParameter, "wait must be committed or witnessed, not \(other.prefix(64))")
        }
        // A wait no witness can end is refused before anything is written.
        if waitForWitnesses, witnesses == nil, try !ledger.policy().isQuorumSatisfied(byWitnessesNamed: [String]()) {
            throw APIError(.invalidParameter, "the policy's quorum needs witnesses, but none of them has a URL this server can submit to")
        }
        let body = try await collect(request)
        let (events, isBatch) = try Self.envelopes(in: body, maxBatch: configuration.maxBatchEvents)
        let sizeBefore = try ledger.size()
        var receipts = try await ledger.append(events, expecting: expected)
        metrics.commitLatency.recordInterval(since: start)
        witnesses?.checkpointAdded()
        if waitForWitnesses { receipts = try await witnessed(receipts) }
        var published: [PublishedEntry] = []
        published.reserveCapacity(receipts.count)
        for (event, receipt) in zip(events, receipts) {
            let version = try ledger.streamVersion(ofEntry: receipt.index, subject: event.event.subject)
            published.append(PublishedEntry(index: receipt.index, version: version, eventID: receipt.eventID,
                                            created: receipt.index >= sizeBefore, receipt: receipt))
        }
        let created = published.filter(\.created).count
        metrics.appends.increment(by: created)
        metrics.repeats.increment(by: published.count - created)
        let status: HTTPResponse.Status = created > 0 ? .created : .ok
        if isBatch || Self.wantsJSON(request) {
            let json: JSONValue = isBatch ? .array(published.map(\.json)) : published[0].json
            return Answer.json(JSONWriter.bytes(json), status: status, cache: "no-store")
        }
        return Answer.text(receipts[0].serialized, status: status, cache: "no-store")
    }

    /// `receipts` again, against a checkpoint that meets the policy's quorum.
    private func witnessed(_ receipts: [Receipt]) async throws -> [Receipt] {
        guard let witnesses, try !ledger.policy().isQuorumSatisfied(byWitnessesNamed: [String]()) else { return receipts }
        let size = (receipts.map(\.index).max() ?? 0) + 1
        guard let witnessed = await witnesses.waitForWitnesses(size: size, timeout: configuration.witnessTimeout) else {
            throw APIError(.witnessTimeout, "the events are committed (entries \(receipts.map(\.index).min() ?? 0) to \(size - 1)), but the witnesses' quorum was not met within \(configuration.witnessTimeout); publish them again to get their witnessed receipts")
        }
        return try receipts.map { r throws(LedgerError) in try ledger.receipt(index: r.index, checkpointSize: witnessed.checkpoint.size) }
    }

    /// The request body, refused past the size limit or the read time.
    private func collect(_ request: Request) async throws -> [UInt8] {
        let limit = configuration.maxBodyBytes
        let timeout = configuration.bodyReadTimeout
        let buffer: ByteBuffer = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await request.body.collect(upTo: limit) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else {
                throw APIError(.malformedRequest, "the request body did not arrive within \(timeout)")
            }
            return buffer
        }
        return Array(buffer.readableBytesView)
    }

    /// The signed events a publish body holds: one envelope, or a JSON array of them.
    static func envelopes(in body: [UInt8], maxBatch: Int) throws -> (events: [SignedEvent], batch: Bool) {
        guard let first = body.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) else {
            throw APIError(.malformedRequest, "the request body is empty: send a DSSE envelope or an array of them")
        }
        guard first == UInt8(ascii: "[") else { return ([try SignedEvent(json: body)], false) }
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch {
            throw APIError(.malformedRequest, "the request body is not JSON: \(error.message)", underlying: error)
        }
        guard let items = value.arrayValue, !items.isEmpty else {
            throw APIError(.malformedRequest, "a batch is a non-empty JSON array of DSSE envelopes")
        }
        guard items.count <= maxBatch else {
            throw APIError(.requestTooLarge, "a batch holds at most \(maxBatch) envelopes, this one \(items.count)")
        }
        var events: [SignedEvent] = []
        events.reserveCapacity(items.count)
        for (position, item) in items.enumerated() {
            do { events.append(try SignedEvent(json: JSONWriter.bytes(item))) } catch {
                throw error.at(position, id: nil)
            }
        }
        return (events, true)
    }

    // MARK: The log's resources

    private func checkpoint() throws -> Response {
        let checkpoint = try witnesses?.witnessed.flatMap { w throws(LedgerError) in try ledger.checkpoint(size: w.checkpoint.size) }
            ?? ledger.latestCheckpoint()
        metrics.logSize.record(Int64(checkpoint.checkpoint.size))
        return Answer.text(checkpoint.note.serialized, cache: "no-cache")
    }

    private func policy() throws -> Response {
        Answer.text(try ledger.policy().serialized, cache: "no-cache")
    }

    private func tile(_ context: BasicRequestContext) throws -> Response {
        let path = "tile/" + context.parameters.getCatchAll().joined(separator: "/")
        if let cached = tiles[path] {
            return Response(status: .ok, headers: Self.fullTileHeaders, body: ResponseBody(byteBuffer: cached))
        }
        let tile: Tile
        do { tile = try Tile(path: path) } catch {
            throw LedgerError(.notFound, "\(path) is not a tlog-tiles path: \(error.message)")
        }
        let bytes = ByteBuffer(bytes: try ledger.tileData(tile))
        guard tile.isFull else {
            return Response(status: .ok, headers: [.contentType: MediaType.octetStream, .cacheControl: "public, max-age=3600"],
                            body: ResponseBody(byteBuffer: bytes))
        }
        tiles[path] = bytes   // a full tile never changes
        return Response(status: .ok, headers: Self.fullTileHeaders, body: ResponseBody(byteBuffer: bytes))
    }

    private static let fullTileHeaders: HTTPFields = [.contentType: MediaType.octetStream, .cacheControl: immutable]

    // MARK: Reads

    private func entry(_ context: BasicRequestContext) throws -> Response {
        let index = try Self.number(context.parameters.get("index"), "the entry index")
        let entry = try ledger.entry(at: index)
        return Answer.json(EntryDocument.jsonBytes(entry, version: try ledger.streamVersion(ofEntry: entry.index, subject: entry.event.subject)),
                           cache: immutable)
    }

    private func entries(_ request: Request) throws -> Response {
        let from = try Self.number(request.uri.queryParameters.get("from") ?? "0", "from")
        let limit = try Self.limit(request, configuration.maxPageEntries)
        return Answer.json(Self.array(try ledger.entries(from: from, limit: limit).map { EntryDocument.jsonBytes($0) }))
    }

    private func event(_ context: BasicRequestContext) throws -> Response {
        let id = context.parameters.get("id").flatMap { $0.removingPercentEncoding } ?? ""
        guard let entry = try ledger.entry(eventID: id) else {
            throw LedgerError(.notFound, "the log holds no event with id \"\(id)\"")
        }
        return Answer.json(EntryDocument.jsonBytes(entry, version: try ledger.streamVersion(ofEntry: entry.index, subject: entry.event.subject)),
                           cache: immutable)
    }

    private func stream(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let raw = context.parameters.getCatchAll().joined(separator: "/")
        guard let subject = raw.removingPercentEncoding, !subject.isEmpty else {
            throw APIError(.invalidParameter, "the stream's subject is missing or not percent-encoded UTF-8")
        }
        let from = try Self.number(request.uri.queryParameters.get("from-version") ?? "1", "from-version")
        let limit = try Self.limit(request, configuration.maxPageEntries)
        let versions = try ledger.stream(subject, fromVersion: from, limit: limit)
        return Answer.json(Self.array(versions.map { EntryDocument.jsonBytes($0.entry, version: $0.version) }))
    }

    private func receipt(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let index = try Self.number(context.parameters.get("index"), "the entry index")
        let size = try request.uri.queryParameters.get("size").map { try Self.number($0, "size") }
        return Answer.text(try ledger.receipt(index: index, checkpointSize: size).serialized, cache: "no-cache")
    }

    private func inclusion(_ request: Request) throws -> Response {
        let index = try Self.number(request.uri.queryParameters.get("index"), "index")
        let size = try Self.number(request.uri.queryParameters.get("size"), "size")
        let hashes = try ledger.inclusionProof(index: index, size: size)
        return Answer.json(Array("{\"index\":\(index),\"size\":\(size),\"hashes\":".utf8) + Self.hashes(hashes) + [UInt8(ascii: "}")],
                           cache: immutable)
    }

    private func consistency(_ request: Request) throws -> Response {
        let from = try Self.number(request.uri.queryParameters.get("from"), "from")
        let to = try Self.number(request.uri.queryParameters.get("to"), "to")
        let hashes = try ledger.consistencyProof(from: from, to: to)
        return Answer.json(Array("{\"from\":\(from),\"to\":\(to),\"hashes\":".utf8) + Self.hashes(hashes) + [UInt8(ascii: "}")],
                           cache: immutable)
    }

    // MARK: Live follow

    private func subscribe(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        var from = try Self.number(request.uri.queryParameters.get("from") ?? "0", "from")
        if let name = lastEventID, let last = request.headers[name] {
            from = try Self.number(last, "Last-Event-ID") + 1
        }
        let ledger = self.ledger, metrics = self.metrics, start = from
        let body = ResponseBody { writer in
            metrics.subscribers.increment()
            defer { metrics.subscribers.decrement() }
            let active = Mutex(true)
            try await withGracefulShutdownHandler {
                var buffered: [UInt8] = []
                for try await entry in ledger.subscribe(from: start, while: { active.withLock { $0 } }) {
                    buffered += Array("id: \(entry.index)\nevent: entry\ndata: ".utf8)
                    buffered += EntryDocument.jsonBytes(entry)
                    buffered += Array("\n\n".utf8)
                    // Written when caught up with the log, or when the buffer is large.
                    let caughtUp = entry.index + 1 >= (try ledger.size())
                    if caughtUp || buffered.count > 64 << 10 {
                        try await writer.write(ByteBuffer(bytes: buffered))
                        buffered.removeAll(keepingCapacity: true)
                    }
                }
            } onGracefulShutdown: {
                active.withLock { $0 = false }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: MediaType.eventStream, .cacheControl: "no-store"], body: body)
    }

    // MARK: Operations

    private func health() throws -> Response {
        let size = try ledger.size()
        return Answer.json(Array("{\"status\":\"ok\",\"size\":\(size),\"queueDepth\":\(ledger.queueDepth)}".utf8), cache: "no-store")
    }

    private func exposition() -> Response {
        metrics.queueDepth.record(Int64(ledger.queueDepth))
        if let size = try? ledger.size() {
            metrics.logSize.record(Int64(size))
            if let lag = queries.lag(logSize: size) { metrics.followerLag.record(Int64(lag)) }
        }
        return Answer.bytes(metrics.exposition(), "text/plain; version=0.0.4; charset=utf-8", cache: "no-store")
    }

    // MARK: Parameters

    /// A decimal number parameter: ASCII digits, no sign, no leading zeros but `0`.
    static func number(_ text: String?, _ name: String) throws(APIError) -> UInt64 {
        guard let text else { throw APIError(.invalidParameter, "\(name) is missing") }
        guard let n = UInt64(canonicalDecimal: text) else {
            throw APIError(.invalidParameter, "\(name) is a decimal number, not \"\(String(text.prefix(40)))\"")
        }
        return n
    }

    private static func limit(_ request: Request, _ maximum: Int) throws(APIError) -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return maximum }
        return Int(min(try number(text, "limit"), UInt64(maximum)))
    }

    private static func array(_ items: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += item
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    private static func hashes(_ hashes: [SHA256Digest]) -> [UInt8] {
        array(hashes.map { Array("\"\(Base64.encode($0.bytes))\"".utf8) })
    }

    /// The media type of a `Content-Type` value: lowercased, parameters dropped.
    static func mediaType(_ value: String) -> String {
        String(value.split(separator: ";", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
    }

    private static func wantsJSON(_ request: Request) -> Bool {
        request.headers[.accept].map { $0.split(separator: ",").contains { mediaType(String($0)) == MediaType.json } } ?? false
    }
}

/// The full tiles and entry bundles served, kept in memory (they never change): a bounded
/// map, emptied when full, so a crawl of the whole log holds at most `capacity` tiles (8 KiB
/// each for hash tiles).
final class TileCache: Sendable {
    private let capacity: Int
    private let tiles = Mutex<[String: ByteBuffer]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The tile at `path` (its tlog-tiles path, as the request named it).
    subscript(path: String) -> ByteBuffer? {
        get { tiles.withLock { $0[path] } }
        set {
            tiles.withLock { tiles in
                if tiles.count >= capacity { tiles.removeAll(keepingCapacity: true) }
                tiles[path] = newValue
            }
        }
    }
}

/// The `Last-Event-ID` header of a Server-Sent Events client that reconnects.
let lastEventID = HTTPField.Name("Last-Event-ID")

/// Logs each request at debug level with its method, path, status and duration; the request
/// id Hummingbird gives each request is in the logger's metadata.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.logger.logLevel <= .debug else { return try await next(request, context) }
        let start = ContinuousClock.now
        let response = try await next(request, context)
        context.logger.debug("\(request.method) \(request.uri.path) \(response.status.code) \(ContinuousClock.now - start)")
        return response
    }
}
