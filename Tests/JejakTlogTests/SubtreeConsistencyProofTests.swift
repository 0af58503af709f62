import JejakCrypto
import Testing

@testable import JejakTlog

/// The recursive definition of SUBTREE_SUBPROOF (draft-ietf-plants-merkle-tree-certs §4.4.1),
/// over a slice of leaf hashes: the reference the unrolled generator is checked against.
private func naiveSubtreeProof(_ start: Int, _ end: Int, _ d: ArraySlice<SHA256Digest>, _ known: Bool) -> [SHA256Digest] {
    let s = d.startIndex
    let (lo, hi) = (start - s, end - s)
    if lo == 0 && hi == d.count { return known ? [] : [Naive.mth(d)] }
    let k = Naive.k(d.count)
    if hi <= k { return naiveSubtreeProof(start, end, d[s..<s + k], known) + [Naive.mth(d[(s + k)...])] }
    if lo >= k { return naiveSubtreeProof(start, end, d[(s + k)...], known) + [Naive.mth(d[s..<s + k])] }
    return naiveSubtreeProof(s + k, end, d[(s + k)...], false) + [Naive.mth(d[s..<s + k])]
}

@Suite("Subtree consistency proofs (MTC draft §4.4, for c2sp.org/tlog-mirror add-entries)")
struct SubtreeConsistencyProofTests {
    static let maxSize = 70
    static let leaves = leafHashes(maxSize)
    static let tree = MerkleTree(leafHashes: leaves)

    static func subtrees(within n: Int) -> [(Int, Int)] {
        (0..<n).flatMap { s in (s + 1...n).compactMap { e in Subtree.isValid(start: UInt64(s), end: UInt64(e)) ? (s, e) : nil } }
    }

    @Test("a subtree is non-empty and starts at a multiple of its width's power of two")
    func validity() throws {
        for (s, e) in [(0, 1), (5, 6), (0, 3), (4, 7), (8, 12), (256, 300), (512, 768), (0, 1000)] {
            _ = try Subtree(start: UInt64(s), end: UInt64(e))
        }
        for (s, e) in [(0, 0), (3, 3), (2, 5), (4, 9), (1, 3), (256, 513), (7, 5)] {
            #expect(throws: ProofError.self) { try Subtree(start: UInt64(s), end: UInt64(e)) }
            #expect(!Subtree.isValid(start: UInt64(s), end: UInt64(e)))
        }
        // Every entry package of a mirror upload is a subtree: [256·k, end) with end ≤ 256·(k+1).
        for k in [0, 1, 7, 1 << 40] as [UInt64] {
            for w in [1, 2, 3, 100, 255, 256] as [UInt64] {
                #expect(Subtree.isValid(start: k * 256, end: k * 256 + w))
            }
        }
    }

    @Test("proofs of every subtree of every tree up to 70 match the recursive definition and verify")
    func everySubtree() throws {
        for n in 1...Self.maxSize {
            let root = Naive.mth(Self.leaves[0..<n])
            for (s, e) in Self.subtrees(within: n) {
                let subtree = try Subtree(start: UInt64(s), end: UInt64(e))
                let proof = try SubtreeConsistencyProof.generate(subtree, size: UInt64(n), from: Self.tree)
                #expect(proof == naiveSubtreeProof(s, e, Self.leaves[0..<n], true), "\(subtree) in \(n)")
                let hash = MerkleTree(leafHashes: Self.leaves[s..<e]).rootHash
                #expect(hash == Naive.mth(Self.leaves[s..<e]))
                try SubtreeConsistencyProof.verify(subtree, size: UInt64(n), proof: proof, subtreeHash: hash, root: root)
            }
        }
    }

    @Test("[0, m) is the RFC 9162 consistency proof from m, and [i, i+1) the inclusion proof of i")
    func specialCases() throws {
        for n in 1...Self.maxSize {
            for m in 1...n {
                let proof = try SubtreeConsistencyProof.generate(try Subtree(start: 0, end: UInt64(m)), size: UInt64(n), from: Self.tree)
                #expect(proof == (m == n ? [] : try Self.tree.consistencyProof(oldSize: UInt64(m), newSize: UInt64(n))))
            }
            for i in 0..<n {
                let proof = try SubtreeConsistencyProof.generate(try Subtree(start: UInt64(i), end: UInt64(i + 1)), size: UInt64(n), from: Self.tree)
                #expect(proof == (try Self.tree.inclusionProof(index: UInt64(i), size: UInt64(n))))
            }
        }
    }

    @Test("a changed, missing or extra hash, another subtree hash, another root or size is refused")
    func refusals() throws {
        for n in [1, 2, 5, 13, 64, 70] {
            let root = Naive.mth(Self.leaves[0..<n])
            for (s, e) in Self.subtrees(within: n) {
                let subtree = try Subtree(start: UInt64(s), end: UInt64(e))
                let proof = try SubtreeConsistencyProof.generate(subtree, size: UInt64(n), from: Self.tree)
                let hash = MerkleTree(leafHashes: Self.leaves[s..<e]).rootHash
                func refused(_ p: [SHA256Digest], _ h: SHA256Digest = hash, _ r: SHA256Digest = root, size: Int = n) {
                    #expect(throws: ProofError.self, "\(subtree) in \(n)") {
                        try SubtreeConsistencyProof.verify(subtree, size: UInt64(size), proof: p, subtreeHash: h, root: r)
                    }
                }
                for i in proof.indices {
                    var bad = proof
                    bad[i] = Merkle.nodeHash(bad[i], bad[i])
                    refused(bad)
                }
                if !proof.isEmpty { refused(Array(proof.dropLast())) }
                refused(proof + [root])
                refused(proof, Merkle.nodeHash(hash, hash))
                refused(proof, hash, Merkle.nodeHash(root, root))
                if n < Self.maxSize { refused(proof, hash, Naive.mth(Self.leaves[0..<n + 1]), size: n + 1) }
            }
        }
        #expect(throws: ProofError.self) {
            try SubtreeConsistencyProof.verify(try Subtree(start: 0, end: 8), size: 4, proof: [], subtreeHash: Merkle.emptyRoot, root: Merkle.emptyRoot)
        }
        #expect(throws: ProofGenerationError<ProofError>.self) {
            try SubtreeConsistencyProof.generate(try Subtree(start: 0, end: 8), size: 4, from: MerkleTree(leafHashes: Self.leaves[0..<4]))
        }
    }
}

@Suite struct TileCoverageTests {
    /// A tile is covered by a tree exactly when the tree holds every leaf below its last
    /// element, checked against the tiles the tree has (Tiles.hashTiles / entryBundles).
    @Test func aTreeCoversExactlyItsOwnTilesAndTheSmallerOnesBeforeThem() throws {
        for size: UInt64 in [0, 1, 255, 256, 257, 511, 512, 65_535, 65_536, 70_000] {
            for tile in Tiles.hashTiles(treeSize: size) + Tiles.entryBundles(treeSize: size) {
                #expect(tile.isCovered(byTreeSize: size), "\(tile.path) at \(size)")
            }
            // The bundle holding the last leaf needs that leaf.
            if let last = Tiles.entryBundles(treeSize: size).last {
                #expect(!last.isCovered(byTreeSize: size - 1), "\(last.path) at \(size - 1)")
            }
        }
        #expect(try Tile(entriesIndex: 1, width: 10).isCovered(byTreeSize: 266))
        #expect(try !Tile(entriesIndex: 1, width: 11).isCovered(byTreeSize: 266))
        #expect(try !Tile(level: 1, index: 0, width: 2).isCovered(byTreeSize: 511))
        #expect(try Tile(level: 1, index: 0, width: 2).isCovered(byTreeSize: 512))
        #expect(try !Tile(level: 5, index: 1 << 20).isCovered(byTreeSize: .max))  // beyond 2^64 leaves
    }
}
