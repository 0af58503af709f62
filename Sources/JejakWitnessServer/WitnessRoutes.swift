import HTTPTypes
import Hummingbird
import JejakAPI
import JejakBase
import JejakHTTPServing
import JejakCrypto
import JejakTlog
import JejakWitness
import Logging
import NIOCore

/// The HTTP interface of a witness, c2sp.org/tlog-witness:
///
/// | Route | Answer |
/// |---|---|
/// | `POST /add-checkpoint` | 200 with the witness's cosignature lines; 400, 403, 404, 409 (`text/x.tlog.size`), 422 for the spec's reasons |
/// | `GET /<sha256(origin) hex>/checkpoint` | the latest checkpoint cosigned for the log (its signature and the witness's), or 404 |
/// | `GET /healthz` | `ok` |
///
/// Only the logs of the configuration are witnessed; any other origin is 404 even when the
/// state directory trusts it. Refusals other than the 409 carry a ``Problem`` document naming
/// the rule. The decision and the record of a cosignature are one step under the witness's state
/// lock, synced to disk before the answer (``Witness/addCheckpoint(_:)``), run on NIO's thread
/// pool so that no event loop or task waits for the disk.
public struct WitnessRoutes: Sendable {
    let witness: Witness
    let origins: Set<ExactText>
    let maxBodyBytes: Int
    /// Where the witness's blocking work runs (file reads, the lock, fsync), one request at a
    /// time: off the event loops and the tasks' threads, and in no pool other work can fill.
    let disk = BlockingQueue(label: "jejak.witness.disk")

    /// Routes for `witness`, cosigning for the logs of `configuration`.
    public init(witness: Witness, configuration: WitnessConfiguration, maxBodyBytes: Int = WitnessServer.defaultMaxBodyBytes) {
        self.witness = witness
        self.origins = Set(configuration.logs.map { ExactText($0.name) })
        self.maxBodyBytes = maxBodyBytes
    }

    /// The router, for an `Application` or a HummingbirdTesting client.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("add-checkpoint") { request, context in await self.answer(context) { try await self.addCheckpoint(request, context) } }
        router.get(":origin/checkpoint") { _, context in await self.answer(context) { try await self.checkpoint(context) } }
        router.get("healthz") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                                                  body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n"))) }
        return router
    }

    /// The HTTP status of a witness's refusal, as c2sp.org/tlog-witness assigns it (500 for a
    /// witness whose own state needs its operator).
    public static func status(of code: WitnessError.Code) -> Int {
        switch code {
        case .unknownLog: 404
        case .missingLogSignature, .invalidLogSignature: 403
        case .oldSizeBeyondCheckpoint, .rollback: 400
        case .oldSizeMismatch: 409
        case .inconsistent, .fork, .rootMismatch: 422
        default: 500
        }
    }

    private func answer(_ context: BasicRequestContext, _ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch let error as WitnessError {
            let status = Self.status(of: error.code)
            if status >= 500 {
                context.logger.error("the witness cannot cosign", metadata: ["code": "\(error.code)", "error": "\(error.message)"])
            }
            return Answer.problem(Problem(status: status, code: error.code.name, detail: error.message))
        } catch let error as WitnessProtocolError {
            return Answer.problem(Problem(status: 400, code: error.code.name, detail: error.message))
        } catch let error as APIError {
            return Answer.problem(error.problem)
        } catch let error where Answer.isRequestTooLarge(error) {
            return Answer.problem(APIError(.requestTooLarge, "the request body is larger than the witness takes (\(maxBodyBytes) bytes)").problem)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return Answer.problem(Problem(status: 500, code: "internal", detail: "the witness could not answer; its log says why"))
        }
    }


    // MARK: add-checkpoint

    private func addCheckpoint(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: maxBodyBytes)
        let submitted = try AddCheckpointRequest(parsing: body.readableBytesView)
        let checkpoint = submitted.checkpoint.checkpoint
        guard origins.contains(ExactText(checkpoint.origin)) else {
            throw WitnessError(.unknownLog, "the witness does not witness the log \(checkpoint.origin)")
        }
        let witness = self.witness
        let outcome: Outcome = await disk.run {
            do throws(WitnessError) { return .cosigned(try witness.addCheckpoint(submitted)) } catch {
                guard error.code == .oldSizeMismatch else { return .refused(error) }
                // The 409 carries the size the witness holds now.
                return .conflict(witnessSize: (try? witness.lastCosigned(origin: checkpoint.origin)?.checkpoint.size) ?? 0)
            }
        }
        switch outcome {
        case .cosigned(let cosigned):
            context.logger.info("cosigned", metadata: ["origin": "\(checkpoint.origin)", "size": "\(checkpoint.size)"])
            let lines = cosigned.note.signatures.filter { $0.matches(witness.key) }.map { $0.line + "\n" }.joined()
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: lines)))
        case .conflict(let size):
            context.logger.debug("old size mismatch", metadata: ["origin": "\(checkpoint.origin)", "witness-size": "\(size)"])
            return Response(status: .conflict, headers: [.contentType: TlogSize.mediaType, .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: TlogSize.serialized(size))))
        case .refused(let error):
            // A signed checkpoint the witness refuses may be evidence of a misbehaving log.
            context.logger.notice("refused", metadata: ["origin": "\(checkpoint.origin)", "size": "\(checkpoint.size)", "code": "\(error.code)",
                                                          "error": "\(error.message)"])
            throw error
        }
    }

    /// What add-checkpoint decided.
    private enum Outcome: Sendable {
        case cosigned(SignedCheckpoint)
        /// The request's old size is not the witness's: answered 409 with `witnessSize`.
        case conflict(witnessSize: UInt64)
        case refused(WitnessError)
    }

    // MARK: Monitoring

    private func checkpoint(_ context: BasicRequestContext) async throws -> Response {
        let hash = context.parameters.get("origin") ?? ""
        guard let origin = origins.first(where: { SHA256Digest.hash($0.string.utf8).hex.utf8.elementsEqual(hash.utf8) }) else {
            throw WitnessError(.unknownLog, "the witness witnesses no log whose origin hashes to \(hash.prefix(64))")
        }
        let witness = self.witness
        let recorded = try await disk.run { () -> Result<SignedCheckpoint?, WitnessError> in
            do throws(WitnessError) { return .success(try witness.lastCosigned(origin: origin.string)) } catch { return .failure(error) }
        }.get()
        guard let recorded else {
            throw WitnessError(.unknownLog, "the witness has cosigned no checkpoint of \(origin.string) yet")
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: recorded.serialized)))
    }
}
