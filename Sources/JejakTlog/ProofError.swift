import JejakBase

/// An error from building or checking a Merkle tree proof: a code naming the rule that was
/// broken and a one-sentence message.
///
/// Every verifier in this module reports failure by throwing a ``ProofError``; none of them
/// answers with a `Bool`. The codes mean:
///
/// | code | thrown when |
/// | --- | --- |
/// | ``Code/emptyTree`` | a tree of size 0 was given where a non-empty tree is needed: nothing is included in an empty tree, and a consistency proof *from* size 0 proves nothing (the transparency-dev vectors refuse it, even to size 0). |
/// | ``Code/indexOutOfRange`` | a leaf index is not below the tree size. |
/// | ``Code/oldSizeGreaterThanNewSize`` | a consistency proof was asked for or checked from a larger tree to a smaller one. |
/// | ``Code/wrongProofLength`` | the proof does not have exactly the number of hashes that the index and size (or the two sizes) require. This catches truncated, padded and misplaced proofs before any hashing. |
/// | ``Code/rootMismatch`` | the proof has the right shape, but the root it recomputes differs from the root given (a wrong leaf, a modified proof hash, a wrong index or a wrong root). |
/// | ``Code/malformedHash`` | a hash from outside (bytes or base64) is not exactly 32 bytes. |
/// | ``Code/nodeUnavailable`` | a hash source does not hold a node a computation needs (the tree is smaller than asked). |
/// | ``Code/sizeMismatch`` | a list of subtree hashes does not fit the tree size it is said to describe. |
/// | ``Code/invalidSubtree`` | an interval `[start, end)` is not a subtree (``Subtree``). |
public typealias ProofError = CodedError<ProofErrors>

/// The kind of ``ProofError``: its codes are the static members of `ErrorCode<ProofErrors>`.
public enum ProofErrors: ErrorKind {
    public static var style: CodedErrorStyle { .plain }
}

extension ErrorCode where Kind == ProofErrors {
    /// A tree of size 0 was given where a non-empty tree is needed.
    public static var emptyTree: Self { Self("emptyTree") }
    /// A leaf index is not below the tree size.
    public static var indexOutOfRange: Self { Self("indexOutOfRange") }
    /// The old tree size of a consistency proof is larger than the new one.
    public static var oldSizeGreaterThanNewSize: Self { Self("oldSizeGreaterThanNewSize") }
    /// The proof has the wrong number of hashes for its index and size, or its two sizes.
    public static var wrongProofLength: Self { Self("wrongProofLength") }
    /// The root recomputed from the proof differs from the root given.
    public static var rootMismatch: Self { Self("rootMismatch") }
    /// A hash is not exactly 32 bytes, or not valid base64.
    public static var malformedHash: Self { Self("malformedHash") }
    /// A hash source does not hold a node that the computation needs.
    public static var nodeUnavailable: Self { Self("nodeUnavailable") }
    /// A list of subtree hashes does not fit the tree size it claims to describe.
    public static var sizeMismatch: Self { Self("sizeMismatch") }
    /// An interval is not a subtree: empty, or its start not aligned to its width's power of two.
    public static var invalidSubtree: Self { Self("invalidSubtree") }

}

/// The error of a proof *generator* reading from a ``MerkleHashSource``: either the request
/// itself was impossible (an index beyond the size, an old size above the new size), or the
/// source failed to deliver a hash (a storage error, a missing node).
public enum ProofGenerationError<SourceFailure: Error>: Error {
    /// The request cannot be answered for any tree: the ``ProofError`` says why.
    case invalidRequest(ProofError)
    /// The hash source threw while a proof or root was being computed.
    case source(SourceFailure)
}

extension ProofGenerationError: CustomStringConvertible {
    /// A one-sentence description of the failure.
    public var description: String {
        switch self {
        case .invalidRequest(let e): "invalid proof request: \(e.message)"
        case .source(let e): "the Merkle hash source failed: \(e)"
        }
    }
}
