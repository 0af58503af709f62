#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The textual header of an age v1 file: the version line, one or more recipient stanzas and
/// the MAC line.
///
///     age-encryption.org/v1
///     -> X25519 XEl0dJ6y3C7KZkgmgWUicg63EyXJiwBJW8PdYJ/cYBE
///     qRS0AMjdjPvZ/WT08U2KL4G+PIooA3hy38SvLpvaC1E
///     --- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s
///
/// Parsing is strict (the spec's ABNF): every accepted header is the one ``encode(stanzas:fileKey:)``
/// would write for its stanzas, so the MAC, computed over the bytes as read, covers exactly
/// what was parsed.
struct AgeHeader {
    /// The recipient stanzas, in order.
    var stanzas: [Stanza]
    /// The 32-byte MAC from the `---` line.
    var mac: [UInt8]
    /// The length of the bytes the MAC covers: the header up to and including `---`.
    var macCoverage: Int
    /// The length of the whole header, through the MAC line's newline: where the payload starts.
    var length: Int

    static let versionLine: [UInt8] = Array("age-encryption.org/v1".utf8)
    private static let versionPrefix: [UInt8] = Array("age-encryption.org/".utf8)
    private static let macInfo = "header"

    /// Parses the header at the start of `file`.
    ///
    /// - Throws: ``AgeError`` with code ``AgeError/Code/truncated`` when the file ends inside
    ///   the header (including an empty file), ``AgeError/Code/malformedHeader`` for anything
    ///   else the ABNF does not allow, and, for the stanza types the spec defines, arguments or
    ///   body lengths it does not allow (``Stanza/validateShape()``) or an `scrypt` stanza
    ///   beside any other.
    static func parse(_ file: UnsafeRawBufferPointer) throws(AgeError) -> AgeHeader {
        var reader = LineReader(bytes: file)

        guard let version = reader.next() else {
            if versionLine.starts(with: file) {
                throw AgeError(.truncated, "the file ends inside the age header's version line")
            }
            throw AgeError(.malformedHeader, "this is not an age v1 file: it does not start with the line age-encryption.org/v1")
        }
        guard version.elementsEqual(versionLine) else {
            if version.last == 0x0D {
                throw AgeError(.malformedHeader, "the lines of the age header end in CR LF; they must end in LF")
            }
            if version.starts(with: versionPrefix) {
                let shown = String(decoding: version.dropFirst(versionPrefix.count).prefix(40), as: UTF8.self)
                throw AgeError(.malformedHeader, "unsupported age version \(AgeRecipient.quoted(shown)); only v1 is supported")
            }
            throw AgeError(.malformedHeader, "this is not an age v1 file: it does not start with the line age-encryption.org/v1")
        }

        var stanzas: [Stanza] = []
        while true {
            let lineStart = reader.offset
            guard let line = reader.next() else {
                throw AgeError(.truncated, "the file ends inside the age header")
            }
            if line.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-"), UInt8(ascii: "-")]) {
                guard !stanzas.isEmpty else {
                    throw AgeError(.malformedHeader, "the age header has no recipient stanza")
                }
                let mac = try parseMACLine(line)
                let header = AgeHeader(stanzas: stanzas, mac: mac, macCoverage: lineStart + 3, length: reader.offset)
                try header.validate()
                return header
            }
            guard line.starts(with: [UInt8(ascii: "-"), UInt8(ascii: ">")]) else {
                throw AgeError(.malformedHeader, "a line of the age header starts with neither \"->\" nor \"---\"")
            }
            stanzas.append(try parseStanza(arguments: line, body: &reader))
        }
    }

    /// The `--- <43 base64 characters>` line.
    private static func parseMACLine(_ line: UnsafeRawBufferPointer.SubSequence) throws(AgeError) -> [UInt8] {
        let encoded = line.dropFirst(4)
        guard line.count == 4 + 43, line[line.startIndex + 3] == UInt8(ascii: " "),
              let mac = AgeBase64.decode(encoded, padded: false), mac.count == 32
        else {
            throw AgeError(.malformedHeader, "the age header's MAC line is not \"--- \" and 43 characters of canonical base64")
        }
        return mac
    }

    /// A stanza: its argument line `line`, then body lines from `reader` until one shorter
    /// than 64 columns.
    private static func parseStanza(arguments line: UnsafeRawBufferPointer.SubSequence,
                                    body reader: inout LineReader) throws(AgeError) -> Stanza {
        guard line.count > 2 else {
            throw AgeError(.malformedHeader, "a stanza of the age header has no arguments")
        }
        guard line[line.startIndex + 2] == UInt8(ascii: " ") else {
            throw AgeError(.malformedHeader, "a stanza line of the age header does not start with \"-> \"")
        }
        var arguments: [String] = []
        for argument in line.dropFirst(3).split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false) {
            guard !argument.isEmpty else {
                throw AgeError(.malformedHeader, "a stanza of the age header has an empty argument")
            }
            guard argument.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw AgeError(.malformedHeader, "a stanza argument of the age header has a character that is not printable ASCII")
            }
            arguments.append(String(decoding: argument, as: UTF8.self))
        }

        var text: [UInt8] = []
        while true {
            guard let bodyLine = reader.next() else {
                throw AgeError(.truncated, "the file ends inside a stanza of the age header")
            }
            guard bodyLine.count <= Stanza.columns else {
                throw AgeError(.malformedHeader, "a stanza body line of the age header is longer than 64 columns")
            }
            guard AgeBase64.isAlphabet(all: UnsafeRawBufferPointer(rebasing: bodyLine)) else {
                throw AgeError(.malformedHeader, "a stanza body line of the age header has a character that is not base64 (padding included)")
            }
            text.append(contentsOf: bodyLine)
            if bodyLine.count < Stanza.columns { break }
        }
        guard let body = AgeBase64.decode(text, padded: false) else {
            throw AgeError(.malformedHeader, "a stanza body of the age header is not canonical base64")
        }
        return Stanza(arguments: arguments, body: body)
    }

    /// The checks over all stanzas: each one's shape, and scrypt alone.
    private func validate() throws(AgeError) {
        if stanzas.count > 1, stanzas.contains(where: { $0.type == "scrypt" }) {
            throw AgeError(.malformedHeader, "an scrypt stanza must be the only stanza of the age header")
        }
        for stanza in stanzas { try stanza.validateShape() }
    }

    /// The header for `stanzas`, with its MAC under `fileKey`, through the MAC line's newline.
    static func encode(stanzas: [Stanza], fileKey: [UInt8]) -> [UInt8] {
        var out = versionLine
        out.append(0x0A)
        for stanza in stanzas { stanza.encode(into: &out) }
        out.append(contentsOf: Array("---".utf8))
        let mac = Self.mac(fileKey: fileKey, covering: out)
        out.append(UInt8(ascii: " "))
        AgeBase64.encode(mac, padded: false, into: &out)
        out.append(0x0A)
        return out
    }

    /// HMAC-SHA-256 of `covered` (the header through `---`) under HKDF(file key, "header").
    static func mac(fileKey: [UInt8], covering covered: some Collection<UInt8>) -> [UInt8] {
        var key = Primitives.hkdf(ikm: fileKey, salt: [], info: macInfo)
        defer { Primitives.wipe(&key) }
        return key.withUnsafeBytes { k in
            Primitives.withContiguous(covered) { Primitives.hmacSHA256(key: k, [$0]) }
        }
    }
}

/// Lines ending in LF over a byte buffer; a final line without LF is not returned.
struct LineReader {
    let bytes: UnsafeRawBufferPointer
    /// Where the next line starts.
    private(set) var offset = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The next line without its LF, or `nil` when no LF remains.
    mutating func next() -> UnsafeRawBufferPointer.SubSequence? {
        guard offset < bytes.count, let base = bytes.baseAddress,
              let hit = memchr(base + offset, 0x0A, bytes.count - offset)
        else { return nil }
        let newline = base.distance(to: UnsafeRawPointer(hit))
        let line = bytes[offset..<newline]
        offset = newline + 1
        return line
    }
}
