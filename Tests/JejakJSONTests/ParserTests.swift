import Testing

@testable import JejakJSON

private func parse(_ text: String) throws(JSONError) -> JSONValue {
    try JSONParser.parse(Array(text.utf8))
}

private func parseError(_ bytes: [UInt8], maximumDepth: Int = JSONParser.defaultMaximumDepth) -> JSONError? {
    do {
        _ = try JSONParser.parse(bytes, maximumDepth: maximumDepth)
        return nil
    } catch {
        return error
    }
}

/// `name` with its first character written as a `\\u` escape (or `name` itself when empty or already escaped).
private func escapedSpelling(_ name: String) -> String {
    guard let first = name.unicodeScalars.first, !name.hasPrefix("\\"), first.value < 0x10000 else { return name }
    let hex = String(first.value, radix: 16)
    return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex + String(name.unicodeScalars.dropFirst())
}

private let cloudEvent = """
    {"specversion":"1.0","id":"01JQ7Z3K8R5V2N4M6P8T0W2Y4A","source":"unit/customs-office-17",\
    "type":"exchange.declaration.submitted","subject":"exchange/2026-000123",\
    "time":"2026-03-14T09:26:53.589Z","datacontenttype":"application/json",\
    "dataschema":"https://schemas.example.org/exchange/declaration-submitted/v3.json",\
    "data":{"declarationId":"D-2026-000123","declarant":{"name":"PT Contoh Sejahtera","npwp":\
    "01.234.567.8-901.000"},"amount":{"value":"12500000.50","currency":"IDR"},"items":[{"hs":\
    "8471.30.10","qty":12,"unitPrice":1041666.7},{"hs":"8528.52.00","qty":3,"unitPrice":-0.5e-3}],\
    "urgent":false,"note":null,"tags":["pilot","\\u00e9t\\u00e9 \\"q\\"\\n"]}}
    """

@Suite("Parsing")
struct ParserTests {
    @Test func scalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse(" \t\r\n 42 \n") == .number(JSONNumber(42)))
        #expect(try parse("\"hi\"") == .string("hi"))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object(JSONObject()))
        #expect(try parse("[ 1 , [ ] , { } ]") == [1, [], [:]])
    }

    @Test func objectsKeepDocumentOrder() throws {
        let value = try parse(#"{"z":1,"a":2,"m":{"y":true,"b":null}}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["z", "a", "m"])
        #expect(object.count == 3)
        #expect(object["a"] == 2)
        #expect(object["missing"] == nil)
        #expect(value["m"]?["y"] == true)
        #expect(value["m"]?.objectValue?.keys == ["y", "b"])
        #expect(Array(object).map(\.key) == ["z", "a", "m"])
    }

    @Test func cloudEventDocument() throws {
        let value = try parse(cloudEvent)
        #expect(value["specversion"]?.stringValue == "1.0")
        #expect(value["data"]?["declarant"]?["name"]?.stringValue == "PT Contoh Sejahtera")
        #expect(value["data"]?["items"]?[1]?["qty"]?.int64Value == 3)
        #expect(value["data"]?["items"]?[1]?["unitPrice"]?.doubleValue == -0.0005)
        #expect(value["data"]?["tags"]?[1]?.stringValue == "été \"q\"\n")
        #expect(value["data"]?["note"]?.isNull == true)
        #expect(value["data"]?["urgent"]?.boolValue == false)
        #expect(value["data"]?["items"]?[2] == nil)
        #expect(value.typeName == "object")
    }

    @Test func inputRepresentations() throws {
        let text = #"{"a":[1,"x"]}"#
        let expected: JSONValue = ["a": [1, "x"]]
        #expect(try JSONParser.parse(text) == expected)
        #expect(try JSONParser.parse(text.utf8) == expected)
        #expect(try JSONParser.parse(Array(text.utf8)) == expected)
        let padded = Array("xx\(text)yy".utf8)
        #expect(try JSONParser.parse(padded[2..<(padded.count - 2)]) == expected)
        // A non-contiguous collection is copied first.
        #expect(try JSONParser.parse(text.utf8.lazy.map { $0 }) == expected)
        let bytes = Array(text.utf8)
        let fromRaw = try bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try JSONParser.parse(buffer) }
        }.get()
        #expect(fromRaw == expected)
    }

    @Test func unicodeEscapes() throws {
        #expect(try parse(#""\u00e9\u00E9""#) == .string("éé"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""\uD834\uDD1E clef""#) == .string("𝄞 clef"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try parse(#""\u20ac\u0041\u007f""#) == .string("€A\u{7F}"))
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""a\nb""#) == .string("a\nb"))
        #expect(try parse(#""\uffff\ufdd0""#) == .string(String(decoding: [0xEF, 0xBF, 0xBF, 0xEF, 0xB7, 0x90], as: UTF8.self)))
        // Raw UTF-8 of every length, including the extremes of Table 3-7.
        #expect(try parse("\"é€😀\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{10FFFF}\"")
            == .string("é€😀\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{10FFFF}"))
        // Escaped and raw spellings of the same key are the same key.
        #expect(parseError(Array(#"{"é":1,"\u00e9":2}"#.utf8))?.code == .duplicateKey)
        // Escaped strings after an escape-free one reuse the scratch buffer correctly.
        #expect(try parse(#"["\u0041bc","plain","x\ty\u00e9", "\\"]"#) == ["Abc", "plain", "x\ty\u{E9}", "\\"])
    }

    @Test func stringsAreComparedByCodePointsNotCanonicalEquivalence() throws {
        let composed = try parse(#""\u00e9""#)
        let decomposed = try parse(#""e\u0301""#)
        #expect(composed != decomposed)
        #expect(!composed.schemaEquals(decomposed))
        #expect(Set([composed, decomposed]).count == 2)
        // Canonically equivalent but different names are distinct members.
        let object = try #require(try parse(#"{"\u00e9":1,"e\u0301":2}"#).objectValue)
        #expect(object.count == 2)
        #expect(object["\u{E9}"] == 1)
        #expect(object["e\u{301}"] == 2)
    }

    @Test func nestingLimit() throws {
        let ok = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(try parse(ok).arrayValue != nil)
        let deep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        let error = try #require(parseError(Array(deep.utf8)))
        #expect(error.code == .tooDeep)
        #expect(error.offset == 128)
        let objects = String(repeating: #"{"a":"#, count: 129) + "1" + String(repeating: "}", count: 129)
        #expect(parseError(Array(objects.utf8))?.code == .tooDeep)
        #expect(parseError(Array("[[[1]]]".utf8), maximumDepth: 2)?.code == .tooDeep)
        #expect(parseError(Array("[[1]]".utf8), maximumDepth: 2) == nil)
        #expect(parseError(Array("1".utf8), maximumDepth: 0) == nil)
        // Depth is nesting, not count: many siblings are fine.
        let wide = "[" + Array(repeating: "[[]]", count: 1000).joined(separator: ",") + "]"
        #expect(try parse(wide).arrayValue?.count == 1000)
        // A huge depth must not crash (stops at the limit).
        let huge = String(repeating: "[", count: 100_000)
        #expect(parseError(Array(huge.utf8))?.code == .tooDeep)
    }

    @Test func duplicateKeys() throws {
        let error = try #require(parseError(Array(#"{"a":1,"b":2,"a":3}"#.utf8)))
        #expect(error.code == .duplicateKey)
        #expect(error.offset == 13)
        #expect(parseError(Array(#"{"a":{"x":1,"x":1}}"#.utf8))?.offset == 12)
        // Same names in different objects are fine.
        #expect(parseError(Array(#"[{"a":1},{"a":2},{"b":{"a":3}}]"#.utf8)) == nil)
        // Large objects use the hash index; duplicates are still found anywhere.
        for count in [15, 16, 17, 40] {
            let members = (0..<count).map { #""k\#($0)":\#($0)"# }
            let object = try #require(try parse("{" + members.joined(separator: ",") + "}").objectValue)
            #expect(object.count == count)
            for k in 0..<count { #expect(object["k\(k)"]?.int64Value == Int64(k)) }
            #expect(object["k\(count)"] == nil)
            for dup in [0, count / 2, count - 1] {
                let text = "{" + (members + [#""k\#(dup)":0"#]).joined(separator: ",") + "}"
                let error = try #require(parseError(Array(text.utf8)))
                #expect(error.code == .duplicateKey)
                #expect(error.offset == text.utf8.count - 6 - String(dup).utf8.count)
            }
        }
    }

    @Test func duplicateKeysOfEveryLengthAndSpelling() throws {
        // Names that share prefixes, differ only after 16 bytes, or sit at the end of the input
        // (where fewer than 16 bytes can be read past them).
        let names = [
            "", "a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmno", "abcdefghijklmnop",
            "abcdefghijklmnopq", "abcdefghijklmnopr", "abcdefghijklmnopqrstuvwxyz0123456789",
            "abcdefghijklmnopqrstuvwxyz0123456788", "é", "日本語のキー", #"a\u0000"#, #"a\u0000b"#,
        ]
        let distinct = "{" + names.map { #""\#($0)":0"# }.joined(separator: ",") + "}"
        #expect(try parse(distinct).objectValue?.count == names.count)
        for name in names {
            for other in [name, escapedSpelling(name)] {
                let text = #"{"\#(name)":1,"x":2,"\#(other)":3}"#
                let error = try #require(parseError(Array(text.utf8)), "\(text)")
                #expect(error.code == .duplicateKey, "\(text)")
                let short = #"{"\#(other)":1,"\#(name)":2}"#
                #expect(parseError(Array(short.utf8))?.code == .duplicateKey, "\(short)")
            }
        }
        #expect(parseError(Array(#"{"abcdefghijklmnopq":1,"abcdefghijklmnopr":2}"#.utf8)) == nil)
        #expect(parseError(Array(#"{"a":1,"a\u0000":2}"#.utf8)) == nil)
    }

    @Test func veryLongAndEmptyStrings() throws {
        let long = String(repeating: "abcdéfgh", count: 5000)
        #expect(try parse("\"\(long)\"") == .string(long))
        #expect(try parse(#""""#) == .string(""))
        #expect(try parse(#"{"":""}"#)[""] == "")
    }
}

/// One rejected document: its bytes, the expected error code and offset.
struct Rejection: CustomTestStringConvertible, Sendable {
    let bytes: [UInt8]
    let code: JSONError.Code
    let offset: Int

    init(_ text: String, _ code: JSONError.Code, _ offset: Int) {
        self.init(Array(text.utf8), code, offset)
    }

    init(_ bytes: [UInt8], _ code: JSONError.Code, _ offset: Int) {
        self.bytes = bytes
        self.code = code
        self.offset = offset
    }

    var testDescription: String { "\(bytes.map { $0 < 0x20 || $0 >= 0x7F ? "·" : String(UnicodeScalar($0)) }.joined())" }
}

private let q: UInt8 = 0x22

private let rejections: [Rejection] = [
    // Empty, structure
    Rejection("", .unexpectedEnd, 0),
    Rejection("   ", .unexpectedEnd, 3),
    Rejection("[", .unexpectedEnd, 1),
    Rejection("[1", .unexpectedEnd, 2),
    Rejection("[1,", .unexpectedEnd, 3),
    Rejection("{", .unexpectedEnd, 1),
    Rejection(#"{"a""#, .unexpectedEnd, 4),
    Rejection(#"{"a":"#, .unexpectedEnd, 5),
    Rejection(#"{"a":1"#, .unexpectedEnd, 6),
    Rejection("[1 2]", .unexpectedCharacter, 3),
    Rejection(#"{"a" 1}"#, .unexpectedCharacter, 5),
    Rejection(#"{"a":1 "b":2}"#, .unexpectedCharacter, 7),
    Rejection("{1:2}", .unexpectedCharacter, 1),
    Rejection("{'a':1}", .unexpectedCharacter, 1),
    Rejection("{a:1}", .unexpectedCharacter, 1),
    Rejection("]", .unexpectedCharacter, 0),
    Rejection("[1]]", .trailingData, 3),
    // Trailing commas
    Rejection("[1,]", .unexpectedCharacter, 3),
    Rejection(#"{"a":1,}"#, .unexpectedCharacter, 7),
    Rejection("[,1]", .unexpectedCharacter, 1),
    Rejection("[1,,2]", .unexpectedCharacter, 3),
    // Comments
    Rejection("[1 // c\n]", .unexpectedCharacter, 3),
    Rejection("/* c */ 1", .unexpectedCharacter, 0),
    Rejection("1 # c", .trailingData, 2),
    // Literals
    Rejection("tru", .unexpectedEnd, 3),
    Rejection("trUe", .unexpectedCharacter, 2),
    Rejection("nul", .unexpectedEnd, 3),
    Rejection("True", .unexpectedCharacter, 0),
    Rejection("nulll", .trailingData, 4),
    Rejection("undefined", .unexpectedCharacter, 0),
    // Numbers
    Rejection("01", .invalidNumber, 1),
    Rejection("-01", .invalidNumber, 2),
    Rejection("00", .invalidNumber, 1),
    Rejection("+1", .unexpectedCharacter, 0),
    Rejection(".5", .unexpectedCharacter, 0),
    Rejection("1.", .invalidNumber, 2),
    Rejection("[1.]", .invalidNumber, 3),
    Rejection("1.e3", .invalidNumber, 2),
    Rejection("1e", .invalidNumber, 2),
    Rejection("1e+", .invalidNumber, 3),
    Rejection("1E-x", .invalidNumber, 3),
    Rejection("-", .invalidNumber, 1),
    Rejection("-a", .invalidNumber, 1),
    Rejection("- 1", .invalidNumber, 1),
    Rejection("NaN", .unexpectedCharacter, 0),
    Rejection("Infinity", .unexpectedCharacter, 0),
    Rejection("-Infinity", .invalidNumber, 1),
    Rejection("[NaN]", .unexpectedCharacter, 1),
    Rejection("0x10", .trailingData, 1),
    Rejection("1.5.2", .trailingData, 3),
    Rejection("1e5e5", .trailingData, 3),
    // Whitespace other than RFC 8259's four
    Rejection("\u{0C}1", .unexpectedCharacter, 0),
    Rejection("[1,\u{0B}2]", .unexpectedCharacter, 3),
    Rejection("\u{A0}1", .unexpectedCharacter, 0),
    Rejection([0xEF, 0xBB, 0xBF, 0x31], .unexpectedCharacter, 0),  // byte-order mark
    Rejection([0x31, 0x00], .trailingData, 1),
    // Strings: control characters, escapes, termination
    Rejection("\"a\tb\"", .invalidString, 2),
    Rejection("\"\u{01}\"", .invalidString, 1),
    Rejection("\"a\nb\"", .invalidString, 2),
    Rejection([q, 0x00, q], .invalidString, 1),
    Rejection([q, 0x1F, q], .invalidString, 1),
    Rejection(#""\x""#, .invalidString, 1),
    Rejection(#""ab\'""#, .invalidString, 3),
    Rejection(#""\U0041""#, .invalidString, 1),
    Rejection(#""\u12G4""#, .invalidString, 5),
    Rejection(#""\u12""#, .invalidString, 5),
    Rejection(#""\u12"#, .unexpectedEnd, 5),
    Rejection(#""abc"#, .unexpectedEnd, 4),
    Rejection(#""abc\"#, .unexpectedEnd, 5),
    Rejection(#""é\u00e9"#, .unexpectedEnd, 9),
    Rejection("\"\t", .invalidString, 1),
    // Lone surrogate escapes
    Rejection(#""\ud800""#, .invalidString, 1),
    Rejection(#""\udc00""#, .invalidString, 1),
    Rejection(#""\uDFFF\uD800""#, .invalidString, 1),
    Rejection(#""x\ud800\u0041""#, .invalidString, 2),
    Rejection(#""\ud800\ud800""#, .invalidString, 1),
    Rejection(#""\ud800x""#, .invalidString, 1),
    Rejection(#""\ud800\n""#, .invalidString, 1),
    Rejection(#""\ud83d"#, .unexpectedEnd, 7),
    // Invalid UTF-8 in strings (offset of the sequence's lead byte)
    Rejection([q, 0xFF, q], .invalidString, 1),
    Rejection([q, 0x80, q], .invalidString, 1),
    Rejection([q, 0x61, 0xBF, q], .invalidString, 2),
    Rejection([q, 0xC0, 0xAF, q], .invalidString, 1),  // overlong '/'
    Rejection([q, 0xC1, 0xBF, q], .invalidString, 1),  // overlong
    Rejection([q, 0xE0, 0x80, 0xAF, q], .invalidString, 1),  // overlong
    Rejection([q, 0xF0, 0x80, 0x80, 0xAF, q], .invalidString, 1),  // overlong
    Rejection([q, 0xED, 0xA0, 0x80, q], .invalidString, 1),  // encoded surrogate U+D800
    Rejection([q, 0xED, 0xBF, 0xBF, q], .invalidString, 1),  // encoded surrogate U+DFFF
    Rejection([q, 0xF4, 0x90, 0x80, 0x80, q], .invalidString, 1),  // above U+10FFFF
    Rejection([q, 0xF5, 0x80, 0x80, 0x80, q], .invalidString, 1),
    Rejection([q, 0xE2, 0x82, q], .invalidString, 1),  // truncated
    Rejection([q, 0xC3, q], .invalidString, 1),  // truncated
    Rejection([q, 0x61, 0xE2, 0x82], .invalidString, 2),  // truncated by end of input
    Rejection([q, 0x5C, 0x6E, 0xC3, 0x28, q], .invalidString, 3),  // after an escape (slow path)
    Rejection([0x5B, 0xC3, 0xA9, 0x5D], .unexpectedCharacter, 1),  // non-ASCII outside a string
    Rejection([0x31, 0x20, 0xFF], .trailingData, 2),
    // Duplicates, trailing data
    Rejection(#"{"a":1,"a":1}"#, .duplicateKey, 7),
    Rejection(#"{"a":1,"\u0061":2}"#, .duplicateKey, 7),
    Rejection("1 2", .trailingData, 2),
    Rejection("{} x", .trailingData, 3),
    Rejection(#""a""b""#, .trailingData, 3),
]

@Suite("Rejections")
struct RejectionTests {
    @Test(arguments: rejections)
    func rejected(_ rejection: Rejection) throws {
        let error = try #require(parseError(rejection.bytes))
        #expect(error.code == rejection.code)
        #expect(error.offset == rejection.offset)
        #expect(!error.message.isEmpty)
        #expect(error.description.contains("at byte \(rejection.offset)"))
    }

    @Test func errorsHaveReadableDescriptions() throws {
        let error = try #require(parseError(Array("[1,]".utf8)))
        #expect(error.description == "JSON unexpectedCharacter at byte 3: unexpected ']', expected a value")
        let control = try #require(parseError([q, 0x01, q]))
        #expect(control.message.contains("0x01"))
    }
}
