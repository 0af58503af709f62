#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import JejakAPI
import JejakBase
import JejakJSON
import JejakModel

/// A durable queue of signed events for an office whose link to the centre drops.
///
/// ``enqueue(_:expecting:)`` writes the signed event to a local file and syncs it before it
/// returns: from then on the event is the outbox's to deliver, whatever happens to the
/// process. ``deliver()`` sends the waiting events in order, each as its exact signed bytes,
/// and keeps each receipt (verified by the client) beside its event. A delivery interrupted
/// by a crash is sent again on the next ``deliver()``; the ledger answers the same bytes with
/// the original receipt, so nothing is appended twice.
///
/// The file is JSON Lines, one record per line, appended and synced: `{"put":N,"expected":…,
/// "envelope":{…}}` for an event, `{"receipt":N,"text":"…"}` once it is in the log,
/// `{"refused":N,"problem":{…}}` when the ledger refused it for good (a rule, a version, a
/// signature: sending it again would be refused again). A record cut short by a crash is the
/// last line; it is dropped when the outbox is opened again (its `enqueue` never returned).
///
/// ```swift
/// let outbox = try Outbox(path: "kpu-outbox.jsonl", client: client)
/// try await outbox.enqueue(signed, expecting: .noStream)   // durable: safe to acknowledge
/// let report = await outbox.deliver()                      // when the link is up
/// ```
public actor Outbox {
    /// An event in the outbox and what became of it.
    public struct Item: Sendable {
        /// Its number in the outbox (1, 2, …), the order it is delivered in.
        public let number: Int
        /// The signed event.
        public let event: SignedEvent
        /// The version its stream was expected to be at.
        public let expected: ExpectedVersion
        /// Its receipt, once delivered.
        public fileprivate(set) var receipt: Receipt?
        /// The ledger's refusal, if it refused the event.
        public fileprivate(set) var refusal: Problem?

        /// Whether it still waits to be delivered.
        public var isPending: Bool { receipt == nil && refusal == nil }
    }

    /// What one ``deliver()`` did.
    public struct Report: Sendable {
        /// The events delivered now, with their receipts.
        public var delivered: [Item] = []
        /// The events the ledger refused now.
        public var refused: [Item] = []
        /// The events still waiting (the server could not be reached).
        public var pending = 0
        /// Why delivery stopped early, if it did.
        public var stoppedBy: (any Error & Sendable)?
    }

    /// The outbox file.
    public nonisolated let path: String
    private let client: JejakClient
    private let fd: Int32
    private var items: [Item] = []
    private var delivering = false

    /// Opens (or creates, mode 0600) the outbox at `path`, delivering through `client`.
    ///
    /// - Throws: ``APIError/Code/localFile`` when the file can't be opened or read;
    ///   ``APIError/Code/outbox`` when a record other than the last is not an outbox record.
    public init(path: String, client: JejakClient) throws(APIError) {
        self.path = path
        self.client = client
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw DurableFile.failure("open", path) }
        do throws(APIError) {
            let (items, complete) = try Self.load(fd, path: path)
            self.items = items
            if ftruncate(fd, off_t(complete)) != 0 { throw DurableFile.failure("truncate", path) }
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
        DurableFile.syncFolder(of: path)
    }

    deinit { close(fd) }

    /// Every event in the outbox, in order, with what became of it.
    public var all: [Item] { items }

    /// The events still waiting to be delivered.
    public var pending: [Item] { items.filter(\.isPending) }

    /// Stores `event` durably for delivery; returns its number once it is on disk.
    ///
    /// - Throws: ``APIError/Code/localFile`` when it can't be written (then it is not in the
    ///   outbox).
    @discardableResult
    public func enqueue(_ event: SignedEvent, expecting expected: ExpectedVersion = .any) throws(APIError) -> Int {
        let number = (items.last?.number ?? 0) + 1
        var line = Array("{\"put\":\(number),\"expected\":\"\(expected.parameter)\",\"envelope\":".utf8)
        line += event.jsonBytes
        line += Array("}\n".utf8)
        try DurableFile.append(fd, line, path: path)
        items.append(Item(number: number, event: event, expected: expected))
        return number
    }

    /// Delivers the waiting events in order: each receipt is verified by the client and kept;
    /// a refusal (a 4xx: the same bytes would be refused again) is kept and delivery goes on
    /// with the next; a server unreachable
    /// or failing (a 5xx) stops it, and the rest wait for the next call. A second call while
    /// one runs returns at once.
    public func deliver() async -> Report {
        var report = Report()
        guard !delivering else {
            report.pending = pending.count
            return report
        }
        delivering = true
        defer { delivering = false }
        for position in items.indices where items[position].isPending {
            let item = items[position]
            do {
                let receipt = try await client.append(item.event, expecting: item.expected)
                try record(Array("{\"receipt\":\(item.number),\"text\":".utf8) + JSONWriter.bytes(.string(receipt.serialized)) + Array("}\n".utf8))
                items[position].receipt = receipt
                report.delivered.append(items[position])
            } catch let error as LedgerError where HTTPStatus.of(codeName: error.code.name) < 500 {
                let problem = Problem(error)
                do {
                    try record(Array("{\"refused\":\(item.number),\"problem\":".utf8) + problem.jsonBytes + Array("}\n".utf8))
                } catch {
                    report.stoppedBy = error
                    break
                }
                items[position].refusal = problem
                report.refused.append(items[position])
            } catch {
                report.stoppedBy = error
                break
            }
        }
        report.pending = pending.count
        return report
    }

    private func record(_ line: [UInt8]) throws(APIError) {
        try DurableFile.append(fd, line, path: path)
    }

    /// The records of the file, and the length of its complete lines (a last line without its
    /// newline was cut short by a crash).
    private static func load(_ fd: Int32, path: String) throws(APIError) -> ([Item], Int) {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        lseek(fd, 0, SEEK_SET)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw DurableFile.failure("read", path) }
            if n == 0 { break }
            bytes += chunk[..<n]
        }
        let complete = (bytes.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
        var items: [Item] = []
        var byNumber: [Int: Int] = [:]
        var lineNumber = 0
        for line in bytes[..<complete].split(separator: 0x0A) {
            lineNumber += 1
            func bad(_ why: String) -> APIError {
                APIError(.outbox, "\(path), line \(lineNumber), is not an outbox record: \(why)")
            }
            guard let object = try? JSONParser.parse(line).objectValue else { throw bad("not a JSON object") }
            if let number = object["put"]?.int64Value.flatMap({ Int(exactly: $0) }) {
                guard number == (items.last?.number ?? 0) + 1 else { throw bad("event \(number) is out of order") }
                guard let envelope = object["envelope"], let text = object["expected"]?.stringValue,
                      let expected = try? ExpectedVersion(parameter: text),
                      let event = try? SignedEvent(json: JSONWriter.bytes(envelope)) else {
                    throw bad("an event needs its expected version and a signed envelope")
                }
                byNumber[number] = items.count
                items.append(Item(number: number, event: event, expected: expected))
            } else if let number = object["receipt"]?.int64Value.flatMap({ Int(exactly: $0) }) {
                guard let position = byNumber[number], let text = object["text"]?.stringValue,
                      let receipt = try? Receipt(parsing: text, for: items[position].event) else { throw bad("a receipt needs its event's number and a tlog-proof") }
                items[position].receipt = receipt
            } else if let number = object["refused"]?.int64Value.flatMap({ Int(exactly: $0) }) {
                guard let position = byNumber[number], let document = object["problem"],
                      let problem = try? Problem(json: JSONWriter.bytes(document)) else {
                    throw bad("a refusal needs its event's number and a problem document")
                }
                items[position].refusal = problem
            } else {
                throw bad("it is neither an event, a receipt nor a refusal")
            }
        }
        return (items, complete)
    }
}
