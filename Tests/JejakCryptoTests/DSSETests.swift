import Foundation
import Testing

@testable import JejakCrypto

@Suite("DSSE envelopes")
struct DSSETests {
    @Test func paeOfTheSpecExample() {
        let pae = DSSEEnvelope.pae(payloadType: "http://example.com/HelloWorld", payload: Array("hello world".utf8))
        #expect(pae == Array("DSSEv1 29 http://example.com/HelloWorld 11 hello world".utf8))
        #expect(DSSEEnvelope.pae(payloadType: "", payload: [UInt8]()) == Array("DSSEv1 0  0 ".utf8))
        // Lengths count UTF-8 bytes, not characters.
        #expect(DSSEEnvelope.pae(payloadType: "é", payload: [UInt8](repeating: 0x61, count: 10))
            == Array("DSSEv1 2 é 10 aaaaaaaaaa".utf8))
    }

    @Test func signSerialiseParseVerify() throws {
        let unit = try SignerKey.generate(name: "kpu.go.id/biro-umum")
        let other = try SignerKey.generate(name: "kpu.go.id/pusdatin")
        let payload = Array(#"{"specversion":"1.0","id":"e-1"}"#.utf8)
        let envelope = DSSEEnvelope.sign(payload: payload, payloadType: "application/cloudevents+json", with: [unit])
        #expect(envelope.signatures.count == 1)
        #expect(envelope.signatures[0].keyid == unit.verifierKey.hint)
        #expect(envelope.verifySignature(at: 0, with: unit.verifierKey))

        let parsed = try DSSEEnvelope(json: envelope.jsonBytes())
        #expect(parsed == envelope)
        #expect(parsed.payload == payload)
        #expect(parsed.verifySignature(at: 0, with: unit.verifierKey))
        #expect(!parsed.verifySignature(at: 0, with: other.verifierKey))
        #expect(!parsed.verifySignature(at: 1, with: unit.verifierKey))
        #expect(!parsed.verifySignature(at: -1, with: unit.verifierKey))
        #expect(parsed.verifiedKeys([other.verifierKey, unit.verifierKey, unit.verifierKey]) == [unit.verifierKey])

        // The signature is over PAE, not the bare payload.
        #expect(unit.verifierKey.publicKey.isValidSignature(
            parsed.signatures[0].sig,
            for: DSSEEnvelope.pae(payloadType: "application/cloudevents+json", payload: payload)))
        #expect(!unit.verifierKey.publicKey.isValidSignature(parsed.signatures[0].sig, for: payload))

        // Payload and type are authenticated.
        var changedPayload = parsed
        changedPayload.payload[2] ^= 1
        #expect(!changedPayload.verifySignature(at: 0, with: unit.verifierKey))
        var changedType = parsed
        changedType.payloadType = "application/json"
        #expect(!changedType.verifySignature(at: 0, with: unit.verifierKey))
        #expect(changedType.verifiedKeys([unit.verifierKey]).isEmpty)
    }

    @Test func multipleSignersAndKeyidFiltering() throws {
        let a = try SignerKey.generate(name: "a.example")
        let b = try SignerKey.generate(name: "b.example")
        let c = try SignerKey.generate(name: "c.example")
        let env = DSSEEnvelope.sign(payload: [1, 2, 3], payloadType: "t", with: [a, b])
        #expect(env.signatures.map(\.keyid) == [a.verifierKey.hint, b.verifierKey.hint])
        #expect(env.verifiedKeys([c.verifierKey, b.verifierKey, a.verifierKey]) == [b.verifierKey, a.verifierKey])
        #expect(env.verifySignature(at: 1, with: b.verifierKey))
        // A wrong hint only hides a signature from the hint-based search.
        var wrongHint = env
        wrongHint.signatures[0].keyid = "someone-else"
        #expect(wrongHint.verifiedKeys([a.verifierKey]).isEmpty)
        #expect(wrongHint.verifySignature(at: 0, with: a.verifierKey))
        var noHint = env
        noHint.signatures[0].keyid = ""
        #expect(noHint.verifiedKeys([a.verifierKey]) == [a.verifierKey])
    }

    @Test func jsonMemberOrderIsExact() throws {
        let env = DSSEEnvelope(
            payloadType: "application/cloudevents+json", payload: Array("hello world".utf8),
            signatures: [DSSESignature(keyid: "u+0000abcd", sig: [0xfb, 0xff, 0xbf]), DSSESignature(sig: [1])])
        let json = String(decoding: env.jsonBytes(), as: UTF8.self)
        #expect(json == #"{"payloadType":"application/cloudevents+json","payload":"aGVsbG8gd29ybGQ=","signatures":[{"keyid":"u+0000abcd","sig":"+/+/"},{"keyid":"","sig":"AQ=="}]}"#)
        let none = DSSEEnvelope(payloadType: "t", payload: [], signatures: [])
        #expect(String(decoding: none.jsonBytes(), as: UTF8.self) == #"{"payloadType":"t","payload":"","signatures":[]}"#)
    }

    @Test func stringsAreEscaped() throws {
        let type = "a\"b\\c\nd\u{1}e/é\u{7F}"
        let env = DSSEEnvelope(payloadType: type, payload: [0], signatures: [DSSESignature(keyid: "k\t\"", sig: [0])])
        let json = String(decoding: env.jsonBytes(), as: UTF8.self)
        #expect(json.hasPrefix(#"{"payloadType":"a\"b\\c\nd\u0001e/é"#))
        #expect(json.contains(#""keyid":"k\t\"""#))
        let back = try DSSEEnvelope(json: env.jsonBytes())
        #expect(back == env)
        // Foundation agrees that it is JSON and reads the same strings.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(env.jsonBytes())) as? [String: Any])
        #expect(object["payloadType"] as? String == type)
    }

    @Test func urlSafeAndUnpaddedBase64AreAccepted() throws {
        let key = try SignerKey.generate(name: "k.example")
        let payload: [UInt8] = [0xfb, 0xff, 0xbf, 0xfe]  // standard base64 "+/+//g==", URL-safe "-_-__g"
        let env = DSSEEnvelope.sign(payload: payload, payloadType: "t", with: [key])
        let std = Base64.encode(env.signatures[0].sig)
        let url = std.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let json = #"{"payload":"-_-__g","payloadType":"t","signatures":[{"sig":"\#(url)"}]}"#
        #expect(Base64.encode(payload) == "+/+//g==")
        let parsed = try DSSEEnvelope(json: Array(json.utf8))
        #expect(parsed.payload == payload)
        #expect(parsed.signatures[0].keyid == "")
        #expect(parsed.verifySignature(at: 0, with: key.verifierKey))
        // Standard with padding, URL-safe with padding: the same.
        for p in ["+/+//g==", "-_-__g==", "+/+//g", "-_-__g"] {
            let j = #"{"payloadType":"t","payload":"\#(p)","signatures":[]}"#
            #expect(try DSSEEnvelope(json: Array(j.utf8)).payload == payload, "\(p)")
        }
    }

    @Test func theSpecExampleEnvelopeParses() throws {
        let json = """
            {"payload": "aGVsbG8gd29ybGQ=",
             "payloadType": "http://example.com/HelloWorld",
             "signatures": [{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]}
            """
        let env = try DSSEEnvelope(json: Array(json.utf8))
        #expect(env.payloadType == "http://example.com/HelloWorld")
        #expect(env.payload == Array("hello world".utf8))
        #expect(env.signatures.count == 1)
        #expect(env.signatures[0].keyid == "")
        #expect(env.signatures[0].sig.count == 64)
        #expect(String(decoding: env.jsonBytes(), as: UTF8.self)
            == #"{"payloadType":"http://example.com/HelloWorld","payload":"aGVsbG8gd29ybGQ=","signatures":[{"keyid":"","sig":"A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]}"#)
    }

    /// DSSE lets a consumer ignore members it does not define; Jejak refuses them instead, since
    /// the log would keep the envelope without them and the holder of the published one could
    /// claim it says more than the log holds (`"comment": "paid"`).
    @Test func unknownMembersAreRefusedAndNullKeyidIsUnset() throws {
        for json in [#"{"x":{"nested":[1,2,{"y":null}]},"payloadType":"t","signatures":[{"sig":"AQ==","keyid":null}],"payload":"AA=="}"#,
                     #"{"payloadType":"t","signatures":[{"sig":"AQ==","keyid":null,"extra":true}],"payload":"AA=="}"#,
                     #"{"payloadType":"t","payload":"AA==","signatures":[{"keyid":"","sig":"AQ=="}],"comment":"paid"}"#] {
            let error = #expect(throws: CryptoError.self, "\(json)") { _ = try DSSEEnvelope(json: Array(json.utf8)) }
            #expect(error?.code == .malformedEnvelope && error?.message.contains("DSSE does not define") == true, "\(String(describing: error))")
        }
        let json = #"{"payloadType":"t","signatures":[{"sig":"AQ==","keyid":null}],"payload":"AA=="}"#
        let env = try DSSEEnvelope(json: Array(json.utf8))
        #expect(env == DSSEEnvelope(payloadType: "t", payload: [0], signatures: [DSSESignature(keyid: "", sig: [1])]))
    }

    @Test func malformedEnvelopesAreRefused() {
        let cases = [
            "",
            "null",
            "[]",
            #""payload""#,
            "{",
            #"{"payload":"AA==","signatures":[]}"#,
            #"{"payloadType":"t","signatures":[]}"#,
            #"{"payloadType":"t","payload":"AA=="}"#,
            #"{"payloadType":1,"payload":"AA==","signatures":[]}"#,
            #"{"payloadType":"t","payload":null,"signatures":[]}"#,
            #"{"payloadType":"t","payload":"AA==","signatures":{}}"#,
            #"{"payloadType":"t","payload":"AA==","signatures":["AQ=="]}"#,
            #"{"payloadType":"t","payload":"AA==","signatures":[{"keyid":"k"}]}"#,
            #"{"payloadType":"t","payload":"AA==","signatures":[{"sig":1}]}"#,
            #"{"payloadType":"t","payload":"AA==","signatures":[{"sig":"AQ==","keyid":5}]}"#,
            #"{"payloadType":"t","payload":"A","signatures":[]}"#,
            #"{"payloadType":"t","payload":"A!==","signatures":[]}"#,
            #"{"payloadType":"t","payload":"AA=","signatures":[]}"#,
            #"{"payloadType":"t","payload":"AB==","signatures":[]}"#,  // non-canonical
            #"{"payloadType":"t","payload":"AA==","signatures":[{"sig":"A Q=="}]}"#,
            #"{"payloadType":"t","payload":"AA==","payload":"AQ==","signatures":[]}"#,  // duplicate member
            #"{"payloadType":"t","payload":"AA==","signatures":[]} x"#,
            #"{"payloadType":"t","payload":"AA==","signatures":[],}"#,
        ]
        for json in cases {
            expectCode(.malformedEnvelope, json) { () throws(CryptoError) in try DSSEEnvelope(json: Array(json.utf8)) }
        }
    }

    /// `init(json:)` reads the compact form with a direct scan and everything else with the JSON
    /// parser: both must give the same outcome for every input, compact, escaped or damaged.
    @Test func theCompactScanAgreesWithTheJSONParserOnEveryInput() throws {
        let unit = try SignerKey.generate(name: "kpu.go.id/biro-umum")
        let other = try SignerKey.generate(name: "kpu.go.id/pusdatin")
        var envelopes: [DSSEEnvelope] = []
        for payload in ["", "x", #"{"specversion":"1.0","id":"é-1"}"#] {
            let signed = DSSEEnvelope.sign(payload: Array(payload.utf8), payloadType: "application/cloudevents+json",
                                           with: [unit, other])
            envelopes.append(signed)
            envelopes.append(DSSEEnvelope(payloadType: "tipe \"é\"\n", payload: signed.payload, signatures: []))
            envelopes.append(DSSEEnvelope(payloadType: "t", payload: signed.payload,
                                          signatures: [DSSESignature(keyid: "", sig: []), DSSESignature(keyid: "ké\u{1}y", sig: [1, 2])]))
        }
        func outcome(_ bytes: [UInt8], general: Bool) -> String {
            do {
                let e = general ? try DSSEEnvelope(parsingJSON: bytes) : try DSSEEnvelope(json: bytes)
                return "\(e.payloadType.utf8.map { $0 })|\(e.payload)|\(e.signatures.map { "\($0.keyid.utf8.map { $0 }):\($0.sig)" })"
            } catch {
                return "error \(error.code)"
            }
        }
        var generator = SystemRandomNumberGenerator()
        var scanned = 0
        for envelope in envelopes {
            let compact = envelope.jsonBytes()
            if DSSEEnvelope.compactForm(compact.withUnsafeBytes { $0 }) != nil { scanned += 1 }
            #expect(outcome(compact, general: false) == outcome(compact, general: true))
            #expect(try DSSEEnvelope(json: compact) == envelope)
            var inputs: [[UInt8]] = [Array(compact.dropLast()), compact + [0x20], Array(compact.dropFirst())]
            for _ in 0..<300 {
                var damaged = compact
                let at = Int.random(in: 0..<damaged.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: damaged[at] = UInt8.random(in: 0...255, using: &generator)
                case 1: damaged.remove(at: at)
                default: damaged.insert([0x22, 0x5C, 0x2D, 0x5F, 0x3D, 0x20, 0x00, 0xC3, 0x7D].randomElement(using: &generator) ?? 0, at: at)
                }
                inputs.append(damaged)
            }
            for input in inputs {
                #expect(outcome(input, general: false) == outcome(input, general: true), "\(String(decoding: input, as: UTF8.self))")
            }
        }
        // The unescaped ones took the scan (escaped strings and control characters fall back).
        #expect(scanned == 3)
    }
}
