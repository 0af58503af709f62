import Foundation
import Jejak
import JejakCrypto
import JejakTlog
import Testing

@Suite struct ConcurrencyTests {
    @Test func manyConcurrentPublishersMakeAGapFreeVerifiableLog() async throws {
        let f = try await LedgerFixture.make()
        let keys = [try await f.unit("biro-a"), try await f.unit("biro-b"), try await f.unit("biro-c")]
        let start = try f.ledger.size()
        let tasks = 48, perTask = 15
        let receipts = try await withThrowingTaskGroup(of: [(SignedEvent, Receipt)].self) { group in
            for t in 0..<tasks {
                group.addTask {
                    var out: [(SignedEvent, Receipt)] = []
                    for i in 0..<perTask {
                        let e = try f.event(keys[t % keys.count], id: "t\(t)-\(i)", subject: "exchange/\(t)")
                        out.append((e, try await f.ledger.append(e)))
                    }
                    return out
                }
            }
            var all: [(SignedEvent, Receipt)] = []
            for try await r in group { all += r }
            return all
        }
        let size = try f.ledger.size()
        #expect(size == start + UInt64(tasks * perTask))
        #expect(Set(receipts.map(\.1.index)) == Set(start..<size), "every index used exactly once")

        let policy = try f.ledger.policy()
        for (event, receipt) in receipts {
            try receipt.verify(event, policy: policy)
            #expect(try f.ledger.entry(at: receipt.index).event.id == event.event.id)
        }
        // Per stream, versions follow the publisher's order.
        for t in 0..<tasks {
            #expect(try f.ledger.stream("exchange/\(t)").map { $0.entry.event.id } == (0..<perTask).map { "t\(t)-\($0)" })
        }
        // Group commit happened: fewer checkpoints than entries, and each consistent with the next.
        let sizes = try f.ledger.checkpointSizes()
        #expect(sizes.last == size)
        var previous: SignedCheckpoint?
        for s in sizes {
            let cp = try #require(try f.ledger.checkpoint(size: s))
            _ = try policy.verify(cp)
            if let p = previous {
                try ConsistencyProof.verify(oldSize: p.checkpoint.size, newSize: s, oldRoot: p.checkpoint.rootHash,
                                            newRoot: cp.checkpoint.rootHash,
                                            proof: try f.ledger.consistencyProof(from: p.checkpoint.size, to: s))
            }
            previous = cp
        }
    }

    @Test func refusedRequestsInABatchLeaveNoTraceBesideAcceptedOnes() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        let stranger = try SignerKey.generate(name: "nobody")
        let start = try f.ledger.size()
        // Even-numbered requests are good; odd ones carry a bad third event after two good
        // ones on the same stream, so their first two events must be rolled back.
        let outcomes = try await withThrowingTaskGroup(of: (Int, [Receipt]?).self) { group in
            for r in 0..<40 {
                group.addTask {
                    var events = [try f.event(key, id: "r\(r)-0", subject: "s/\(r % 4)"),
                                  try f.event(key, id: "r\(r)-1", subject: "s/\(r % 4)")]
                    if r % 2 == 1 { events.append(try f.event(stranger, id: "r\(r)-2", subject: "s/\(r % 4)")) }
                    do { return (r, try await f.ledger.append(events)) } catch { return (r, nil) }
                }
            }
            var all: [(Int, [Receipt]?)] = []
            for try await o in group { all.append(o) }
            return all
        }
        for (r, receipts) in outcomes { #expect((receipts == nil) == (r % 2 == 1)) }
        let size = try f.ledger.size()
        #expect(size == start + 40, "20 good requests of 2 events each")
        let entries = try f.ledger.entries(from: start)
        #expect(entries.map(\.index) == Array(start..<size))
        #expect(entries.allSatisfy { Int($0.event.id.dropFirst().prefix { $0 != "-" })! % 2 == 0 })
        for s in 0..<4 {
            // Streams 1 and 3 only ever got refused requests; 0 and 2 got 10 requests of 2 events.
            let stream = try f.ledger.stream("s/\(s)")
            #expect(stream.map(\.version) == Array(stride(from: UInt64(1), through: s % 2 == 0 ? 20 : 0, by: 1)),
                    "versions without holes")
        }
        let policy = try f.ledger.policy()
        for (_, receipts) in outcomes {
            for r in receipts ?? [] { try r.verify(try f.ledger.entry(at: r.index).signedEvent, policy: policy) }
        }
    }

    @Test func aSubscriberCatchesUpThenSeesNewCommits() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        for i in 0..<5 { _ = try await f.ledger.append(try f.event(key, id: "old-\(i)")) }
        let total = try f.ledger.size() + 3

        let seen = Task {
            var ids: [String] = []
            for try await entry in f.ledger.subscribe(from: 0) {
                ids.append(entry.event.id)
                if entry.index + 1 == total { break }
            }
            return ids
        }
        try await Task.sleep(for: .milliseconds(100))
        for i in 0..<3 { _ = try await f.ledger.append(try f.event(key, id: "new-\(i)")) }
        let ids = try await seen.value
        #expect(ids.count == Int(total))
        #expect(ids.first == "genesis")
        #expect(Array(ids.suffix(3)) == ["new-0", "new-1", "new-2"])
    }
}
