import Jejak
import JejakBase
import JejakCrypto
import JejakModel
import JejakTlog
import JejakWitness

extension Witness {
    /// Cosigns the ledger's latest checkpoint (see ``cosign(checkpoint:proof:)``), taking the
    /// consistency proof from the ledger, and with `attach` stores the cosignature with the
    /// ledger's checkpoint (`Ledger.addCosignatures(_:)`).
    ///
    /// The witness must trust the ledger's log (``trust(log:)``: `jejak witness init --ledger`
    /// does it, as the operator's explicit act of trust); cosigning never takes a key from the
    /// ledger's files on its own. On first use it checks the
    /// checkpoint's root against the root the ledger recomputes from its stored tree. Before
    /// cosigning, it looks through the ledger's checkpoints beyond its record for its own
    /// cosignature: one there means its record was rolled back, and nothing is cosigned.
    ///
    /// - Throws: as ``cosign(checkpoint:proof:firstUse:)``, plus ``WitnessError/Code/rootMismatch`` and
    ///   ``WitnessError/Code/ledger`` (the ledger can't be read, or the cosignature can't be
    ///   attached; the witness has recorded the checkpoint then, and cosigning again attaches it).
    public func cosign(ledger: Ledger, attach: Bool = true, firstUse: Bool = false) throws(WitnessError) -> SignedCheckpoint {
        let latest = try Self.reading("the ledger's latest checkpoint") { () throws(LedgerError) in try ledger.latestCheckpoint() }
        let size = latest.checkpoint.size
        let cosigned = try cosign(
            latest, firstUse: firstUse,
            ledgerRoot: { () throws(WitnessError) in
                try Self.reading("the ledger's root of size \(size)") { () throws(LedgerError) in try ledger.rootHash(size: size) }
            },
            evidence: { recorded throws(WitnessError) in
                // The largest checkpoint the ledger holds beyond the record with this witness's
                // own cosignature, if any, among the newest ``evidenceWindow`` of them.
                guard recorded < .max else { return nil }
                let sizes = try Self.reading("the ledger's checkpoint sizes") { () throws(LedgerError) in
                    try ledger.checkpointSizes(from: recorded + 1)
                }
                for s in sizes.suffix(Self.evidenceWindow).reversed() {
                    guard let stored = try Self.reading("the ledger's checkpoint of size \(s)", { () throws(LedgerError) in
                        try ledger.checkpoint(size: s)
                    }) else { continue }
                    if self.carriesOwnCosignature(stored) { return stored }
                }
                return nil
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

    /// How many of the ledger's checkpoints beyond its record a witness looks through for its own
    /// cosignature before cosigning (the newest ones, where a restored record shows).
    public static let evidenceWindow = 10_000

    private static func reading<R>(_ what: String, _ body: () throws(LedgerError) -> R) throws(WitnessError) -> R {
        do { return try body() } catch {
            throw WitnessError(.ledger, "cannot read \(what): \(error.message) [\(error.code)]")
        }
    }
}
