import JejakBase

/// An error from age encryption or decryption (c2sp.org/age): a code naming the rule that was
/// broken, one sentence for a person, and where it applies, the error it wraps.
///
/// Decryption failures are distinguished the way the age testkit distinguishes them, so that a
/// parsing error is never masked by a later one:
///
/// ```swift
/// do {
///     let plaintext = try Age.decrypt(file, identities: identities)
/// } catch {
///     switch error.code {
///     case .noMatch: …                  // not encrypted to any of these identities
///     case .unsupportedRecipient: …     // e.g. a passphrase (scrypt) or post-quantum file
///     default: …                        // a damaged or forged file
///     }
/// }
/// ```
///
/// Messages never contain secret key material.
public typealias AgeError = CodedError<AgeErrors>

/// The kind of ``AgeError``: its codes are the static members of `ErrorCode<AgeErrors>`.
public enum AgeErrors: ErrorKind {}

extension ErrorCode where Kind == AgeErrors {
    /// A recipient (`age1…`) or identity (`AGE-SECRET-KEY-1…`) string is not valid Bech32 with
    /// the right prefix and a 32-byte key, an identity file holds a line that is not an
    /// identity (or none at all), or a recipient's key is a low-order point.
    public static var malformedKey: Self { Self("malformedKey") }
    /// The header breaks the format: a wrong version line, a bad stanza or MAC line,
    /// non-canonical base64, a stanza of a type defined by the spec with the wrong arguments or
    /// body length, an `scrypt` stanza beside others, or an X25519 share giving the all-zero
    /// shared secret.
    public static var malformedHeader: Self { Self("malformedHeader") }
    /// The file (or a key string) uses a recipient type this library does not implement
    /// (`scrypt` passphrases, `mlkem768x25519`, `p256tag`, `mlkem768p256tag`, `ssh-ed25519`,
    /// `ssh-rsa`), and none of the stanzas it does implement could be opened. The message
    /// names the types.
    public static var unsupportedRecipient: Self { Self("unsupportedRecipient") }
    /// No X25519 stanza in the header could be opened with any of the identities given.
    public static var noMatch: Self { Self("noMatch") }
    /// A file key was unwrapped but the header's MAC does not match it: the header was altered
    /// (a byte changed, stanzas added, removed or reordered).
    public static var headerMACMismatch: Self { Self("headerMACMismatch") }
    /// A payload chunk failed authentication: it was altered, reordered, or belongs to
    /// another file.
    public static var payloadAuthentication: Self { Self("payloadAuthentication") }
    /// The file ends too early: inside the header, before the 16-byte payload nonce, without
    /// any chunk, inside a chunk's tag, or after a chunk that is not marked final.
    public static var truncated: Self { Self("truncated") }
    /// More bytes follow the payload's final chunk.
    public static var trailingData: Self { Self("trailingData") }
    /// The payload breaks STREAM in a way that authentication alone does not catch: an empty
    /// final chunk after non-empty ones.
    public static var malformedPayload: Self { Self("malformedPayload") }
    /// The ASCII armor (`-----BEGIN AGE ENCRYPTED FILE-----`) is not strict RFC 7468 PEM:
    /// a wrong label, a line of the wrong length, non-canonical base64, stray characters
    /// or anything but whitespace around it.
    public static var malformedArmor: Self { Self("malformedArmor") }
    /// ``Age/encrypt(_:to:armor:)`` was given no recipients.
    public static var noRecipients: Self { Self("noRecipients") }
    /// An identity file could not be created, written, read, or is not a regular file of at
    /// most ``AgeIdentityFile/maximumSize`` bytes.
    public static var keyFileIO: Self { Self("keyFileIO") }
    /// An identity file was not written because something already exists at that path.
    public static var keyFileExists: Self { Self("keyFileExists") }
    /// An identity file is accessible by group or others; it must be mode 0600 (or 0400).
    public static var insecureKeyFile: Self { Self("insecureKeyFile") }
}
