import Testing

@testable import JejakJSON

private func parse(_ text: String) throws -> JSONValue {
    try JSONParser.parse(text)
}

@Suite("Values and objects")
struct ValueTests {
    @Test func accessors() throws {
        let value = try parse(#"{"o":{},"a":[1],"s":"x","b":true,"n":2.5,"z":null}"#)
        #expect(value["o"]?.objectValue == JSONObject())
        #expect(value["a"]?.arrayValue == [1])
        #expect(value["s"]?.stringValue == "x")
        #expect(value["b"]?.boolValue == true)
        #expect(value["n"]?.numberValue?.text == "2.5")
        #expect(value["n"]?.doubleValue == 2.5)
        #expect(value["n"]?.int64Value == nil)
        #expect(value["a"]?[0]?.int64Value == 1)
        #expect(value["a"]?[1] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["z"]?.isNull == true)
        #expect(value["s"]?.objectValue == nil)
        #expect(value["s"]?["k"] == nil)
        #expect(value["s"]?[0] == nil)
        #expect(value["o"]?.arrayValue == nil)
        #expect(value["b"]?.stringValue == nil)
        #expect(value["s"]?.boolValue == nil)
        #expect(value["s"]?.numberValue == nil)
        #expect(value["s"]?.isNull == false)
        #expect(["null", "boolean", "number", "string", "array", "object"]
            == [JSONValue.null, true, 1, "", [], [:]].map(\.typeName))
    }

    @Test func equalityIsAsParsed() throws {
        #expect(try parse(#"{"a":1,"b":2}"#) != parse(#"{"b":2,"a":1}"#))
        #expect(try parse("1") != parse("1.0"))
        #expect(try parse("[1, 2]") == parse("[1,2]"))
        let set: Set<JSONValue> = [try parse(#"{"a":[1,{"b":null}]}"#), try parse(#"{ "a" : [ 1 , { "b" : null } ] }"#)]
        #expect(set.count == 1)
        #expect(JSONValue.null != false)
        #expect(JSONValue.string("1") != 1)
    }

    @Test func schemaEquality() throws {
        let pairs: [(String, String, Bool)] = [
            ("1", "1.0", true),
            ("[1,2.0]", "[1.0,2]", true),
            (#"{"a":1,"b":[{"c":0}]}"#, #"{"b":[{"c":-0.0}],"a":1e0}"#, true),
            (#"{"a":1}"#, #"{"a":1,"b":2}"#, false),
            (#"{"a":1,"b":2}"#, #"{"a":1,"c":2}"#, false),
            ("[1,2]", "[2,1]", false),
            ("[1]", "[1,1]", false),
            ("1", "true", false),
            ("0", "false", false),
            ("null", "null", true),
            (#""a""#, #""\u0061""#, true),
            (#""a""#, #""A""#, false),
            ("{}", "[]", false),
        ]
        for (a, b, expected) in pairs {
            let x = try parse(a)
            let y = try parse(b)
            #expect(x.schemaEquals(y) == expected, "\(a) vs \(b)")
            #expect(y.schemaEquals(x) == expected, "\(b) vs \(a)")
            if expected {
                #expect(JSONSchemaKey(x) == JSONSchemaKey(y))
                #expect(JSONSchemaKey(x).hashValue == JSONSchemaKey(y).hashValue, "\(a) vs \(b)")
            }
        }
        let unique = Set(try ["1", "1.0", "10e-1", "2", #"{"a":1,"b":2}"#, #"{"b":2.0,"a":1}"#].map { JSONSchemaKey(try parse($0)) })
        #expect(unique.count == 3)
    }

    @Test func objectMutation() throws {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 10
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 10)
        object["c"] = 3
        #expect(object.keys == ["a", "b", "c"])
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object.removeValue(forKey: "a") == 10)
        #expect(object.removeValue(forKey: "a") == nil)
        #expect(object.keys == ["c"])
        #expect(object.values == [3])
        #expect(object.contains(key: "c"))
        #expect(!object.contains(key: "a"))
        #expect(!object.isEmpty)
        #expect(object.description == #"{"c":3}"#)
        #expect(JSONObject(members: [(key: "x", value: 1), (key: "x", value: 2)]) == nil)
        #expect(JSONObject(members: [(key: "x", value: 1), (key: "y", value: 2)])?.keys == ["x", "y"])
    }

    @Test func objectIsARandomAccessCollection() throws {
        let object = try #require(try parse(#"{"b":1,"a":[true],"c":"x"}"#).objectValue)
        #expect(object[0].key == "b")
        #expect(object[1].value == [true])
        #expect(object.first?.key == "b")
        #expect(object.last?.value == "x")
        #expect(object.map(\.key) == ["b", "a", "c"])
        #expect(object.members.map(\.key) == ["b", "a", "c"])
        #expect(object.members.map(\.value) == object.values)
        #expect(object.indices == 0..<3)
        var seen: [String] = []
        for (key, _) in object { seen.append(key) }
        #expect(seen == object.keys)
        #expect(object.position(of: "c") == 2)
        #expect(object.position(of: "z") == nil)
    }

    @Test func largeObjectIndexStaysConsistent() throws {
        var object = JSONObject()
        for k in 0..<40 { object["k\(k)"] = .number(JSONNumber(k)) }
        #expect(object.count == 40)
        #expect(object.position(of: "k39") == 39)
        object["k5"] = nil
        object["k0"] = nil
        #expect(object.count == 38)
        #expect(object["k0"] == nil)
        #expect(object["k6"] == 6)
        #expect(object.position(of: "k6") == 4)
        #expect(object.position(of: "k39") == 37)
        object["k5"] = "back"
        #expect(object.keys.last == "k5")
        #expect(object["k5"] == "back")
        while object.count > 3 { object.removeValue(forKey: object.keys[0]) }
        #expect(object.keys == ["k38", "k39", "k5"])
        #expect(object["k39"] == 39)
        // A parsed large object equals a built one with the same members in order.
        let text = "{" + (0..<20).map { #""m\#($0)":\#($0)"# }.joined(separator: ",") + "}"
        var built = JSONObject()
        for k in 0..<20 { built["m\(k)"] = .number(JSONNumber(k)) }
        #expect(try parse(text) == .object(built))
        #expect(try parse(text).hashValue == JSONValue.object(built).hashValue)
    }

    @Test func sendableAcrossTasks() async throws {
        let value = try parse(#"{"a":[1,2,3]}"#)
        let count = await Task.detached { value["a"]?.arrayValue?.count ?? 0 }.value
        #expect(count == 3)
    }
}
