import JejakJSON

/// The digits and decimal exponent of a number literal: `value = ±digits × 10^exponent`, where
/// `digits` has no leading zeros and no trailing zeros (empty for zero). Exponents saturate at
/// ±10^18, far beyond anything a `Double` or a ledger holds.
struct DecimalDigits {
    var digits: [UInt8] = []
    var exponent = 0

    init(_ text: String) {
        var fractionDigits = 0
        var seenPoint = false
        var inExponent = false
        var exponentNegative = false
        var exponentValue = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "."):
                seenPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                inExponent = true
            case UInt8(ascii: "-"):
                if inExponent { exponentNegative = true }
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let d = byte - UInt8(ascii: "0")
                if inExponent {
                    exponentValue = min(exponentValue &* 10 &+ Int(d), 1_000_000_000_000_000_000)
                } else {
                    if !(digits.isEmpty && d == 0) { digits.append(d) }
                    if seenPoint { fractionDigits += 1 }
                }
            default:
                break
            }
        }
        exponent = (exponentNegative ? -exponentValue : exponentValue) - fractionDigits
        while digits.last == 0 {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { exponent = 0 }
    }
}

/// A compiled `multipleOf` divisor: `coefficient × 10^exponent` with a coefficient of at most
/// 18 significant digits. The test is exact decimal arithmetic, never floating point, so `0.3`
/// is a multiple of `0.1` and `1e308` is not a multiple of `0.123456789`.
struct Divisor: Sendable {
    let number: JSONNumber
    let coefficient: UInt64
    let exponent: Int
    /// The divisor as an `Int64` when it is an integer that fits (fast path for integers).
    let integer: Int64?

    /// The most significant digits a divisor may have.
    static let maximumDigits = 18

    /// Compiles a positive divisor, or `nil` if it has too many significant digits.
    init?(_ number: JSONNumber) {
        let form = DecimalDigits(number.text)
        guard !form.digits.isEmpty, form.digits.count <= Divisor.maximumDigits else { return nil }
        var c: UInt64 = 0
        for d in form.digits { c = c * 10 + UInt64(d) }
        self.number = number
        coefficient = c
        exponent = form.exponent
        if form.exponent >= 0, form.exponent < 19 {
            var value: Int64? = Int64(c)
            for _ in 0..<form.exponent {
                guard let v = value else { break }
                let (product, overflow) = v.multipliedReportingOverflow(by: 10)
                value = overflow ? nil : product
            }
            integer = value
        } else {
            integer = nil
        }
    }

    /// Whether `value` is an integer multiple of the divisor.
    func divides(_ value: JSONNumber) -> Bool {
        if let integer, let x = value.int64 { return x % integer == 0 }
        let form = DecimalDigits(value.text)
        if form.digits.isEmpty { return true }
        // value / divisor = (digits / coefficient) × 10^(k); digits has no trailing zero, so
        // for k < 0 the quotient can only be an integer if … it cannot.
        let k = form.exponent - exponent
        guard k >= 0 else { return false }
        var remainder: UInt64 = 0
        for d in form.digits {
            remainder = (remainder * 10 + UInt64(d)) % coefficient
        }
        return Divisor.mulMod(remainder, Divisor.powMod(10, k, coefficient), coefficient) == 0
    }

    static func mulMod(_ a: UInt64, _ b: UInt64, _ m: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return m.dividingFullWidth(product).remainder
    }

    static func powMod(_ base: UInt64, _ exponent: Int, _ m: UInt64) -> UInt64 {
        if m == 1 { return 0 }
        var result: UInt64 = 1
        var b = base % m
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = mulMod(result, b, m) }
            b = mulMod(b, b, m)
            e >>= 1
        }
        return result
    }
}
