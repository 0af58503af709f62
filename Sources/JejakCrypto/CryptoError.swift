/// An error from the crypto layer: a code naming the rule that was broken, a one-sentence
/// message, and where it applies, the libsodium function that failed.
///
/// Malformed input (a bad vkey, a note that does not parse, a wrong-length signature) is always
/// a thrown ``CryptoError``; it is never folded into a `false` "signature invalid" answer. The
/// only `Bool` results in this module are from the low-level ``Ed25519PublicKey/isValidSignature(_:for:)``,
/// which answers exactly one question: does this well-formed signature verify.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        init(_ name: String) { self.name = name }
        /// The code's name, e.g. `malformedKey`.
        public var description: String { name }

        /// A byte string had the wrong length (a key, a signature, a digest).
        public static let invalidLength = Code("invalidLength")
        /// Text was not valid base64, hex or UTF-8, or contained forbidden characters.
        public static let invalidEncoding = Code("invalidEncoding")
        /// A vkey or private key string is malformed: it does not have the expected `+`-separated
        /// parts (or, for a private key, the `PRIVATE+KEY+` prefix).
        public static let malformedKey = Code("malformedKey")
        /// A key name is empty or contains a Unicode space, a `+` or an ASCII control character.
        public static let invalidKeyName = Code("invalidKeyName")
        /// The key id part of a key string is not exactly 8 lowercase hexadecimal digits.
        public static let invalidKeyID = Code("invalidKeyID")
        /// The key id in a key string does not match the id computed from its name and key.
        public static let keyIDMismatch = Code("keyIDMismatch")
        /// A signature type byte is not one this module supports.
        public static let unsupportedKeyType = Code("unsupportedKeyType")
        /// A key file is readable by group or others; it must be mode 0600.
        public static let insecureKeyFile = Code("insecureKeyFile")
        /// A key file could not be read or written.
        public static let keyFileIO = Code("keyFileIO")
        /// A key file was not written because a file already exists at that path.
        public static let keyFileExists = Code("keyFileExists")
        /// A signed note does not follow the signed-note format.
        public static let malformedNote = Code("malformedNote")
        /// A signature from a known key failed to verify.
        public static let invalidSignature = Code("invalidSignature")
        /// No signature from any known key verified.
        public static let noVerifiedSignature = Code("noVerifiedSignature")
        /// A DSSE envelope is malformed.
        public static let malformedEnvelope = Code("malformedEnvelope")
        /// A libsodium call failed.
        public static let sodiumFailure = Code("sodiumFailure")
    }

    /// What went wrong.
    public var code: Code
    /// One sentence for a person.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
