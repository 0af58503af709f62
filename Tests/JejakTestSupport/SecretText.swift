/// Checks that output never shows a secret, in whole or in part.
public enum SecretText {
    /// The secret part of a private key string `PRIVATE+KEY+<name>+<key id>+<base64>`:
    /// everything after its fourth `+` (base64 has `+` too, so "after the last `+`" may be a
    /// single character that any text contains).
    public static func secret(ofPrivateKey text: String) -> String {
        let trimmed = text.utf8.drop { $0 == 0x20 || $0 == 0x0A }.reversed().drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D }.reversed()
        let parts = trimmed.split(separator: UInt8(ascii: "+"), maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5 else { return "" }
        return String(decoding: parts[4], as: UTF8.self)
    }

    /// The length of the shortest piece of a secret that counts as a leak.
    public static let window = 12

    /// Whether `text` contains any ``window`` consecutive characters of `secret` (a message that
    /// quotes 42 of 44 characters leaks as surely as one that quotes all 44).
    public static func leaks(_ secret: String, in text: String) -> Bool {
        let s = Array(secret.utf8), t = Array(text.utf8)
        guard s.count >= window else { return !s.isEmpty && t.count >= s.count && contains(t, s[...]) }
        for start in 0...(s.count - window) where contains(t, s[start..<(start + window)]) {
            return true
        }
        return false
    }

    private static func contains(_ haystack: [UInt8], _ needle: ArraySlice<UInt8>) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}
