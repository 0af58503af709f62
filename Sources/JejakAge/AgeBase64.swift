/// Base64 (RFC 4648 §4) as age uses it: canonical only (RFC 4648 §3.5), unpadded in the
/// header, padded in the ASCII armor.
enum AgeBase64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let invalid: UInt8 = 0xFF

    /// The 6-bit value of each byte of the alphabet, `invalid` for every other byte.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, c) in alphabet.enumerated() { table[Int(c)] = UInt8(value) }
        return table
    }()

    /// Whether `c` is one of the 64 characters of the alphabet.
    @inline(__always)
    static func isAlphabet(_ c: UInt8) -> Bool { values[Int(c)] != invalid }

    /// Whether every byte of `text` is one of the 64 characters of the alphabet (one pass over
    /// raw memory, the table read once).
    static func isAlphabet(all text: UnsafeRawBufferPointer) -> Bool {
        values.withUnsafeBufferPointer { table in
            for c in text where table[Int(c)] == invalid { return false }
            return true
        }
    }

    /// Decodes `input`: unpadded (`padded` false: no `=` at all) or padded (`padded` true: a
    /// multiple of 4 characters, `=` only as the final padding). Returns `nil` for any other
    /// character or a non-canonical encoding (non-zero bits after the last byte).
    static func decode(_ input: some Collection<UInt8>, padded: Bool) -> [UInt8]? {
        let array = Array(input)
        return array.withUnsafeBufferPointer { chars in
            values.withUnsafeBufferPointer { values in decode(chars, values: values, padded: padded) }
        }
    }

    /// ``decode(_:padded:)`` over raw memory, with the table of values in hand.
    private static func decode(_ chars: UnsafeBufferPointer<UInt8>, values: UnsafeBufferPointer<UInt8>, padded: Bool) -> [UInt8]? {
        var n = chars.count
        if padded {
            guard n % 4 == 0 else { return nil }
            var padding = 0
            while padding < 2, n > 0, chars[n - 1] == UInt8(ascii: "=") {
                n -= 1
                padding += 1
            }
        }
        let tail = n % 4
        if tail == 1 { return nil }
        var out = [UInt8]()
        out.reserveCapacity(n / 4 * 3 + 2)
        var i = 0
        while i + 4 <= n {
            let a = UInt32(values[Int(chars[i])]), b = UInt32(values[Int(chars[i + 1])])
            let c = UInt32(values[Int(chars[i + 2])]), d = UInt32(values[Int(chars[i + 3])])
            guard (a | b | c | d) & 0xC0 == 0 else { return nil }
            let v = a << 18 | b << 12 | c << 6 | d
            out.append(UInt8(truncatingIfNeeded: v >> 16))
            out.append(UInt8(truncatingIfNeeded: v >> 8))
            out.append(UInt8(truncatingIfNeeded: v))
            i += 4
        }
        if tail >= 2 {
            let a = UInt32(values[Int(chars[i])]), b = UInt32(values[Int(chars[i + 1])])
            let c = tail == 3 ? UInt32(values[Int(chars[i + 2])]) : 0
            guard (a | b | c) & 0xC0 == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: a << 2 | b >> 4))
            if tail == 2 {
                guard b & 0x0F == 0 else { return nil }
            } else {
                out.append(UInt8(truncatingIfNeeded: b << 4 | c >> 2))
                guard c & 0x03 == 0 else { return nil }
            }
        }
        return out
    }

    /// Appends the base64 encoding of `bytes` to `out`, with `=` padding when `padded`.
    static func encode(_ bytes: some Collection<UInt8>, padded: Bool, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + (bytes.count + 2) / 3 * 4)
        alphabet.withUnsafeBufferPointer { alphabet in encode(bytes, alphabet: alphabet, padded: padded, into: &out) }
    }

    /// ``encode(_:padded:into:)`` with the alphabet in hand.
    private static func encode(_ bytes: some Collection<UInt8>, alphabet: UnsafeBufferPointer<UInt8>, padded: Bool,
                               into out: inout [UInt8]) {
        var group: UInt32 = 0
        var count = 0
        for byte in bytes {
            group = group << 8 | UInt32(byte)
            count += 1
            if count == 3 {
                out.append(alphabet[Int(group >> 18 & 0x3F)])
                out.append(alphabet[Int(group >> 12 & 0x3F)])
                out.append(alphabet[Int(group >> 6 & 0x3F)])
                out.append(alphabet[Int(group & 0x3F)])
                group = 0
                count = 0
            }
        }
        switch count {
        case 1:
            group <<= 16
            out.append(alphabet[Int(group >> 18 & 0x3F)])
            out.append(alphabet[Int(group >> 12 & 0x3F)])
            if padded { out.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "=")]) }
        case 2:
            group <<= 8
            out.append(alphabet[Int(group >> 18 & 0x3F)])
            out.append(alphabet[Int(group >> 12 & 0x3F)])
            out.append(alphabet[Int(group >> 6 & 0x3F)])
            if padded { out.append(UInt8(ascii: "=")) }
        default:
            break
        }
    }

    /// The unpadded base64 encoding of `bytes`, as a string.
    static func encodeUnpadded(_ bytes: some Collection<UInt8>) -> String {
        var out = [UInt8]()
        encode(bytes, padded: false, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
