#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JejakBase
import JejakCrypto
import JejakStorage
import JejakTlog

extension ErrorCode where Kind == LedgerErrors {
    /// A cosigned checkpoint is not the stored checkpoint of its size: its note text differs,
    /// it lacks the stored log signature, or it has another signature under the log's name.
    public static var checkpointMismatch: Self { Self("checkpointMismatch") }
    /// A signature line by a witness of the ledger's policy does not verify, or the note would
    /// get more signature lines than a signed note may have.
    public static var invalidCosignature: Self { Self("invalidCosignature") }
    /// A witness can't be added to the policy: its key is not a cosignature (type 0x04) key,
    /// its name can't be a policy name, or its key is already listed under another name.
    public static var invalidWitness: Self { Self("invalidWitness") }
}

// MARK: - Witness cosignatures

extension Ledger {
    /// Stores the witness cosignatures of `cosigned` with the ledger's checkpoint of the same
    /// size (c2sp.org/tlog-cosignature lines), so that readers of the checkpoint, and receipts
    /// made from it, carry them.
    ///
    /// The note text of `cosigned` must be byte for byte the stored checkpoint's text, and it must
    /// carry the stored log signature. Every other signature line is merged into the stored note:
    /// a line already present is not added again, and a line by a key that already has one
    /// replaces it only when it is a later cosignature (a greater timestamp). A line by a witness
    /// the ledger's policy lists must verify. The read and the write are one LMDB transaction.
    ///
    /// Works on a ledger open for writing (beside its writer) and on one opened with
    /// ``Options/readOnly`` and ``Options/cosigning`` while another process writes.
    ///
    /// ```swift
    /// var options = Ledger.Options()
    /// options.readOnly = true
    /// options.cosigning = true
    /// let ledger = try Ledger(opening: "/var/lib/jejak", options: options)
    /// let latest = try ledger.latestCheckpoint()
    /// try ledger.addCosignatures(try latest.cosigned(by: witnessKey, timestamp: now))
    /// ```
    ///
    /// It runs one LMDB write transaction on the calling thread (waiting for the disk on a
    /// durable ledger), so call it from a thread that may block.
    ///
    /// - Returns: The checkpoint as now stored.
    /// - Throws: ``LedgerError`` with code ``LedgerError/Code/notWritable`` (opened read-only
    ///   without ``Options/cosigning``), ``LedgerError/Code/notFound`` (no stored checkpoint of
    ///   that size), ``LedgerError/Code/checkpointMismatch``,
    ///   ``LedgerError/Code/invalidCosignature``, ``LedgerError/Code/ledgerDirectory`` (the
    ///   policy file can't be read), ``LedgerError/Code/storage``. Nothing is written then.
    @discardableResult
    public func addCosignatures(_ cosigned: SignedCheckpoint) throws(LedgerError) -> SignedCheckpoint {
        try checkCosigningAllowed()
        let text = cosigned.note.text
        for witness in try policy().witnesses {
            for s in cosigned.note.signatures where s.matches(witness.key) {
                guard witness.key.verify(noteText: text, signature: s.signature) else {
                    throw LedgerError(
                        .invalidCosignature,
                        "the cosignature by policy witness \(witness.name) (\(witness.key.hint)) does not verify")
                }
            }
        }
        let size = cosigned.checkpoint.size
        let key = BigEndian.bytes(size)
        let store = self.store
        let logKey = self.logKey
        do {
            return try store.env.write { txn -> SignedCheckpoint in
                guard let bytes = try txn.get(store.checkpoints, key: key) else {
                    throw LedgerError(.notFound, "the ledger signed no checkpoint of size \(size)")
                }
                let stored = try Self.parseCheckpoint(String(decoding: bytes, as: UTF8.self))
                let merged = try Self.merge(cosigned, into: stored, logKey: logKey)
                if merged != stored {
                    try txn.put(store.checkpoints, key: key, value: Array(merged.serialized.utf8))
                }
                return merged
            }
        } catch {
            throw LedgerError.fromStore(error)
        }
    }

    /// `stored` with the signature lines of `cosigned` merged in (see ``addCosignatures(_:)``).
    static func merge(_ cosigned: SignedCheckpoint, into stored: SignedCheckpoint,
                      logKey: VerifierKey) throws(LedgerError) -> SignedCheckpoint {
        let size = stored.checkpoint.size
        guard cosigned.note.text.sameBytes(as: stored.note.text) else {
            throw LedgerError(
                .checkpointMismatch,
                "the cosigned checkpoint's text is not the text of the ledger's checkpoint of size \(size)")
        }
        let storedLog = stored.note.signatures.filter { $0.matches(logKey) }
        let offeredLog = cosigned.note.signatures.filter { $0.matches(logKey) }
        guard !offeredLog.isEmpty, offeredLog == storedLog else {
            throw LedgerError(
                .checkpointMismatch,
                "the cosigned checkpoint does not carry the log signature stored with the checkpoint of size \(size)")
        }
        var signatures = stored.note.signatures
        for s in cosigned.note.signatures where !s.matches(logKey) {
            guard !s.name.sameBytes(as: logKey.name) else {
                throw LedgerError(
                    .checkpointMismatch,
                    "the cosigned checkpoint has a signature under the log's name \(logKey.name) that is not the stored log signature")
            }
            if let i = signatures.firstIndex(where: { $0.keyID == s.keyID && $0.name.sameBytes(as: s.name) }) {
                if let new = timestamp(of: s), let old = timestamp(of: signatures[i]), new > old { signatures[i] = s }
            } else {
                signatures.append(s)
            }
        }
        guard signatures.count <= SignedNote.maxSignatures else {
            throw LedgerError(
                .invalidCosignature,
                "the checkpoint of size \(size) would have \(signatures.count) signature lines, more than the \(SignedNote.maxSignatures) a signed note may have")
        }
        do {
            return try SignedCheckpoint(note: SignedNote(text: stored.note.text, signatures: signatures))
        } catch {
            throw LedgerError(.corruptStore, "the stored checkpoint of size \(size) can't take the cosignatures: \(error)")
        }
    }

    /// The timestamp of a cosignature/v1 line (8-byte big-endian timestamp and 64-byte
    /// signature), or `nil` for a line of another form.
    private static func timestamp(of s: NoteSignature) -> UInt64? {
        guard s.signature.count == 72 else { return nil }
        return s.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private func checkCosigningAllowed() throws(LedgerError) {
        guard !options.readOnly || options.cosigning else {
            throw LedgerError(
                .notWritable, "the ledger was opened read-only; open it with the cosigning option to attach cosignatures")
        }
    }

    // MARK: Policy

    /// Lists a witness in the ledger's policy file (DIR/policy) and makes it the quorum, so
    /// verifiers require its cosignature. With `url` (its tlog-witness submission prefix),
    /// `jejak serve` submits each new checkpoint to it. A witness of the same name is replaced in place; the
    /// logs, other witnesses and groups are kept. The file is replaced atomically (a new file,
    /// flushed, renamed over the old one), in canonical form.
    ///
    /// ```swift
    /// let witness = try SignerKey.generate(name: "inspektorat.kpu.go.id/witness", type: .cosignatureV1)
    /// try ledger.addWitness(name: "inspektorat", key: witness.verifierKey)
    /// // DIR/policy now ends with: witness inspektorat <vkey> / quorum inspektorat
    /// ```
    ///
    /// - Returns: The new policy.
    /// - Throws: ``LedgerError`` with code ``LedgerError/Code/notWritable`` (opened read-only
    ///   without ``Options/cosigning``), ``LedgerError/Code/invalidWitness``,
    ///   ``LedgerError/Code/ledgerDirectory`` (the policy file can't be read, parsed or written).
    @discardableResult
    public func addWitness(name: String, key: VerifierKey, url: String? = nil) throws(LedgerError) -> TlogPolicy {
        try checkCosigningAllowed()
        guard key.type == .cosignatureV1 else {
            throw LedgerError(.invalidWitness, "witness key \(key.hint) is not a cosignature (type 0x04) key")
        }
        let current = try policy()
        var builder = TlogPolicy.Builder()
        for log in current.logs { builder.addLog(log.key, url: log.url) }
        var listed = false
        for w in current.witnesses {
            if w.name.sameBytes(as: name) {
                builder.addWitness(name: name, key: key, url: url ?? w.url)
                listed = true
            } else {
                builder.addWitness(name: w.name, key: w.key, url: w.url)
            }
        }
        if !listed { builder.addWitness(name: name, key: key, url: url) }
        for g in current.groups { builder.addGroup(name: g.name, threshold: g.threshold, members: g.members) }
        builder.setQuorum(name)
        let policy: TlogPolicy
        do { policy = try builder.build() } catch {
            throw LedgerError(.invalidWitness, "witness \(name) can't be added to the policy: \(error.message)")
        }
        if policy == current { return policy }
        let text = "# Jejak trust policy (c2sp.org/tlog-policy) for the log \(origin)\n" + policy.serialized
        do { try AtomicFile.write(Array(text.utf8), to: directory.policy) } catch {
            throw LedgerError(.ledgerDirectory, error.message, underlying: error)
        }
        return policy
    }
}
