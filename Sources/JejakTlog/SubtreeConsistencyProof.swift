import JejakCrypto

/// A subtree `[start, end)` of a Merkle tree in the sense of the Merkle Tree Certificates draft
/// (draft-ietf-plants-merkle-tree-certs, §4.1), which c2sp.org/tlog-mirror's `add-entries` uses:
/// a non-empty interval whose `start` is a multiple of the smallest power of two not below its
/// width. Every node of every tree size is one (a perfect subtree, or a node on a tree's right
/// border), and so is every entry package of a mirror upload, `[256·k, end)`.
public struct Subtree: Hashable, Sendable, CustomStringConvertible {
    /// The first leaf index in the subtree.
    public let start: UInt64
    /// One past the last leaf index in the subtree.
    public let end: UInt64

    /// The subtree `[start, end)`.
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/invalidSubtree`` unless
    ///   `start < end` and `start` is a multiple of the smallest power of two `>= end - start`.
    public init(start: UInt64, end: UInt64) throws(ProofError) {
        guard Self.isValid(start: start, end: end) else {
            throw ProofError(.invalidSubtree, "[\(start), \(end)) is not a subtree of a Merkle tree")
        }
        self.start = start
        self.end = end
    }

    /// Whether `[start, end)` is a subtree (see ``init(start:end:)``).
    public static func isValid(start: UInt64, end: UInt64) -> Bool {
        guard start < end else { return false }
        let width = end - start
        // The smallest power of two >= width; a start aligned to it. (width - 1 == 0 for 1.)
        let shift = 64 - (width - 1).leadingZeroBitCount
        guard shift < 64 else { return start == 0 }
        return start & ((UInt64(1) << UInt64(shift)) - 1) == 0
    }

    /// `[start, end)`.
    public var description: String { "[\(start), \(end))" }
}

/// Subtree consistency proofs (draft-ietf-plants-merkle-tree-certs §4.4, Appendix B): the
/// hashes that show a subtree `[start, end)` with a given hash sits at those leaf positions in a
/// tree of `n ≥ end` leaves with a given root. c2sp.org/tlog-mirror's `add-entries` carries one
/// per entry package, so that a mirror can authenticate 256 entries against the pending
/// checkpoint without holding the rest of the upload.
///
/// For `[0, m)` the proof is the RFC 9162 consistency proof from `m` to `n`; for `[i, i+1)` it
/// is the inclusion proof of leaf `i`.
public enum SubtreeConsistencyProof {
    /// The most hashes a subtree consistency proof can have (one per level of a 2^63-leaf tree).
    public static let maxHashes = 63

    /// `SUBTREE_PROOF(start, end, D_n)`: the proof that `subtree` is consistent with the tree of
    /// the first `size` leaves of `source`.
    ///
    /// - Throws: ``ProofGenerationError/invalidRequest(_:)`` with
    ///   ``ProofError/Code/indexOutOfRange`` when the subtree ends beyond `size`;
    ///   ``ProofGenerationError/source(_:)`` when `source` throws.
    public static func generate<Source: MerkleHashSource>(
        _ subtree: Subtree, size: UInt64, from source: Source
    ) throws(ProofGenerationError<Source.Failure>) -> [SHA256Digest] {
        guard subtree.end <= size else {
            throw .invalidRequest(ProofError(.indexOutOfRange, "the subtree \(subtree) ends beyond the tree size \(size)"))
        }
        do {
            return try path(subtree, size: size, from: source)
        } catch {
            throw .source(error)
        }
    }

    /// SUBTREE_SUBPROOF unrolled: at each level the subtree lies in the left child, in the
    /// right child, or (only when it starts at the node's start) across both. The hashes
    /// appended after each recursive step are collected top-down and emitted bottom-up.
    private static func path<Source: MerkleHashSource>(
        _ subtree: Subtree, size: UInt64, from source: Source
    ) throws(Source.Failure) -> [SHA256Digest] {
        var start = subtree.start
        let end = subtree.end
        var begin: UInt64 = 0
        var n = size
        var known = true  // b: the verifier holds the hash of what is left to prove
        var siblings: [SHA256Digest] = []
        while !(start == begin && end == begin + n) {
            let k = Merkle.largestPowerOfTwo(below: n)
            if end - begin <= k {
                siblings.append(try Merkle.rangeHash(begin: begin + k, end: begin + n, from: source))
                n = k
            } else if start - begin >= k {
                siblings.append(try Merkle.rangeHash(begin: begin, end: begin + k, from: source))
                begin += k
                n -= k
            } else {
                // start == begin < begin + k < end: the left child is whole in the subtree.
                siblings.append(try Merkle.rangeHash(begin: begin, end: begin + k, from: source))
                begin += k
                start = begin
                n -= k
                known = false
            }
        }
        var proof: [SHA256Digest] = []
        proof.reserveCapacity(siblings.count + 1)
        if !known {
            proof.append(try Merkle.rangeHash(begin: begin, end: begin + n, from: source))
        }
        proof.append(contentsOf: siblings.reversed())
        return proof
    }

    /// Recomputes the root of the tree of `size` leaves from the hash of `subtree` and its
    /// consistency proof (draft-ietf-plants-merkle-tree-certs §4.4.3), checking on the way that
    /// the proof also recomputes `subtreeHash`.
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/indexOutOfRange`` (the subtree ends
    ///   beyond `size`), ``ProofError/Code/wrongProofLength`` (too few or too many hashes) or
    ///   ``ProofError/Code/rootMismatch`` (the proof does not lead back to `subtreeHash`).
    public static func rootFromProof(
        _ subtree: Subtree, size: UInt64, proof: [SHA256Digest], subtreeHash: SHA256Digest
    ) throws(ProofError) -> SHA256Digest {
        guard subtree.end <= size else {
            throw ProofError(.indexOutOfRange, "the subtree \(subtree) ends beyond the tree size \(size)")
        }
        // Paths from the root to the subtree's first and last leaves and the tree's last leaf.
        var fn = subtree.start
        var sn = subtree.end - 1
        var tn = size - 1
        if sn == tn {
            // The subtree is on the tree's right border: start at its own top.
            while fn != sn {
                fn >>= 1; sn >>= 1; tn >>= 1
            }
        } else {
            // Start at the largest full subtree whose right edge is the subtree's.
            while fn != sn && sn & 1 == 1 {
                fn >>= 1; sn >>= 1; tn >>= 1
            }
        }
        var hashes = proof[...]
        var node: SHA256Digest
        if fn == sn {
            node = subtreeHash
        } else {
            guard let first = hashes.popFirst() else {
                throw ProofError(.wrongProofLength, "the subtree consistency proof for \(subtree) in a tree of \(size) is empty")
            }
            node = first
        }
        var root = node
        while let p = hashes.popFirst() {
            guard tn != 0 else {
                throw ProofError(.wrongProofLength, "the subtree consistency proof for \(subtree) is longer than the tree of \(size) is deep")
            }
            if sn & 1 == 1 || sn == tn {
                if fn < sn { node = Merkle.nodeHash(p, node) }
                root = Merkle.nodeHash(p, root)
                while sn & 1 == 0 {
                    fn >>= 1; sn >>= 1; tn >>= 1
                }
            } else {
                root = Merkle.nodeHash(root, p)
            }
            fn >>= 1; sn >>= 1; tn >>= 1
        }
        guard tn == 0 else {
            throw ProofError(.wrongProofLength, "the subtree consistency proof for \(subtree) is shorter than the tree of \(size) is deep")
        }
        guard node == subtreeHash else {
            throw ProofError(.rootMismatch, "the subtree consistency proof does not lead back to the hash of \(subtree)")
        }
        return root
    }

    /// Checks that the subtree with hash `subtreeHash` sits at its positions in the tree of
    /// `size` leaves whose root is `root`. Returns normally when it does.
    ///
    /// ```swift
    /// let subtree = try Subtree(start: 512, end: 700)
    /// let proof = try SubtreeConsistencyProof.generate(subtree, size: 1000, from: tiles)
    /// try SubtreeConsistencyProof.verify(subtree, size: 1000, proof: proof,
    ///                                    subtreeHash: MerkleTree(leafHashes: leafHashes).rootHash, root: checkpoint.rootHash)
    /// ```
    ///
    /// - Throws: ``ProofError`` as ``rootFromProof(_:size:proof:subtreeHash:)``, and
    ///   ``ProofError/Code/rootMismatch`` when the proof leads to another root.
    public static func verify(
        _ subtree: Subtree, size: UInt64, proof: [SHA256Digest], subtreeHash: SHA256Digest, root: SHA256Digest
    ) throws(ProofError) {
        let computed = try rootFromProof(subtree, size: size, proof: proof, subtreeHash: subtreeHash)
        guard computed == root else {
            throw ProofError(.rootMismatch, "the subtree consistency proof for \(subtree) leads to root \(computed), not the expected \(root)")
        }
    }
}
