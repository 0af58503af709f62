import AsyncHTTPClient
import JejakAPI
import JejakJSON
import JejakModel
import Logging
import NIOCore

/// A remote log's entries from a position on, live: Server-Sent Events from
/// `/v1/subscribe`, each entry rebuilt from its leaf and proven included in a verified
/// checkpoint before it is returned. It reads as it is consumed (a slow consumer leaves the
/// bytes in the connection, not in memory), and when the connection drops it reconnects with
/// `Last-Event-ID` after a pause, so no entry is skipped or repeated.
public struct ClientSubscription: AsyncSequence, Sendable {
    public typealias Element = LogEntry
    let client: JejakClient
    let start: UInt64

    /// The iterator.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let client: JejakClient
        var position: UInt64
        var body: HTTPClientResponse.Body.AsyncIterator?
        var buffer: [UInt8] = []
        var failures = 0

        /// The next entry, waiting for a commit when caught up; `nil` once the task is cancelled.
        ///
        /// - Throws: ``APIError/Code/unverifiedResponse`` or ``APIError/Code/splitView`` for an
        ///   entry that does not verify (the sequence does not go past it);
        ///   ``APIError/Code/unreachable`` when the server stays away through every retry.
        public mutating func next() async throws -> LogEntry? {
            while !Task.isCancelled {
                if let event = takeEvent() {
                    guard let data = event.data else { continue }
                    let (entry, _) = try EntryDocument.logEntry(try JejakClient.json(data))
                    guard entry.index == position else {
                        throw APIError(.unverifiedResponse, "the server sent entry \(entry.index) where entry \(position) comes next")
                    }
                    try await client.verifyFollowed(entry)
                    position += 1
                    failures = 0
                    return entry
                }
                do {
                    if body == nil { try await connect() }
                    if let chunk = try await body?.next() {
                        buffer += chunk.readableBytesView
                    } else {
                        body = nil
                    }
                } catch is CancellationError {
                    return nil
                } catch let error as APIError where error.code == .unreachable {
                    throw error
                } catch let error as LedgerError {
                    throw error
                } catch {
                    body = nil
                    buffer.removeAll()
                    failures += 1
                    guard failures < client.configuration.maxAttempts else {
                        throw APIError(.unreachable, "the live follow of \(client.url) broke \(failures) times: \(error)")
                    }
                    try? await Task.sleep(for: client.configuration.initialDelay * failures)
                }
            }
            return nil
        }

        private mutating func connect() async throws {
            var request = HTTPClientRequest(url: client.url + "/v1/subscribe?from=\(position)")
            request.headers.add(name: "Accept", value: MediaType.eventStream)
            let response = try await client.http.execute(request, timeout: .hours(24 * 365), logger: client.logger)
            guard response.status.code == 200 else {
                let bytes = Array(try await response.body.collect(upTo: 1 << 16).readableBytesView)
                throw ((try? Problem(json: bytes)) ?? Problem(status: Int(response.status.code), code: "http\(response.status.code)",
                                                           detail: "the server refused the live follow")).ledgerError
            }
            buffer.removeAll()
            body = response.body.makeAsyncIterator()
        }

        /// Takes one complete event (up to a blank line) from the buffer.
        private mutating func takeEvent() -> (id: String?, data: [UInt8]?)? {
            guard let end = Self.eventEnd(buffer) else { return nil }
            let block = buffer[..<end.start]
            buffer.removeSubrange(..<end.after)
            var id: String?, data: [UInt8]?
            for line in block.split(separator: 0x0A, omittingEmptySubsequences: false) {
                let line = line.last == 0x0D ? line.dropLast() : line
                if line.starts(with: Array("data:".utf8)) {
                    let value = line.dropFirst(5).drop { $0 == 0x20 }
                    data = (data.map { $0 + [0x0A] } ?? []) + value
                } else if line.starts(with: Array("id:".utf8)) {
                    id = String(decoding: line.dropFirst(3).drop { $0 == 0x20 }, as: UTF8.self)
                }
            }
            return (id, data)
        }

        /// Where the first event of `bytes` ends: its blank line `\n\n` (or `\r\n\r\n`).
        static func eventEnd(_ bytes: [UInt8]) -> (start: Int, after: Int)? {
            var i = 0
            while i + 1 < bytes.count {
                if bytes[i] == 0x0A {
                    if bytes[i + 1] == 0x0A { return (i, i + 2) }
                    if bytes[i + 1] == 0x0D, i + 2 < bytes.count, bytes[i + 2] == 0x0A { return (i, i + 3) }
                }
                i += 1
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(client: client, position: start)
    }
}
