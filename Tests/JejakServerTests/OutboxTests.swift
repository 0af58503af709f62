import Foundation
import Jejak
import JejakAPI
import JejakClient
import JejakTestSupport
import Testing

/// The outbox: what it accepted survives the process, is delivered in order once the server
/// answers, and is never appended twice.
@Suite struct OutboxTests {
    @Test func eventsWaitForTheServerThenAreDeliveredOnceInOrder() async throws {
        let f = try await ServerFixture.make()
        let path = f.dir.file("outbox.jsonl")
        let events = try (0..<3).map { _ in try f.event(subject: "exchange/outbox") }
        // The link is down: a port nothing listens on.
        let down = try f.client("http://127.0.0.1:9") {
            $0.maxAttempts = 1
            $0.connectTimeout = .milliseconds(200)
        }
        let offline = try Outbox(path: path, client: down)
        try await offline.enqueue(events[0], expecting: .noStream)
        try await offline.enqueue(events[1], expecting: .exactly(1))
        try await offline.enqueue(events[2], expecting: .exactly(2))
        let failed = await offline.deliver()
        #expect(failed.delivered.isEmpty && failed.pending == 3)
        #expect((failed.stoppedBy as? APIError)?.code == .unreachable)
        try await down.shutdown()

        try await f.withServer { url in
            let client = try f.client(url)
            // A new process: the outbox is read back from its file.
            let outbox = try Outbox(path: path, client: client)
            #expect(await outbox.pending.count == 3)
            let report = await outbox.deliver()
            #expect(report.delivered.map(\.number) == [1, 2, 3] && report.pending == 0)
            let again = await outbox.deliver()
            #expect(again.delivered.isEmpty)
            try await client.shutdown()
        }
        #expect(try f.ledger.stream("exchange/outbox").map(\.entry.signedEvent) == events)
        // The receipts were kept beside the events.
        let reopened = try Outbox(path: path, client: try f.client("http://127.0.0.1:9"))
        let items = await reopened.all
        #expect(items.allSatisfy { $0.receipt != nil } && items.map(\.receipt?.index) == [3, 4, 5])
    }

    /// A crash after the commit but before the receipt was written: the next delivery sends
    /// the same bytes, gets the original receipt, and the log holds the event once.
    @Test func aRedeliveryAfterACrashAppendsNothingTwice() async throws {
        let f = try await ServerFixture.make()
        let path = f.dir.file("outbox.jsonl")
        let event = try f.event(subject: "exchange/crash")
        let outbox = try Outbox(path: path, client: try f.client("http://127.0.0.1:9"))
        try await outbox.enqueue(event, expecting: .noStream)
        _ = try await f.ledger.append(event, expecting: .noStream)   // delivered, then the process died
        // …and a record cut short by the crash.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("{\"receipt\":1,\"te".utf8))
        try handle.close()
        try await f.withServer { url in
            let client = try f.client(url)
            let outbox = try Outbox(path: path, client: client)
            let report = await outbox.deliver()
            #expect(report.delivered.count == 1 && report.delivered[0].receipt?.index == 3)
            try await client.shutdown()
        }
        #expect(try f.ledger.size() == 4)
        #expect(!String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self).contains("\"te\n"))
    }

    @Test func aRefusedEventIsKeptWithItsProblemAndDeliveryGoesOn() async throws {
        let f = try await ServerFixture.make()
        _ = try await f.ledger.append(try f.event(subject: "exchange/taken"))
        let path = f.dir.file("outbox.jsonl")
        try await f.withServer { url in
            let client = try f.client(url)
            let outbox = try Outbox(path: path, client: client)
            try await outbox.enqueue(try f.event(subject: "exchange/taken"), expecting: .noStream)
            try await outbox.enqueue(try f.event(subject: "exchange/free"), expecting: .noStream)
            let report = await outbox.deliver()
            #expect(report.refused.map(\.number) == [1] && report.delivered.map(\.number) == [2])
            #expect(report.refused.first?.refusal?.code == "streamVersionMismatch")
            try await client.shutdown()
        }
        let reopened = try Outbox(path: path, client: try f.client("http://127.0.0.1:9"))
        #expect(await reopened.pending.isEmpty)
        #expect(await reopened.all.first?.refusal?.status == 409)
    }

    @Test func aFileThatIsNotAnOutboxIsRefused() async throws {
        let dir = TemporaryDirectory("outbox")
        let path = dir.file("outbox.jsonl")
        try Data("{\"put\":1,\"expected\":\"any\"}\n{\"x\":2}\n".utf8).write(to: URL(fileURLWithPath: path))
        let f = try await ServerFixture.make()
        let error = #expect(throws: APIError.self) { _ = try Outbox(path: path, client: try f.client("http://127.0.0.1:9")) }
        #expect(error?.code == .outbox && error?.message.contains("line 1") == true)
    }
}
