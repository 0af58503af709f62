import CZlib
import JejakMirror

/// Decompressing an add-entries body sent with `Content-Encoding: gzip`, which
/// c2sp.org/tlog-mirror requires a mirror to take (zlib, from Debian's zlib1g).
enum Gzip {
    /// The bytes of the gzip stream `bytes`, at most `limit` of them.
    ///
    /// A stream that ends early yields what it held so far: the spec has the mirror take the
    /// whole packages of a body cut short, and the parser drops the partial one.
    ///
    /// - Throws: ``MirrorError/Code/malformedUpload`` when the bytes are not gzip;
    ///   ``MirrorError/Code/uploadTooLarge`` when they inflate beyond `limit` bytes.
    static func decompress(_ bytes: [UInt8], limit: Int) throws(MirrorError) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: a gzip header and trailer around the deflate data, the largest window.
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw MirrorError(.malformedUpload, "zlib can't start inflating")
        }
        defer { inflateEnd(&stream) }
        var input = bytes
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while status == Z_OK, out.count <= limit {
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    out.append(contentsOf: outBuf[0..<(outBuf.count - Int(stream.avail_out))])
                }
            }
        }
        guard out.count <= limit else {
            throw MirrorError(.uploadTooLarge, "the gzip body inflates beyond \(limit) bytes")
        }
        switch status {
        case Z_STREAM_END, Z_BUF_ERROR, Z_OK: return out  // whole, or cut short
        default: throw MirrorError(.malformedUpload, "the add-entries body is not gzip (zlib status \(status))")
        }
    }
}
