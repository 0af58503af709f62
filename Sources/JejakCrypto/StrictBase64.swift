/// Byte-level base64 for the key, note and envelope parsers (RFC 4648 §4 and §5).
///
/// Unlike Foundation's decoder this one refuses non-canonical encodings (non-zero bits after the
/// last byte, RFC 4648 §3.5), so that every accepted encoding is the one ``encode(_:into:)``
/// writes back: parsed vkeys, private keys and signed notes re-serialise to exactly their input
/// bytes. It works on UTF-8 bytes, so secret material never has to pass through a `String`.
enum StrictBase64 {
    /// What the decoder accepts.
    enum Mode {
        /// Standard alphabet, padding required (C2SP formats).
        case standard
        /// Standard or URL-safe alphabet, padding optional (DSSE).
        case lenient
    }

    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let invalid: UInt8 = 0xFF

    /// The 6-bit value of each byte in the standard alphabet (`invalid` for the others).
    private static let standardValues: [UInt8] = values(lenient: false)
    /// The same, with the URL-safe `-` and `_` also accepted (for ``Mode/lenient``).
    private static let lenientValues: [UInt8] = values(lenient: true)

    private static func values(lenient: Bool) -> [UInt8] {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, c) in alphabet.enumerated() { table[Int(c)] = UInt8(value) }
        if lenient {
            table[Int(UInt8(ascii: "-"))] = 62
            table[Int(UInt8(ascii: "_"))] = 63
        }
        return table
    }

    /// Decodes `input`, or returns `nil` for anything that is not a canonical encoding in `mode`.
    static func decode(_ input: UnsafeBufferPointer<UInt8>, mode: Mode = .standard) -> [UInt8]? {
        var n = input.count
        var padding = 0
        while padding < 2, n > 0, input[n - 1] == UInt8(ascii: "=") {
            n -= 1
            padding += 1
        }
        if padding > 0 || mode == .standard {
            guard input.count % 4 == 0 else { return nil }
        }
        let tail = n % 4
        if tail == 1 { return nil }
        if padding > 0, padding != 4 - tail { return nil }

        let outCount = n / 4 * 3 + (tail == 0 ? 0 : tail - 1)
        var ok = true
        let table = mode == .standard ? standardValues : lenientValues
        let out = table.withUnsafeBufferPointer { values in
            [UInt8](unsafeUninitializedCapacity: outCount) { buf, initialized in
                @inline(__always) func value(_ i: Int) -> UInt32 { UInt32(values[Int(input[i])]) }
                var i = 0, o = 0
                while i + 4 <= n {
                    let a = value(i), b = value(i + 1), c = value(i + 2), d = value(i + 3)
                    // An invalid byte's value (0xFF) has the top bits a 6-bit value lacks.
                    if (a | b | c | d) & 0xC0 != 0 { ok = false; break }
                    let v = a << 18 | b << 12 | c << 6 | d
                    buf[o] = UInt8(truncatingIfNeeded: v >> 16)
                    buf[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    buf[o + 2] = UInt8(truncatingIfNeeded: v)
                    i += 4
                    o += 3
                }
                if ok, tail >= 2 {
                    let a = value(i), b = value(i + 1), c = tail == 3 ? value(i + 2) : 0
                    if (a | b | c) & 0xC0 != 0 {
                        ok = false
                    } else if tail == 2 {
                        buf[o] = UInt8(truncatingIfNeeded: a << 2 | b >> 4)
                        o += 1
                        if b & 0x0F != 0 { ok = false }
                    } else {
                        buf[o] = UInt8(truncatingIfNeeded: a << 2 | b >> 4)
                        buf[o + 1] = UInt8(truncatingIfNeeded: b << 4 | c >> 2)
                        o += 2
                        if c & 0x03 != 0 { ok = false }
                    }
                }
                // Initialise every byte even on failure, so the array is always well-formed.
                while o < outCount { buf[o] = 0; o += 1 }
                initialized = outCount
            }
        }
        return ok ? out : nil
    }

    /// Decodes the UTF-8 bytes of `text`.
    static func decode(_ text: some StringProtocol, mode: Mode = .standard) -> [UInt8]? {
        var s = String(text)
        return s.withUTF8 { decode($0, mode: mode) }
    }

    /// Appends the standard, padded base64 encoding of `bytes` to `out`.
    static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let n = bytes.count
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "="), count: (n + 2) / 3 * 4))
        alphabet.withUnsafeBufferPointer { abc in
            out.withUnsafeMutableBufferPointer { o in
                var i = 0, j = start
                while i + 3 <= n {
                    let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                    o[j] = abc[Int(v >> 18)]
                    o[j + 1] = abc[Int(v >> 12 & 0x3F)]
                    o[j + 2] = abc[Int(v >> 6 & 0x3F)]
                    o[j + 3] = abc[Int(v & 0x3F)]
                    i += 3
                    j += 4
                }
                // The tail keeps its "=" padding.
                switch n - i {
                case 1:
                    let v = UInt32(bytes[i]) << 16
                    o[j] = abc[Int(v >> 18)]
                    o[j + 1] = abc[Int(v >> 12 & 0x3F)]
                case 2:
                    let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
                    o[j] = abc[Int(v >> 18)]
                    o[j + 1] = abc[Int(v >> 12 & 0x3F)]
                    o[j + 2] = abc[Int(v >> 6 & 0x3F)]
                default:
                    break
                }
            }
        }
    }

    /// The standard, padded base64 encoding of `bytes`.
    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        bytes.withUnsafeBytes { encode($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Helpers shared by the parsers.
enum ByteUtil {
    /// Calls `body` with a base address that is never `nil` (libsodium wants a valid pointer even
    /// for an empty message).
    @inline(__always)
    static func pointer<R>(_ buffer: UnsafeRawBufferPointer, _ body: (UnsafePointer<UInt8>) -> R) -> R {
        if let base = buffer.baseAddress {
            return body(base.assumingMemoryBound(to: UInt8.self))
        }
        var zero: UInt8 = 0
        return withUnsafePointer(to: &zero) { body($0) }
    }

    /// Runs `body` over the contiguous bytes of `collection`, copying only when it has no
    /// contiguous storage.
    @inline(__always)
    static func withContiguous<C: Collection<UInt8>, R>(
        _ collection: C, _ body: (UnsafeRawBufferPointer) -> R
    ) -> R {
        if let r = collection.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return r
        }
        return Array(collection).withUnsafeBytes { body($0) }
    }

    /// The big-endian encoding of `v`.
    @inline(__always)
    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    /// Reads a big-endian `UInt32` from the first four bytes of `b`.
    @inline(__always)
    static func readUInt32(_ b: some Collection<UInt8>) -> UInt32 {
        b.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Reads a big-endian `UInt64` from the first eight bytes of `b`.
    @inline(__always)
    static func readUInt64(_ b: some Collection<UInt8>) -> UInt64 {
        b.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
