#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jejak
import JejakCrypto
import JejakTlog

/// Why the witness refused a checkpoint, or could not work: a code naming the rule and one
/// sentence. A refusal records nothing.
public struct WitnessError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rule broken, or the operation that failed.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, e.g. `rollback`.
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        // Refusals of a checkpoint (c2sp.org/tlog-witness add-checkpoint rules).
        /// The witness trusts no log key for the checkpoint's origin.
        public static let unknownLog = Code("unknownLog")
        /// The checkpoint has no signature by the log key the witness trusts for its origin.
        public static let missingLogSignature = Code("missingLogSignature")
        /// A signature line by the trusted log key does not verify.
        public static let invalidLogSignature = Code("invalidLogSignature")
        /// The checkpoint is smaller than the one the witness last cosigned for the log.
        public static let rollback = Code("rollback")
        /// The checkpoint has the size of the one the witness last cosigned, but another root.
        public static let fork = Code("fork")
        /// The consistency proof from the last cosigned checkpoint does not verify (or a proof
        /// is given where none is needed, or a tree of size 0 has a root other than the empty
        /// tree's).
        public static let inconsistent = Code("inconsistent")
        /// On first use, the checkpoint's root is not the root the ledger recomputes for its size.
        public static let rootMismatch = Code("rootMismatch")

        // Failures of the witness itself.
        /// The state directory already holds a witness key.
        public static let alreadyInitialized = Code("alreadyInitialized")
        /// The state directory holds no witness key.
        public static let notInitialized = Code("notInitialized")
        /// The witness key can't be made, read or used (the message says why).
        public static let keyFile = Code("keyFile")
        /// The witness already trusts another key for the log's origin.
        public static let logKeyMismatch = Code("logKeyMismatch")
        /// A state file can't be read or written.
        public static let stateIO = Code("stateIO")
        /// A state file does not hold what the witness wrote there.
        public static let corruptState = Code("corruptState")
        /// The ledger could not be read, or the cosignature not attached to it.
        public static let ledger = Code("ledger")
    }

    /// The rule broken, or the operation that failed.
    public var code: Code
    /// One sentence for a person.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message followed by the code in brackets.
    public var description: String { "\(message) [\(code)]" }
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
/// ```
///
/// The last cosigned checkpoint is replaced atomically (new file, `fsync`, `rename`) before a
/// cosignature is returned, and deciding and recording happen under one lock, so concurrent
/// cosigners (threads or processes) can't roll the state back.
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
        let path = paths.logKey(origin)
        guard let text = try Self.readState(path) else { return nil }
        guard let key = try? VerifierKey(parsing: text.trimmingNewlines),
              key.name.utf8.elementsEqual(origin.utf8)
        else {
            throw WitnessError(.corruptState, "\(path) does not hold a log vkey for \(origin)")
        }
        return key
    }

    /// The checkpoint the witness last cosigned for `origin` (the log's signature and the
    /// witness's cosignature on it), or `nil` if it never cosigned one.
    ///
    /// - Throws: ``WitnessError/Code/stateIO`` or ``WitnessError/Code/corruptState``.
    public func lastCosigned(origin: String) throws(WitnessError) -> SignedCheckpoint? {
        let path = paths.checkpoint(origin)
        guard let text = try Self.readState(path) else { return nil }
        guard let checkpoint = try? SignedCheckpoint(parsing: text),
              checkpoint.checkpoint.origin.utf8.elementsEqual(origin.utf8)
        else {
            throw WitnessError(.corruptState, "\(path) does not hold a signed checkpoint of \(origin)")
        }
        return checkpoint
    }

    /// Trusts `logKey` for the log whose origin is its name. Trusting the key already trusted
    /// does nothing.
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
            try pin(logKey)
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
    /// nothing for the log (trust on first use), when that size is 0, or when the sizes are equal.
    ///
    /// - Throws: ``WitnessError`` with code ``WitnessError/Code/unknownLog``,
    ///   ``WitnessError/Code/missingLogSignature``, ``WitnessError/Code/invalidLogSignature``,
    ///   ``WitnessError/Code/rollback``, ``WitnessError/Code/fork``,
    ///   ``WitnessError/Code/inconsistent`` — nothing is recorded then — or
    ///   ``WitnessError/Code/stateIO``, ``WitnessError/Code/corruptState``.
    public func cosign(checkpoint: SignedCheckpoint, proof: [SHA256Digest]) throws(WitnessError) -> SignedCheckpoint {
        try cosign(checkpoint, offeredLogKey: nil, ledgerRoot: nil, proof: { _ throws(WitnessError) in proof })
    }

    /// Cosigns the ledger's latest checkpoint (see ``cosign(checkpoint:proof:)``), taking the
    /// consistency proof from the ledger, and with `attach` stores the cosignature with the
    /// ledger's checkpoint (`Ledger.addCosignatures(_:)`).
    ///
    /// On first use the witness trusts the log key that the ledger's policy lists for its origin
    /// and checks the checkpoint's root against the root the ledger recomputes from its stored
    /// tree; afterwards it only trusts that key, whatever the policy file says.
    ///
    /// - Throws: as ``cosign(checkpoint:proof:)``, plus ``WitnessError/Code/rootMismatch`` and
    ///   ``WitnessError/Code/ledger`` (the ledger can't be read, or the cosignature can't be
    ///   attached; the witness has recorded the checkpoint then, and cosigning again attaches it).
    public func cosign(ledger: Ledger, attach: Bool = true) throws(WitnessError) -> SignedCheckpoint {
        let latest = try Self.reading("the ledger's latest checkpoint") { () throws(LedgerError) in try ledger.latestCheckpoint() }
        let origin = latest.checkpoint.origin
        let size = latest.checkpoint.size
        var offered: VerifierKey?
        if try trustedLogKey(origin: origin) == nil {
            let policy = try Self.reading("the ledger's policy") { () throws(LedgerError) in try ledger.policy() }
            offered = policy.logs.first { $0.key.name.utf8.elementsEqual(origin.utf8) }?.key
        }
        let cosigned = try cosign(
            latest, offeredLogKey: offered,
            ledgerRoot: { () throws(WitnessError) in
                try Self.reading("the ledger's root of size \(size)") { () throws(LedgerError) in try ledger.rootHash(size: size) }
            },
            proof: { oldSize throws(WitnessError) in
                guard oldSize > 0, oldSize < size else { return [] }
                return try Self.reading("the ledger's consistency proof from \(oldSize) to \(size)") { () throws(LedgerError) in
                    try ledger.consistencyProof(from: oldSize, to: size)
                }
            })
        if attach {
            do { try ledger.addCosignatures(cosigned) } catch {
                throw WitnessError(
                    .ledger,
                    "the witness cosigned size \(size), but the cosignature could not be attached to the ledger: \(error.message) [\(error.code)]")
            }
        }
        return cosigned
    }

    /// The decision: checks, cosigns and records, under the state lock.
    private func cosign(
        _ checkpoint: SignedCheckpoint, offeredLogKey: VerifierKey?,
        ledgerRoot: (() throws(WitnessError) -> SHA256Digest)?,
        proof: (UInt64) throws(WitnessError) -> [SHA256Digest]
    ) throws(WitnessError) -> SignedCheckpoint {
        let cp = checkpoint.checkpoint
        let origin = cp.origin
        return try withStateLock { () throws(WitnessError) -> SignedCheckpoint in
            let pinned = try trustedLogKey(origin: origin)
            guard let logKey = pinned ?? offeredLogKey else {
                throw WitnessError(.unknownLog, "the witness trusts no log key for the origin \(origin)")
            }
            let logSignatures = try Self.verifiedLogSignatures(checkpoint, logKey: logKey)
            guard cp.size > 0 || cp.rootHash == Merkle.emptyRoot else {
                throw WitnessError(.inconsistent, "a checkpoint of size 0 must have the empty tree's root, not \(cp.rootHash.base64)")
            }
            let last = try lastCosigned(origin: origin)
            if last != nil && pinned == nil {
                throw WitnessError(.corruptState, "the witness has a cosigned checkpoint of \(origin) but no trusted log key for it")
            }
            let oldSize = last?.checkpoint.size ?? 0
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
            if pinned == nil { try pin(logKey) }
            try Self.writeState(Array(cosigned.serialized.utf8), to: paths.checkpoint(origin))
            return cosigned
        }
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
    }

    private func pin(_ logKey: VerifierKey) throws(WitnessError) {
        try Self.makeDirectory(paths.logs)
        try Self.makeDirectory(paths.log(logKey.name))
        try Self.writeState(Array((logKey.description + "\n").utf8), to: paths.logKey(logKey.name))
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
        do { try AtomicFile.write(bytes, to: path) } catch {
            throw WitnessError(.stateIO, error.message)
        }
    }

    /// The text of a state file, or `nil` if there is none.
    private static func readState(_ path: String) throws(WitnessError) -> String? {
        guard let f = fopen(path, "r") else {
            if errno == ENOENT { return nil }
            throw ioError("read", path)
        }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n > 0 { out += buffer[0..<n] }
            if n < buffer.count { break }
        }
        guard ferror(f) == 0 else { throw ioError("read", path) }
        return String(decoding: out, as: UTF8.self)
    }

    private static func ioError(_ what: String, _ path: String) -> WitnessError {
        WitnessError(.stateIO, "cannot \(what) \(path): \(String(cString: strerror(errno)))")
    }

    private static func reading<R>(_ what: String, _ body: () throws(LedgerError) -> R) throws(WitnessError) -> R {
        do { return try body() } catch {
            throw WitnessError(.ledger, "cannot read \(what): \(error.message) [\(error.code)]")
        }
    }
}

extension String {
    fileprivate var trimmingNewlines: String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == "\r" || last == " " { s = s.dropLast() }
        return String(s)
    }
}
