import Dispatch
import Foundation
import Jejak
import JejakAge
import JejakBase
import JejakDomain
import JejakJSON
import Synchronization

/// The unit a read model is built for, with its identities: the exchanges read model fills
/// the content columns of the sealed events this unit can open, and leaves the others `NULL`
/// with `sealed = 1` and `sealed_to` naming who can read them.
///
/// A read model built for a reader holds that reader's plaintext: keep its file as the
/// identity is kept. The reader is recorded in the file (`exchanges_reader`); opening it
/// again for another reader (or for none) is refused rather than mixing what each may read.
///
/// ```swift
/// let reader = SealedContentReader(unit: "inspektorat", identities: try AgeIdentityFile.read(from: "inspektorat.age"))
/// let projections = ReadModels.builtIn(reader: reader)
/// ```
public struct SealedContentReader: Sendable {
    /// The reader's unit id: its stanza (at its place in `sealed.to`) is tried first.
    public let unit: String
    /// The identities it opens content with (old ones too, for content sealed before a rotation).
    public let identities: [AgeIdentity]

    /// A reader for `unit` with `identities`.
    public init(unit: String, identities: [AgeIdentity]) {
        self.unit = unit
        self.identities = identities
    }

    /// How the read model records its reader: the unit and its recipients, sorted.
    var record: String {
        unit + " " + identities.map(\.recipient.description).sorted().joined(separator: ",")
    }

    /// Opens, on every core, the sealed content of the batch's exchange events that lists this
    /// reader's unit in `sealed.to`; content that does not open (not sealed to these
    /// identities, damaged) is left sealed — the inspector reports what is damaged.
    func openAll(in entries: ArraySlice<LogEntry>) -> [UInt64: OpenedContent] {
        var sealed: [(index: UInt64, member: SealedMember)] = []
        for entry in entries {
            let e = entry.signedEvent.event
            // The member alone is parsed, from the event's bytes.
            guard e.subject.hasBytePrefix("exchange/"), let range = e.dataMembers?.first(where: { $0.name == "sealed" })?.value,
                  let value = try? JSONParser.parse(Array(e.bytes[range])),
                  let member = try? SealedMember.parse(["sealed": value]), member.to.contains(where: { $0.sameBytes(as: unit) })
            else { continue }
            sealed.append((entry.index, member))
        }
        guard !sealed.isEmpty else { return [:] }
        let results = Mutex([UInt64: OpenedContent]())
        let work = sealed
        let chunks = min(work.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var local: [UInt64: OpenedContent] = [:]
            var k = c
            while k < work.count {
                if let opened = try? SealedContent.open(work[k].member, with: identities, as: unit), opened.matches(work[k].member.commitment) {
                    local[work[k].index] = opened
                }
                k += chunks
            }
            results.withLock { $0.merge(local) { a, _ in a } }
        }
        return results.withLock { $0 }
    }
}
