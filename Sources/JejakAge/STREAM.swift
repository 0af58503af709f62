/// The age payload: a 16-byte nonce, then the plaintext in 64 KiB chunks, each sealed with
/// ChaCha20-Poly1305 under the payload key HKDF-SHA-256(file key, salt = nonce, "payload")
/// and the 12-byte nonce `11-byte big-endian chunk counter || last-chunk flag` (STREAM).
///
/// The final chunk may be shorter than 64 KiB but is empty only when the whole payload is.
enum STREAM {
    /// Plaintext bytes per chunk.
    static let chunkSize = 64 * 1024
    /// The size of the payload nonce.
    static let nonceSize = 16
    /// A full chunk as stored: 64 KiB and its tag.
    private static let sealedChunkSize = chunkSize + Primitives.tagSize

    /// The payload key for `fileKey` and the payload `nonce`. The caller wipes it.
    static func payloadKey(fileKey: [UInt8], nonce: some Collection<UInt8>) -> [UInt8] {
        Primitives.hkdf(ikm: fileKey, salt: Array(nonce), info: "payload")
    }

    /// The chunk nonce: the counter in the first 11 bytes, big-endian; 0x01 in the last byte
    /// for the final chunk, 0x00 otherwise.
    private static func chunkNonce(_ counter: UInt64, last: Bool) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 12)
        for i in 0..<8 { nonce[3 + i] = UInt8(truncatingIfNeeded: counter >> UInt64(8 * (7 - i))) }
        nonce[11] = last ? 0x01 : 0x00
        return nonce
    }

    /// Appends the payload for `plaintext` under `fileKey` to `out`: a fresh nonce and the
    /// sealed chunks.
    static func encrypt(_ plaintext: UnsafeRawBufferPointer, fileKey: [UInt8], into out: inout [UInt8]) {
        let nonce = Primitives.random(nonceSize)
        out.append(contentsOf: nonce)
        var key = payloadKey(fileKey: fileKey, nonce: nonce)
        defer { Primitives.wipe(&key) }
        out.reserveCapacity(out.count + plaintext.count + (plaintext.count / chunkSize + 1) * Primitives.tagSize)
        key.withUnsafeBytes { k in
            var offset = 0
            var counter: UInt64 = 0
            repeat {
                let end = min(offset + chunkSize, plaintext.count)
                let nonce = chunkNonce(counter, last: end == plaintext.count)
                nonce.withUnsafeBytes { n in
                    Primitives.seal(UnsafeRawBufferPointer(rebasing: plaintext[offset..<end]), key: k, nonce: n, into: &out)
                }
                offset = end
                counter += 1
            } while offset < plaintext.count
        }
    }

    /// Decrypts `payload` (the file after its header: nonce, then chunks) under `fileKey`,
    /// passing each chunk's plaintext to `released` as soon as it is authenticated. On error,
    /// what was released before stays released: only plaintext of authenticated chunks is.
    ///
    /// A full-size chunk is first opened as a non-final chunk and, failing that, as a final
    /// one; a shorter chunk must be final.
    ///
    /// - Throws: ``AgeError`` with code
    ///   - ``AgeError/Code/truncated`` when the nonce is cut short, there is no chunk, a chunk
    ///     is shorter than its tag, or the payload ends after a chunk not marked final,
    ///   - ``AgeError/Code/payloadAuthentication`` when a chunk fails authentication (altered,
    ///     reordered or from another file),
    ///   - ``AgeError/Code/trailingData`` when bytes follow the final chunk,
    ///   - ``AgeError/Code/malformedPayload`` when the final chunk is empty but not the only one.
    static func decrypt(_ payload: UnsafeRawBufferPointer, fileKey: [UInt8],
                        released: (UnsafeRawBufferPointer) -> Void) throws(AgeError) {
        guard payload.count >= nonceSize else {
            throw AgeError(.truncated, "the file ends before the 16-byte payload nonce (\(payload.count) bytes follow the header)")
        }
        var key = payloadKey(fileKey: fileKey, nonce: payload[..<nonceSize])
        defer { Primitives.wipe(&key) }

        var offset = nonceSize
        var counter: UInt64 = 0
        while true {
            let remaining = payload.count - offset
            if remaining == 0 {
                throw counter == 0
                    ? AgeError(.truncated, "the payload has no chunks")
                    : AgeError(.truncated, "the payload ends after chunk \(counter - 1), which is not marked final")
            }
            let length = min(remaining, sealedChunkSize)
            let chunk = UnsafeRawBufferPointer(rebasing: payload[offset..<(offset + length)])
            func open(last: Bool) -> [UInt8]? {
                key.withUnsafeBytes { k in
                    chunkNonce(counter, last: last).withUnsafeBytes { n in Primitives.open(chunk, key: k, nonce: n) }
                }
            }
            func release(_ plaintext: inout [UInt8]) {
                plaintext.withUnsafeBytes { released($0) }
                Primitives.wipe(&plaintext)
            }

            if length == sealedChunkSize {
                if var plaintext = open(last: false) {
                    release(&plaintext)
                    offset += length
                    counter += 1
                    continue
                }
                if var plaintext = open(last: true) {
                    release(&plaintext)
                    guard offset + length == payload.count else {
                        throw AgeError(.trailingData, "\(payload.count - offset - length) bytes follow the payload's final chunk")
                    }
                    return
                }
                throw AgeError(.payloadAuthentication, "payload chunk \(counter) failed authentication")
            }

            // A short chunk: it can only be the final one.
            guard length >= Primitives.tagSize else {
                throw AgeError(.truncated, "payload chunk \(counter) is \(length) bytes, shorter than its 16-byte tag")
            }
            if length == Primitives.tagSize, counter > 0 {
                throw AgeError(.malformedPayload, "the payload's final chunk (\(counter)) is empty, which only a wholly empty payload may be")
            }
            if var plaintext = open(last: true) {
                release(&plaintext)
                return
            }
            if var plaintext = open(last: false) {
                // Authentic, but not final: the file was cut after it. Not released.
                Primitives.wipe(&plaintext)
                throw AgeError(.truncated, "the payload ends with chunk \(counter), which is not marked final")
            }
            throw AgeError(.payloadAuthentication, "payload chunk \(counter) failed authentication")
        }
    }
}
