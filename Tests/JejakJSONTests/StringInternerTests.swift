import Testing

@testable import JejakJSON

@Suite("StringInterner")
struct StringInternerTests {
    func intern(_ interner: StringInterner, _ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { interner.string(utf8: $0) }
    }

    @Test func givesTheStringOfTheBytesAndSharesIt() {
        let interner = StringInterner()
        let type = "id.go.kpu.jejak.exchange.requested.v1"
        let first = intern(interner, Array(type.utf8))
        let second = intern(interner, Array(type.utf8))
        #expect(first == type && second == type)
        // The second is the first's storage, not a new copy.
        var a = first ?? "", b = second ?? ""
        let same = a.withUTF8 { x in b.withUTF8 { y in x.baseAddress == y.baseAddress } }
        #expect(same)
    }

    @Test func manyDistinctStringsStayDistinctThroughCollisions() {
        let interner = StringInterner()
        let texts = (0..<5000).map { "unit-\($0)-" + String(repeating: "x", count: $0 % 40) }
        for round in 0..<2 {
            for text in texts { #expect(intern(interner, Array(text.utf8)) == text, "round \(round)") }
        }
    }

    @Test func refusesInvalidUTF8AndPassesShortAndLongStringsThrough() {
        let interner = StringInterner()
        #expect(intern(interner, [0x61, 0x62, 0xFF] + Array(repeating: 0x61, count: 20)) == nil)
        #expect(intern(interner, Array(repeating: 0xC3, count: 20)) == nil)
        #expect(intern(interner, Array("short".utf8)) == "short")
        let long = String(repeating: "é", count: 200)
        #expect(intern(interner, Array(long.utf8)) == long)
        #expect(intern(interner, []) == "")
    }

    @Test func parsingWithInterningGivesTheSameStrings() throws {
        for text in [#""id.go.kpu.jejak.exchange.delivered.v1""#, #""a\u0062c-long-enough-to-be-interned""#, #""x""#,
                     #""tab\there is escaped, still a long string""#, #"12"#, #""unterminated string here"#] {
            let bytes = Array(text.utf8)
            let plain = bytes.withUnsafeBytes { b in Result { () throws(JSONError) in try JSONParser.parseString(b) } }
            let shared = bytes.withUnsafeBytes { b in Result { () throws(JSONError) in try JSONParser.parseString(b, interning: true) } }
            #expect((try? plain.get()) == (try? shared.get()), "\(text)")
            if case .failure(let error) = plain { #expect(throws: error) { try shared.get() } }
        }
    }
}
