import Dispatch
import Foundation
import JejakBase
import JejakCrypto
import JejakJSON
import JejakModel
import JejakTlog

/// Verifies a C2SP tlog-tiles export (`jejak export`) completely, without the LMDB ledger:
/// everything the ``Inspector`` checks that needs only the log.
///
/// The checkpoint must verify under the auditor's policy (log signature, cosignatures,
/// quorum). Then every entry of the exported size is replayed from the entry bundles, as in a
/// full audit: leaf hashes and the root recomputed and compared with the checkpoint and with
/// the exported hash tiles; every signature checked against the key the registry — replayed
/// from genesis under the authority key the auditor pins — had active at that entry; every
/// event re-validated; ids unique; appended times in order. Findings name the entry.
///
/// ```swift
/// let verifier = ExportVerifier(directory: "export", policy: policy, authority: authorityKey,
///                               validator: try DomainValidator.bundled())
/// let report = try verifier.verify()
/// ```
public struct ExportVerifier: Sendable {
    /// The export's directory.
    public let directory: String
    /// The auditor's trust policy.
    public let policy: TlogPolicy
    /// The registry authority's key, pinned by the auditor.
    public let authority: VerifierKey
    /// The validation hook whose rules are re-decided.
    public let validator: any EventValidator
    /// Threads for the parallel checks.
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Called after each chunk with the entries verified so far and the total.
    public var progress: (@Sendable (_ done: UInt64, _ total: UInt64) -> Void)?

    /// A verifier of the export in `directory`.
    public init(directory: String, policy: TlogPolicy, authority: VerifierKey,
                validator: any EventValidator = AcceptAllValidator()) {
        self.directory = directory
        self.policy = policy
        self.authority = authority
        self.validator = validator
    }

    /// Verifies the export.
    ///
    /// - Returns: The report (mode full, no read models or indexes); findings do not throw.
    /// - Throws: ``VerificationError`` with code `input` when the directory holds
    ///   no readable checkpoint, or the policy has no log for its origin.
    public func verify() throws(VerificationError) -> AuditReport {
        let started = Date()
        let log = TiledLog(directory: directory)
        var findings = FindingSink()
        let signed: SignedCheckpoint
        do { signed = try log.checkpoint() } catch {
            throw VerificationError(.input, "\(directory) holds no readable checkpoint: \(error.message)")
        }
        let cp = signed.checkpoint
        guard let logKey = policy.logs.first(where: { $0.key.name.sameBytes(as: cp.origin) })?.key else {
            throw VerificationError(.input, "the policy has no log for the export's origin \(cp.origin)")
        }
        var witnessed: UInt64?
        do {
            _ = try policy.verify(signed)
            witnessed = cp.size
        } catch {
            let rule: AuditRule = switch error.code {
            case .invalidCosignature, .quorumNotMet: .cosignature
            default: .checkpointSignature
            }
            findings.add(rule, "the exported checkpoint (size \(cp.size)): \(error.message)", checkpointSize: cp.size)
        }

        let n = cp.size
        let cache = EntryCache(limit: 2048) { (i: UInt64) throws(LedgerError) -> LogEntry in
            let width = UInt64(Tile.fullWidth)
            do {
                let bundle = try log.entryBundle(index: i / width, treeSize: n)
                guard Int(i % width) < bundle.count else { throw LedgerError(.notFound, "entry \(i) is not in its bundle") }
                return try LogEntry(index: i, leaf: bundle[Int(i % width)])
            } catch let e as LedgerError {
                throw e
            } catch {
                throw LedgerError(.notFound, "entry \(i) cannot be read from the export: \(error)")
            }
        }
        var replay = LogReplay(origin: cp.origin, logKey: logKey, registry: Registry(authority: authority),
                               frontier: MerkleFrontier(), lastAppended: nil, validator: validator, cache: cache,
                               trackIDs: true)
        let checker = EntryChecker(validator: validator, workers: workers)
        let keys = replay.knownKeys
        // One entry bundle at a time: a missing or damaged bundle is then located exactly.
        let chunk = UInt64(Tile.fullWidth)
        func prefetch(_ from: UInt64) -> Prefetch {
            Prefetch { () throws(LedgerError) -> [CheckedEntry] in
                let to = min(from + chunk, n)
                let leaves: [[UInt8]]
                do throws(TileError) { leaves = try log.entries(from: from, to: to, treeSize: n) } catch {
                    throw LedgerError(.notFound, error.message)
                }
                return checker.check(leaves.enumerated().map { (from + UInt64($0.offset), $0.element) }, keys: keys.snapshot)
            }
        }
        var position: UInt64 = 0
        var next: Prefetch? = n > 0 ? prefetch(0) : nil
        let hashes = log.hashSource(treeSize: n)
        while let pending = next {
            let entries: [CheckedEntry]
            do { entries = try pending.value() } catch {
                findings.add(.checkpointSize, "the checkpoint names \(n) entries, but entries \(position)..<\(min(position + chunk, n)) cannot be read: \(error.message)",
                             index: position, checkpointSize: n)
                break
            }
            guard let last = entries.last else { break }
            position = last.index + 1
            next = position < n ? prefetch(position) : nil
            let replayed: ReplayedChunk
            do { replayed = try replay.replay(entries[...]) } catch {
                findings.add(.eventFormat, "the export could not be replayed at entry \(position): \(error.message)", index: position)
                break
            }
            // The exported hash tiles hold the leaf hashes and every eighth level: compare.
            for node in replayed.nodes where node.level % 8 == 0 {
                let exported: SHA256Digest?
                do { exported = try hashes.hash(level: node.level, index: node.index) } catch { exported = nil }
                if exported != node.hash {
                    let first = node.index << UInt64(node.level)
                    replay.addFinding(Finding(rule: AuditRule.merkleNode.rawValue,
                                              message: node.level == 0
                                                ? "the exported leaf hash of entry \(first) \(exported == nil ? "is missing" : "differs from the hash of its entry")"
                                                : "the exported hash tile node over entries \(first)..<\(first + (UInt64(1) << UInt64(node.level))) \(exported == nil ? "is missing" : "differs from the entries")",
                                              index: first))
                }
            }
            progress?(position, n)
        }
        var checked = 0
        if replay.size == n {
            checked = 1
            if replay.frontier.root != cp.rootHash {
                findings.add(.checkpointRoot, "the exported checkpoint was signed for root \(cp.rootHash.base64), but the exported entries give \(replay.frontier.root.base64)",
                             checkpointSize: n)
            }
        }
        findings.merge(replay.findings)
        // An export is checked against the auditor's policy whole: a checkpoint without the
        // quorum is a finding here (above), not a lag of the witness as in a live ledger.
        let witnessRequired = !policy.isQuorumSatisfied(byWitnessesNamed: [String]())
        return AuditReport(verdict: .of(findings: findings.count, size: n, witnessed: witnessed, witnessRequired: witnessRequired),
                           mode: .export, origin: cp.origin,
                           auditedFrom: 0, auditedTo: n, checkpoint: signed.serialized, checkpointsChecked: checked,
                           witnessedSize: witnessed, quorum: policy.quorum, witnessRequired: witnessRequired, signaturesVerified: replay.signaturesVerified + 1,
                           trustedSize: nil, readModelTables: nil, findings: findings.findings, findingCount: findings.count,
                           units: replay.unitStatistics,
                           startedAt: LedgerTime(millisecondsSinceEpoch: Int64(started.timeIntervalSince1970 * 1000)).rfc3339,
                           seconds: Date().timeIntervalSince(started))
    }
}
