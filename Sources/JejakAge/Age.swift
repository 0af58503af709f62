/// age v1 file encryption (c2sp.org/age) to X25519 recipients.
///
/// ```swift
/// let identity = AgeIdentity.generate()
/// let file = try Age.encrypt(Array("hello\n".utf8), to: [identity.recipient])
/// let plaintext = try Age.decrypt(file, identities: [identity])   // "hello\n"
/// ```
///
/// Files are read and written whole, in memory; ``decrypt(_:identities:released:)`` hands
/// over the plaintext chunk by chunk as each is authenticated.
///
/// Only the X25519 recipient type is implemented. Stanzas of other types are skipped when an
/// X25519 stanza opens; otherwise a file with stanzas of the types the spec defines (or
/// age's SSH types) fails with ``AgeError/Code/unsupportedRecipient`` naming them, and a file
/// with only X25519 and unknown stanzas with ``AgeError/Code/noMatch``.
public enum Age {
    /// The size of a file key.
    static let fileKeySize = 16

    /// Encrypts `plaintext` to every one of `recipients`: a fresh 16-byte file key, one X25519
    /// stanza per recipient (each with a fresh ephemeral key), the header MAC, a fresh payload
    /// nonce and the STREAM payload in 64 KiB chunks.
    ///
    /// ```swift
    /// let recipient = try AgeRecipient(parsing: "age1…")
    /// let armored = try Age.encrypt(data, to: [recipient], armor: true)   // PEM text
    /// ```
    ///
    /// - Parameters:
    ///   - plaintext: the bytes to encrypt; may be empty.
    ///   - recipients: who can decrypt; at least one.
    ///   - armor: whether to return the ASCII-armored form (``AgeArmor``) instead of binary.
    /// - Returns: the age file.
    /// - Throws: ``AgeError`` with code ``AgeError/Code/noRecipients`` when `recipients` is
    ///   empty, or ``AgeError/Code/malformedKey`` when a recipient is a low-order point.
    public static func encrypt(_ plaintext: some Collection<UInt8>, to recipients: [AgeRecipient],
                               armor: Bool = false) throws(AgeError) -> [UInt8] {
        guard !recipients.isEmpty else {
            throw AgeError(.noRecipients, "an age file must be encrypted to at least one recipient")
        }
        var fileKey = Primitives.random(fileKeySize)
        defer { Primitives.wipe(&fileKey) }
        var stanzas: [Stanza] = []
        for recipient in recipients {
            stanzas.append(try X25519Stanza.wrap(fileKey: fileKey, to: recipient))
        }
        var out = AgeHeader.encode(stanzas: stanzas, fileKey: fileKey)
        Primitives.withContiguous(plaintext) { STREAM.encrypt($0, fileKey: fileKey, into: &out) }
        return armor ? AgeArmor.encode(out) : out
    }

    /// Decrypts the age file `file` with the first of `identities` that opens one of its
    /// stanzas, returning the whole plaintext, or nothing if any part fails.
    ///
    /// Armored files are recognised (``AgeArmor/isArmored(_:)``) and decoded first.
    ///
    /// ```swift
    /// let identities = try AgeIdentityFile.read(from: "key.txt")
    /// let plaintext = try Age.decrypt(file, identities: identities)
    /// ```
    ///
    /// - Throws: ``AgeError``, with the codes of ``decrypt(_:identities:released:)``.
    public static func decrypt(_ file: some Collection<UInt8>, identities: [AgeIdentity]) throws(AgeError) -> [UInt8] {
        try decrypt(file, identities: identities, preferringStanza: nil)
    }

    /// Decrypts like ``decrypt(_:identities:)``, trying the stanza at index `preferred` (when
    /// given and in range) before the others: a caller that knows which stanza is its own opens
    /// the file with one X25519 scalar multiplication, however many recipients it has. The
    /// outcome is the same as without the hint.
    ///
    /// - Throws: as ``decrypt(_:identities:)``.
    public static func decrypt(_ file: some Collection<UInt8>, identities: [AgeIdentity],
                               preferringStanza preferred: Int?) throws(AgeError) -> [UInt8] {
        var plaintext = [UInt8]()
        do {
            try decrypt(file, identities: identities, preferringStanza: preferred) { plaintext.append(contentsOf: $0) }
        } catch {
            Primitives.wipe(&plaintext)
            throw error
        }
        return plaintext
    }

    /// Decrypts the age file `file` with the first of `identities` that opens one of its
    /// stanzas, passing the plaintext to `released` one chunk (at most 64 KiB) at a time, each
    /// as soon as it is authenticated. The buffer is valid only during the call and is wiped
    /// afterwards.
    ///
    /// When this throws after releasing some chunks, those were genuine but the rest of the
    /// file is missing or damaged: a caller that streams must discard what it received (or
    /// treat it as incomplete). Armored files are recognised and decoded first; the header is
    /// parsed and checked whole before any identity is tried, and the MAC checked before any
    /// payload is decrypted.
    ///
    /// ```swift
    /// var received = 0
    /// try Age.decrypt(file, identities: [identity]) { chunk in
    ///     output.write(chunk)        // your sink
    ///     received += chunk.count
    /// }
    /// ```
    ///
    /// - Throws: ``AgeError`` with code
    ///   - ``AgeError/Code/malformedArmor`` for armor that is not strict PEM,
    ///   - ``AgeError/Code/malformedHeader`` for a header the spec does not allow (including an
    ///     X25519 share that gives the all-zero shared secret),
    ///   - ``AgeError/Code/truncated`` when the file ends inside the header, before the payload
    ///     nonce or before a final chunk,
    ///   - ``AgeError/Code/unsupportedRecipient`` when no X25519 stanza opens and the header
    ///     has stanzas of types this library does not implement (the message names them),
    ///   - ``AgeError/Code/noMatch`` when no stanza opens with any of `identities` (also when
    ///     `identities` is empty),
    ///   - ``AgeError/Code/headerMACMismatch`` when the header's MAC does not match the file key,
    ///   - ``AgeError/Code/payloadAuthentication``, ``AgeError/Code/trailingData`` or
    ///     ``AgeError/Code/malformedPayload`` for a damaged payload (see the codes).
    public static func decrypt(_ file: some Collection<UInt8>, identities: [AgeIdentity], preferringStanza preferred: Int? = nil,
                               released: (UnsafeRawBufferPointer) -> Void) throws(AgeError) {
        if AgeArmor.isArmored(file) {
            let binary = try AgeArmor.decode(file)
            try Primitives.withContiguous(binary) { raw throws(AgeError) in
                try decrypt(binary: raw, identities: identities, preferred: preferred, released: released)
            }
        } else {
            try Primitives.withContiguous(file) { raw throws(AgeError) in
                try decrypt(binary: raw, identities: identities, preferred: preferred, released: released)
            }
        }
    }

    /// The types of the recipient stanzas of the age file `file` (binary or armored), in
    /// order, read from its header alone: no identity is needed and nothing is decrypted.
    ///
    /// - Throws: ``AgeError`` with code ``AgeError/Code/malformedArmor``,
    ///   ``AgeError/Code/malformedHeader`` or ``AgeError/Code/truncated`` when the header does
    ///   not parse.
    public static func stanzaTypes(of file: some Collection<UInt8>) throws(AgeError) -> [String] {
        let binary = AgeArmor.isArmored(file) ? try AgeArmor.decode(file) : Array(file)
        return try Primitives.withContiguous(binary) { raw throws(AgeError) in try AgeHeader.parse(raw).stanzas.map(\.type) }
    }

    /// Decrypts a binary (not armored) age file.
    private static func decrypt(binary file: UnsafeRawBufferPointer, identities: [AgeIdentity], preferred: Int?,
                                released: (UnsafeRawBufferPointer) -> Void) throws(AgeError) {
        let header = try AgeHeader.parse(file)
        var stanzas = header.stanzas
        if let preferred, stanzas.indices.contains(preferred), preferred > 0 {
            stanzas.insert(stanzas.remove(at: preferred), at: 0)
        }
        guard var fileKey = try unwrapFileKey(stanzas, identities: identities) else {
            let unsupported = unsupportedTypes(in: header.stanzas)
            if !unsupported.isEmpty {
                throw AgeError(
                    .unsupportedRecipient,
                    "the file is encrypted to recipient types this library does not implement (\(unsupported.joined(separator: ", "))), and to none of the X25519 identities given")
            }
            throw AgeError(.noMatch, "none of the \(identities.count) identities given opens any of the file's \(header.stanzas.count) recipient stanzas")
        }
        defer { Primitives.wipe(&fileKey) }

        let expected = AgeHeader.mac(fileKey: fileKey, covering: UnsafeRawBufferPointer(rebasing: file[..<header.macCoverage]))
        guard Primitives.constantTimeEqual(expected, header.mac) else {
            throw AgeError(.headerMACMismatch, "the age header's MAC does not match: the header was altered")
        }
        try STREAM.decrypt(UnsafeRawBufferPointer(rebasing: file[header.length...]), fileKey: fileKey, released: released)
    }

    /// The file key from the first X25519 stanza that one of `identities` opens (identities in
    /// order, each trying every stanza), or `nil`.
    ///
    /// - Throws: ``AgeError/Code/malformedHeader`` as soon as a share is a low-order point.
    private static func unwrapFileKey(_ stanzas: [Stanza], identities: [AgeIdentity]) throws(AgeError) -> [UInt8]? {
        for identity in identities {
            for stanza in stanzas where stanza.type == X25519Stanza.type {
                if let fileKey = try X25519Stanza.unwrap(stanza, with: identity) { return fileKey }
            }
        }
        return nil
    }

    /// The types among `stanzas` that the spec defines and this library does not implement, in
    /// order of appearance, each once.
    private static func unsupportedTypes(in stanzas: [Stanza]) -> [String] {
        var seen: [String] = []
        for stanza in stanzas where Stanza.unimplementedTypes.contains(stanza.type) && !seen.contains(stanza.type) {
            seen.append(stanza.type)
        }
        return seen
    }
}
