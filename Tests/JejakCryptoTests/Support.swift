import Foundation
import Testing

import JejakCrypto

/// The signed-note vectors from golang.org/x/mod/sumdb/note (see Fixtures/signed-note/NOTICE).
struct NoteVectors: Decodable {
    let source: String
    let signerKey: String
    let verifierKey: String
    let text: String
    let signedNote: String
    let signedNoteTwoSigners: String
    let secondVerifierKey: String
    let mangledVerifierKeysThatMustFail: [String]

    enum CodingKeys: String, CodingKey {
        case source
        case signerKey = "signer_key"
        case verifierKey = "verifier_key"
        case text
        case signedNote = "signed_note"
        case signedNoteTwoSigners = "signed_note_two_signers"
        case secondVerifierKey = "second_verifier_key"
        case mangledVerifierKeysThatMustFail = "mangled_verifier_keys_that_must_fail"
    }

    static func load() throws -> NoteVectors {
        let url = try #require(
            Bundle.module.url(forResource: "vectors", withExtension: "json", subdirectory: "Fixtures/signed-note"))
        return try JSONDecoder().decode(NoteVectors.self, from: Data(contentsOf: url))
    }
}

/// Runs `body` and records an issue unless it throws a ``CryptoError`` with `code`.
func expectCode<T>(
    _ code: CryptoError.Code, _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws(CryptoError) -> T
) {
    do {
        let value = try body()
        Issue.record("expected \(code) for \(what()), got \(value)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, "\(what()): \(error.message)", sourceLocation: sourceLocation)
    }
}

/// Bytes from hex, for test vectors.
func hex(_ s: String) throws -> [UInt8] {
    try #require(Hex.decode(s))
}

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("jejak-crypto-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
