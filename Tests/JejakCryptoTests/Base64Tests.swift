import Foundation
import Testing

@testable import JejakCrypto

@Suite("strict base64")
struct Base64Tests {
    @Test func roundTripsAgainstFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = StrictBase64.encode(bytes)
            #expect(encoded == Data(bytes).base64EncodedString(), "length \(length)")
            #expect(StrictBase64.decode(encoded) == bytes, "length \(length)")
            #expect(StrictBase64.decode(encoded, mode: .lenient) == bytes, "length \(length)")
            let url = encoded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(StrictBase64.decode(url, mode: .lenient) == bytes, "length \(length)")
        }
    }

    @Test func refusesWhatIsNotCanonical() {
        for bad in ["Q", "QQ", "QQ=", "QR==", "QUK=", "Q===", "====", "QQ==QQ==", "QQ== ", " QQ==", "QQ\n==", "-_8=", "QUJD=", "QUJD=="] {
            #expect(StrictBase64.decode(bad) == nil, "\(bad.debugDescription)")
        }
        for bad in ["Q", "QR", "QUK", "QQ=", "Q===", "QUJD=", "Q!=="] {
            #expect(StrictBase64.decode(bad, mode: .lenient) == nil, "\(bad.debugDescription)")
        }
        #expect(StrictBase64.decode("") == [])
        #expect(StrictBase64.decode("QQ==") == [0x41])
        #expect(StrictBase64.decode("QUI=") == [0x41, 0x42])
        #expect(StrictBase64.decode("-_8=", mode: .lenient) == [0xfb, 0xff])
    }

    @Test func refusesEveryByteOutsideTheAlphabetAtEveryPositionOfALongInput() {
        let standard = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let lenient = standard.union("-_".utf8)
        // 44 characters: rounds of eight, then of four, then the padded tail.
        let valid = Array(StrictBase64.encode(Array(0..<32)).utf8)
        #expect(valid.count == 44)
        for byte in UInt8.min...UInt8.max {
            for position in 0..<41 {
                var input = valid
                input[position] = byte
                let decoded = input.withUnsafeBufferPointer { StrictBase64.decode($0) }
                let decodedLenient = input.withUnsafeBufferPointer { StrictBase64.decode($0, mode: .lenient) }
                #expect((decoded != nil) == standard.contains(byte), "byte \(byte) at \(position)")
                #expect((decodedLenient != nil) == lenient.contains(byte), "byte \(byte) at \(position), lenient")
                if let decoded, byte == valid[position] { #expect(decoded == Array(0..<32)) }
            }
        }
    }

    @Test func refusesEveryByteOutsideTheAlphabetAtEveryPositionOfAQuad() {
        let standard = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let lenient = standard.union("-_".utf8)
        for byte in UInt8.min...UInt8.max {
            for position in 0..<4 {
                // "QUJD" decodes to "ABC"; replace one of its bytes, then put it mid-input.
                var quad = Array("QUJD".utf8)
                quad[position] = byte
                let input = Array("QUJD".utf8) + quad + Array("QUJD".utf8)
                let decoded = input.withUnsafeBufferPointer { StrictBase64.decode($0) }
                let decodedLenient = input.withUnsafeBufferPointer { StrictBase64.decode($0, mode: .lenient) }
                #expect((decoded != nil) == standard.contains(byte), "byte \(byte) at \(position)")
                #expect((decodedLenient != nil) == lenient.contains(byte), "byte \(byte) at \(position), lenient")
            }
        }
    }
}
