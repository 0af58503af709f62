import Foundation
import HTTPTypes
import Hummingbird
import JejakAPI
import JejakBase
import JejakHTTPServing
import JejakCrypto
import JejakMirror
import JejakTlog
import Logging
import NIOCore

/// The HTTP interface of a mirror, c2sp.org/tlog-mirror, with the copy it serves:
///
/// | Route | Answer |
/// |---|---|
/// | `POST /add-checkpoint` | 200 with an empty body; 400, 403, 404, 409 (`text/x.tlog.size`), 422 as a witness's |
/// | `POST /add-entries` | 200 with the mirror's cosignature lines; 202 and 409 with `text/x.tlog.mirror-info`; 400, 404, 422 |
/// | `GET /<sha256(origin) hex>/checkpoint` | the mirror checkpoint (the log's signature, the witnesses' carried, the mirror's) |
/// | `GET /<sha256(origin) hex>/tile/…` | the copy's tlog-tiles (full tiles `immutable`) |
/// | `GET /healthz` | `ok` |
///
/// `/<sha256(origin) hex>` is a tlog-tiles log: `jejak export --from URL/<hash>` and
/// `jejak verify` read it as they read the primary. Refusals other than the 202, 409s and the
/// add-checkpoint 409 carry a ``Problem`` document naming the rule. The mirror's work (its
/// lock, the files, fsync) runs on one serial queue, off the event loops.
public struct MirrorRoutes: Sendable {
    let mirror: Mirror
    let maxBodyBytes: Int
    let disk: BlockingQueue

    /// Routes for `mirror`, whose work runs on `disk` (shared with a follower's, if any).
    public init(mirror: Mirror, maxBodyBytes: Int = MirrorServer.defaultMaxBodyBytes,
                disk: BlockingQueue = BlockingQueue(label: "jejak.mirror.disk")) {
        self.mirror = mirror
        self.maxBodyBytes = maxBodyBytes
        self.disk = disk
    }

    /// The router, for an `Application` or a HummingbirdTesting client.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("add-checkpoint") { request, context in await self.answer(context) { try await self.addCheckpoint(request, context) } }
        router.post("add-entries") { request, context in await self.answer(context) { try await self.addEntries(request, context) } }
        router.get(":origin/checkpoint") { _, context in await self.answer(context) { try await self.checkpoint(context) } }
        router.get(":origin/tile/**") { _, context in await self.answer(context) { try await self.tile(context) } }
        router.get("healthz") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                                                  body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n"))) }
        return router
    }

    /// The HTTP status of a mirror's refusal, as c2sp.org/tlog-mirror (and, for add-checkpoint,
    /// c2sp.org/tlog-witness) assigns it; 500 for a mirror whose own state needs its operator.
    public static func status(of code: MirrorError.Code) -> Int {
        switch code {
        case .unknownLog: 404
        case .missingLogSignature, .invalidLogSignature: 403
        case .oldSizeBeyondCheckpoint, .rollback, .malformedUpload: 400
        case .uploadTooLarge: 413
        case .oldSizeMismatch, .unknownUploadEnd, .uploadBehind, .uploadGap, .tooManyExcessEntries: 409
        case .inconsistent, .fork, .noPendingCheckpoint, .unauthenticatedPackage: 422
        default: 500
        }
    }

    private func answer(_ context: BasicRequestContext, _ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch let error as MirrorError {
            let status = Self.status(of: error.code)
            if status >= 500 {
                context.logger.error("the mirror cannot answer", metadata: ["code": "\(error.code)", "error": "\(error.message)"])
            }
            return Answer.problem(Problem(status: status, code: error.code.name, detail: error.message))
        } catch let error as WitnessProtocolError {
            return Answer.problem(Problem(status: 400, code: error.code.name, detail: error.message))
        } catch let error where Answer.isRequestTooLarge(error) {
            return Answer.problem(APIError(.requestTooLarge, "the request body is larger than the mirror takes (\(maxBodyBytes) bytes)").problem)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return Answer.problem(Problem(status: 500, code: "internal", detail: "the mirror could not answer; its log says why"))
        }
    }


    // MARK: add-checkpoint

    private func addCheckpoint(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: maxBodyBytes)
        let submitted = try AddCheckpointRequest(parsing: body.readableBytesView)
        let origin = submitted.checkpoint.checkpoint.origin
        let mirror = self.mirror
        let outcome = await disk.run { () -> Result<Void, MirrorError> in
            do throws(MirrorError) { return .success(try mirror.addCheckpoint(submitted)) } catch { return .failure(error) }
        }
        switch outcome {
        case .success:
            context.logger.info("pending checkpoint", metadata: ["origin": "\(origin)", "size": "\(submitted.checkpoint.checkpoint.size)"])
            return Answer.bytes([], MediaType.text, cache: "no-store")
        case .failure(let error) where error.code == .oldSizeMismatch:
            // The 409 carries the pending size, as a witness's carries the size it holds.
            let size = await disk.run { (try? mirror.pendingCheckpoint(origin: origin))??.checkpoint.size ?? 0 }
            return Answer.bytes(TlogSize.serialized(size), TlogSize.mediaType, status: .conflict, cache: "no-store")
        case .failure(let error):
            context.logger.notice("refused", metadata: ["origin": "\(origin)", "code": "\(error.code)", "error": "\(error.message)"])
            throw error
        }
    }

    // MARK: add-entries

    /// What add-entries answers say of the encodings the mirror takes (the spec's SHOULD).
    static let acceptsGzip: HTTPFields = [.acceptEncoding: "gzip"]

    private func addEntries(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: maxBodyBytes)
        var bytes = Array(body.readableBytesView)
        if let encoding = request.headers[.contentEncoding]?.lowercased() {
            guard encoding == "gzip" else {
                throw MirrorError(.malformedUpload, "the mirror takes add-entries bodies as they are or with Content-Encoding: gzip, not \(encoding)")
            }
            bytes = try Gzip.decompress(bytes, limit: maxBodyBytes)
        }
        let upload = try AddEntriesRequest(parsing: bytes)
        let mirror = self.mirror
        let outcome = await disk.run { () -> Result<Mirror.AddEntriesResult, MirrorError> in
            do throws(MirrorError) { return .success(try mirror.addEntries(upload)) } catch { return .failure(error) }
        }
        switch outcome {
        case .success(.committed(let cosigned)):
            context.logger.info("mirrored", metadata: ["origin": "\(upload.origin)", "size": "\(cosigned.checkpoint.size)"])
            let lines = cosigned.note.signatures.filter { $0.matches(mirror.key) }.map { $0.line + "\n" }.joined()
            return Answer.bytes(Array(lines.utf8), MediaType.text, cache: "no-store", headers: Self.acceptsGzip)
        case .success(.accepted(let info)):
            return Answer.bytes(Array(info.serialized.utf8), MirrorInfo.mediaType, status: .accepted, cache: "no-store", headers: Self.acceptsGzip)
        case .failure(let error) where Self.status(of: error.code) == 409:
            // The first line is upload_end when it was valid (the client resumes with the
            // proofs it computed), else the pending size (c2sp.org/tlog-mirror).
            let endWasValid = error.code == .uploadGap || error.code == .tooManyExcessEntries
            let info = await disk.run { () -> MirrorInfo in
                let pending = (try? mirror.pendingCheckpoint(origin: upload.origin))??.checkpoint.size ?? 0
                return MirrorInfo(treeSize: endWasValid ? upload.uploadEnd : pending,
                                  nextEntry: (try? mirror.nextEntry(origin: upload.origin)) ?? 0)
            }
            context.logger.debug("add-entries conflict", metadata: ["origin": "\(upload.origin)", "code": "\(error.code)"])
            return Answer.bytes(Array(info.serialized.utf8), MirrorInfo.mediaType, status: .conflict, cache: "no-store", headers: Self.acceptsGzip)
        case .failure(let error):
            context.logger.notice("refused", metadata: ["origin": "\(upload.origin)", "code": "\(error.code)", "error": "\(error.message)"])
            throw error
        }
    }

    // MARK: Monitoring: the copy as a tlog-tiles log

    /// The origin whose hash is the route's first segment, among the trusted ones.
    private func origin(_ context: BasicRequestContext) async throws -> String {
        let hash = context.parameters.get("origin") ?? ""
        let mirror = self.mirror
        let origins = try await disk.run { () -> Result<[String], MirrorError> in
            do throws(MirrorError) { return .success(try mirror.trustedOrigins()) } catch { return .failure(error) }
        }.get()
        guard let origin = origins.first(where: { Mirror.originHash($0).utf8.elementsEqual(hash.utf8) }) else {
            throw MirrorError(.unknownLog, "the mirror holds no log whose origin hashes to \(hash.prefix(64))")
        }
        return origin
    }

    private func checkpoint(_ context: BasicRequestContext) async throws -> Response {
        let origin = try await origin(context)
        let mirror = self.mirror
        let held = try await disk.run { () -> Result<SignedCheckpoint?, MirrorError> in
            do throws(MirrorError) { return .success(try mirror.mirrorCheckpoint(origin: origin)) } catch { return .failure(error) }
        }.get()
        guard let held else {
            throw MirrorError(.unknownLog, "the mirror holds no checkpoint of \(origin) yet")
        }
        return Answer.bytes(Array(held.note.serialized.utf8), MediaType.text, cache: "no-cache", headers: [.accessControlAllowOrigin: "*"])
    }

    private func tile(_ context: BasicRequestContext) async throws -> Response {
        let origin = try await origin(context)
        let path = "tile/" + context.parameters.getCatchAll().joined(separator: "/")
        let tile: Tile
        do { tile = try Tile(path: path) } catch {
            throw MirrorError(.unknownLog, "\(path) is not a tlog-tiles path: \(error.message)")
        }
        let log = TiledLog(directory: mirror.logDirectory(origin: origin))
        let bytes = try await disk.run { () -> Result<[UInt8]?, MirrorError> in
            // Only what a mirror checkpoint covers is served: a bundle beyond it is a pending
            // entry, verified by its package's proof but not yet committed.
            do throws(MirrorError) {
                guard let size = try mirror.mirrorCheckpoint(origin: origin)?.checkpoint.size,
                      tile.isCovered(byTreeSize: size) else { return .success(nil) }
            } catch {
                return .failure(error)
            }
            do throws(TileError) { return .success(try log.bytes(of: tile.path)) } catch {
                // A tile the checkpoint covers is on disk (the commit wrote it before the checkpoint).
                return error.code == .missingFile ? .success(nil)
                    : .failure(MirrorError(.corruptState, "the copy's \(tile.path) can't be read: \(error.message)", underlying: error))
            }
        }.get()
        guard let bytes else {
            throw MirrorError(.unknownLog, "the mirror's copy of \(origin) has no \(path)")
        }
        return Answer.bytes(bytes, MediaType.octetStream, cache: tile.isFull ? Answer.immutable : "public, max-age=3600",
                            headers: [.accessControlAllowOrigin: "*"])
    }
}

extension MirrorInfo {
    /// The media type of a mirror-info body (c2sp.org/tlog-mirror).
    public static let mediaType = "text/x.tlog.mirror-info"
}
