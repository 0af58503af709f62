import JejakBase

/// An error from the crypto layer: a code naming the rule that was broken, a one-sentence
/// message, and where it applies, the libsodium function that failed.
///
/// Malformed input (a bad vkey, a note that does not parse, a wrong-length signature) is always
/// a thrown ``CryptoError``; it is never folded into a `false` "signature invalid" answer. The
/// only `Bool` results in this module are from the low-level ``Ed25519PublicKey/isValidSignature(_:for:)``,
/// which answers exactly one question: does this well-formed signature verify.
public typealias CryptoError = CodedError<CryptoErrors>

/// The kind of ``CryptoError``: its codes are the static members of `ErrorCode<CryptoErrors>`.
public enum CryptoErrors: ErrorKind {
    public static var style: CodedErrorStyle { .plain }
}

extension ErrorCode where Kind == CryptoErrors {
    /// A byte string had the wrong length (a key, a signature, a digest).
    public static var invalidLength: Self { Self("invalidLength") }
    /// Text was not valid base64, hex or UTF-8, or contained forbidden characters.
    public static var invalidEncoding: Self { Self("invalidEncoding") }
    /// A vkey or private key string is malformed: it does not have the expected `+`-separated
    /// parts (or, for a private key, the `PRIVATE+KEY+` prefix).
    public static var malformedKey: Self { Self("malformedKey") }
    /// A key name is empty or contains a Unicode space, a `+` or an ASCII control character.
    public static var invalidKeyName: Self { Self("invalidKeyName") }
    /// The key id part of a key string is not exactly 8 lowercase hexadecimal digits.
    public static var invalidKeyID: Self { Self("invalidKeyID") }
    /// The key id in a key string does not match the id computed from its name and key.
    public static var keyIDMismatch: Self { Self("keyIDMismatch") }
    /// A signature type byte is not one this module supports.
    public static var unsupportedKeyType: Self { Self("unsupportedKeyType") }
    /// A key file is readable by group or others; it must be mode 0600.
    public static var insecureKeyFile: Self { Self("insecureKeyFile") }
    /// A key file could not be read or written.
    public static var keyFileIO: Self { Self("keyFileIO") }
    /// A file given as a key or identity file holds no private key at all (a signed event, a
    /// public key, a policy…), so the message says what it looks like instead of asking to
    /// change its permissions.
    public static var notAKeyFile: Self { Self("notAKeyFile") }
    /// A key file was not written because a file already exists at that path.
    public static var keyFileExists: Self { Self("keyFileExists") }
    /// A signed note does not follow the signed-note format.
    public static var malformedNote: Self { Self("malformedNote") }
    /// A signature from a known key failed to verify.
    public static var invalidSignature: Self { Self("invalidSignature") }
    /// No signature from any known key verified.
    public static var noVerifiedSignature: Self { Self("noVerifiedSignature") }
    /// A DSSE envelope is malformed.
    public static var malformedEnvelope: Self { Self("malformedEnvelope") }
    /// A libsodium call failed.
    public static var sodiumFailure: Self { Self("sodiumFailure") }

}
