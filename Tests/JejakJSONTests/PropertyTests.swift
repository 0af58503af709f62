import Testing

@testable import JejakJSON

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let stringPieces = [
    "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "€", "😀", "日本",
    "\u{2028}", "key", "value-with-dashes", "e\u{301}",
]
private let numberTexts = [
    "0", "-0", "1", "-1", "42", "1.5", "-0.25", "1e10", "2E-3", "1.0e+300", "123456789012345678901234567890",
    "9223372036854775807", "-9223372036854775808", "0.000001",
]

private func randomString(_ rng: inout SplitMix64) -> String {
    let count = Int.random(in: 0...6, using: &rng)
    return (0..<count).map { _ in stringPieces[Int.random(in: 0..<stringPieces.count, using: &rng)] }.joined()
}

func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
    let choice = Int.random(in: 0..<(depth > 4 ? 5 : 7), using: &rng)
    switch choice {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2, 3:
        let text = numberTexts[Int.random(in: 0..<numberTexts.count, using: &rng)]
        return JSONNumber(text: text).map { .number($0) } ?? .null
    case 4: return .string(randomString(&rng))
    case 5:
        return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
    default:
        var object = JSONObject()
        for _ in 0..<Int.random(in: 0...20, using: &rng) {
            object[randomString(&rng)] = randomValue(&rng, depth: depth + 1)
        }
        return .object(object)
    }
}

/// Replaces, removes or inserts (bytes of `alphabet`) one to three bytes of `bytes`.
func mutate(_ bytes: inout [UInt8], with alphabet: [UInt8], using rng: inout SplitMix64) {
    for _ in 0..<Int.random(in: 1...3, using: &rng) where !bytes.isEmpty {
        let position = Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: bytes[position] = alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
        case 1: bytes.remove(at: position)
        default: bytes.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)], at: position)
        }
    }
}

@Suite("Properties")
struct PropertyTests {
    @Test func writeThenParseIsIdentity() throws {
        var rng = SplitMix64(state: 2026)
        for _ in 0..<500 {
            let value = randomValue(&rng, depth: 0)
            let bytes = JSONWriter.bytes(value)
            let parsed = try JSONParser.parse(bytes)
            #expect(parsed == value)
            #expect(parsed.schemaEquals(value))
            #expect(JSONWriter.bytes(parsed) == bytes)
        }
    }

    @Test func mutatedDocumentsNeverCrashAndStayStable() throws {
        var rng = SplitMix64(state: 7)
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \tnulltruefalse"#.utf8) + [0x00, 0x80, 0xC3, 0xED, 0xF4, 0xFF]
        var accepted = 0
        for _ in 0..<300 {
            var bytes = JSONWriter.bytes(randomValue(&rng, depth: 0))
            mutate(&bytes, with: alphabet, using: &rng)
            do {
                let value = try JSONParser.parse(bytes)
                accepted += 1
                // Whatever is accepted writes back to something that parses to the same value.
                #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value)
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count)
            }
        }
        #expect(accepted > 0)
    }

    @Test func everyPrefixOfADocumentIsRejectedAsUnexpectedEnd() throws {
        let document = Array(#"{"a":[1,-2.5e3,"x\u00e9\ud83d\ude00",true,false,null,{}],"b":{"c":[]}}"#.utf8)
        for length in 0..<document.count {
            let error = try #require(throws: JSONError.self) { try JSONParser.parse(document[..<length]) }
            // A prefix ending inside a number can be a complete (shorter) number followed by nothing;
            // all other truncations report the end of input.
            #expect(error.code == .unexpectedEnd || error.code == .invalidNumber, "prefix \(length)")
            #expect(error.offset <= length)
        }
        #expect(try JSONParser.parse(document[...]).objectValue?.count == 2)
    }
}
