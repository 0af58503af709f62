import JejakCrypto

/// Small strict text helpers shared by the C2SP formats of this module.
enum TextFormat {
    /// Strict standard base64: padding required, no whitespace, canonical (re-encoding the
    /// decoded bytes gives back exactly the input, so unused trailing bits must be zero).
    static func decodeBase64(_ text: some StringProtocol) -> [UInt8]? {
        guard let bytes = Base64.decode(text), Base64.encode(bytes) == String(text) else { return nil }
        return bytes
    }

    /// A strict ASCII decimal: digits only, no sign, no leading zero unless the value is 0, and
    /// within `UInt64`.
    static func parseDecimal(_ text: some StringProtocol) -> UInt64? {
        let utf8 = Array(text.utf8)
        guard let first = utf8.first, utf8.count <= 20 else { return nil }
        if first == UInt8(ascii: "0") && utf8.count > 1 { return nil }
        var value: UInt64 = 0
        for c in utf8 {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = s
        }
        return value
    }

    /// Whether `text` has an ASCII control character (below U+0020, newline included), which
    /// signed notes forbid inside a line.
    static func hasControlCharacter(_ text: some StringProtocol) -> Bool {
        text.utf8.contains { $0 < 0x20 }
    }
}
