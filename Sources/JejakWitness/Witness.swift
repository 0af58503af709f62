#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JejakBase
import JejakCrypto
import JejakTlog

/// Why the witness refused a checkpoint, or could not work: a code naming the rule and one
/// sentence. A refusal records nothing.
public typealias WitnessError = CodedError<WitnessErrors>

/// The kind of ``WitnessError``: its codes are the static members of `ErrorCode<WitnessErrors>`.
public enum WitnessErrors: ErrorKind {
}

extension ErrorCode where Kind == WitnessErrors {
    // Refusals of a checkpoint (c2sp.org/tlog-witness add-checkpoint rules).
    /// The witness trusts no log key for the checkpoint's origin.
    public static var unknownLog: Self { Self("unknownLog") }
    /// The checkpoint has no signature by the log key the witness trusts for its origin.
    public static var missingLogSignature: Self { Self("missingLogSignature") }
    /// A signature line by the trusted log key does not verify.
    public static var invalidLogSignature: Self { Self("invalidLogSignature") }
    /// The checkpoint is smaller than the one the witness last cosigned for the log.
    public static var rollback: Self { Self("rollback") }
    /// An add-checkpoint request's old size is larger than its checkpoint's size.
    public static var oldSizeBeyondCheckpoint: Self { Self("oldSizeBeyondCheckpoint") }
    /// An add-checkpoint request's old size is not the size the witness last cosigned for the
    /// log (the log must learn that size and prove consistency from it).
    public static var oldSizeMismatch: Self { Self("oldSizeMismatch") }
    /// The checkpoint has the size of the one the witness last cosigned, but another root.
    public static var fork: Self { Self("fork") }
    /// The consistency proof from the last cosigned checkpoint does not verify (or a proof
    /// is given where none is needed, or a tree of size 0 has a root other than the empty
    /// tree's).
    public static var inconsistent: Self { Self("inconsistent") }
    /// On first use, the checkpoint's root is not the root the ledger recomputes for its size.
    public static var rootMismatch: Self { Self("rootMismatch") }
    /// The witness trusts the log but has no record of what it last cosigned for it, and was
    /// not told that this is a first use: its state was lost or deleted, and cosigning now
    /// could cosign a rewritten history.
    public static var stateMissing: Self { Self("stateMissing") }
    /// The witness sees its own valid cosignature on a checkpoint beyond (or beside) the one
    /// its state says it last cosigned: the state was restored from an older copy or rolled
    /// back.
    public static var stateRolledBack: Self { Self("stateRolledBack") }

    // Failures of the witness itself.
    /// The state directory already holds a witness key.
    public static var alreadyInitialized: Self { Self("alreadyInitialized") }
    /// The state directory holds no witness key.
    public static var notInitialized: Self { Self("notInitialized") }
    /// The witness key can't be made, read or used (the message says why).
    public static var keyFile: Self { Self("keyFile") }
    /// The witness already trusts another key for the log's origin.
    public static var logKeyMismatch: Self { Self("logKeyMismatch") }
    /// A state file can't be read or written.
    public static var stateIO: Self { Self("stateIO") }
    /// A state file does not hold what the witness wrote there.
    public static var corruptState: Self { Self("corruptState") }
    /// The witness service's configuration file can't be read or does not parse.
    public static var configuration: Self { Self("configuration") }
    /// The ledger could not be read, or the cosignature not attached to it.
    public static var ledger: Self { Self("ledger") }

}

/// The Inspektorat's witness: it cosigns a ledger's checkpoints (c2sp.org/tlog-cosignature v1)
/// after checking that each is consistent with the last one it cosigned for that log, following
/// the rules of c2sp.org/tlog-witness `add-checkpoint`, so that a split view or a rewritten
/// history can't get its signature.
///
/// Its state directory holds:
///
/// ```
/// STATE/
///   witness.key            the cosignature (type 0x04) private key, mode 0600
///   witness.vkey           its vkey
///   witness.lock           flock'ed while a cosignature is decided and recorded
///   logs/<sha256(origin) hex>/log.vkey     the log key trusted for that origin
///   logs/<sha256(origin) hex>/checkpoint   the latest checkpoint cosigned for it
///   logs/<sha256(origin) hex>/first-use    present from trusting a log until its first cosignature
/// ```
///
/// The last cosigned checkpoint is replaced atomically (new file, `fsync`, `rename`) before a
/// cosignature is returned, and deciding and recording happen under one lock, so concurrent
/// cosigners (threads or processes) can't roll the state back.
///
/// A witness forgets nothing silently. It cosigns only for logs it was told to trust
/// (``trust(log:)``); a log it trusts but has no record for is refused
/// (``WitnessError/Code/stateMissing``) unless the call says it is a first use; the record must
/// carry the witness's own valid cosignature and the log's signature, or it is
/// ``WitnessError/Code/corruptState``; and a checkpoint it is shown that already carries its own
/// cosignature beyond its record (in the ledger, or in what is submitted) means the record was
/// restored from an older copy (``WitnessError/Code/stateRolledBack``).
/// ``restore(from:)`` moves a lost or old record forward to a checkpoint the witness cosigned.
/// Back up `witness.key` once; never restore the `logs/` records from a backup (recover them
/// with ``restore(from:)`` instead).
///
/// ```swift
/// let witness = try Witness.initialize(stateDirectory: "/var/lib/inspektorat", name: "inspektorat.kpu.go.id/witness")
/// var options = Ledger.Options()
/// options.readOnly = true
/// options.cosigning = true
/// let ledger = try Ledger(opening: "/var/lib/jejak", options: options)
/// let cosigned = try witness.cosign(ledger: ledger)   // checks, records, attaches
/// ```
public final class Witness: Sendable {
    /// The state directory.
    public let stateDirectory: String
    /// The witness's public key (a cosignature/v1 vkey); its name is the witness's name.
    public let key: VerifierKey
    private let signer: SignerKey
    private let clock: @Sendable () -> UInt64

    /// The system clock in POSIX seconds, the default clock of cosignature timestamps.
    public static let systemClock: @Sendable () -> UInt64 = { UInt64(max(0, time(nil))) }

    // MARK: Creating and opening

    /// Makes a new witness in `stateDirectory` (created with mode 0700 if missing): a
    /// cosignature (type 0x04) key named `name` in `witness.key` (mode 0600) and its vkey in
    /// `witness.vkey`.
    ///
    /// - Parameters:
    ///   - stateDirectory: The witness's state directory.
    ///   - name: The witness key's name, ideally a schema-less URL such as
    ///     `inspektorat.kpu.go.id/witness`.
    ///   - clock: The time of cosignatures, in POSIX seconds.
    /// - Throws: ``WitnessError`` with code ``WitnessError/Code/alreadyInitialized``,
    ///   ``WitnessError/Code/keyFile`` (a bad name, an unwritable file) or
    ///   ``WitnessError/Code/stateIO``.
    public static func initialize(stateDirectory: String, name: String,
                                  clock: @escaping @Sendable () -> UInt64 = systemClock) throws(WitnessError) -> Witness {
        let paths = Paths(stateDirectory)
        try makeDirectory(paths.root)
        guard access(paths.key, F_OK) != 0 else {
            throw WitnessError(.alreadyInitialized, "\(paths.root) already holds a witness key (\(paths.key))")
        }
        let key: SignerKey
        do {
            key = try SignerKey.generate(name: name, type: .cosignatureV1)
            try KeyFile.write(key, to: paths.key)
        } catch {
            if error.code == .keyFileExists {
                throw WitnessError(.alreadyInitialized, "\(paths.root) already holds a witness key (\(paths.key))")
            }
            throw WitnessError(.keyFile, error.message)
        }
        try writeState(Array((key.verifierKey.description + "\n").utf8), to: paths.vkey)
        return try Witness(stateDirectory: stateDirectory, clock: clock)
    }

    /// Opens the witness whose state is in `stateDirectory`.
    ///
    /// - Throws: ``WitnessError`` with code ``WitnessError/Code/notInitialized`` or
    ///   ``WitnessError/Code/keyFile`` (unreadable, insecure, or not a cosignature key).
    public init(stateDirectory: String, clock: @escaping @Sendable () -> UInt64 = systemClock) throws(WitnessError) {
        let paths = Paths(stateDirectory)
        guard access(paths.key, F_OK) == 0 else {
            throw WitnessError(
                .notInitialized,
                "\(stateDirectory) holds no witness key; make one with `jejak witness init --state \(stateDirectory)`")
        }
        let signer: SignerKey
        do { signer = try KeyFile.read(from: paths.key) } catch {
            throw WitnessError(.keyFile, error.message)
        }
        guard signer.type == .cosignatureV1 else {
            throw WitnessError(.keyFile, "\(paths.key) is not a cosignature (type 0x04) key")
        }
        self.stateDirectory = paths.root
        self.signer = signer
        self.key = signer.verifierKey
        self.clock = clock
    }

    // MARK: State

    /// The log key the witness trusts for `origin`, or `nil` if it trusts none yet.
    ///
    /// - Throws: ``WitnessError/Code/stateIO`` or ``WitnessError/Code/corruptState``.
    public func trustedLogKey(origin: String) throws(WitnessError) -> VerifierKey? {
        try Self.trustedLogKey(origin: origin, in: paths)
    }

    private static func trustedLogKey(origin: String, in paths: Paths) throws(WitnessError) -> VerifierKey? {
        let path = paths.logKey(origin)
        guard let text = try Self.readState(path) else { return nil }
        guard let key = try? VerifierKey(parsing: text.trimmingNewlines),
              key.name.sameBytes(as: origin)
        else {
            throw WitnessError(.corruptState, "\(path) does not hold a log vkey for \(origin)")
        }
        return key
    }

    /// The checkpoint the witness last cosigned for `origin` (the log's signature and the
    /// witness's cosignature on it), or `nil` if it never cosigned one.
    ///
    /// - Throws: ``WitnessError/Code/stateIO`` or ``WitnessError/Code/corruptState``.
    ///
    /// The record must be what the witness wrote: a checkpoint of `origin` signed by the trusted
    /// log key and cosigned by this witness, else ``WitnessError/Code/corruptState``.
    public func lastCosigned(origin: String) throws(WitnessError) -> SignedCheckpoint? {
        try Self.record(of: origin, in: paths, witnessKey: key)
    }

    /// The checkpoint the witness whose state is in `stateDirectory` last cosigned for `origin`,
    /// read without its private key (for an auditor: `jejak inspect --witness DIR`); checked as
    /// ``lastCosigned(origin:)`` checks it, with the witness's public key from `witness.vkey`.
    ///
    /// - Throws: ``WitnessError/Code/notInitialized`` (no `witness.vkey`),
    ///   ``WitnessError/Code/stateIO``, ``WitnessError/Code/corruptState``.
    public static func lastCosigned(stateDirectory: String, origin: String) throws(WitnessError) -> SignedCheckpoint? {
        let paths = Paths(stateDirectory)
        guard let text = try readState(paths.vkey) else {
            throw WitnessError(.notInitialized, "\(stateDirectory) holds no witness (no witness.vkey)")
        }
        guard let key = try? VerifierKey(parsing: text.trimmingNewlines), key.type == .cosignatureV1 else {
            throw WitnessError(.corruptState, "\(paths.vkey) does not hold a cosignature vkey")
        }
        return try record(of: origin, in: paths, witnessKey: key)
    }

    /// The record of `origin` in `paths`: a checkpoint signed by the trusted log key and cosigned
    /// by `witnessKey`, or `nil` if there is none.
    private static func record(of origin: String, in paths: Paths, witnessKey: VerifierKey) throws(WitnessError) -> SignedCheckpoint? {
        let path = paths.checkpoint(origin)
        guard let text = try readState(path) else { return nil }
        guard let checkpoint = try? SignedCheckpoint(parsing: text),
              checkpoint.checkpoint.origin.sameBytes(as: origin)
        else {
            throw WitnessError(.corruptState, "\(path) does not hold a signed checkpoint of \(origin)")
        }
        guard let logKey = try trustedLogKey(origin: origin, in: paths),
              carriesValidSignature(checkpoint, by: logKey), carriesValidSignature(checkpoint, by: witnessKey)
        else {
            throw WitnessError(.corruptState, "\(path) is not a checkpoint of \(origin) signed by its log and cosigned by this witness: it is damaged or was not written by this witness")
        }
        return checkpoint
    }

    /// Whether the witness was told that it has cosigned nothing for `origin` yet (by
    /// ``trust(log:)``) and has not cosigned since.
    public func awaitsFirstUse(origin: String) -> Bool {
        access(paths.firstUse(origin), F_OK) == 0
    }

    /// Trusts `logKey` for the log whose origin is its name. For a log this state directory has
    /// never trusted, that says the witness has cosigned nothing for it: its first checkpoint is
    /// taken on first use. For one it trusted before (listed in `trusted-origins`, whose record was
    /// lost since), the key is pinned again but nothing is a first use: the record must be
    /// restored (``restore(from:)``) or the operator must say `firstUse` when cosigning. Trusting
    /// the key already trusted does nothing.
    ///
    /// - Throws: ``WitnessError/Code/logKeyMismatch`` when another key is trusted for that
    ///   origin, ``WitnessError/Code/stateIO``.
    public func trust(log logKey: VerifierKey) throws(WitnessError) {
        try withStateLock { () throws(WitnessError) in
            if let pinned = try trustedLogKey(origin: logKey.name) {
                guard pinned == logKey else {
                    throw WitnessError(
                        .logKeyMismatch, "the witness already trusts the log key \(pinned.hint) for \(logKey.name), not \(logKey.hint)")
                }
                return
            }
            let trustedBefore = try everTrusted(logKey.name)
            try pin(logKey)
            if !trustedBefore {
                try Self.writeState(Array("trusted, nothing cosigned yet\n".utf8), to: paths.firstUse(logKey.name))
            }
        }
    }

    /// Whether this state directory ever trusted a log of `origin` (its `trusted-origins` list,
    /// which only grows).
    private func everTrusted(_ origin: String) throws(WitnessError) -> Bool {
        let listed = try Self.readState(paths.trustedOrigins) ?? ""
        let hash = SHA256Digest.hash(origin.utf8).hex
        return listed.split(separator: "\n").contains { $0.utf8.elementsEqual(hash.utf8) }
    }

    /// Moves the record of what the witness last cosigned for a log forward to `checkpoint`,
    /// which must carry the trusted log key's signature and this witness's own cosignature: the
    /// way back from a lost record, or one restored from an old copy, without trusting anyone
    /// (the witness made that cosignature, so it was consistent with everything before it).
    /// Take the newest such checkpoint to be found (the ledger's, a relying party's receipt).
    ///
    /// - Throws: ``WitnessError/Code/unknownLog`` (no trusted key for its origin),
    ///   ``WitnessError/Code/corruptState`` (not signed by the log and cosigned by this
    ///   witness), ``WitnessError/Code/rollback`` or ``WitnessError/Code/fork`` (behind or beside
    ///   the record the witness has), ``WitnessError/Code/stateIO``.
    public func restore(from checkpoint: SignedCheckpoint) throws(WitnessError) {
        let cp = checkpoint.checkpoint
        try withStateLock { () throws(WitnessError) in
            guard let logKey = try trustedLogKey(origin: cp.origin) else {
                throw WitnessError(.unknownLog, "the witness trusts no log key for the origin \(cp.origin)")
            }
            guard Self.carriesValidSignature(checkpoint, by: logKey), carriesOwnCosignature(checkpoint) else {
                throw WitnessError(.corruptState, "the checkpoint of size \(cp.size) is not signed by the log key \(logKey.hint) and cosigned by this witness, so it cannot restore its record")
            }
            // A record that is damaged may be replaced; one that cannot be read stops the restore.
            let recorded: Checkpoint?
            do throws(WitnessError) { recorded = try lastCosigned(origin: cp.origin)?.checkpoint } catch where error.code == .corruptState {
                recorded = nil
            }
            if let last = recorded {
                guard cp.size >= last.size else {
                    throw WitnessError(.rollback, "the witness's record is already at size \(last.size), beyond \(cp.size)")
                }
                guard cp.size > last.size || cp.rootHash == last.rootHash else {
                    throw WitnessError(.fork, "the witness's record of size \(cp.size) has another root: it never cosigned both")
                }
            }
            let lines = checkpoint.note.signatures.filter { $0.matches(logKey) || $0.matches(key) }
            let kept: SignedCheckpoint
            do { kept = try SignedCheckpoint(note: SignedNote(text: checkpoint.note.text, signatures: lines)) } catch {
                throw WitnessError(.corruptState, "the checkpoint cannot be recorded: \(error)")
            }
            try Self.writeState(Array(kept.serialized.utf8), to: paths.checkpoint(cp.origin))
            _ = unlink(paths.firstUse(cp.origin))
        }
    }

    // MARK: Cosigning

    /// Cosigns `checkpoint` if it extends the last checkpoint the witness cosigned for its log
    /// (c2sp.org/tlog-witness `add-checkpoint`), records it, and returns it with the log's
    /// signature and the witness's cosignature (signature lines by other keys are dropped).
    ///
    /// The checkpoint must carry a valid signature by the log key the witness trusts for its
    /// origin (see ``trust(log:)``). `proof` is the RFC 9162 consistency proof from the size of
    /// ``lastCosigned(origin:)`` to the checkpoint's size: empty when the witness has cosigned
    /// nothing for the log (a first use), when that size is 0, or when the sizes are equal. A
    /// log the witness trusts but has no record for is refused unless it awaits its first use
    /// (``trust(log:)``) or `firstUse` says this is one.
    ///
    /// - Throws: ``WitnessError`` with code ``WitnessError/Code/unknownLog``,
    ///   ``WitnessError/Code/missingLogSignature``, ``WitnessError/Code/invalidLogSignature``,
    ///   ``WitnessError/Code/rollback``, ``WitnessError/Code/fork``,
    ///   ``WitnessError/Code/inconsistent``, ``WitnessError/Code/stateMissing``,
    ///   ``WitnessError/Code/stateRolledBack`` — nothing is recorded then — or
    ///   ``WitnessError/Code/stateIO``, ``WitnessError/Code/corruptState``.
    public func cosign(checkpoint: SignedCheckpoint, proof: [SHA256Digest], firstUse: Bool = false) throws(WitnessError) -> SignedCheckpoint {
        try cosign(checkpoint, firstUse: firstUse, ledgerRoot: nil, evidence: { _ throws(WitnessError) in nil },
                   proof: { _ throws(WitnessError) in proof })
    }

    /// Answers a c2sp.org/tlog-witness `add-checkpoint` request: checks the request's old size
    /// against the size the witness last cosigned for the checkpoint's log, verifies the
    /// consistency proof from it, and — in one step under the state lock, the new record synced
    /// to disk before it returns — records and cosigns the checkpoint.
    ///
    /// The checks run in the order of the spec, each refusal a code that `jejak witness serve`
    /// answers with the spec's status: the origin is unknown
    /// (``WitnessError/Code/unknownLog``, 404); no valid signature by the trusted log key
    /// (``WitnessError/Code/missingLogSignature``, ``WitnessError/Code/invalidLogSignature``,
    /// 403); the old size is above the checkpoint's (``WitnessError/Code/oldSizeBeyondCheckpoint``,
    /// 400); it is not the size last cosigned (``WitnessError/Code/oldSizeMismatch``, 409, with
    /// ``lastCosigned(origin:)`` giving the size to answer); a tree of size 0 with another root
    /// than the empty tree's, a proof where none is needed, a proof that does not verify
    /// (``WitnessError/Code/inconsistent``), or the same size with another root
    /// (``WitnessError/Code/fork``): 422.
    ///
    /// ```swift
    /// let request = try AddCheckpointRequest(parsing: body)
    /// let cosigned = try witness.addCheckpoint(request)
    /// let reply = cosigned.note.signatures.filter { $0.matches(witness.key) }   // the 200 body's lines
    /// ```
    ///
    /// - Returns: The checkpoint with the log's signatures and the witness's new cosignature.
    /// - Throws: ``WitnessError`` with the codes above, or ``WitnessError/Code/stateMissing``,
    ///   ``WitnessError/Code/stateRolledBack``, ``WitnessError/Code/stateIO``,
    ///   ``WitnessError/Code/corruptState`` (the witness's own state needs its operator). Nothing
    ///   is recorded on a refusal.
    public func addCheckpoint(_ request: AddCheckpointRequest) throws(WitnessError) -> SignedCheckpoint {
        try cosign(request.checkpoint, firstUse: false, claimedOldSize: request.oldSize, ledgerRoot: nil,
                   evidence: { _ throws(WitnessError) in nil }, proof: { _ throws(WitnessError) in request.consistencyProof })
    }

    /// The decision: checks, cosigns and records, under the state lock. `claimedOldSize` is the
    /// old size of an add-checkpoint request, checked against the record. `evidence` gives a
    /// checkpoint beyond the recorded size that carries this witness's cosignature, if one is
    /// known (the state was then rolled back).
    package func cosign(
        _ checkpoint: SignedCheckpoint, firstUse: Bool, claimedOldSize: UInt64? = nil,
        ledgerRoot: (() throws(WitnessError) -> SHA256Digest)?,
        evidence: (UInt64) throws(WitnessError) -> SignedCheckpoint?,
        proof: (UInt64) throws(WitnessError) -> [SHA256Digest]
    ) throws(WitnessError) -> SignedCheckpoint {
        let cp = checkpoint.checkpoint
        let origin = cp.origin
        return try withStateLock { () throws(WitnessError) -> SignedCheckpoint in
            guard let logKey = try trustedLogKey(origin: origin) else {
                if try everTrusted(origin) {
                    throw WitnessError(
                        .stateMissing,
                        "the witness once trusted \(origin), but its records of it are gone: trust its key again (`jejak witness trust`, which makes nothing a first use) and restore the record from the newest checkpoint it cosigned (`jejak witness restore`)")
                }
                throw WitnessError(.unknownLog, "the witness trusts no log key for the origin \(origin); trust it first (`jejak witness init --ledger`, `jejak witness trust`)")
            }
            let logSignatures = try Self.verifiedLogSignatures(checkpoint, logKey: logKey)
            if let claimed = claimedOldSize, claimed > cp.size {
                throw WitnessError(
                    .oldSizeBeyondCheckpoint, "the old size \(claimed) is larger than the checkpoint's size \(cp.size)")
            }
            let last = try lastCosigned(origin: origin)
            if last == nil && !firstUse && !awaitsFirstUse(origin: origin) {
                throw WitnessError(
                    .stateMissing,
                    "the witness trusts \(origin) but has no record of what it last cosigned for it: its state was lost or deleted, and cosigning now could cosign a rewritten history; restore the record from the newest checkpoint it cosigned (`jejak witness restore`), or, only if it never cosigned this log, say it is a first use (--first-use)")
            }
            let oldSize = last?.checkpoint.size ?? 0
            if let claimed = claimedOldSize, claimed != oldSize {
                throw WitnessError(
                    .oldSizeMismatch,
                    "the request's old size is \(claimed), but the witness last cosigned size \(oldSize) of \(origin)")
            }
            guard cp.size > 0 || cp.rootHash == Merkle.emptyRoot else {
                throw WitnessError(.inconsistent, "a checkpoint of size 0 must have the empty tree's root, not \(cp.rootHash.base64)")
            }
            // Its own cosignature beyond (or beside) its record: the record is older than what it did.
            if carriesOwnCosignature(checkpoint),
               last.map({ cp.size > $0.checkpoint.size || (cp.size == $0.checkpoint.size && cp.rootHash != $0.checkpoint.rootHash) }) ?? true {
                throw WitnessError(.stateRolledBack, Self.rolledBack(origin, recorded: last?.checkpoint.size, seen: cp.size))
            }
            if let seen = try evidence(oldSize) {
                throw WitnessError(.stateRolledBack, Self.rolledBack(origin, recorded: last?.checkpoint.size, seen: seen.checkpoint.size))
            }
            if let last = last?.checkpoint {
                guard cp.size >= last.size else {
                    throw WitnessError(
                        .rollback,
                        "the checkpoint of size \(cp.size) is smaller than the checkpoint of size \(last.size) the witness already cosigned (a rollback)")
                }
                guard cp.size > last.size || cp.rootHash == last.rootHash else {
                    throw WitnessError(
                        .fork,
                        "the checkpoint of size \(cp.size) has root \(cp.rootHash.base64), but the witness cosigned root \(last.rootHash.base64) for that size (a fork)")
                }
            }
            let consistency = try proof(oldSize)
            if oldSize == 0 {
                guard consistency.isEmpty else {
                    throw WitnessError(.inconsistent, "no consistency proof is needed from the empty tree, but \(consistency.count) hashes were given")
                }
                if let ledgerRoot {
                    let root = try ledgerRoot()
                    guard root == cp.rootHash else {
                        throw WitnessError(
                            .rootMismatch,
                            "the checkpoint of size \(cp.size) has root \(cp.rootHash.base64), but the ledger's tree of that size has root \(root.base64)")
                    }
                }
            } else if let last = last?.checkpoint {
                do throws(ProofError) {
                    try ConsistencyProof.verify(oldSize: last.size, newSize: cp.size, oldRoot: last.rootHash,
                                                newRoot: cp.rootHash, proof: consistency)
                } catch {
                    throw WitnessError(
                        .inconsistent,
                        "the checkpoint of size \(cp.size) is not consistent with the checkpoint of size \(last.size) the witness cosigned: \(error.message)")
                }
            }
            let cosigned: SignedCheckpoint
            do {
                let logSigned = try SignedCheckpoint(note: SignedNote(text: checkpoint.note.text, signatures: logSignatures))
                cosigned = try logSigned.cosigned(by: signer, timestamp: clock())
            } catch {
                throw WitnessError(.keyFile, "the checkpoint could not be cosigned: \(error)")
            }
            try Self.writeState(Array(cosigned.serialized.utf8), to: paths.checkpoint(origin))
            _ = unlink(paths.firstUse(origin))
            return cosigned
        }
    }

    private static func rolledBack(_ origin: String, recorded: UInt64?, seen: UInt64) -> String {
        "the witness's own cosignature is on a checkpoint of \(origin) of size \(seen), but its record says it last cosigned \(recorded.map { "size \($0)" } ?? "nothing"): its state was restored from an older copy or rolled back; restore the record from the newest checkpoint it cosigned (`jejak witness restore`)"
    }

    /// Whether `checkpoint` carries a valid cosignature by this witness's key.
    package func carriesOwnCosignature(_ checkpoint: SignedCheckpoint) -> Bool {
        Self.carriesValidSignature(checkpoint, by: key)
    }

    /// Whether `checkpoint` has a signature line by `key` that verifies.
    private static func carriesValidSignature(_ checkpoint: SignedCheckpoint, by key: VerifierKey) -> Bool {
        checkpoint.note.signatures.contains { $0.matches(key) && key.verify(noteText: checkpoint.note.text, signature: $0.signature) }
    }

    /// The checkpoint's signature lines by `logKey`, all verified.
    private static func verifiedLogSignatures(_ checkpoint: SignedCheckpoint, logKey: VerifierKey) throws(WitnessError) -> [NoteSignature] {
        let lines = checkpoint.note.signatures.filter { $0.matches(logKey) }
        guard !lines.isEmpty else {
            throw WitnessError(
                .missingLogSignature,
                "the checkpoint of size \(checkpoint.checkpoint.size) is not signed by the log key \(logKey.hint) the witness trusts")
        }
        for s in lines where !logKey.verify(noteText: checkpoint.note.text, signature: s.signature) {
            throw WitnessError(.invalidLogSignature, "the signature by the log key \(logKey.hint) on the checkpoint does not verify")
        }
        return lines
    }

    // MARK: Files

    private var paths: Paths { Paths(stateDirectory) }

    private struct Paths {
        let root: String
        init(_ root: String) { self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root }
        var key: String { root + "/witness.key" }
        var vkey: String { root + "/witness.vkey" }
        var lock: String { root + "/witness.lock" }
        var logs: String { root + "/logs" }
        func log(_ origin: String) -> String { logs + "/" + SHA256Digest.hash(origin.utf8).hex }
        func logKey(_ origin: String) -> String { log(origin) + "/log.vkey" }
        func checkpoint(_ origin: String) -> String { log(origin) + "/checkpoint" }
        func firstUse(_ origin: String) -> String { log(origin) + "/first-use" }
        /// Every origin this state directory ever trusted (SHA-256 hex, one a line): only grows.
        var trustedOrigins: String { root + "/trusted-origins" }
    }

    private func pin(_ logKey: VerifierKey) throws(WitnessError) {
        try Self.makeDirectory(paths.logs)
        try Self.makeDirectory(paths.log(logKey.name))
        try Self.writeState(Array((logKey.description + "\n").utf8), to: paths.logKey(logKey.name))
        if try !everTrusted(logKey.name) {
            let listed = try Self.readState(paths.trustedOrigins) ?? ""
            try Self.writeState(Array((listed + SHA256Digest.hash(logKey.name.utf8).hex + "\n").utf8), to: paths.trustedOrigins)
        }
    }

    /// Runs `body` holding an exclusive `flock` on `witness.lock` (taken per call, so it also
    /// serialises threads of this process).
    private func withStateLock<R>(_ body: () throws(WitnessError) -> R) throws(WitnessError) -> R {
        let path = paths.lock
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.ioError("open", path) }
        defer { _ = close(fd) }  // releases the lock
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Self.ioError("lock", path) }
        }
        return try body()
    }

    private static func makeDirectory(_ path: String) throws(WitnessError) {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw ioError("create", path) }
    }

    private static func writeState(_ bytes: [UInt8], to path: String) throws(WitnessError) {
        do { try AtomicFile.write(bytes, to: path, mode: 0o600) } catch {
            throw WitnessError(.stateIO, error.message)
        }
    }

    /// The text of a state file, or `nil` if there is none.
    private static func readState(_ path: String) throws(WitnessError) -> String? {
        do { return try AtomicFile.readIfPresent(path) } catch {
            throw WitnessError(.stateIO, error.message, underlying: error)
        }
    }

    private static func ioError(_ what: String, _ path: String) -> WitnessError {
        WitnessError(.stateIO, "cannot \(what) \(path): \(String(cString: strerror(errno)))")
    }
}

extension String {
    fileprivate var trimmingNewlines: String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == "\r" || last == " " { s = s.dropLast() }
        return String(s)
    }
}
