import JejakJSON
import Testing

@testable import JejakSchema

@Suite("ECMA-262 regular expressions")
struct RegexTests {
    func matches(_ pattern: String, _ input: String) throws -> Bool {
        try ECMARegex(pattern).search(input) == .match
    }

    @Test func ecmaSemantics() throws {
        #expect(try !matches("^abc$", "abc\n"))
        #expect(try matches("^abc$", "abc"))
        #expect(try matches("b", "abc"))  // not anchored
        #expect(try !matches(#"^\d$"#, "\u{0660}"))
        #expect(try matches(#"^\D$"#, "\u{0660}"))
        #expect(try !matches(#"^\w$"#, "é"))
        #expect(try matches(#"^\s$"#, "\u{2003}"))
        #expect(try matches(#"^\s$"#, "\u{FEFF}"))
        #expect(try !matches(#"^\s$"#, "\u{0085}"))
        #expect(try !matches("^.$", "\n"))
        #expect(try !matches("^.$", "\u{2028}"))
        #expect(try matches("^.$", "😀"))
        #expect(try matches(#"^\p{L}+$"#, "Jawa"))
        #expect(try matches(#"^\p{Lu}\p{Ll}+$"#, "Éa"))
        #expect(try !matches(#"^\P{L}$"#, "a"))
        #expect(try matches(#"^[\p{N}-]+$"#, "১২-3"))
        #expect(try matches(#"^\u{1F600}$"#, "😀"))
        #expect(try matches(#"^\uD83D\uDE00$"#, "😀"))
        #expect(try matches(#"^\x41\cJ\t$"#, "A\n\t"))
        #expect(try matches(#"^[^]$"#, "\n"))
        #expect(try !matches(#"^[]$"#, ""))
        #expect(try matches(#"^[\b]$"#, "\u{8}"))
        #expect(try matches(#"\bword\b"#, "a word."))
        #expect(try !matches(#"\bword\b"#, "swordfish"))
        #expect(try matches(#"^\/\.\*$"#, "/.*"))
    }

    @Test func groupsLookaroundAndBackreferences() throws {
        #expect(try matches(#"^(a|ab)(c|bcd)(d*)$"#, "abcd"))
        #expect(try matches(#"^(?:x(?=y))y$"#, "xy"))
        #expect(try !matches(#"^x(?!y)"#, "xy"))
        #expect(try matches(#"(?<=\$)\d+"#, "cost $42"))
        #expect(try !matches(#"(?<!\$)\b\d+"#, "$42"))
        #expect(try matches(#"^(?<q>["'])[a-z]*\k<q>$"#, "'abc'"))
        #expect(try !matches(#"^(?<q>["'])[a-z]*\k<q>$"#, "'abc\""))
        #expect(try matches(#"^(a+)-\1$"#, "aaa-aaa"))
        #expect(try !matches(#"^(a+)-\1$"#, "aaa-aa"))
        #expect(try matches(#"^(?:(a)|b)\1$"#, "b"))  // an unset group matches empty
        #expect(try matches(#"^a{2,3}?$"#, "aaa"))
        #expect(try matches(#"^(?:a*)*$"#, "aaa"))
        #expect(try matches(#"^(a*?)+$"#, "aa"))
    }

    @Test func syntaxErrors() {
        for pattern in [
            "(", ")", "[a", "a{2,1}", "*", "a**", #"\a"#, #"\1"#, #"\k<x>"#, "(?<n>a)(?<n>b)", "(?i)a", "(?P<n>a)",
            "(?#c)", #"\p{Nope}"#, #"\p{Script=Greek}"#, #"[\d-z]"#, "[z-a]", "{", "}", "]", "a{", #"\cé"#, #"\x4"#,
            #"\u12"#, #"\u{110000}"#, "(?=a)*", "^*",
        ] {
            #expect(throws: RegexSyntaxError.self, "\(pattern)") { try ECMARegex(pattern) }
        }
    }

    @Test func regularPatternsUseTheAutomata() throws {
        #expect(try ECMARegex("^[0-9a-f]{64}$").dfa?.hasDFA == true)
        #expect(try ECMARegex(#"^\p{L}+(?: \p{L}+)*$"#).dfa != nil)
        #expect(try ECMARegex(#"^(a)\1$"#).dfa == nil)
        #expect(try ECMARegex(#"a(?=b)"#).dfa == nil)
        #expect(try ECMARegex(#"\bx"#).dfa == nil)
        #expect(try ECMARegex(".{0,5000}").dfa == nil)  // too many states: backtracking instead
    }

    /// The automata and the backtracking matcher must agree on every regular pattern.
    @Test func automataAgreeWithBacktracking() throws {
        let patterns = [
            "^[0-9a-f]{64}$", "^[a-z0-9-]+(/[a-z0-9-]+)*$", "a|b", "^(a|ab)(c|bcd)(d*)$", "^$", "", "^", "$", "a$|^b",
            "(?:ab)+", "^a*?b", "x{2,3}", "^(?:a|b)*c", #"^\d{4}-\d{2}-\d{2}$"#, "[^a]", ".", "é+", #"\p{L}\p{N}"#,
            "^(?:a?){3}a{3}$", "^[a-c]+$", "(a|b)*abb", "^ba?$|^ab?$", "^.*$", #"^[\s\S]$"#, "a{0}b", "(?:)", "^(|a)+$",
        ]
        let alphabet: [Character] = ["a", "b", "c", "d", "x", "1", "-", "/", "é", "\n", "0", "f", " "]
        var generator = SplitMix(seed: 2026)
        var inputs = ["", "a", "ab", "abc", "abcd", "aaa", "ba", "xx", "xxx", "2026-03-14", "é1", "abb", "aabb"]
        for _ in 0..<300 {
            let length = Int(generator.next() % 9)
            inputs.append(String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }))
        }
        for pattern in patterns {
            let regex = try ECMARegex(pattern)
            let automata = try #require(regex.dfa, "\(pattern) should be regular")
            for input in inputs {
                let expected = regex.backtrackingSearch(input) == .match
                #expect(automata.search(input) == expected, "\(pattern) on \(input.debugDescription)")
                #expect(automata.simulate(input) == expected, "\(pattern) on \(input.debugDescription) (NFA)")
            }
        }
    }

    @Test func catastrophicBacktrackingIsBounded() throws {
        let regex = try ECMARegex(#"^(?:(?!z)(a+))+$"#)  // lookahead: backtracking matcher
        let hostile = String(repeating: "a", count: 40) + "b"
        #expect(regex.search(hostile) == .tooComplex)
        let long = String(repeating: "ab", count: 5_000)
        #expect(try ECMARegex(#"^(?:(?!x)[ab])*$"#).search(long) == .tooComplex)
        // Regular patterns never give up, however long the input.
        #expect(try ECMARegex(#"^(?:a+)+$"#).search(hostile) == .noMatch)
        #expect(try ECMARegex(#"^(?:[ab]|é)*$"#).search(long + "é") == .match)
    }

    @Test func tooComplexFailsValidationWithAMessage() throws {
        let schema = try compile(#"{"pattern": "^(?:(?!z)(a+))+$"}"#)
        let value = JSONValue.string(String(repeating: "a", count: 40) + "b")
        #expect(schema.validate(value).first?.message.contains("within the matcher's limits") == true)
    }
}

/// A small deterministic generator (SplitMix64) for reproducible random inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
