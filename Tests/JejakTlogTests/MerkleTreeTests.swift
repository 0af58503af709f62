import JejakCrypto
import Testing

@testable import JejakTlog

/// Straight transcriptions of RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 over a list of leaf
/// hashes, recursive and slow: the reference the stored-node algorithms are checked against.
enum Naive {
    static func k(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    static func mth(_ d: ArraySlice<SHA256Digest>) -> SHA256Digest {
        switch d.count {
        case 0: return SHA256Digest.hash([UInt8]())
        case 1: return d[d.startIndex]
        default:
            let k = k(d.count)
            let s = d.startIndex
            return Merkle.nodeHash(mth(d[s..<s + k]), mth(d[(s + k)...]))
        }
    }

    static func path(_ m: Int, _ d: ArraySlice<SHA256Digest>) -> [SHA256Digest] {
        let n = d.count
        if n <= 1 { return [] }
        let k = k(n)
        let s = d.startIndex
        if m < k { return path(m, d[s..<s + k]) + [mth(d[(s + k)...])] }
        return path(m - k, d[(s + k)...]) + [mth(d[s..<s + k])]
    }

    static func proof(_ m: Int, _ d: ArraySlice<SHA256Digest>) -> [SHA256Digest] {
        subproof(m, d, true)
    }

    static func subproof(_ m: Int, _ d: ArraySlice<SHA256Digest>, _ b: Bool) -> [SHA256Digest] {
        let n = d.count
        if m == n { return b ? [] : [mth(d)] }
        let k = k(n)
        let s = d.startIndex
        if m <= k { return subproof(m, d[s..<s + k], b) + [mth(d[(s + k)...])] }
        return subproof(m - k, d[(s + k)...], false) + [mth(d[s..<s + k])]
    }
}

/// Counts the reads made through it.
final class CountingSource<Inner: MerkleHashSource>: MerkleHashSource {
    let inner: Inner
    var reads = 0
    init(_ inner: Inner) { self.inner = inner }
    func hash(level: Int, index: UInt64) throws(Inner.Failure) -> SHA256Digest {
        reads += 1
        return try inner.hash(level: level, index: index)
    }
}

/// A source with an untyped `throws`, as a storage-backed source would be written; `Failure`
/// is inferred as `any Error`.
struct UntypedSource: MerkleHashSource {
    struct Missing: Error {}
    let tree: MerkleTree
    func hash(level: Int, index: UInt64) throws -> SHA256Digest {
        guard let h = try? tree.hash(level: level, index: index) else { throw Missing() }
        return h
    }
}

/// A consistent tree of 2^64 leaves that is cheap to compute: leaves in the middle all have
/// the same hash (so a perfect subtree there depends only on its level), while the first and
/// last 1,024 leaves are distinct. Nodes touching the distinct ends are computed from their
/// children (memoised), so every hash is a true RFC 9162 node of that one tree.
final class SyntheticSource: MerkleHashSource {
    static let edge: UInt64 = 1024
    private var uniform: [SHA256Digest] = [Merkle.leafHash(Array("same".utf8))]
    private var memo: [Int: [UInt64: SHA256Digest]] = [:]

    init() {
        for _ in 0..<64 { uniform.append(Merkle.nodeHash(uniform[uniform.count - 1], uniform[uniform.count - 1])) }
    }

    func leaf(_ index: UInt64) -> SHA256Digest {
        if index < Self.edge || index >= UInt64.max - Self.edge + 1 {
            return Merkle.leafHash(Array("leaf \(index)".utf8))
        }
        return uniform[0]
    }

    func hash(level: Int, index: UInt64) -> SHA256Digest {
        if level == 0 { return leaf(index) }
        let first = index << UInt64(level)
        let last = first + ((UInt64(1) << UInt64(level)) - 1)
        if first >= Self.edge && last < UInt64.max - Self.edge + 1 { return uniform[level] }
        if let h = memo[level]?[index] { return h }
        let h = Merkle.nodeHash(hash(level: level - 1, index: 2 * index), hash(level: level - 1, index: 2 * index + 1))
        memo[level, default: [:]][index] = h
        return h
    }
}

/// The complete nodes reported by a frontier, stored by address: what the ledger will keep.
struct NodeStore: MerkleHashSource {
    var nodes: [Int: [UInt64: SHA256Digest]] = [:]
    mutating func store(_ list: [MerkleNode]) {
        for n in list { nodes[n.level, default: [:]][n.index] = n.hash }
    }
    func hash(level: Int, index: UInt64) throws(ProofError) -> SHA256Digest {
        guard let h = nodes[level]?[index] else {
            throw ProofError(.nodeUnavailable, "no node \(level)/\(index)")
        }
        return h
    }
}

func leafHashes(_ n: Int) -> [SHA256Digest] {
    (0..<n).map { Merkle.leafHash(Array("leaf \($0)".utf8)) }
}

func ceilLog2(_ n: UInt64) -> Int { n <= 1 ? 0 : 64 - (n - 1).leadingZeroBitCount }

@Suite("Merkle tree, roots and proofs")
struct MerkleTreeTests {
    static let maxSize = 130
    static let leaves = leafHashes(maxSize)
    static let tree = MerkleTree(leafHashes: leaves)

    @Test("hash primitives match RFC 9162 and known values")
    func primitives() throws {
        #expect(Merkle.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Merkle.leafHash([UInt8]()) == SHA256Digest.hash([0]))
        // The first transparency-dev leaf hash: SHA-256(0x00) — the vectors' size-1 root.
        #expect(Merkle.leafHash([UInt8]()).base64 == "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=")
        let a = Merkle.leafHash(Array("a".utf8))
        let b = Merkle.leafHash(Array("b".utf8))
        #expect(Merkle.nodeHash(a, b) == SHA256Digest.hash([1] + a.bytes + b.bytes))
        #expect(Merkle.nodeHash(a, b) != Merkle.nodeHash(b, a))
        #expect(Merkle.leafHash(Array("abc".utf8)) == Merkle.leafHash("abc".utf8))
        let slice = Array("xabcx".utf8)[1..<4]
        #expect(Merkle.leafHash(slice) == Merkle.leafHash(Array("abc".utf8)))
        #expect(Merkle.leafHash(AnySequence(Array("abc".utf8))) == Merkle.leafHash(Array("abc".utf8)))
    }

    @Test("roots of every size 0…130 equal the naive MTH, from tree, frontier and stored nodes")
    func roots() throws {
        var frontier = MerkleFrontier()
        var store = NodeStore()
        #expect(frontier.root == Merkle.emptyRoot)
        #expect(try Self.tree.rootHash(size: 0) == Merkle.emptyRoot)
        for n in 1...Self.maxSize {
            let nodes = frontier.append(leafHash: Self.leaves[n - 1])
            store.store(nodes)
            // Exactly the leaf plus one parent per trailing one bit of the old size.
            #expect(nodes.count == 1 + (n - 1).trailingZeroBitCount(ofComplement: true))
            #expect(nodes.first == MerkleNode(level: 0, index: UInt64(n - 1), hash: Self.leaves[n - 1]))
            for node in nodes {
                #expect(try Self.tree.hash(level: node.level, index: node.index) == node.hash)
            }
            let naive = Naive.mth(Self.leaves[0..<n])
            #expect(frontier.size == UInt64(n))
            #expect(frontier.root == naive)
            #expect(try Self.tree.rootHash(size: UInt64(n)) == naive)
            #expect(try Merkle.rootHash(size: UInt64(n), from: store) == naive)
            #expect(MerkleTree(leafHashes: Self.leaves[0..<n]).rootHash == naive)
            let rebuilt = try MerkleFrontier(size: UInt64(n), from: store)
            #expect(rebuilt == frontier)
            #expect(try MerkleFrontier(size: UInt64(n), hashes: frontier.hashes) == frontier)
        }
        #expect(MerkleTree().rootHash == Merkle.emptyRoot)
    }

    @Test("inclusion proofs for every index/size pair up to 130 match RFC PATH and verify")
    func inclusionProofs() throws {
        for size in 1...Self.maxSize {
            let root = Naive.mth(Self.leaves[0..<size])
            for index in 0..<size {
                let proof = try Self.tree.inclusionProof(index: UInt64(index), size: UInt64(size))
                #expect(proof == Naive.path(index, Self.leaves[0..<size]))
                #expect(proof.count == InclusionProof.expectedLength(index: UInt64(index), size: UInt64(size)))
                try InclusionProof.verify(
                    leafHash: Self.leaves[index], index: UInt64(index), size: UInt64(size), proof: proof, root: root)
                // The wrong leaf, the wrong index and a flipped proof hash are refused.
                #expect(throws: ProofError.self) {
                    try InclusionProof.verify(
                        leafHash: Self.leaves[(index + 1) % Self.maxSize], index: UInt64(index),
                        size: UInt64(size), proof: proof, root: root)
                }
                if size > 1 {
                    #expect(throws: ProofError.self) {
                        try InclusionProof.verify(
                            leafHash: Self.leaves[index], index: UInt64((index + 1) % size),
                            size: UInt64(size), proof: proof, root: root)
                    }
                    var bad = proof
                    bad[index % bad.count] = Merkle.nodeHash(bad[index % bad.count], root)
                    #expect(throws: ProofError.self) {
                        try InclusionProof.verify(
                            leafHash: Self.leaves[index], index: UInt64(index), size: UInt64(size), proof: bad, root: root)
                    }
                }
            }
        }
    }

    @Test("consistency proofs for every size pair up to 130 match RFC PROOF and verify")
    func consistencyProofs() throws {
        let roots = (0...Self.maxSize).map { Naive.mth(Self.leaves[0..<$0]) }
        for newSize in 1...Self.maxSize {
            for oldSize in 1...newSize {
                let proof = try Self.tree.consistencyProof(oldSize: UInt64(oldSize), newSize: UInt64(newSize))
                #expect(proof == Naive.proof(oldSize, Self.leaves[0..<newSize]))
                #expect(proof.count == ConsistencyProof.expectedLength(oldSize: UInt64(oldSize), newSize: UInt64(newSize)))
                try ConsistencyProof.verify(
                    oldSize: UInt64(oldSize), newSize: UInt64(newSize),
                    oldRoot: roots[oldSize], newRoot: roots[newSize], proof: proof)
                #expect(
                    try ConsistencyProof.rootFromConsistencyProof(
                        oldSize: UInt64(oldSize), newSize: UInt64(newSize), oldRoot: roots[oldSize], proof: proof)
                        == roots[newSize])
                if oldSize < newSize {
                    // Another old root, another new root, or a flipped hash are refused.
                    #expect(throws: ProofError.self) {
                        try ConsistencyProof.verify(
                            oldSize: UInt64(oldSize), newSize: UInt64(newSize),
                            oldRoot: roots[oldSize - 1], newRoot: roots[newSize], proof: proof)
                    }
                    #expect(throws: ProofError.self) {
                        try ConsistencyProof.verify(
                            oldSize: UInt64(oldSize), newSize: UInt64(newSize),
                            oldRoot: roots[oldSize], newRoot: roots[newSize - 1], proof: proof)
                    }
                    for i in proof.indices {
                        var bad = proof
                        bad[i] = Merkle.nodeHash(bad[i], bad[i])
                        #expect(throws: ProofError.self) {
                            try ConsistencyProof.verify(
                                oldSize: UInt64(oldSize), newSize: UInt64(newSize),
                                oldRoot: roots[oldSize], newRoot: roots[newSize], proof: bad)
                        }
                    }
                }
            }
        }
    }

    @Test("proofs cost O(log n) reads of perfect subtrees")
    func readCounts() throws {
        let source = CountingSource(Self.tree)
        var worstInclusion = 0
        var worstConsistency = 0
        for size in 1...UInt64(Self.maxSize) {
            let log = ceilLog2(size)
            source.reads = 0
            _ = try Merkle.rootHash(size: size, from: source)
            #expect(source.reads == size.nonzeroBitCount)
            for index in 0..<size {
                source.reads = 0
                _ = try Merkle.inclusionProof(index: index, size: size, from: source)
                #expect(source.reads <= 2 * log)
                worstInclusion = max(worstInclusion, source.reads)
            }
            for oldSize in 1...size {
                source.reads = 0
                _ = try Merkle.consistencyProof(oldSize: oldSize, newSize: size, from: source)
                #expect(source.reads <= 3 * log)
                worstConsistency = max(worstConsistency, source.reads)
            }
        }
        #expect(worstInclusion <= 2 * ceilLog2(UInt64(Self.maxSize)))
        #expect(worstConsistency <= 3 * ceilLog2(UInt64(Self.maxSize)))
    }

    @Test("generator request errors and source errors are kept apart")
    func generatorErrors() throws {
        let tree = Self.tree
        func request<F>(_ body: () throws(ProofGenerationError<F>) -> [SHA256Digest]) -> ProofError.Code? {
            do {
                _ = try body()
                return nil
            } catch {
                if case .invalidRequest(let e) = error { return e.code }
                return nil
            }
        }
        #expect(request { () throws(ProofGenerationError<ProofError>) in
            try Merkle.inclusionProof(index: 0, size: 0, from: tree)
        } == .emptyTree)
        #expect(request { () throws(ProofGenerationError<ProofError>) in
            try Merkle.inclusionProof(index: 5, size: 5, from: tree)
        } == .indexOutOfRange)
        #expect(request { () throws(ProofGenerationError<ProofError>) in
            try Merkle.consistencyProof(oldSize: 0, newSize: 5, from: tree)
        } == .emptyTree)
        #expect(request { () throws(ProofGenerationError<ProofError>) in
            try Merkle.consistencyProof(oldSize: 6, newSize: 5, from: tree)
        } == .oldSizeGreaterThanNewSize)
        #expect(try Merkle.consistencyProof(oldSize: 5, newSize: 5, from: tree).isEmpty)

        // A size beyond the source: the source's own error comes back as `.source`.
        do {
            _ = try Merkle.inclusionProof(index: 0, size: 200, from: tree)
            Issue.record("a proof beyond the tree must fail")
        } catch {
            guard case .source(let e) = error else {
                Issue.record("expected a source error, got \(error)")
                return
            }
            #expect(e.code == .nodeUnavailable)
        }
        #expect(throws: ProofError.self) { try tree.inclusionProof(index: 0, size: 131) }
        #expect(throws: ProofError.self) { try tree.rootHash(size: 131) }
        #expect(throws: ProofError.self) { try tree.consistencyProof(oldSize: 1, newSize: 131) }
        #expect(throws: ProofError.self) { try tree.leafHash(at: 130) }
        #expect(try tree.leafHash(at: 129) == Self.leaves[129])

        // An untyped-throwing source works too, and its error is passed through.
        let untyped = UntypedSource(tree: MerkleTree(leafHashes: Self.leaves[0..<10]))
        #expect(try Merkle.rootHash(size: 10, from: untyped) == Naive.mth(Self.leaves[0..<10]))
        #expect(try Merkle.inclusionProof(index: 3, size: 10, from: untyped) == Naive.path(3, Self.leaves[0..<10]))
        do {
            _ = try Merkle.consistencyProof(oldSize: 3, newSize: 11, from: untyped)
            Issue.record("reading beyond the source must fail")
        } catch {
            guard case .source(let e) = error else {
                Issue.record("expected a source error, got \(error)")
                return
            }
            #expect(e is UntypedSource.Missing)
        }

        #expect(throws: ProofError.self) { try MerkleFrontier(size: 3, hashes: [Merkle.emptyRoot]) }
    }

    @Test("sizes near 2^64 neither trap nor mis-verify")
    func hugeSizes() throws {
        let source = SyntheticSource()
        let sizes: [UInt64] = [UInt64.max, UInt64.max - 1, UInt64.max - 700, 1 << 63, (1 << 63) + 1, (1 << 63) - 1]
        for size in sizes {
            let root = Merkle.rootHash(size: size, from: source)
            for index in [0, 1, 517, SyntheticSource.edge + 1, size / 2, size - 513, size - 2, size - 1] {
                let leaf = source.leaf(index)
                let proof = try Merkle.inclusionProof(index: index, size: size, from: source)
                #expect(proof.count == InclusionProof.expectedLength(index: index, size: size))
                try InclusionProof.verify(leafHash: leaf, index: index, size: size, proof: proof, root: root)
                // Leaves near the ends are distinct, so moving the index breaks the proof.
                if index < SyntheticSource.edge - 1 {
                    #expect(throws: ProofError.self) {
                        try InclusionProof.verify(leafHash: leaf, index: index + 1, size: size, proof: proof, root: root)
                    }
                }
            }
            for oldSize in [1, 2, 3, 1000, size / 2, size - 1, size] {
                let oldRoot = Merkle.rootHash(size: oldSize, from: source)
                let proof = try Merkle.consistencyProof(oldSize: oldSize, newSize: size, from: source)
                try ConsistencyProof.verify(oldSize: oldSize, newSize: size, oldRoot: oldRoot, newRoot: root, proof: proof)
                if oldSize < size {
                    #expect(throws: ProofError.self) {
                        try ConsistencyProof.verify(
                            oldSize: oldSize, newSize: size, oldRoot: root, newRoot: root, proof: proof)
                    }
                }
            }
        }
        #expect(throws: ProofError.self) {
            try InclusionProof.verify(
                leafHash: Merkle.emptyRoot, index: UInt64.max - 1, size: UInt64.max, proof: [], root: Merkle.emptyRoot)
        }
    }
}

extension Int {
    /// The number of trailing one bits (`ofComplement: true`) of a non-negative integer.
    func trailingZeroBitCount(ofComplement: Bool) -> Int {
        (ofComplement ? ~self : self).trailingZeroBitCount
    }
}
