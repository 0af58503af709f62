/// A JSON number, kept exactly as its literal text.
///
/// The parser stores only the text (no conversion cost on the hot path); ``double``,
/// ``int64``, ``isInteger`` and the exact decimal comparisons are computed on demand.
/// Numbers beyond `Double` or `Int64` range lose nothing: ``text`` is exact and
/// ``JSONWriter`` writes it back unchanged.
///
/// `==` and hashing compare ``text`` (so `1` != `1.0` != `1e0`); use
/// ``numericallyEquals(_:)`` for mathematical equality.
public struct JSONNumber: Hashable, Sendable {
    /// The literal as written in the document, e.g. `"-12.50e3"`. Always valid RFC 8259 number syntax.
    public let text: String

    /// Creates a number from text already known to be valid number syntax.
    init(uncheckedText text: String) {
        self.text = text
    }

    /// Creates a number from its literal text, or `nil` if `text` is not exactly an RFC 8259
    /// number (no whitespace, no `+` sign, no leading zeros, …).
    ///
    /// - Parameter text: The literal, e.g. `"1.5e-3"`.
    public init?(text: String) {
        var copy = text
        let valid = copy.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return false }
            return scanNumber(base, 0, buffer.count) == buffer.count
        }
        guard valid else { return nil }
        self.text = text
    }

    /// Creates an integer number.
    public init(_ value: Int64) {
        text = String(value)
    }

    /// Creates an integer number.
    public init(_ value: Int) {
        text = String(value)
    }

    /// Creates a number from a finite `Double`, written in Swift's shortest round-tripping form
    /// (e.g. `1.0`, `0.1`, `1e-05`); `nil` for infinities and NaN, which JSON cannot represent.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        text = value.description
    }

    /// The nearest `Double` (IEEE 754 round-to-nearest). Magnitudes too large for `Double`
    /// give ±infinity; magnitudes too small give ±0.
    public var double: Double {
        Double(text) ?? .nan  // unreachable fallback: `text` is always valid syntax
    }

    /// The exact value when the literal is written as an integer (no fraction, no exponent)
    /// and fits in `Int64`; otherwise `nil`.
    ///
    /// `"1.0"` and `"1e3"` give `nil` here even though they are integral; use
    /// ``integralValue`` for the mathematical reading.
    public var int64: Int64? {
        isIntegerLiteral ? Int64(text) : nil
    }

    /// The exact value when the number is mathematically an integer that fits in `Int64`,
    /// whatever its spelling: `"1.0"`, `"1e3"`, `"150e-1"` and `"-0"` all have one.
    public var integralValue: Int64? {
        if isIntegerLiteral { return Int64(text) }
        let form = DecimalForm(text)
        guard form.isInteger else { return nil }
        if form.digits.isEmpty { return 0 }
        guard form.digits.count + form.exponent <= 19 else { return nil }
        var magnitude: UInt64 = 0
        for digit in form.digits {
            magnitude = magnitude &* 10 &+ UInt64(digit)
        }
        for _ in 0..<form.exponent {
            let (m, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            magnitude = m
        }
        if form.negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// Whether the number is mathematically an integer (JSON Schema's `"integer"`):
    /// `1`, `1.0`, `1e3`, `-0` and `1e400` are; `1.5` and `1e-1` are not. Exact, never via `Double`.
    public var isInteger: Bool {
        isIntegerLiteral || DecimalForm(text).isInteger
    }

    /// Whether the literal has neither a fraction nor an exponent.
    public var isIntegerLiteral: Bool {
        for byte in text.utf8 where byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e") {
            return false
        }
        return true
    }

    /// Whether the two numbers are mathematically equal, exactly (decimal arithmetic on the
    /// literals, never via `Double`): `1`, `1.0`, `10e-1` and `0.1e1` are all equal, as are
    /// `0` and `-0`.
    ///
    /// Exponents beyond ±10^18 are saturated, so two such astronomically scaled values with the
    /// same digits compare equal.
    public func numericallyEquals(_ other: JSONNumber) -> Bool {
        if text == other.text { return true }
        return DecimalForm(text) == DecimalForm(other.text)
    }

    /// Whether this number is mathematically less than `other`, exactly (see
    /// ``numericallyEquals(_:)``).
    public func isNumericallyLess(than other: JSONNumber) -> Bool {
        DecimalForm(text).isLess(than: DecimalForm(other.text))
    }
}

extension JSONNumber: CustomStringConvertible {
    /// The literal text.
    public var description: String { text }
}

/// An exact decimal reading of a number literal: `(-1)^negative × digits × 10^exponent`, with
/// `digits` free of leading and trailing zeros (empty for zero, which is never negative).
struct DecimalForm: Equatable {
    var negative = false
    var digits: [UInt8] = []
    var exponent = 0

    static let exponentLimit = 1_000_000_000_000_000_000

    init(_ text: String) {
        var fractionDigits = 0
        var seenPoint = false
        var exponentValue = 0
        var exponentNegative = false
        var inExponent = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-"):
                if inExponent { exponentNegative = true } else { negative = true }
            case UInt8(ascii: "+"):
                break
            case UInt8(ascii: "."):
                seenPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                inExponent = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let d = byte &- UInt8(ascii: "0")
                if inExponent {
                    // Saturates: from a tenth of the limit on, any further digit reaches it
                    // (no multiplication can overflow).
                    exponentValue = exponentValue >= Self.exponentLimit / 10
                        ? Self.exponentLimit : Swift.min(exponentValue * 10 + Int(d), Self.exponentLimit)
                } else {
                    if digits.isEmpty && d == 0 {
                        // Leading zero: contributes nothing but still shifts the fraction.
                    } else {
                        digits.append(d)
                    }
                    if seenPoint { fractionDigits += 1 }
                }
            default:
                break
            }
        }
        exponent = (exponentNegative ? -exponentValue : exponentValue) - fractionDigits
        while let last = digits.last, last == 0 {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty {
            negative = false
            exponent = 0
        }
    }

    var isZero: Bool { digits.isEmpty }

    var isInteger: Bool { digits.isEmpty || exponent >= 0 }

    /// Compares magnitudes: -1, 0 or 1.
    private func compareMagnitude(_ other: DecimalForm) -> Int {
        if isZero || other.isZero { return isZero == other.isZero ? 0 : (isZero ? -1 : 1) }
        // Position of the most significant digit.
        let a = digits.count + exponent
        let b = other.digits.count + other.exponent
        if a != b { return a < b ? -1 : 1 }
        for (x, y) in zip(digits, other.digits) where x != y {
            return x < y ? -1 : 1
        }
        return digits.count == other.digits.count ? 0 : (digits.count < other.digits.count ? -1 : 1)
    }

    func isLess(than other: DecimalForm) -> Bool {
        let aSign = isZero ? 0 : (negative ? -1 : 1)
        let bSign = other.isZero ? 0 : (other.negative ? -1 : 1)
        if aSign != bSign { return aSign < bSign }
        if aSign == 0 { return false }
        let magnitude = compareMagnitude(other)
        return negative ? magnitude > 0 : magnitude < 0
    }
}

/// Scans an RFC 8259 number starting at `start`; returns the end offset, or `-1 - offset` of
/// the first offending byte (or of the end) if the syntax is invalid.
@inline(__always)
func scanNumber(_ p: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> Int {
    var i = start
    if i < count && p[i] == UInt8(ascii: "-") { i += 1 }
    guard i < count else { return -1 - i }
    let first = p[i]
    if first == UInt8(ascii: "0") {
        i += 1
        if i < count && p[i] &- UInt8(ascii: "0") < 10 { return -1 - i }
    } else if first &- UInt8(ascii: "1") < 9 {
        i += 1
        while i < count && p[i] &- UInt8(ascii: "0") < 10 { i += 1 }
    } else {
        return -1 - i
    }
    if i < count && p[i] == UInt8(ascii: ".") {
        i += 1
        guard i < count && p[i] &- UInt8(ascii: "0") < 10 else { return -1 - i }
        i += 1
        while i < count && p[i] &- UInt8(ascii: "0") < 10 { i += 1 }
    }
    if i < count && p[i] | 0x20 == UInt8(ascii: "e") {
        i += 1
        if i < count && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
        guard i < count && p[i] &- UInt8(ascii: "0") < 10 else { return -1 - i }
        i += 1
        while i < count && p[i] &- UInt8(ascii: "0") < 10 { i += 1 }
    }
    return i
}
