import JejakCrypto

/// Verification of RFC 9162 §2.1.3 inclusion proofs: does a leaf sit at an index of a tree?
///
/// The proof is the list of sibling hashes from the leaf's sibling up to the root's child, as
/// produced by ``Merkle/inclusionProof(index:size:from:)`` and carried in a tlog-proof receipt.
/// Pure functions, no I/O.
public enum InclusionProof {
    /// The number of hashes an inclusion proof for `index` in a tree of `size` leaves has
    /// (`index < size`). The path splits where the paths to `index` and to `size - 1` diverge:
    /// below it, one hash per level; above it, one per left sibling on the right border.
    static func expectedLength(index: UInt64, size: UInt64) -> Int {
        precondition(index < size, "the leaf index must be below the tree size")
        let inner = 64 - (index ^ (size - 1)).leadingZeroBitCount
        let border = inner >= 64 ? 0 : (index >> UInt64(inner)).nonzeroBitCount
        return inner + border
    }

    /// Recomputes the root of the tree of `size` leaves from a leaf hash at `index` and its
    /// inclusion proof (RFC 9162 §2.1.3.2, steps 1–4).
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/emptyTree`` (size 0),
    ///   ``ProofError/Code/indexOutOfRange`` (`index >= size`) or
    ///   ``ProofError/Code/wrongProofLength`` (too few or too many hashes).
    public static func rootFromInclusionProof(
        leafHash: SHA256Digest, index: UInt64, size: UInt64, proof: [SHA256Digest]
    ) throws(ProofError) -> SHA256Digest {
        guard size > 0 else {
            throw ProofError(.emptyTree, "no leaf is included in an empty tree")
        }
        guard index < size else {
            throw ProofError(.indexOutOfRange, "leaf index \(index) is not below the tree size \(size)")
        }
        let expected = expectedLength(index: index, size: size)
        guard proof.count == expected else {
            throw ProofError(
                .wrongProofLength,
                "an inclusion proof for leaf \(index) in a tree of \(size) has \(expected) hashes, got \(proof.count)")
        }
        // RFC 9162 §2.1.3.2.
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else {
                throw ProofError(.wrongProofLength, "the inclusion proof is longer than the tree is deep")
            }
            if fn & 1 == 1 || fn == sn {
                r = Merkle.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = Merkle.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw ProofError(.wrongProofLength, "the inclusion proof is shorter than the tree is deep")
        }
        return r
    }

    /// Checks that `leafHash` is the leaf at `index` of the tree of `size` leaves whose root is
    /// `root`. Returns normally when it is; never answers with a `Bool`.
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/emptyTree``,
    ///   ``ProofError/Code/indexOutOfRange`` or ``ProofError/Code/wrongProofLength`` for a proof
    ///   that cannot be right for any tree, and ``ProofError/Code/rootMismatch`` when the proof
    ///   leads to a different root (wrong leaf, index, proof hash or root).
    public static func verify(
        leafHash: SHA256Digest, index: UInt64, size: UInt64, proof: [SHA256Digest], root: SHA256Digest
    ) throws(ProofError) {
        let computed = try rootFromInclusionProof(leafHash: leafHash, index: index, size: size, proof: proof)
        guard computed == root else {
            throw ProofError(
                .rootMismatch,
                "the inclusion proof for leaf \(index) leads to root \(computed), not the expected \(root)")
        }
    }
}

/// Verification of RFC 9162 §2.1.4 consistency proofs: is the tree of `newSize` leaves an
/// append-only extension of the tree of `oldSize` leaves?
///
/// Sizes follow the transparency-dev rules (which the test vectors pin down): `oldSize` must be
/// at least 1 and at most `newSize`; equal sizes need an empty proof and equal roots.
public enum ConsistencyProof {
    /// The number of hashes a consistency proof from `oldSize` to `newSize` has
    /// (`0 < oldSize <= newSize`).
    static func expectedLength(oldSize: UInt64, newSize: UInt64) -> Int {
        precondition(oldSize > 0 && oldSize <= newSize, "need 0 < oldSize <= newSize")
        if oldSize == newSize { return 0 }
        let full = InclusionProof.expectedLength(index: oldSize - 1, size: newSize)
        let shift = oldSize.trailingZeroBitCount
        let seedIsOldRoot = oldSize == UInt64(1) << UInt64(shift)
        return full - shift + (seedIsOldRoot ? 0 : 1)
    }

    /// Checks the proof against the old root and returns the new root it implies
    /// (RFC 9162 §2.1.4.2, with the old-root check of step 7 done here).
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/oldSizeGreaterThanNewSize``,
    ///   ``ProofError/Code/emptyTree`` (`oldSize` is 0), ``ProofError/Code/wrongProofLength``
    ///   or ``ProofError/Code/rootMismatch`` (the proof does not lead to `oldRoot`).
    public static func rootFromConsistencyProof(
        oldSize: UInt64, newSize: UInt64, oldRoot: SHA256Digest, proof: [SHA256Digest]
    ) throws(ProofError) -> SHA256Digest {
        guard oldSize <= newSize else {
            throw ProofError(
                .oldSizeGreaterThanNewSize, "old tree size \(oldSize) is greater than new tree size \(newSize)")
        }
        guard oldSize > 0 else {
            throw ProofError(.emptyTree, "a consistency proof from the empty tree proves nothing")
        }
        let expected = expectedLength(oldSize: oldSize, newSize: newSize)
        guard proof.count == expected else {
            throw ProofError(
                .wrongProofLength,
                "a consistency proof from size \(oldSize) to \(newSize) has \(expected) hashes, got \(proof.count)")
        }
        if oldSize == newSize { return oldRoot }

        // RFC 9162 §2.1.4.2.
        var path = proof[...]
        var seed: SHA256Digest
        if oldSize & (oldSize - 1) == 0 {
            seed = oldRoot  // step 2: an exact power of two is its own first subtree
        } else {
            seed = path.removeFirst()
        }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = seed
        var sr = seed
        for c in path {
            guard sn != 0 else {
                throw ProofError(.wrongProofLength, "the consistency proof is longer than the tree is deep")
            }
            if fn & 1 == 1 || fn == sn {
                fr = Merkle.nodeHash(c, fr)
                sr = Merkle.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = Merkle.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw ProofError(.wrongProofLength, "the consistency proof is shorter than the tree is deep")
        }
        guard fr == oldRoot else {
            throw ProofError(
                .rootMismatch,
                "the consistency proof leads to old root \(fr), not the expected \(oldRoot) for size \(oldSize)")
        }
        return sr
    }

    /// Checks that the tree of `newSize` leaves with root `newRoot` extends the tree of
    /// `oldSize` leaves with root `oldRoot`. Returns normally when it does.
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/oldSizeGreaterThanNewSize``,
    ///   ``ProofError/Code/emptyTree`` (`oldSize` is 0), ``ProofError/Code/wrongProofLength``
    ///   (including a non-empty proof for equal sizes), or ``ProofError/Code/rootMismatch``
    ///   (either root differs from what the proof implies; for equal sizes, the roots differ).
    public static func verify(
        oldSize: UInt64, newSize: UInt64, oldRoot: SHA256Digest, newRoot: SHA256Digest, proof: [SHA256Digest]
    ) throws(ProofError) {
        let computed = try rootFromConsistencyProof(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, proof: proof)
        guard computed == newRoot else {
            throw ProofError(
                .rootMismatch,
                "the consistency proof leads to new root \(computed), not the expected \(newRoot) for size \(newSize)")
        }
    }
}
