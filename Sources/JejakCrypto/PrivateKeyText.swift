/// Recognises the text forms of private keys, so that a parser given a key file by mistake
/// (`--policy log.key`) can say so instead of quoting what it could not read.
///
/// The rule every parser of a file follows: an error names the line and what was expected,
/// never the text of the line, since the file might be a key. This type lets the message be
/// more helpful than that when the file is one.
///
/// ```swift
/// if PrivateKeyText.appears(in: bytes) {
///     throw MyError("this file holds a private key, not a policy; nothing of it is shown")
/// }
/// ```
public enum PrivateKeyText {
    /// The prefixes of the private key forms Jejak knows: a C2SP signed-note private key
    /// (`PRIVATE+KEY+<name>+<id>+<base64>`) and an age identity (`AGE-SECRET-KEY-1…`).
    public static let prefixes: [[UInt8]] = [Array("PRIVATE+KEY+".utf8), Array("AGE-SECRET-KEY-".utf8)]

    /// Whether any line of `bytes`, leading spaces and tabs aside, starts like a private key.
    public static func appears(in bytes: some Collection<UInt8>) -> Bool {
        var atLineStart = true
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let b = bytes[index]
            if b == 0x0A {
                atLineStart = true
            } else if atLineStart, b != 0x20, b != 0x09 {
                atLineStart = false
                let rest = bytes[index...]
                if prefixes.contains(where: { rest.starts(with: $0) }) { return true }
            }
            index = bytes.index(after: index)
        }
        return false
    }

    /// Whether `text` holds a private key (see ``appears(in:)``).
    public static func appears(in text: String) -> Bool {
        appears(in: text.utf8)
    }
}
