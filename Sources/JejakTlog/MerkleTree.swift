import JejakCrypto

/// A complete node of the tree, addressed as in ``MerkleHashSource``: the root of the perfect
/// subtree of `2^level` leaves starting at leaf `index·2^level`.
public struct MerkleNode: Hashable, Sendable {
    /// The node's level: 0 for a leaf hash.
    public var level: Int
    /// The node's index within its level.
    public var index: UInt64
    /// The node's hash.
    public var hash: SHA256Digest

    /// Creates a node.
    public init(level: Int, index: UInt64, hash: SHA256Digest) {
        self.level = level
        self.index = index
        self.hash = hash
    }
}

/// An in-memory RFC 9162 Merkle tree that keeps every complete node of every level.
///
/// For tests and for verifiers that rebuild a tree from its leaves (an offline check of an
/// export). It holds about two hashes per leaf. Roots and proofs of any size up to ``size``
/// come from ``Merkle`` through the ``MerkleHashSource`` conformance, or from the convenience
/// methods here, which throw a plain ``ProofError``.
///
/// ```swift
/// var tree = MerkleTree()
/// for entry in entries { tree.append(leaf: entry) }
/// let proof = try tree.inclusionProof(index: 3, size: tree.size)
/// try InclusionProof.verify(leafHash: Merkle.leafHash(entries[3]), index: 3,
///                           size: tree.size, proof: proof, root: tree.rootHash)
/// ```
public struct MerkleTree: MerkleHashSource, Hashable, Sendable {
    /// `levels[l][i]` is ``MerkleHashSource/hash(level:index:)`` for `(l, i)`.
    private var levels: [[SHA256Digest]] = [[]]

    /// Creates an empty tree.
    public init() {}

    /// Creates a tree from leaf hashes, in order.
    public init<Hashes: Sequence<SHA256Digest>>(leafHashes: Hashes) {
        for h in leafHashes { append(leafHash: h) }
    }

    /// The number of leaves.
    public var size: UInt64 { UInt64(levels[0].count) }

    /// Appends a leaf by its hash (``Merkle/leafHash(_:)``) and returns its index.
    @discardableResult
    public mutating func append(leafHash: SHA256Digest) -> UInt64 {
        let index = size
        levels[0].append(leafHash)
        var level = 0
        var i = index
        while i & 1 == 1 {
            let parent = Merkle.nodeHash(levels[level][Int(i - 1)], levels[level][Int(i)])
            level += 1
            if levels.count == level { levels.append([]) }
            levels[level].append(parent)
            i >>= 1
        }
        return index
    }

    /// Appends a leaf by its bytes and returns its index.
    @discardableResult
    public mutating func append<Bytes: Sequence<UInt8>>(leaf: Bytes) -> UInt64 {
        append(leafHash: Merkle.leafHash(leaf))
    }

    /// The root of a perfect subtree.
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/nodeUnavailable`` when the subtree
    ///   is not complete in this tree.
    public func hash(level: Int, index: UInt64) throws(ProofError) -> SHA256Digest {
        guard level >= 0, level < levels.count, index < UInt64(levels[level].count) else {
            throw ProofError(
                .nodeUnavailable, "the tree of \(size) leaves has no complete node at level \(level), index \(index)")
        }
        return levels[level][Int(index)]
    }

    /// The hash of leaf `index`.
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/indexOutOfRange``.
    public func leafHash(at index: UInt64) throws(ProofError) -> SHA256Digest {
        guard index < size else {
            throw ProofError(.indexOutOfRange, "leaf index \(index) is not below the tree size \(size)")
        }
        return levels[0][Int(index)]
    }

    /// The root of the whole tree.
    public var rootHash: SHA256Digest {
        // Every node of the current size is stored, so this cannot fail.
        (try? Merkle.rootHash(size: size, from: self)) ?? Merkle.emptyRoot
    }

    /// The root of the first `size` leaves.
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/nodeUnavailable`` when `size`
    ///   exceeds the tree's size.
    public func rootHash(size: UInt64) throws(ProofError) -> SHA256Digest {
        try checkSize(size)
        return try Merkle.rootHash(size: size, from: self)
    }

    /// The inclusion proof for leaf `index` in the tree of the first `size` leaves.
    ///
    /// - Throws: ``ProofError`` (``ProofError/Code/emptyTree``,
    ///   ``ProofError/Code/indexOutOfRange``, or ``ProofError/Code/nodeUnavailable`` when
    ///   `size` exceeds the tree's size).
    public func inclusionProof(index: UInt64, size: UInt64) throws(ProofError) -> [SHA256Digest] {
        try checkSize(size)
        do {
            return try Merkle.inclusionProof(index: index, size: size, from: self)
        } catch {
            throw error.flattened
        }
    }

    /// The consistency proof from the first `oldSize` leaves to the first `newSize` leaves.
    ///
    /// - Throws: ``ProofError`` (``ProofError/Code/emptyTree``,
    ///   ``ProofError/Code/oldSizeGreaterThanNewSize``, or
    ///   ``ProofError/Code/nodeUnavailable`` when `newSize` exceeds the tree's size).
    public func consistencyProof(oldSize: UInt64, newSize: UInt64) throws(ProofError) -> [SHA256Digest] {
        try checkSize(newSize)
        do {
            return try Merkle.consistencyProof(oldSize: oldSize, newSize: newSize, from: self)
        } catch {
            throw error.flattened
        }
    }

    private func checkSize(_ requested: UInt64) throws(ProofError) {
        guard requested <= size else {
            throw ProofError(.nodeUnavailable, "the tree has \(size) leaves, not \(requested)")
        }
    }
}

extension ProofGenerationError where SourceFailure == ProofError {
    /// The underlying ``ProofError``, whichever side it came from.
    public var flattened: ProofError {
        switch self {
        case .invalidRequest(let e), .source(let e): e
        }
    }
}

/// The right edge of a Merkle tree: the roots of the perfect subtrees of the binary
/// decomposition of its size, largest (leftmost) first. Also called a compact range.
///
/// It is all a ledger needs in memory while appending: ``append(leafHash:)`` returns every node
/// that becomes complete, which the ledger stores so that a ``MerkleHashSource`` over its
/// storage can later serve any root or proof; ``root`` is the current tree head. After a
/// restart, ``init(size:from:)`` rebuilds it from the stored nodes with O(log n) reads.
public struct MerkleFrontier: Hashable, Sendable {
    /// The number of leaves appended so far.
    public private(set) var size: UInt64
    /// The perfect subtree roots, left to right; one per set bit of ``size``, the largest first.
    public private(set) var hashes: [SHA256Digest]

    /// The frontier of the empty tree.
    public init() {
        size = 0
        hashes = []
    }

    /// A frontier from its parts, e.g. as previously saved.
    ///
    /// - Throws: ``ProofError`` with code ``ProofError/Code/sizeMismatch`` unless there is
    ///   exactly one hash per set bit of `size`.
    public init(size: UInt64, hashes: [SHA256Digest]) throws(ProofError) {
        guard hashes.count == size.nonzeroBitCount else {
            throw ProofError(
                .sizeMismatch,
                "a frontier of size \(size) has \(size.nonzeroBitCount) subtree hashes, got \(hashes.count)")
        }
        self.size = size
        self.hashes = hashes
    }

    /// The frontier of the first `size` leaves of the tree behind `source`.
    ///
    /// - Throws: whatever `source` throws.
    public init<Source: MerkleHashSource>(size: UInt64, from source: Source) throws(Source.Failure) {
        var hashes: [SHA256Digest] = []
        var position: UInt64 = 0
        var level = 63
        while level >= 0 {
            let span = UInt64(1) << UInt64(level)
            if size & span != 0 {
                hashes.append(try source.hash(level: level, index: position >> UInt64(level)))
                position &+= span
            }
            level -= 1
        }
        self.size = size
        self.hashes = hashes
    }

    /// Appends a leaf by its hash and returns the nodes that became complete: first the leaf
    /// itself (level 0, index = the leaf's index), then each parent completed by it, upwards.
    @discardableResult
    public mutating func append(leafHash: SHA256Digest) -> [MerkleNode] {
        var nodes = [MerkleNode(level: 0, index: size, hash: leafHash)]
        hashes.append(leafHash)
        var index = size
        var level = 0
        while index & 1 == 1 {
            let right = hashes.removeLast()
            let left = hashes.removeLast()
            let parent = Merkle.nodeHash(left, right)
            hashes.append(parent)
            level += 1
            index >>= 1
            nodes.append(MerkleNode(level: level, index: index, hash: parent))
        }
        size += 1
        return nodes
    }

    /// The root of the tree of ``size`` leaves (``Merkle/emptyRoot`` when empty).
    public var root: SHA256Digest {
        guard var hash = hashes.last else { return Merkle.emptyRoot }
        for h in hashes.dropLast().reversed() {
            hash = Merkle.nodeHash(h, hash)
        }
        return hash
    }
}
