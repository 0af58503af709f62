import HTTPTypes
import Hummingbird
import JejakAPI
import NIOCore

/// Building the answers of Jejak's HTTP services (`jejak serve`, `jejak witness serve`,
/// `jejak mirror serve`): bodies with their media type and caching, and refusals as RFC 9457
/// problem documents.
///
/// ```swift
/// return Answer.problem(Problem(status: 404, code: "unknownLog", detail: "…"))
/// return Answer.bytes(tile, MediaType.octetStream, cache: Answer.immutable)
/// ```
public enum Answer {
    /// The caching of immutable resources (full tiles, entries by index): a year.
    public static let immutable = "public, max-age=31536000, immutable"

    /// A body of `bytes` with `contentType`, and the caching the resource allows.
    public static func bytes(_ bytes: [UInt8], _ contentType: String, status: HTTPResponse.Status = .ok,
                             cache: String? = nil, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        if let cache { headers[.cacheControl] = cache }
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A UTF-8 text body.
    public static func text(_ text: String, status: HTTPResponse.Status = .ok, cache: String? = "no-cache") -> Response {
        bytes(Array(text.utf8), MediaType.text, status: status, cache: cache)
    }

    /// A JSON body.
    public static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, cache: String? = "no-cache") -> Response {
        Self.bytes(bytes, MediaType.json, status: status, cache: cache)
    }

    /// A problem document (never cached), with `Retry-After` when it says when to retry.
    public static func problem(_ problem: Problem) -> Response {
        var headers: HTTPFields = [.contentType: Problem.mediaType, .cacheControl: "no-store"]
        if let retryAfter = problem.retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: HTTPResponse.Status(code: problem.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: problem.jsonBytes)))
    }

    /// Whether `error` is Hummingbird's or NIO's "the body is larger than the limit" (from
    /// `request.body.collect(upTo:)`).
    public static func isRequestTooLarge(_ error: any Error) -> Bool {
        if error is NIOTooManyBytesError { return true }
        return (error as? HTTPError)?.status == .contentTooLarge
    }
}
