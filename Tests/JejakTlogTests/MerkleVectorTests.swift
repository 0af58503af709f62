import Foundation
import JejakCrypto
import Testing

@testable import JejakTlog

// The transparency-dev/merkle vectors (Fixtures/merkle, Apache-2.0, see NOTICE there): every
// happy path must verify, every `wantErr` case must be refused with a thrown ProofError.

/// One vector file: its path relative to the fixtures directory and its decoded JSON.
struct VectorFile: Sendable, CustomTestStringConvertible {
    let path: String
    let json: [String: JSONValueBox]
    var testDescription: String { path }
}

/// A minimal Sendable view of the JSON values the vectors use.
enum JSONValueBox: Sendable {
    case number(UInt64)
    case string(String)
    case bool(Bool)
    case array([String])
    case null

    init(_ any: Any) {
        switch any {
        case let b as Bool where type(of: any) == type(of: NSNumber(value: true)): self = .bool(b)
        case let n as NSNumber: self = .number(n.uint64Value)
        case let s as String: self = .string(s)
        case let a as [String]: self = .array(a)
        default: self = .null
        }
    }
}

enum Vectors {
    static func directory(_ kind: String) -> URL {
        guard let base = Bundle.module.resourceURL else {
            fatalError("the test bundle has no resources")
        }
        return base.appendingPathComponent("Fixtures/merkle/\(kind)")
    }

    static func load(_ kind: String) -> [VectorFile] {
        let root = directory(kind)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            return []
        }
        var files: [VectorFile] = []
        for case let url as URL in enumerator where url.pathExtension == "json" {
            guard let data = try? Data(contentsOf: url),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { continue }
            let relative = String(url.path.dropFirst(root.path.count + 1))
            files.append(VectorFile(path: "\(kind)/\(relative)", json: object.mapValues(JSONValueBox.init)))
        }
        return files.sorted { $0.path < $1.path }
    }

    static let inclusion = load("inclusion")
    static let consistency = load("consistency")
}

extension VectorFile {
    func number(_ key: String) -> UInt64 {
        if case .number(let n) = json[key] { return n }
        Issue.record("\(path): \(key) is not a number")
        return 0
    }

    func bytes(_ key: String) -> [UInt8] {
        guard case .string(let s) = json[key], let d = Data(base64Encoded: s) else {
            Issue.record("\(path): \(key) is not base64")
            return []
        }
        return [UInt8](d)
    }

    /// The proof as raw byte strings; `null` in the file is an empty proof.
    var proof: [[UInt8]] {
        switch json["proof"] {
        case .array(let items):
            return items.map { s in
                guard let d = Data(base64Encoded: s) else {
                    Issue.record("\(path): proof item is not base64")
                    return []
                }
                return [UInt8](d)
            }
        default:
            return []
        }
    }

    var wantErr: Bool {
        if case .bool(let b) = json["wantErr"] { return b }
        Issue.record("\(path): wantErr missing")
        return true
    }
}

/// Outcome of running one vector: nil for success, else the ProofError thrown.
private func run(_ body: () throws(ProofError) -> Void) -> ProofError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

@Suite("transparency-dev/merkle vectors")
struct MerkleVectorTests {
    @Test("the fixtures are all there")
    func fixtureCounts() {
        // 98 inclusion and 98 consistency files; 6 happy paths each.
        #expect(Vectors.inclusion.count == 98)
        #expect(Vectors.consistency.count == 98)
        #expect(Vectors.inclusion.filter { !$0.wantErr }.count == 6)
        #expect(Vectors.consistency.filter { !$0.wantErr }.count == 6)
    }

    @Test("inclusion", arguments: Vectors.inclusion)
    func inclusion(_ v: VectorFile) throws {
        let index = v.number("leafIdx")
        let size = v.number("treeSize")
        let rawLeaf = v.bytes("leafHash")
        let rawRoot = v.bytes("root")
        let rawProof = v.proof
        let error = run { () throws(ProofError) in
            // Hashes from outside go through the module's strict decoder first: a hash that is
            // not 32 bytes is itself a ProofError (malformedHash).
            let leaf = try Merkle.decodeHash(rawLeaf)
            let root = try Merkle.decodeHash(rawRoot)
            let proof = try rawProof.map { (b) throws(ProofError) in try Merkle.decodeHash(b) }
            try InclusionProof.verify(leafHash: leaf, index: index, size: size, proof: proof, root: root)
        }
        if v.wantErr {
            #expect(error != nil, "\(v.path) must be refused")
        } else {
            #expect(error == nil, "\(v.path) must verify, got \(String(describing: error))")
        }
    }

    @Test("consistency", arguments: Vectors.consistency)
    func consistency(_ v: VectorFile) throws {
        let size1 = v.number("size1")
        let size2 = v.number("size2")
        // The "additional" vectors use 12-byte placeholder roots ("don't care 1/2") for cases
        // decided by sizes and root equality alone. Our API types roots as SHA256Digest, so a
        // placeholder is mapped to a digest of its bytes: distinct placeholders stay distinct,
        // equal ones stay equal, which is everything those vectors test. Real 32-byte roots are
        // used as they are.
        func root(_ key: String) -> SHA256Digest {
            let raw = v.bytes(key)
            if raw.count == 32, let d = try? SHA256Digest(bytes: raw) { return d }
            return SHA256Digest.hash(Array("placeholder:".utf8) + raw)
        }
        let root1 = root("root1")
        let root2 = root("root2")
        let rawProof = v.proof
        let error = run { () throws(ProofError) in
            let proof = try rawProof.map { (b) throws(ProofError) in try Merkle.decodeHash(b) }
            try ConsistencyProof.verify(oldSize: size1, newSize: size2, oldRoot: root1, newRoot: root2, proof: proof)
        }
        if v.wantErr {
            #expect(error != nil, "\(v.path) must be refused")
        } else {
            #expect(error == nil, "\(v.path) must verify, got \(String(describing: error))")
        }
    }

    @Test("refusals of mutated happy paths name the broken rule")
    func refusalCodes() throws {
        let v = try #require(Vectors.inclusion.first { $0.path == "inclusion/2/happy-path.json" })
        let leaf = try Merkle.decodeHash(v.bytes("leafHash"))
        let root = try Merkle.decodeHash(v.bytes("root"))
        let proof = try v.proof.map { try Merkle.decodeHash($0) }
        let index = v.number("leafIdx")
        let size = v.number("treeSize")
        try InclusionProof.verify(leafHash: leaf, index: index, size: size, proof: proof, root: root)

        func code(_ body: () throws(ProofError) -> Void) -> ProofError.Code? { run(body)?.code }
        #expect(code { () throws(ProofError) in
            try InclusionProof.verify(leafHash: leaf, index: size, size: size, proof: proof, root: root)
        } == .indexOutOfRange)
        #expect(code { () throws(ProofError) in
            try InclusionProof.verify(leafHash: leaf, index: 0, size: 0, proof: [], root: root)
        } == .emptyTree)
        #expect(code { () throws(ProofError) in
            try InclusionProof.verify(leafHash: leaf, index: index, size: size, proof: proof.dropLast(), root: root)
        } == .wrongProofLength)
        #expect(code { () throws(ProofError) in
            try InclusionProof.verify(leafHash: leaf, index: index, size: size, proof: proof + [root], root: root)
        } == .wrongProofLength)
        #expect(code { () throws(ProofError) in
            try InclusionProof.verify(leafHash: root, index: index, size: size, proof: proof, root: root)
        } == .rootMismatch)
        #expect(code { () throws(ProofError) in _ = try Merkle.decodeHash([UInt8](repeating: 0, count: 31)) }
            == .malformedHash)
        #expect(code { () throws(ProofError) in _ = try Merkle.decodeHash(base64: "not base64!") } == .malformedHash)

        let c = try #require(Vectors.consistency.first { $0.path == "consistency/3/happy-path.json" })
        let r1 = try Merkle.decodeHash(c.bytes("root1"))
        let r2 = try Merkle.decodeHash(c.bytes("root2"))
        let cp = try c.proof.map { try Merkle.decodeHash($0) }
        let s1 = c.number("size1")
        let s2 = c.number("size2")
        try ConsistencyProof.verify(oldSize: s1, newSize: s2, oldRoot: r1, newRoot: r2, proof: cp)
        #expect(code { () throws(ProofError) in
            try ConsistencyProof.verify(oldSize: s2, newSize: s1, oldRoot: r1, newRoot: r2, proof: cp)
        } == .oldSizeGreaterThanNewSize)
        #expect(code { () throws(ProofError) in
            try ConsistencyProof.verify(oldSize: 0, newSize: s2, oldRoot: r1, newRoot: r2, proof: [])
        } == .emptyTree)
        #expect(code { () throws(ProofError) in
            try ConsistencyProof.verify(oldSize: s1, newSize: s2, oldRoot: r1, newRoot: r2, proof: cp.dropLast())
        } == .wrongProofLength)
        #expect(code { () throws(ProofError) in
            try ConsistencyProof.verify(oldSize: s1, newSize: s2, oldRoot: r2, newRoot: r2, proof: cp)
        } == .rootMismatch)
        #expect(code { () throws(ProofError) in
            try ConsistencyProof.verify(oldSize: s1, newSize: s2, oldRoot: r1, newRoot: r1, proof: cp)
        } == .rootMismatch)
        #expect(code { () throws(ProofError) in
            try ConsistencyProof.verify(oldSize: s2, newSize: s2, oldRoot: r2, newRoot: r2, proof: cp)
        } == .wrongProofLength)
        #expect(code { () throws(ProofError) in
            try ConsistencyProof.verify(oldSize: s2, newSize: s2, oldRoot: r1, newRoot: r2, proof: [])
        } == .rootMismatch)
    }
}
