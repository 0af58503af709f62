import JejakBase

/// What a caller expects of a stream's version before its append (optimistic concurrency).
///
/// Its text form, ``parameter``, is the one the command line (`--expected-version`) and the
/// HTTP API (`?expected-version=`) take: `any`, `none`, `exists` or a number.
///
/// ```swift
/// let expected = try ExpectedVersion(parameter: "3")   // .exactly(3)
/// ```
public enum ExpectedVersion: Hashable, Sendable {
    /// No expectation.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream must hold at least one event.
    case streamExists
    /// The stream must hold exactly this many events.
    case exactly(UInt64)

    /// Parses the text form: `any`, `none`, `exists`, or a version number (decimal ASCII digits,
    /// no sign, no leading zeros but `0` itself).
    ///
    /// - Throws: ``LedgerError`` with ``LedgerError/Code/invalidExpectedVersion`` for anything else.
    public init(parameter text: String) throws(LedgerError) {
        switch text {
        case "any": self = .any
        case "none": self = .noStream
        case "exists": self = .streamExists
        default:
            guard let n = UInt64(canonicalDecimal: text) else {
                throw LedgerError(.invalidExpectedVersion,
                                  "an expected version is any, none, exists or a version number, not \(quoted(text))")
            }
            self = .exactly(n)
        }
    }

    /// The text form ``init(parameter:)`` parses.
    public var parameter: String {
        switch self {
        case .any: "any"
        case .noStream: "none"
        case .streamExists: "exists"
        case .exactly(let n): String(n)
        }
    }
}

extension ErrorCode where Kind == LedgerErrors {
    /// An expected version that is not `any`, `none`, `exists` or a version number.
    public static var invalidExpectedVersion: Self { Self("invalidExpectedVersion") }
    /// The writer's queue holds as many events as it may (``Ledger/Options/maxQueuedEvents``):
    /// try again shortly. Nothing was written.
    public static var writerQueueFull: Self { Self("writerQueueFull") }
}

extension UInt64 {
    /// A number in canonical decimal form: ASCII digits only, no sign, no leading zeros but `0`
    /// itself, at most `UInt64.max` — the one form the command line and the HTTP API take for
    /// versions, indexes and sizes; `nil` for anything else.
    public init?(canonicalDecimal text: String) {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              digits.count == 1 || digits[0] != 0x30, let n = UInt64(text) else { return nil }
        self = n
    }
}
