import Dispatch
import Foundation
import Jejak
import JejakBase
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakProjections
import JejakVerification
import Synchronization

/// The part of an audit only a recipient can make: every sealed member whose `to` lists the
/// auditor's unit is opened with its identities, and a finding names each entry whose content
/// does not open, does not fit its type's `sealedPlaintext` schema, or does not match the
/// commitment its event signed.
struct SealedContentAudit {
    let ledger: Ledger
    let reader: SealedContentReader
    let catalog: SchemaCatalog
    let workers: Int

    /// What the audit found, and how many sealed members it opened.
    struct Outcome {
        var findings: [Finding] = []
        var opened = 0
    }

    func run(to size: UInt64) throws(LedgerError) -> Outcome {
        var outcome = Outcome()
        var position: UInt64 = 0
        while position < size {
            let entries = try ledger.entries(from: position, to: size, limit: 2048)
            guard let last = entries.last else { break }
            position = last.index + 1
            let work = entries.compactMap { e -> (LogEntry, DomainEventType, SealedMember)? in
                guard e.event.subject.hasBytePrefix("exchange/"), let type = DomainEventType(rawValue: e.event.type),
                      let member = try? SealedMember.parse(e.event.data),
                      member.to.contains(where: { $0.sameBytes(as: reader.unit) }) else { return nil }
                return (e, type, member)
            }
            let found = Mutex<[(Int, Finding?)]>([])
            let chunks = max(1, min(workers, work.count))
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                var local: [(Int, Finding?)] = []
                var k = c
                while k < work.count {
                    local.append((k, check(work[k].0, type: work[k].1, member: work[k].2)))
                    k += chunks
                }
                found.withLock { $0 += local }
            }
            for (_, finding) in found.withLock({ $0 }).sorted(by: { $0.0 < $1.0 }) {
                if let finding { outcome.findings.append(finding) } else { outcome.opened += 1 }
            }
        }
        return outcome
    }

    /// The finding for one sealed member, or `nil` when it opens, fits and matches.
    private func check(_ entry: LogEntry, type: DomainEventType, member: SealedMember) -> Finding? {
        func finding(_ message: String) -> Finding {
            Finding(rule: AuditRule.sealedContent.rawValue, message: "entry \(entry.index) (\(type.rawValue)): " + message,
                    index: entry.index, eventID: entry.event.id)
        }
        let opened: OpenedContent
        do { opened = try SealedContent.open(member, with: reader.identities, as: reader.unit) } catch {
            return finding("the content sealed to \(reader.unit) does not open with its identities: \(error.message)")
        }
        let plaintext: JSONValue = ["key": .string(Base64.encode(opened.key)), "content": opened.content]
        if let schema = catalog.sealedPlaintextSchemas[type], let v = schema.validate(plaintext, maximumViolations: 1).first {
            return finding("the sealed content does not fit its schema: \(v.instanceLocation): \(v.message)")
        }
        guard opened.matches(member.commitment) else {
            return finding("the sealed content does not match the commitment the event signed: what was sealed is not what was committed to")
        }
        return nil
    }
}
