import JejakBase

/// Why a mirror refused an update, or could not work: a code naming the rule and one sentence.
/// A refusal leaves the mirror checkpoint as it was.
public typealias MirrorError = CodedError<MirrorErrors>

/// The kind of ``MirrorError``: its codes are the static members of `ErrorCode<MirrorErrors>`.
///
/// The c2sp.org/tlog-mirror status of each refusal: ``ErrorCode/unknownLog`` 404;
/// ``ErrorCode/missingLogSignature``, ``ErrorCode/invalidLogSignature`` 403;
/// ``ErrorCode/oldSizeBeyondCheckpoint``, ``ErrorCode/rollback``, ``ErrorCode/malformedUpload`` 400;
/// ``ErrorCode/oldSizeMismatch``, ``ErrorCode/unknownUploadEnd``, ``ErrorCode/uploadBehind``,
/// ``ErrorCode/uploadGap``, ``ErrorCode/tooManyExcessEntries`` 409 (with a mirror-info body);
/// ``ErrorCode/fork``, ``ErrorCode/inconsistent``,
/// ``ErrorCode/noPendingCheckpoint``, ``ErrorCode/unauthenticatedPackage`` 422.
public enum MirrorErrors: ErrorKind {}

extension ErrorCode where Kind == MirrorErrors {
    /// The mirror trusts no log key for the origin.
    public static var unknownLog: Self { Self("unknownLog") }
    /// The checkpoint has no signature by the trusted log key.
    public static var missingLogSignature: Self { Self("missingLogSignature") }
    /// A signature line by the trusted log key does not verify.
    public static var invalidLogSignature: Self { Self("invalidLogSignature") }
    /// An add-checkpoint request's old size is larger than its checkpoint's size.
    public static var oldSizeBeyondCheckpoint: Self { Self("oldSizeBeyondCheckpoint") }
    /// An add-checkpoint request's old size is not the size of the mirror's pending checkpoint.
    public static var oldSizeMismatch: Self { Self("oldSizeMismatch") }
    /// The checkpoint is smaller than the mirror's pending checkpoint (the log was rolled back).
    public static var rollback: Self { Self("rollback") }
    /// The checkpoint has the pending checkpoint's size but another root (the log forked).
    public static var fork: Self { Self("fork") }
    /// The consistency proof from the pending checkpoint does not verify.
    public static var inconsistent: Self { Self("inconsistent") }
    /// add-entries for a log of which the mirror never received a pending checkpoint.
    public static var noPendingCheckpoint: Self { Self("noPendingCheckpoint") }
    /// add-entries' `upload_end` is neither the pending checkpoint's size nor the mirror's.
    public static var unknownUploadEnd: Self { Self("unknownUploadEnd") }
    /// add-entries' `upload_end` is below the mirror checkpoint's size.
    public static var uploadBehind: Self { Self("uploadBehind") }
    /// add-entries' `upload_start` is beyond the mirror's next entry.
    public static var uploadGap: Self { Self("uploadGap") }
    /// add-entries would re-send more entries the mirror already holds than it takes.
    public static var tooManyExcessEntries: Self { Self("tooManyExcessEntries") }
    /// The add-entries body is malformed before its first whole entry package.
    public static var malformedUpload: Self { Self("malformedUpload") }
    /// An entry package's subtree consistency proof does not verify against the checkpoint.
    public static var unauthenticatedPackage: Self { Self("unauthenticatedPackage") }

    /// The state directory already holds a mirror key.
    public static var alreadyInitialized: Self { Self("alreadyInitialized") }
    /// The state directory holds no mirror key.
    public static var notInitialized: Self { Self("notInitialized") }
    /// The mirror key can't be made, read or used.
    public static var keyFile: Self { Self("keyFile") }
    /// The mirror already trusts another key for the log's origin.
    public static var logKeyMismatch: Self { Self("logKeyMismatch") }
    /// A log key that is not an Ed25519 (type 0x01) note key: a log signs its checkpoints with one.
    public static var unsupportedLogKey: Self { Self("unsupportedLogKey") }
    /// Another mirror (in this process or another) has the state directory open.
    public static var stateInUse: Self { Self("stateInUse") }
    /// A state file or tile can't be read or written.
    public static var stateIO: Self { Self("stateIO") }
    /// The mirror's copy does not hold what it wrote (a tile or checkpoint damaged on disk).
    public static var corruptState: Self { Self("corruptState") }
    /// An upload larger than the mirror takes (once inflated, for a gzip body).
    public static var uploadTooLarge: Self { Self("uploadTooLarge") }
    /// The primary a follower reads did not answer, or lacks a resource its checkpoint covers.
    public static var primaryUnavailable: Self { Self("primaryUnavailable") }
    /// The primary answered with something that is not a checkpoint or an entry bundle of the log.
    public static var primaryMalformed: Self { Self("primaryMalformed") }
}
