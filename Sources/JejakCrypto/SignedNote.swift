import JejakBase

/// One signature line of a signed note: `— <name> base64(key id || signature)`.
public struct NoteSignature: Hashable, Sendable {
    /// The key name.
    public let name: String
    /// The 32-bit key id (the first four bytes of the base64 part, big-endian).
    public let keyID: UInt32
    /// The signature bytes after the key id. For Ed25519 64 bytes, for cosignature/v1 72
    /// (timestamp and signature).
    public let signature: [UInt8]

    /// Creates a signature line.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidKeyName`` when `name` is not
    ///   a valid key name, or ``CryptoError/Code/invalidLength`` when `signature` is empty.
    public init(name: String, keyID: UInt32, signature: [UInt8]) throws(CryptoError) {
        try KeyName.validate(name)
        guard !signature.isEmpty else {
            throw CryptoError(.invalidLength, "a note signature by \(name) has no signature bytes")
        }
        self.init(validatedName: name, keyID: keyID, signature: signature)
    }

    /// Creates a signature line whose name the caller has already validated.
    init(validatedName name: String, keyID: UInt32, signature: [UInt8]) {
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// Whether this line is by `key` (same name, compared as UTF-8 bytes, and same key id).
    /// It says nothing about validity.
    public func matches(_ key: VerifierKey) -> Bool {
        keyID == key.keyID && name.sameBytes(as: key.name)
    }

    /// Equal when name (as UTF-8 bytes), key id and signature bytes are equal.
    public static func == (a: NoteSignature, b: NoteSignature) -> Bool {
        a.keyID == b.keyID && a.signature == b.signature && a.name.sameBytes(as: b.name)
    }

    /// The signature line without its final newline: `— <name> base64(key id || signature)`.
    public var line: String {
        var out = Array("\u{2014} \(name) ".utf8)
        var raw = ByteUtil.bigEndian(keyID)
        raw.append(contentsOf: signature)
        raw.withUnsafeBytes { StrictBase64.encode($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A C2SP signed note (c2sp.org/signed-note): a text ending in a newline, a blank line, and one
/// or more signature lines.
///
/// Parsing is strict and refuses the whole note on any deviation: invalid UTF-8, an ASCII
/// control character other than newline, no blank line, a signature line that is not
/// `— <name> <base64>`, non-canonical base64, fewer than 5 decoded bytes, an invalid name, or
/// more than ``maxSignatures`` lines. A parsed note's ``serialized`` form is exactly its input.
///
/// Parsing checks form only; ``verify(_:)`` checks signatures against the keys you trust, and
/// the text must be ignored until it has succeeded.
public struct SignedNote: Hashable, Sendable {
    /// The most signature lines a note may have (the spec requires accepting at least 16).
    public static let maxSignatures = 100

    /// The note text, including its final newline but not the blank separator line.
    public let text: String
    /// The signature lines, in order.
    public let signatures: [NoteSignature]

    /// Creates a note from its text and signatures.
    ///
    /// An empty `signatures` list is allowed so that a note can be built up with
    /// ``adding(_:)``; its ``serialized`` form is not a parseable signed note until it has one.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/malformedNote`` when `text` is
    ///   empty, does not end in a newline, or there are more than ``maxSignatures`` signatures;
    ///   ``CryptoError/Code/invalidEncoding`` when `text` contains an ASCII control character
    ///   other than newline.
    public init(text: String, signatures: [NoteSignature]) throws(CryptoError) {
        guard text.utf8.last == 0x0A else {
            throw CryptoError(.malformedNote, "a note text must be non-empty and end with a newline")
        }
        if let offset = text.utf8.firstIndex(where: { $0 < 0x20 && $0 != 0x0A }) {
            throw CryptoError(
                .invalidEncoding,
                "a note text contains a control character at byte \(text.utf8.distance(from: text.utf8.startIndex, to: offset))")
        }
        guard signatures.count <= Self.maxSignatures else {
            throw CryptoError(.malformedNote, "a note may have at most \(Self.maxSignatures) signatures, got \(signatures.count)")
        }
        self.init(checkedText: text, signatures: signatures)
    }

    private init(checkedText text: String, signatures: [NoteSignature]) {
        self.text = text
        self.signatures = signatures
    }

    /// Parses a signed note.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidEncoding`` for an ASCII
    ///   control character other than newline, or ``CryptoError/Code/malformedNote`` for any
    ///   other deviation from the format (see the type's documentation).
    public init(parsing note: String) throws(CryptoError) {
        var note = note
        self = try note.withUTF8 { buffer in
            Result { () throws(CryptoError) -> SignedNote in try SignedNote.parse(buffer, knownValidUTF8: true) }
        }.get()
    }

    /// Parses a signed note from its UTF-8 bytes.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidEncoding`` for invalid
    ///   UTF-8 or an ASCII control character other than newline, or
    ///   ``CryptoError/Code/malformedNote`` for any other deviation from the format.
    public init(parsing bytes: some Collection<UInt8>) throws(CryptoError) {
        let parsed = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(CryptoError) -> SignedNote in try SignedNote.parse(buffer, knownValidUTF8: false) }
        }
        if let parsed {
            self = try parsed.get()
        } else {
            self = try Array(bytes).withUnsafeBufferPointer { buffer in
                Result { () throws(CryptoError) -> SignedNote in try SignedNote.parse(buffer, knownValidUTF8: false) }
            }.get()
        }
    }

    private static let newline: UInt8 = 0x0A
    private static let sigPrefix: [UInt8] = Array("\u{2014} ".utf8)

    private static func parse(_ b: UnsafeBufferPointer<UInt8>, knownValidUTF8: Bool) throws(CryptoError) -> SignedNote {
        if let offset = b.firstIndex(where: { $0 < 0x20 && $0 != newline }) {
            throw CryptoError(.invalidEncoding, "a signed note contains a control character at byte \(offset)")
        }
        if !knownValidUTF8 {
            guard String(decoding: b, as: UTF8.self).utf8.elementsEqual(b) else {
                throw CryptoError(.invalidEncoding, "a signed note is not valid UTF-8")
            }
        }
        // The text ends at the last blank line ("\n\n"): b[split] is the text's final newline.
        var split = b.count - 2
        while split >= 0, !(b[split] == newline && b[split + 1] == newline) { split -= 1 }
        guard split >= 0 else {
            throw CryptoError(.malformedNote, "a signed note needs a blank line between its text and its signatures")
        }
        let textEnd = split + 1
        var i = split + 2
        guard i < b.count, b[b.count - 1] == newline else {
            throw CryptoError(.malformedNote, "a signed note must end with signature lines, each ending in a newline")
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[..<textEnd]), as: UTF8.self)

        var signatures = [NoteSignature]()
        var lineNumber = 0
        while i < b.count {
            lineNumber += 1
            guard signatures.count < maxSignatures else {
                throw CryptoError(.malformedNote, "a signed note may have at most \(maxSignatures) signatures")
            }
            // b ends in a newline, so every line has one.
            var end = i
            while b[end] != newline { end += 1 }
            signatures.append(try parseLine(b[i..<end], lineNumber: lineNumber))
            i = end + 1
        }
        return SignedNote(checkedText: text, signatures: signatures)
    }

    private static func parseLine(_ line: Slice<UnsafeBufferPointer<UInt8>>, lineNumber: Int) throws(CryptoError) -> NoteSignature {
        func malformed(_ why: String) -> CryptoError {
            CryptoError(.malformedNote, "signature line \(lineNumber) \(why)")
        }
        guard line.starts(with: sigPrefix) else { throw malformed("does not start with an em dash and a space") }
        let rest = line[(line.startIndex + sigPrefix.count)...]
        guard let space = rest.firstIndex(of: UInt8(ascii: " ")) else {
            throw malformed("has no space between the key name and the signature")
        }
        let name = String(decoding: UnsafeBufferPointer(rebasing: rest[..<space]), as: UTF8.self)
        guard KeyName.isValid(name) else { throw malformed("has an invalid key name") }
        let b64 = rest[(space + 1)...]
        guard !b64.isEmpty, let raw = StrictBase64.decode(UnsafeBufferPointer(rebasing: b64)) else {
            throw malformed("has a signature that is not canonical standard base64")
        }
        guard raw.count >= 5 else { throw malformed("has a signature shorter than 5 bytes") }
        return NoteSignature(validatedName: name, keyID: ByteUtil.readUInt32(raw), signature: Array(raw[4...]))
    }

    /// Signs `text` with each key, in order (cosignature keys use the current time).
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/malformedNote`` when `keys` is
    ///   empty or `text` is not a valid note text (see ``init(text:signatures:)``), or
    ///   ``CryptoError/Code/invalidEncoding`` for a control character in `text`.
    public static func sign(text: String, with keys: [SignerKey]) throws(CryptoError) -> SignedNote {
        guard !keys.isEmpty else { throw CryptoError(.malformedNote, "a signed note needs at least one key") }
        let unsigned = try SignedNote(text: text, signatures: [])
        guard keys.count <= maxSignatures else {
            throw CryptoError(.malformedNote, "a note may have at most \(maxSignatures) signatures, got \(keys.count)")
        }
        var t = unsigned.text
        let signatures = t.withUTF8 { bytes in
            keys.map { key in
                NoteSignature(
                    validatedName: key.name, keyID: key.keyID,
                    signature: key.sign(noteText: UnsafeRawBufferPointer(bytes)))
            }
        }
        return SignedNote(checkedText: unsigned.text, signatures: signatures)
    }

    /// This note with `signature` added, or put in place of the existing signature(s) with the
    /// same name and key id (a re-signature, for example a fresher cosignature).
    ///
    /// Does not check the count: a note with more than ``maxSignatures`` signatures can be built
    /// this way but will not parse.
    public func adding(_ signature: NoteSignature) -> SignedNote {
        var result = [NoteSignature]()
        result.reserveCapacity(signatures.count + 1)
        var placed = false
        for s in signatures {
            if s.keyID == signature.keyID && s.name.sameBytes(as: signature.name) {
                if !placed { result.append(signature); placed = true }
            } else {
                result.append(s)
            }
        }
        if !placed { result.append(signature) }
        return SignedNote(checkedText: text, signatures: result)
    }

    /// Equal when the texts have the same UTF-8 bytes and the signatures are equal, in order.
    public static func == (a: SignedNote, b: SignedNote) -> Bool {
        a.signatures == b.signatures && a.text.sameBytes(as: b.text)
    }

    /// The note as text: the text, a blank line, and each signature line with its newline.
    public var serialized: String {
        var out = text
        out.append("\n")
        for s in signatures {
            out.append(s.line)
            out.append("\n")
        }
        return out
    }

    /// Verifies the note against the keys you trust, as signed-note requires.
    ///
    /// Signatures whose name and key id match no key in `verifiers` are ignored. Every signature
    /// that does match a key is verified (for cosignature keys, with the cosignature/v1 message),
    /// including repeated lines by the same key — stricter than Go's `note.Open`, which checks
    /// only the first and drops the rest.
    ///
    /// - Returns: The keys from `verifiers` that signed the note, in the order of `verifiers`,
    ///   without duplicates.
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidSignature`` (naming the key)
    ///   when a signature from a known key does not verify, or
    ///   ``CryptoError/Code/noVerifiedSignature`` when no known key signed the note.
    public func verify(_ verifiers: [VerifierKey]) throws(CryptoError) -> [VerifierKey] {
        var t = text
        let failure: VerifierKey?
        var verified = Set<VerifierKey>()
        failure = t.withUTF8 { bytes in
            let textBytes = UnsafeRawBufferPointer(bytes)
            for s in signatures {
                for v in verifiers where s.matches(v) {
                    let ok = s.signature.withUnsafeBytes { v.verify(noteText: textBytes, signature: $0) }
                    if !ok { return v }
                    verified.insert(v)
                }
            }
            return nil
        }
        if let failure {
            throw CryptoError(.invalidSignature, "the signature by \(failure.hint) on the note does not verify")
        }
        guard !verified.isEmpty else {
            throw CryptoError(.noVerifiedSignature, "the note has no signature from any of the \(verifiers.count) trusted keys")
        }
        var seen = Set<VerifierKey>()
        return verifiers.filter { verified.contains($0) && seen.insert($0).inserted }
    }
}
