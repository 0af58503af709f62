import Hummingbird
import JejakAPI
import JejakModel
import NIOCore

/// Building the server's answers.
enum Answer {
    /// A body of `bytes` with `contentType`, and the caching the resource allows.
    static func bytes(_ bytes: [UInt8], _ contentType: String, status: HTTPResponse.Status = .ok,
                      cache: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        if let cache { headers[.cacheControl] = cache }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A UTF-8 text body.
    static func text(_ text: String, status: HTTPResponse.Status = .ok, cache: String? = "no-cache") -> Response {
        bytes(Array(text.utf8), MediaType.text, status: status, cache: cache)
    }

    /// A JSON body.
    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, cache: String? = "no-cache") -> Response {
        Self.bytes(bytes, MediaType.json, status: status, cache: cache)
    }

    /// A problem document, with `Retry-After` when it says when to retry.
    static func problem(_ problem: Problem) -> Response {
        var headers: HTTPFields = [.contentType: Problem.mediaType, .cacheControl: "no-store"]
        if let retryAfter = problem.retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: HTTPResponse.Status(code: problem.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: problem.jsonBytes)))
    }
}

/// Immutable resources (full tiles, entries by index): cached for a year.
let immutable = "public, max-age=31536000, immutable"
