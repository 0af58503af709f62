import Testing

@testable import JejakJSON

private func number(_ text: String) throws -> JSONNumber {
    try #require(try JSONParser.parse(text).numberValue)
}

@Suite("Numbers")
struct NumberTests {
    @Test func keepsLiteralText() throws {
        for text in ["0", "-0", "1", "-1", "1.0", "1.50", "1e3", "1E+03", "-1.25e-7", "0.000", "123456789012345678901234567890"] {
            #expect(try number(text).text == text)
            #expect(JSONWriter.string(.number(try number(text))) == text)
        }
    }

    @Test func int64() throws {
        #expect(try number("0").int64 == 0)
        #expect(try number("-0").int64 == 0)
        #expect(try number("42").int64 == 42)
        #expect(try number("9223372036854775807").int64 == Int64.max)
        #expect(try number("-9223372036854775808").int64 == Int64.min)
        #expect(try number("9223372036854775808").int64 == nil)
        #expect(try number("-9223372036854775809").int64 == nil)
        #expect(try number("1.0").int64 == nil)
        #expect(try number("1e3").int64 == nil)
        #expect(try number("1.5").int64 == nil)
    }

    @Test func bigIntegersKeepTextAndHaveADouble() throws {
        let big = try number("123456789012345678901234567890")
        #expect(big.int64 == nil)
        #expect(big.integralValue == nil)
        #expect(big.isInteger)
        #expect(big.double == 1.2345678901234568e29)
        #expect(big.text == "123456789012345678901234567890")
        #expect(JSONWriter.string(try JSONParser.parse("[123456789012345678901234567890]")) == "[123456789012345678901234567890]")
    }

    @Test func doubles() throws {
        #expect(try number("0.1").double == 0.1)
        #expect(try number("-2.5E-3").double == -0.0025)
        #expect(try number("1e308").double == 1e308)
        #expect(try number("1e400").double == .infinity)
        #expect(try number("-1e400").double == -.infinity)
        #expect(try number("1e-400").double == 0)
        #expect(try number("-0").double.sign == .minus)
        #expect(try number("17976931348623157e292").double == .greatestFiniteMagnitude)
        #expect(try number("4.9406564584124654e-324").double == .leastNonzeroMagnitude)
    }

    @Test func isIntegerIsMathematical() throws {
        for text in ["0", "-0", "1", "1.0", "1.000", "1e3", "1E+3", "1.5e1", "150e-1", "0.0", "0e-5", "1e400", "-12.3400e2", "100e-2"] {
            #expect(try number(text).isInteger, "\(text)")
        }
        for text in ["1.5", "0.1", "1e-1", "15e-2", "-0.5", "1.0000000000000000000000001", "123e-5"] {
            #expect(try !number(text).isInteger, "\(text)")
        }
    }

    /// Exponents too large for any integer type saturate instead of trapping: a number in an
    /// event's data is read before any signature is checked.
    @Test func hugeExponentsSaturateWithoutTrapping() throws {
        let huge = ["1e-9223372036854775808", "1.5e9223372036854775808", "100e-9223372036854775810",
                    "11e-9223372036854775810", "1e99999999999999999999999", "-1E+99999999999999999999"]
        for text in huge {
            let n = try number(text)
            _ = n.isInteger
            _ = n.integralValue
            _ = n.numericallyEquals(try number("1"))
            _ = n.isNumericallyLess(than: try number("1"))
        }
        #expect(try !number("1e-10000000000000000000").isInteger)
        #expect(try number("1e10000000000000000000").isInteger)
        #expect(try number("1e-10000000000000000000").isNumericallyLess(than: number("1e-400")))
        #expect(try number("1e400").isNumericallyLess(than: number("1e10000000000000000000")))
    }

    @Test func integralValue() throws {
        #expect(try number("1.0").integralValue == 1)
        #expect(try number("1e3").integralValue == 1000)
        #expect(try number("150e-1").integralValue == 15)
        #expect(try number("-0.0").integralValue == 0)
        #expect(try number("-12.5e1").integralValue == -125)
        #expect(try number("9.223372036854775807e18").integralValue == Int64.max)
        #expect(try number("-9.223372036854775808e18").integralValue == Int64.min)
        #expect(try number("9.223372036854775808e18").integralValue == nil)
        #expect(try number("1e19").integralValue == nil)
        #expect(try number("1e400").integralValue == nil)
        #expect(try number("1.5").integralValue == nil)
    }

    @Test func numericEquality() throws {
        let equal: [(String, String)] = [
            ("1", "1.0"), ("1", "1e0"), ("1", "10e-1"), ("1", "0.1e1"), ("0", "-0"), ("0", "0.000e7"),
            ("-1.5", "-15e-1"), ("123456789012345678901234567890", "1.2345678901234567890123456789e29"),
            ("100", "1E2"), ("0.001", "1e-3"),
        ]
        for (a, b) in equal {
            #expect(try number(a).numericallyEquals(number(b)), "\(a) == \(b)")
            #expect(try number(b).numericallyEquals(number(a)), "\(b) == \(a)")
            #expect(try number(a) != number(b), "\(a) and \(b) differ as parsed")
        }
        let different: [(String, String)] = [
            ("1", "-1"), ("1", "1.0000000000000000000001"), ("0.1", "0.01"), ("10", "1"),
            ("123456789012345678901234567890", "123456789012345678901234567891"), ("1e400", "1e401"),
        ]
        for (a, b) in different {
            #expect(try !number(a).numericallyEquals(number(b)), "\(a) != \(b)")
        }
    }

    @Test func numericOrder() throws {
        let ascending = ["-1e400", "-10", "-9.5", "-1", "-0.001", "0", "1e-400", "0.5", "1", "1.0000001", "2", "10", "99", "1e2", "1e400"]
        for (x, a) in ascending.enumerated() {
            for (y, b) in ascending.enumerated() {
                let less = try number(a).isNumericallyLess(than: number(b))
                #expect(less == (x < y && !(a == "1e2" && b == "99")) || (a == "99" && b == "1e2"), "\(a) < \(b)")
            }
        }
        #expect(try !number("0").isNumericallyLess(than: number("-0")))
        #expect(try !number("1.0").isNumericallyLess(than: number("1")))
    }

    @Test func constructors() throws {
        #expect(JSONNumber(Int64(-5)).text == "-5")
        #expect(JSONNumber(7).text == "7")
        #expect(JSONNumber(0.1)?.text == "0.1")
        #expect(JSONNumber(1.0)?.text == "1.0")
        #expect(JSONNumber(1e-5)?.text == "1e-05")
        #expect(JSONNumber(Double.nan) == nil)
        #expect(JSONNumber(Double.infinity) == nil)
        // Every finite Double's text is valid JSON and round-trips.
        for d in [1e-5, 1e16, -0.0, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, 123.456] {
            let n = try #require(JSONNumber(d))
            #expect(JSONNumber(text: n.text) != nil, "\(n.text)")
            #expect(n.double == d)
        }
        #expect(JSONNumber(text: "1.5e3")?.double == 1500)
        for bad in ["", "01", "+1", ".5", "1.", " 1", "1 ", "NaN", "1e", "--1", "0x1"] {
            #expect(JSONNumber(text: bad) == nil, "\(bad)")
        }
        let literal: JSONValue = 2.5
        #expect(literal == .number(try #require(JSONNumber(text: "2.5"))))
    }
}
