import JejakCrypto

/// A source of the hashes of *perfect* subtrees of an RFC 9162 §2.1 Merkle tree.
///
/// `hash(level: l, index: i)` is the Merkle Tree Hash of the `2^l` leaves
/// `[i·2^l, (i+1)·2^l)`: level 0 holds the leaf hashes, level 1 the hashes of aligned pairs,
/// and so on. This is the addressing of hashes used by C2SP tlog-tiles (there, grouped 8 levels
/// to a tile). A ledger that stores every complete node as it appends (see
/// ``MerkleFrontier/append(leafHash:)``) can conform with one read per call, and then serve any
/// root and proof of any past size with O(log n) reads through ``Merkle``.
///
/// A conformer may throw its own error type: ``Failure`` is inferred from the thrown type of
/// ``hash(level:index:)`` (`any Error` for an untyped `throws`, `Never` when it cannot fail).
public protocol MerkleHashSource {
    /// The error the source throws when it cannot deliver a hash.
    associatedtype Failure: Error = any Error

    /// The root of the perfect subtree of `2^level` leaves starting at leaf `index·2^level`.
    ///
    /// Only nodes whose leaves all exist are ever asked for. `level` is in `0...63`.
    func hash(level: Int, index: UInt64) throws(Failure) -> SHA256Digest

    /// A previously remembered hash of the leaves `[begin, end)` that do not form a perfect
    /// subtree (a node on the right border of a tree of size `end`), or `nil`.
    ///
    /// Optional: the default remembers nothing. A source that serves many proofs against the
    /// same tree size (one per receipt of a commit) saves recomposing the border node each time.
    func rememberedRange(begin: UInt64, end: UInt64) -> SHA256Digest?

    /// Offers the hash of the leaves `[begin, end)` just composed, for ``rememberedRange(begin:end:)``.
    func remember(range begin: UInt64, end: UInt64, hash: SHA256Digest)
}

extension MerkleHashSource {
    /// Remembers nothing.
    public func rememberedRange(begin: UInt64, end: UInt64) -> SHA256Digest? { nil }
    /// Remembers nothing.
    public func remember(range begin: UInt64, end: UInt64, hash: SHA256Digest) {}
}

/// The RFC 9162 §2.1 Merkle tree over SHA-256: hashing, roots of any size and the inclusion and
/// consistency proofs of §2.1.3 and §2.1.4, computed from a ``MerkleHashSource``.
///
/// Every hash a proof needs is a node of the tree of the requested size. Nodes on the tree's
/// right border are not perfect; they are composed here from the perfect subtrees of the binary
/// decomposition of their width, combined right to left, so a source only ever has to hold
/// perfect subtrees. An inclusion proof costs O(log n) source reads in total (at most one
/// proof node is a composed border node); a consistency proof costs O(log n) too (at most two).
public enum Merkle {
    /// The hash of a leaf: `SHA-256(0x00 || leaf)`.
    public static func leafHash<Bytes: Sequence<UInt8>>(_ leaf: Bytes) -> SHA256Digest {
        if let d = leaf.withContiguousStorageIfAvailable({ leafHash(raw: UnsafeRawBufferPointer($0)) }) {
            return d
        }
        return Array(leaf).withUnsafeBytes { leafHash(raw: $0) }
    }

    /// The hash of a leaf given as a raw buffer: `SHA-256(0x00 || leaf)`.
    public static func leafHash(raw leaf: UnsafeRawBufferPointer) -> SHA256Digest {
        withUnsafeBytes(of: UInt8(0)) { prefix in SHA256Digest.hash(parts: [prefix, leaf]) }
    }

    /// The hash of an interior node: `SHA-256(0x01 || left || right)`.
    public static func nodeHash(_ left: SHA256Digest, _ right: SHA256Digest) -> SHA256Digest {
        // One contiguous 65-byte message: a single SHA-256 pass, no heap allocation.
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = 1
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[33..<65]).copyMemory(from: $0) }
            return SHA256Digest.hash(UnsafeRawBufferPointer(buffer))
        }
    }

    /// The root of the empty tree: the SHA-256 of the empty string
    /// (`e3b0c442…b855`, RFC 9162 §2.1.1).
    public static let emptyRoot: SHA256Digest = SHA256Digest.hash([UInt8]())

    /// Converts a hash received from outside to a digest.
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/malformedHash`` unless `bytes` is
    ///   exactly 32 bytes.
    public static func decodeHash<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(ProofError) -> SHA256Digest {
        do {
            return try SHA256Digest(bytes: bytes)
        } catch {
            throw ProofError(.malformedHash, "a SHA-256 hash is 32 bytes, got \(bytes.count)")
        }
    }

    /// Converts a standard base64 hash (44 characters) to a digest.
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/malformedHash`` when the text is not
    ///   strict base64 of exactly 32 bytes.
    public static func decodeHash(base64: some StringProtocol) throws(ProofError) -> SHA256Digest {
        guard let bytes = Base64.decode(base64) else {
            throw ProofError(.malformedHash, "a hash is not valid base64: \(base64.prefix(60))")
        }
        return try decodeHash(bytes)
    }

    // MARK: - Roots

    /// The root of the tree of the first `size` leaves (`MTH(D[0:size])`); ``emptyRoot`` for 0.
    ///
    /// Reads one perfect subtree per set bit of `size` and combines them right to left.
    ///
    /// - Throws: whatever `source` throws.
    public static func rootHash<Source: MerkleHashSource>(
        size: UInt64, from source: Source
    ) throws(Source.Failure) -> SHA256Digest {
        size == 0 ? emptyRoot : try rangeHash(begin: 0, end: size, from: source)
    }

    /// `MTH(D[begin:end])` for a node of the tree: `begin` must be a multiple of the smallest
    /// power of two not below `end - begin`, which holds for every node of every tree size.
    static func rangeHash<Source: MerkleHashSource>(
        begin: UInt64, end: UInt64, from source: Source
    ) throws(Source.Failure) -> SHA256Digest {
        precondition(end > begin, "a Merkle node covers at least one leaf")
        let width = end - begin
        // Perfect subtrees, left to right, largest first.
        var parts: [SHA256Digest] = []
        parts.reserveCapacity(width.nonzeroBitCount)
        var position = begin
        var level = 63 - width.leadingZeroBitCount
        while level >= 0 {
            let span = UInt64(1) << UInt64(level)
            if width & span != 0 {
                parts.append(try source.hash(level: level, index: position >> UInt64(level)))
                position &+= span
            }
            level -= 1
        }
        var hash = parts[parts.count - 1]
        for part in parts.dropLast().reversed() {
            hash = nodeHash(part, hash)
        }
        return hash
    }

    /// The hash of node `index` at `level` in the tree of `size` leaves (perfect, or composed
    /// when it straddles the right border), or `nil` when it has no leaves (it starts at or
    /// beyond `size`).
    private static func node<Source: MerkleHashSource>(
        level: Int, index: UInt64, size: UInt64, from source: Source
    ) throws(Source.Failure) -> SHA256Digest? {
        guard index <= (UInt64.max >> UInt64(level)) else { return nil }
        let start = index << UInt64(level)
        guard start < size else { return nil }
        let span = UInt64(1) << UInt64(level)
        if size - start >= span {
            return try source.hash(level: level, index: index)
        }
        if let known = source.rememberedRange(begin: start, end: size) { return known }
        let hash = try rangeHash(begin: start, end: size, from: source)
        source.remember(range: start, end: size, hash: hash)
        return hash
    }

    // MARK: - Inclusion proofs (RFC 9162 §2.1.3.1)

    /// The inclusion proof `PATH(index, D[0:size])`: the sibling hashes from the leaf's sibling up
    /// to the root's child, as verified by ``InclusionProof/verify(leafHash:index:size:proof:root:)``.
    ///
    /// - Throws: ``ProofGenerationError/invalidRequest(_:)`` with ``ProofError/Code/emptyTree``
    ///   for size 0 or ``ProofError/Code/indexOutOfRange`` when `index >= size`;
    ///   ``ProofGenerationError/source(_:)`` when `source` throws.
    public static func inclusionProof<Source: MerkleHashSource>(
        index: UInt64, size: UInt64, from source: Source
    ) throws(ProofGenerationError<Source.Failure>) -> [SHA256Digest] {
        guard size > 0 else {
            throw .invalidRequest(ProofError(.emptyTree, "there is no inclusion proof in an empty tree"))
        }
        guard index < size else {
            throw .invalidRequest(ProofError(
                .indexOutOfRange, "leaf index \(index) is not below the tree size \(size)"))
        }
        do {
            return try inclusionPath(index: index, size: size, from: source)
        } catch {
            throw .source(error)
        }
    }

    private static func inclusionPath<Source: MerkleHashSource>(
        index: UInt64, size: UInt64, from source: Source
    ) throws(Source.Failure) -> [SHA256Digest] {
        var proof: [SHA256Digest] = []
        // The path has one entry per level below the root at which the leaf's ancestor has a
        // sibling; levels run while a node of that level is narrower than the tree.
        var level = 0
        while level < 64, (UInt64(1) << UInt64(level)) < size {
            let sibling = (index >> UInt64(level)) ^ 1
            if let h = try node(level: level, index: sibling, size: size, from: source) {
                proof.append(h)
            }
            level += 1
        }
        return proof
    }

    // MARK: - Consistency proofs (RFC 9162 §2.1.4.1)

    /// The consistency proof `PROOF(oldSize, D[0:newSize])`, as verified by
    /// ``ConsistencyProof/verify(oldSize:newSize:oldRoot:newRoot:proof:)``. Empty when the sizes
    /// are equal.
    ///
    /// - Throws: ``ProofGenerationError/invalidRequest(_:)`` with ``ProofError/Code/emptyTree``
    ///   when `oldSize` is 0 (such a proof proves nothing and verifiers refuse it) or
    ///   ``ProofError/Code/oldSizeGreaterThanNewSize``; ``ProofGenerationError/source(_:)`` when
    ///   `source` throws.
    public static func consistencyProof<Source: MerkleHashSource>(
        oldSize: UInt64, newSize: UInt64, from source: Source
    ) throws(ProofGenerationError<Source.Failure>) -> [SHA256Digest] {
        guard oldSize <= newSize else {
            throw .invalidRequest(ProofError(
                .oldSizeGreaterThanNewSize, "old tree size \(oldSize) is greater than new tree size \(newSize)"))
        }
        guard oldSize > 0 else {
            throw .invalidRequest(ProofError(.emptyTree, "a consistency proof from the empty tree proves nothing"))
        }
        do {
            return try consistencyPath(oldSize: oldSize, newSize: newSize, from: source)
        } catch {
            throw .source(error)
        }
    }

    private static func consistencyPath<Source: MerkleHashSource>(
        oldSize: UInt64, newSize: UInt64, from source: Source
    ) throws(Source.Failure) -> [SHA256Digest] {
        // SUBPROOF(m, D[begin:begin+n], b), unrolled: the hashes appended after each recursive
        // call are collected top-down in `siblings` and emitted bottom-up.
        var m = oldSize
        var begin: UInt64 = 0
        var n = newSize
        var completeSubtree = true  // b
        var siblings: [SHA256Digest] = []
        while m != n {
            let k = largestPowerOfTwo(below: n)
            if m <= k {
                siblings.append(try rangeHash(begin: begin + k, end: begin + n, from: source))
                n = k
            } else {
                siblings.append(try rangeHash(begin: begin, end: begin + k, from: source))
                begin += k
                m -= k
                n -= k
                completeSubtree = false
            }
        }
        var proof: [SHA256Digest] = []
        proof.reserveCapacity(siblings.count + 1)
        if !completeSubtree {
            proof.append(try rangeHash(begin: begin, end: begin + n, from: source))
        }
        proof.append(contentsOf: siblings.reversed())
        return proof
    }

    /// The largest power of two strictly below `n` (`n >= 2`).
    static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        UInt64(1) << UInt64(63 - (n - 1).leadingZeroBitCount)
    }
}
