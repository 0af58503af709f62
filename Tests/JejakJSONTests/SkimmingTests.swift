import Testing

@testable import JejakJSON

/// The skimmer (``JSONParser/validate(_:maximumDepth:)``, ``JSONParser/skimObject(_:maximumDepth:)``)
/// must accept exactly what the parser accepts and refuse the rest with the parser's error.
@Suite("Skimming")
struct SkimmingTests {
    /// Parses and skims `bytes`; checks that both agree and returns whether it was accepted.
    @discardableResult
    func agree(_ bytes: [UInt8], maximumDepth: Int = JSONParser.defaultMaximumDepth,
               sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        bytes.withUnsafeBytes { buffer in
            let parsed = Result { () throws(JSONError) -> JSONValue in try JSONParser.parse(buffer, maximumDepth: maximumDepth) }
            let validated = Result { () throws(JSONError) in try JSONParser.validate(buffer, maximumDepth: maximumDepth) }
            let skimmed = Result { () throws(JSONError) -> [JSONParser.SkimmedMember] in
                try JSONParser.skimObject(buffer, maximumDepth: maximumDepth)
            }
            let string = Result { () throws(JSONError) -> String? in try JSONParser.parseString(buffer, maximumDepth: maximumDepth) }
            let withString = Result { () throws(JSONError) -> (String, Bool)? in
                try JSONParser.withString(buffer, maximumDepth: maximumDepth) { utf8, inDocument in
                    (String(decoding: utf8, as: UTF8.self), inDocument)
                }
            }
            var visited: [JSONParser.SkimmedMember] = []
            let visiting = Result { () throws(JSONError) -> [JSONParser.SkimmedMember]? in
                try JSONParser.skimObject(buffer, expanding: "a", maximumDepth: maximumDepth) { visited.append($0) }
            }
            switch parsed {
            case .failure(let error):
                #expect(throws: error, sourceLocation: sourceLocation) { try validated.get() }
                #expect(throws: error, sourceLocation: sourceLocation) { try skimmed.get() }
                #expect(throws: error, sourceLocation: sourceLocation) { try string.get() }
                #expect(throws: error, sourceLocation: sourceLocation) { try withString.get() }
                #expect(throws: error, sourceLocation: sourceLocation) { try visiting.get() }
                return false
            case .success(let value):
                #expect(throws: Never.self, sourceLocation: sourceLocation) { try validated.get() }
                if case .string(let text) = value {
                    #expect((try? string.get()) == text, sourceLocation: sourceLocation)
                    let direct = (try? withString.get()) ?? nil
                    #expect(direct?.0 == text, sourceLocation: sourceLocation)
                    // The document's own bytes exactly when the string has no escapes.
                    #expect(direct?.1 == !bytes.contains(UInt8(ascii: "\\")), sourceLocation: sourceLocation)
                } else {
                    #expect((try? string.get()) == .some(nil), sourceLocation: sourceLocation)
                    if case .success(let result) = withString {
                        #expect(result == nil, sourceLocation: sourceLocation)
                    } else {
                        Issue.record("withString refuses a valid document", sourceLocation: sourceLocation)
                    }
                }
                #expect((try? JSONWriter.compactString(of: buffer)) == JSONWriter.string(value), sourceLocation: sourceLocation)
                let compactBytes = try? JSONWriter.withCompactForm(of: buffer) { Array($0) }
                #expect(compactBytes == JSONWriter.bytes(value), sourceLocation: sourceLocation)
                let checkedBytes = try? JSONWriter.withCompactForm(ofChecked: buffer) { Array($0) }
                #expect(checkedBytes == JSONWriter.bytes(value), sourceLocation: sourceLocation)
                guard case .object(let object) = value else {
                    let error = #expect(throws: JSONError.self, sourceLocation: sourceLocation) { try skimmed.get() }
                    #expect(error?.code == .notAnObject, sourceLocation: sourceLocation)
                    return true
                }
                guard case .success(let members) = skimmed else {
                    Issue.record("an object the parser accepts is refused by skimObject", sourceLocation: sourceLocation)
                    return true
                }
                #expect(members.map(\.name) == object.map(\.key), sourceLocation: sourceLocation)
                // Handed one by one, the same members in the same order, with the same expansion.
                #expect(visited.map(\.name) == members.map(\.name), sourceLocation: sourceLocation)
                #expect(visited.map(\.value) == members.map(\.value), sourceLocation: sourceLocation)
                let expandedA = try? JSONParser.skimObject(buffer, expanding: "a").expanded
                #expect((try? visiting.get())??.map(\.value) == expandedA?.map(\.value), sourceLocation: sourceLocation)
                for (member, (_, expected)) in zip(members, object) {
                    let value = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: buffer[member.value]))
                    #expect(value == expected, sourceLocation: sourceLocation)
                }
                // Expanding a member: the object members of its value, in the same pass.
                for (name, expected) in object {
                    let expanded = try? JSONParser.skimObject(buffer, expanding: name)
                    #expect(expanded?.members.map(\.name) == members.map(\.name), sourceLocation: sourceLocation)
                    guard case .object(let inner) = expected else {
                        #expect(expanded.map { $0.expanded == nil } == true, sourceLocation: sourceLocation)
                        continue
                    }
                    let nested = expanded?.expanded ?? []
                    #expect(nested.map(\.name) == inner.map(\.key), sourceLocation: sourceLocation)
                    for (member, (_, value)) in zip(nested, inner) {
                        let parsed = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: buffer[member.value]))
                        #expect(parsed == value, sourceLocation: sourceLocation)
                    }
                }
                return true
            }
        }
    }

    @Test func randomAndMutatedDocumentsAreJudgedAlike() {
        var rng = SplitMix64(state: 4242)
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \tnulltruefalse\u"#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xED, 0xF4, 0xFF]
        var accepted = 0, refused = 0
        for round in 0..<3000 {
            var bytes = JSONWriter.bytes(randomValue(&rng, depth: 0))
            if round % 3 == 0, !bytes.isEmpty {
                // Whitespace where a pretty printer would put it (and sometimes inside strings).
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes.insert([0x20, 0x0A, 0x09, 0x0D][Int.random(in: 0..<4, using: &rng)],
                                 at: Int.random(in: 0...bytes.count, using: &rng))
                }
            }
            if round % 3 == 1 { mutate(&bytes, with: alphabet, using: &rng) }
            if agree(bytes) { accepted += 1 } else { refused += 1 }
        }
        #expect(accepted > 1000 && refused > 200)
    }

    @Test func duplicateNamesAreRefusedAsByTheParser() {
        let long = String(repeating: "x", count: 20)
        let documents = [
            #"{"a":1,"a":2}"#, #"{"a":1,"b":{"c":1,"c":2}}"#, #"{"\#(long)":1,"\#(long)":2}"#,
            #"{"\#(long)a":1,"\#(long)b":2}"#,  // same print, different names
            #"{"a":1,"\u0061":2}"#, #"{"\u0061":1,"a":2}"#, #"{"é":1,"\u00e9":2}"#, #"{"\u00e9":1,"\u00e8":2}"#,
            #"[{"k":[{"k":1,"k":2}]}]"#, #"{"":1,"":2}"#, #"{"":1," ":2}"#,
        ]
        var refused = 0
        for document in documents where !agree(Array(document.utf8)) { refused += 1 }
        #expect(refused == 8)
        // Objects beyond the pairwise limit: the full parser decides.
        for duplicate in [false, true] {
            let names = (0..<40).map { "m\($0)" } + (duplicate ? ["m3"] : [])
            let document = "{" + names.map { "\"\($0)\":[\($0.count)]" }.joined(separator: ",") + "}"
            #expect(agree(Array(document.utf8)) == !duplicate)
        }
    }

    /// A reader's own refusal surfaces only for a valid document: an invalid one fails with the
    /// parser's error even if the reader refused one of its members first.
    @Test func aMemberRefusedByTheReaderYieldsToTheDocumentsOwnError() throws {
        let refusal = JSONError(code: .invalidString, offset: 0, message: "the reader refuses \"a\"")
        func skim(_ text: String) throws(JSONError) {
            var text = text
            let result = text.withUTF8 { utf8 in
                Result { () throws(JSONError) in
                    _ = try JSONParser.skimObject(UnsafeRawBufferPointer(utf8), expanding: "data") { member throws(JSONError) in
                        if member.name == "a" { throw refusal }
                    }
                }
            }
            try result.get()
        }
        #expect(throws: refusal) { try skim(#"{"a":1,"data":{"b":2}}"#) }
        #expect(throws: Never.self) { try skim(#"{"b":1,"data":{"a":2}}"#) }
        let invalid = #"{"a":1,"b":}"#
        let expected = try #require(throws: JSONError.self) { _ = try JSONParser.parse(Array(invalid.utf8)) }
        #expect(expected != refusal)
        #expect(throws: expected) { try skim(invalid) }
    }

    @Test func depthLimitsAndEndsAreJudgedAlike() {
        let deep = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(agree(Array(deep.utf8), maximumDepth: 10))
        #expect(!agree(Array(deep.utf8), maximumDepth: 9))
        let document = Array(#"{"a":[1,-2.5e3,"x\u00e9\ud83d\ude00",true,false,null,{}],"b":{"c":[]}}"#.utf8)
        for length in 0...document.count { agree(Array(document[..<length])) }
        for text in ["", " ", "{} x", "01", "[1,]", "{\"a\" 1}", "\"\\ud800\"", "nul", "{\"a\":1,}"] {
            #expect(!agree(Array(text.utf8)), "\(text)")
        }
    }

    @Test func compactStringKeepsCompactInputAndRewritesTheRest() throws {
        func compact(_ text: String) throws -> String {
            var text = text
            return try text.withUTF8 { try JSONWriter.compactString(of: UnsafeRawBufferPointer($0)) }
        }
        #expect(try compact(#"[{"name":"a b.pdf","size":10}]"#) == #"[{"name":"a b.pdf","size":10}]"#)
        #expect(try compact("[ {\"name\" : \"a\\u0062\",\n\"size\":1e3 } ]") == #"[{"name":"ab","size":1e3}]"#)
        #expect(throws: JSONError.self) { try compact(#"[{"name":"a"}"#) }
        #expect(throws: JSONError.self) { try compact(#"{"a":1,"a":2}"#) }
    }
}
