/// Writes ``JSONValue``s as compact UTF-8 JSON.
///
/// The output has no whitespace, keeps object members in order, and writes numbers as their
/// original text (``JSONNumber/text``), so writing a parsed compact document whose strings use
/// the escapes below reproduces its bytes exactly.
///
/// Strings: `"` and `\` are escaped as `\"` and `\\`; U+0008, U+0009, U+000A, U+000C and
/// U+000D as `\b`, `\t`, `\n`, `\f`, `\r`; other control characters below U+0020 as `\u00xx`
/// (lowercase hex); everything else, including `/`, DEL and non-ASCII, is written as raw UTF-8.
/// This is the same string form as RFC 8785 (JCS).
public enum JSONWriter {
    /// Appends the compact JSON text of `value` to `output`.
    ///
    /// - Parameters:
    ///   - value: The value to write.
    ///   - output: The buffer to append to.
    public static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null:
            appendLiteral("null", into: &output)
        case .bool(let b):
            appendLiteral(b ? "true" : "false", into: &output)
        case .number(let n):
            output.append(contentsOf: n.text.utf8)
        case .string(let s):
            appendString(s, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            var first = true
            for member in object.storage {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                appendString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(member.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    private static func appendLiteral(_ literal: StaticString, into output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// The compact JSON text of `value` as UTF-8 bytes.
    ///
    /// - Parameter value: The value to write.
    /// - Returns: The bytes.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(value, into: &output)
        return output
    }

    /// The compact JSON text of `value` as a string.
    ///
    /// - Parameter value: The value to write.
    /// - Returns: The text.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// Appends `string` as a quoted, escaped JSON string (see the type's documentation for
    /// the escapes used).
    ///
    /// - Parameters:
    ///   - string: The string.
    ///   - output: The buffer to append to.
    public static func appendString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return }
            let count = buffer.count
            var runStart = 0
            var k = 0
            while true {
                // Skip 8 bytes at a time while none needs escaping (non-ASCII is written raw).
                k = StringScan.skipPlain(base, from: k, count: count, nonASCII: false)
                guard k < count else { break }
                let c = base[k]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else {
                    k += 1
                    continue
                }
                if runStart < k {
                    output.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: k - runStart))
                }
                appendEscape(c, into: &output)
                k += 1
                runStart = k
            }
            if runStart < count {
                output.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart))
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ c: UInt8, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\\"))
        switch c {
        case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x09: output.append(UInt8(ascii: "t"))
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        default:
            let hi = c >> 4
            let lo = c & 0xF
            output.append(UInt8(ascii: "u"))
            output.append(UInt8(ascii: "0"))
            output.append(UInt8(ascii: "0"))
            output.append(hi + UInt8(ascii: "0"))  // control characters: high nibble is 0 or 1
            output.append(lo < 10 ? lo + UInt8(ascii: "0") : lo - 10 + UInt8(ascii: "a"))
        }
    }
}

extension JSONWriter {
    /// The canonical JSON text of `value` (RFC 8785, JCS, for the values Jejak commits to):
    /// compact, object members sorted by their UTF-16 code units, strings escaped as
    /// ``write(_:into:)`` does (which is JCS's form), numbers that are integers of at most 53 bits
    /// in plain decimal and others as their original text.
    ///
    /// Two documents with the same members in another order, or the same integer written
    /// `1.0` and `1`, give the same bytes; Python's `json.dumps(v, sort_keys=True,
    /// separators=(",", ":"), ensure_ascii=False)` gives them too, for such values.
    public static func canonicalBytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        writeCanonical(value, into: &output)
        return output
    }

    private static func writeCanonical(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .number(let n):
            if let i = n.integralValue, i.magnitude <= 1 << 53 {
                output.append(contentsOf: String(i).utf8)
            } else {
                output.append(contentsOf: n.text.utf8)
            }
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                writeCanonical(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            let sorted = object.storage.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
            for (i, member) in sorted.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                appendString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                writeCanonical(member.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        default:
            write(value, into: &output)
        }
    }
}
