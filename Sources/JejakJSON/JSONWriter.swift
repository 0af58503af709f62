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
            output.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])  // null
        case .bool(let b):
            if b {
                output.append(contentsOf: [0x74, 0x72, 0x75, 0x65])  // true
            } else {
                output.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])  // false
            }
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
            for member in object.members {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                appendString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(member.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// The compact JSON text of `value` as UTF-8 bytes.
    ///
    /// - Parameter value: The value to write.
    /// - Returns: The bytes.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
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
            var runStart = 0
            for k in buffer.indices {
                let c = buffer[k]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                if runStart < k {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<k]))
                }
                runStart = k + 1
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
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    output.append(contentsOf: [
                        UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(c >> 4)], hex[Int(c & 0xF)],
                    ])
                }
            }
            if runStart < buffer.count {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart...]))
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
