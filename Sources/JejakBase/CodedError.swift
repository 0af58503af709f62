/// The shape every Jejak error shares: a code naming the rule broken or the operation that
/// failed, one sentence for a person, and — when the error wraps another — that error itself,
/// kept rather than flattened into the sentence (as swift-nio and GRDB keep theirs).
///
/// Code that handles errors from several layers (a command-line tool, a server turning errors
/// into problem documents) reads them through this protocol:
///
/// ```swift
/// catch let error as any JejakError {
///     print("\(error.message) [\(error.codeName)]")
///     if let cause = error.underlying { log(cause) }
/// }
/// ```
public protocol JejakError: Error, Sendable, CustomStringConvertible {
    /// The code's name, e.g. `malformedKey` or `rollback`.
    var codeName: String { get }
    /// One sentence for a person.
    var message: String { get }
    /// The error this one wraps, if any.
    var underlying: (any Error & Sendable)? { get }
}

extension JejakError {
    /// The errors this one wraps, outermost first (this one excluded).
    public var causes: [any Error & Sendable] {
        var out: [any Error & Sendable] = []
        var next = underlying
        while let e = next {
            out.append(e)
            next = (e as? any JejakError)?.underlying
        }
        return out
    }
}

/// The code of a ``CodedError``: a name, typed by the kind of error it belongs to, so that a
/// crypto code can't be compared with a witness code.
///
/// A kind of error declares its codes as static members of its own code type:
///
/// ```swift
/// public enum WitnessErrors: ErrorKind {}
/// public typealias WitnessError = CodedError<WitnessErrors>
/// extension ErrorCode<WitnessErrors> {
///     /// The checkpoint is smaller than the one last cosigned.
///     public static var rollback: Self { Self("rollback") }
/// }
/// ```
public struct ErrorCode<Kind: ErrorKind>: Hashable, Sendable, CustomStringConvertible {
    /// The code's name.
    public let name: String

    /// A code named `name`.
    public init(_ name: String) {
        self.name = name
    }

    /// The code's name.
    public var description: String { name }
}

/// A kind of error: the namespace its codes live in (an uninhabited enum).
public protocol ErrorKind: Sendable {
    /// How a message of this kind of error is written: `.plain` is the sentence alone,
    /// `.withCode` adds the code in brackets (`… [rollback]`).
    static var style: CodedErrorStyle { get }
}

extension ErrorKind {
    /// The sentence and the code in brackets.
    public static var style: CodedErrorStyle { .withCode }
}

/// How a ``CodedError`` describes itself.
public enum CodedErrorStyle: Sendable {
    /// The message alone.
    case plain
    /// The message followed by the code in brackets.
    case withCode
}

/// An error of kind `Kind`: a ``ErrorCode``, a message and perhaps the error it wraps. The
/// errors of most layers are this type under a name (`CryptoError`, `ProofError`,
/// `WitnessError`, …); errors that say more (a line, a byte offset, an event) are their own
/// types and conform to ``JejakError``.
///
/// Two errors are equal when their codes and messages are (the wrapped error is context).
public struct CodedError<Kind: ErrorKind>: JejakError, Hashable {
    /// The codes of this kind of error.
    public typealias Code = ErrorCode<Kind>

    /// What went wrong.
    public var code: Code
    /// One sentence for a person.
    public var message: String
    /// The error this one wraps, if any.
    public var underlying: (any Error & Sendable)?

    /// An error with `code` and `message`, wrapping `underlying` if given.
    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// The code's name.
    public var codeName: String { code.name }

    /// The message (and the code, as ``ErrorKind/style`` says).
    public var description: String {
        switch Kind.style {
        case .plain: message
        case .withCode: "\(message) [\(code)]"
        }
    }

    public static func == (a: CodedError, b: CodedError) -> Bool {
        a.code == b.code && a.message == b.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }
}
