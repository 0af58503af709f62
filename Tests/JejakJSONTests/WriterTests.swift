import Testing

@testable import JejakJSON

/// Compact documents whose escapes are in the writer's canonical form, so writing their parse
/// reproduces them byte for byte.
private let compactDocuments: [String] = [
    "null", "true", "false", "0", "-0", "1.50", "-1.25E+07", "123456789012345678901234567890",
    #""""#, #""plain""#, #""esc\"\\\b\f\n\r\t\u0000\u001f/""#, "\"é€😀\u{7F}\u{2028}\"",
    "[]", "{}", "[[],{},[[]]]", #"[1,"a",null,true,false,{"k":[]}]"#,
    #"{"z":1,"a":2,"":{"":""}}"#,
    #"{"payloadType":"application/cloudevents+json","payload":"eyJzcGVjdmVyc2lvbiI6IjEuMCJ9","signatures":[{"keyid":"unit-17+1a2b3c4d","sig":"MEUCIQ=="}]}"#,
    #"{"appended":"2026-03-14T09:26:53.589Z","envelope":{"payloadType":"application/cloudevents+json","payload":"e30=","signatures":[]}}"#,
    #"{"specversion":"1.0","id":"01JQ7Z3K8R5V2N4M6P8T0W2Y4A","source":"unit/customs-office-17","type":"exchange.declaration.submitted","subject":"exchange/2026-000123","time":"2026-03-14T09:26:53.589Z","datacontenttype":"application/json","data":{"amount":{"value":"12500000.50","currency":"IDR"},"items":[{"qty":12,"unitPrice":1041666.7},{"qty":3,"unitPrice":-0.5e-3}],"urgent":false,"note":null}}"#,
    // JSON-Schema-Test-Suite-shaped documents.
    #"[{"description":"const with {\"a\": false} does not match {\"a\": 0}","schema":{"$schema":"https://json-schema.org/draft/2020-12/schema","const":{"a":false}},"tests":[{"description":"{\"a\": false} is valid","data":{"a":false},"valid":true},{"description":"{\"a\": 0} is invalid","data":{"a":0},"valid":false}]}]"#,
    #"[{"description":"float and integers are equal up to 64-bit representation limits","schema":{"const":9007199254740992},"tests":[{"description":"float minus one is invalid","data":9007199254740991.0,"valid":false}]}]"#,
    #"{"$defs":{"node":{"type":"object","properties":{"value":{"type":"number"},"subtree":{"$ref":"tree"}},"required":["value"]}},"patternProperties":{"^á":{"type":"string"},"\\p{L}":true}}"#,
]

@Suite("Writing")
struct WriterTests {
    @Test(arguments: compactDocuments)
    func compactDocumentRoundTripsExactly(_ document: String) throws {
        let bytes = Array(document.utf8)
        let value = try JSONParser.parse(bytes)
        #expect(JSONWriter.bytes(value) == bytes)
        #expect(value.description == document)
        // Parsing the written bytes gives the same value again.
        #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value)
    }

    @Test func prettyDocumentsBecomeCompact() throws {
        let pretty = """
            {
              "a" : [ 1, 2.0 , { } ],\r
            \t"b":"\\u0041\\/\\u00e9\\ud83d\\ude00"
            }

            """
        let value = try JSONParser.parse(pretty)
        #expect(JSONWriter.string(value) == #"{"a":[1,2.0,{}],"b":"A/é😀"}"#)
        #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value)
    }

    @Test func stringEscaping() {
        func written(_ s: String) -> String {
            var out: [UInt8] = []
            JSONWriter.appendString(s, into: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(written("") == #""""#)
        #expect(written("abc") == #""abc""#)
        #expect(written("a\"b\\c") == #""a\"b\\c""#)
        #expect(written("\n\t\r\u{8}\u{C}") == #""\n\t\r\b\f""#)
        #expect(written("\u{0}\u{1}\u{1F}\u{1B}") == #""\u0000\u0001\u001f\u001b""#)
        #expect(written("/\u{7F}é€😀") == "\"/\u{7F}é€😀\"")
        #expect(written("e\u{301}") == "\"e\u{301}\"")
        // Appends, leaving earlier bytes alone.
        var out: [UInt8] = Array("x".utf8)
        JSONWriter.appendString("\"", into: &out)
        #expect(out == Array(#"x"\"""#.utf8))
        // Every code point below 0x80 survives a round trip.
        let all = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        var buffer: [UInt8] = []
        JSONWriter.appendString(all, into: &buffer)
        #expect((try? JSONParser.parse(buffer)) == .string(all))
    }

    @Test func writesConstructedValues() {
        var object = JSONObject()
        object["b"] = [1, "x", nil, true]
        object["a"] = ["n": 1.5]
        let value: JSONValue = ["first": .object(object), "big": .number(JSONNumber(Int64.min))]
        #expect(JSONWriter.string(value) == #"{"first":{"b":[1,"x",null,true],"a":{"n":1.5}},"big":-9223372036854775808}"#)
        var out: [UInt8] = [0x20]
        JSONWriter.write(false, into: &out)
        #expect(out == Array(" false".utf8))
    }
}
