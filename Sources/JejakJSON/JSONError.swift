import JejakBase

/// An error thrown by ``JSONParser`` when its input is not strict RFC 8259 JSON.
///
/// Every error carries the byte ``offset`` (from the start of the input) at which the problem
/// was detected, a machine-readable ``code`` and a human-readable ``message``.
public struct JSONError: JejakError, Hashable {
    /// The kind of a ``JSONError``.
    public enum Code: String, Hashable, Sendable {
        /// The input ended in the middle of a value (or was empty).
        case unexpectedEnd
        /// A byte that cannot appear at this position: a stray character, a trailing comma,
        /// a comment, `NaN`, `Infinity`, a leading `+` or `.`, or a non-ASCII byte outside a string.
        case unexpectedCharacter
        /// A malformed number: leading zeros, a missing digit after `-`, `.` or the exponent.
        case invalidNumber
        /// A malformed string: a bad escape, a raw control character, a lone surrogate escape,
        /// or invalid UTF-8.
        case invalidString
        /// An object has two members whose names are equal code unit by code unit.
        case duplicateKey
        /// A complete value is followed by something other than whitespace.
        case trailingData
        /// Arrays and objects are nested deeper than the parser's depth limit.
        case tooDeep
        /// The input is valid JSON but not an object, where an object was asked for
        /// (``JSONParser/skimObject(_:maximumDepth:)``).
        case notAnObject
    }

    /// What went wrong.
    public let code: Code
    /// The byte offset in the input at which the problem was detected.
    public let offset: Int
    /// A human-readable explanation.
    public let message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - offset: The byte offset in the input at which the problem was detected.
    ///   - message: A human-readable explanation.
    public init(code: Code, offset: Int, message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    /// `"JSON <code> at byte <offset>: <message>"`.
    public var description: String {
        "JSON \(code.rawValue) at byte \(offset): \(message)"
    }
}

extension JSONError {
    /// The code's name.
    public var codeName: String { code.rawValue }
    /// JSONErrors wrap nothing.
    public var underlying: (any Error & Sendable)? { nil }
}
