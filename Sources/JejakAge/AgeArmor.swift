/// age's ASCII armor: the strict PEM encoding of RFC 7468, section 3, with the label
/// `AGE ENCRYPTED FILE`.
///
///     -----BEGIN AGE ENCRYPTED FILE-----
///     YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBURWlGMHlwcXIrYnB2Y3FY
///     …
///     -----END AGE ENCRYPTED FILE-----
///
/// ``Age/decrypt(_:identities:)`` recognises armor by itself (``isArmored(_:)``), and
/// ``Age/encrypt(_:to:armor:)`` writes it on request; this type is the armor alone, for
/// callers that want to handle it separately.
///
/// Decoding accepts whitespace (spaces, tabs, CR, LF) before and after the block and LF or
/// CR LF line endings, and nothing else that RFC 7468's strict form forbids: the label is
/// case-sensitive, there are no headers, every base64 line but the last is exactly 64
/// characters, the last is 1 to 64, the base64 is padded and canonical.
public enum AgeArmor {
    /// The first line of an armored file.
    public static let beginLine = "-----BEGIN AGE ENCRYPTED FILE-----"
    /// The last line of an armored file.
    public static let endLine = "-----END AGE ENCRYPTED FILE-----"

    private static let begin = Array(beginLine.utf8)
    private static let end = Array(endLine.utf8)
    private static let columns = 64

    @inline(__always)
    private static func isWhitespace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D
    }

    /// Whether `file` is armored: after any leading whitespace, it starts with `-----BEGIN`.
    /// (A binary age file starts with `age-encryption.org/`.)
    public static func isArmored(_ file: some Collection<UInt8>) -> Bool {
        file.drop(while: isWhitespace).starts(with: Array("-----BEGIN".utf8))
    }

    /// The armored form of `file`: the begin line, its padded base64 in lines of 64
    /// characters, the end line, each ending in LF.
    ///
    /// ```swift
    /// let text = AgeArmor.encode(try Age.encrypt(data, to: recipients))
    /// // same as try Age.encrypt(data, to: recipients, armor: true)
    /// ```
    public static func encode(_ file: some Collection<UInt8>) -> [UInt8] {
        var text = [UInt8]()
        AgeBase64.encode(file, padded: true, into: &text)
        var out = [UInt8]()
        out.reserveCapacity(text.count + text.count / columns + 2 * begin.count)
        out.append(contentsOf: begin)
        out.append(0x0A)
        var start = 0
        while start < text.count {
            let stop = min(start + columns, text.count)
            out.append(contentsOf: text[start..<stop])
            out.append(0x0A)
            start = stop
        }
        out.append(contentsOf: end)
        out.append(0x0A)
        return out
    }

    /// The age file inside the armored `text`.
    ///
    /// - Throws: ``AgeError`` with code ``AgeError/Code/malformedArmor`` for anything but
    ///   whitespace around the block, a begin or end line other than exactly
    ///   ``beginLine`` and ``endLine``, PEM headers, an empty line, a line of the wrong
    ///   length, a character outside base64, or missing or non-canonical padding.
    public static func decode(_ text: some Collection<UInt8>) throws(AgeError) -> [UInt8] {
        let bytes = Array(text)
        var first = 0, last = bytes.count
        while first < last, isWhitespace(bytes[first]) { first += 1 }
        while last > first, isWhitespace(bytes[last - 1]) { last -= 1 }

        var lines = bytes[first..<last].split(separator: 0x0A, omittingEmptySubsequences: false)
        for i in lines.indices where lines[i].last == 0x0D { lines[i] = lines[i].dropLast() }

        guard let top = lines.first, top.elementsEqual(begin) else {
            if let top = lines.first, top.starts(with: Array("-----BEGIN ".utf8)) {
                throw AgeError(.malformedArmor, "the armor's first line is not exactly \(beginLine)")
            }
            throw AgeError(.malformedArmor, "the armored file does not start with \(beginLine) (only whitespace may precede it)")
        }
        guard lines.count >= 2, let bottom = lines.last, bottom.elementsEqual(end) else {
            throw AgeError(.malformedArmor, "the armored file does not end with \(endLine) (only whitespace may follow it)")
        }

        let body = lines.dropFirst().dropLast()
        var encoded = [UInt8]()
        encoded.reserveCapacity(body.count * columns)
        for (n, line) in body.enumerated() {
            let isLast = n == body.count - 1
            guard isLast ? (1...columns).contains(line.count) : line.count == columns else {
                throw AgeError(
                    .malformedArmor,
                    "line \(n + 2) of the armor is \(line.count) characters; every line but the last must be exactly \(columns), the last 1 to \(columns)")
            }
            encoded.append(contentsOf: line)
        }
        guard let file = AgeBase64.decode(encoded, padded: true) else {
            throw AgeError(.malformedArmor, "the armor is not canonical padded base64 (a stray character, or missing or non-canonical padding)")
        }
        return file
    }
}
