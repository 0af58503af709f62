import Foundation
import Jejak
import JejakAPI
import JejakClient
import JejakServer
import JejakTestSupport
import Synchronization
import Testing

/// The limits that keep one client from holding the server, over real sockets on 127.0.0.1.
@Suite struct TransportTests {
    @Test func aSlowBodyIsAnswered400AndWritesNothing() async throws {
        let f = try await ServerFixture.make()
        var configuration = ServerConfiguration()
        configuration.bodyReadTimeout = .milliseconds(300)
        let size = try f.ledger.size()
        try await f.withServer(configuration) { url in
            let socket = try RawSocket(url)
            try socket.send("POST /v1/events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            let answer = try await socket.receive(timeout: 60)
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
            #expect(answer.contains("did not arrive within"))
        }
        #expect(try f.ledger.size() == size)
    }

    @Test func aClientThatDisconnectsMidRequestLeavesTheLogAsItWas() async throws {
        let f = try await ServerFixture.make()
        let size = try f.ledger.size()
        let body = String(decoding: try f.event().jsonBytes, as: UTF8.self)
        try await f.withServer { url in
            for _ in 0..<8 {
                let socket = try RawSocket(url)
                try socket.send("POST /v1/events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                                + String(body.prefix(body.count / 2)))
                socket.close()
            }
            let client = try f.client(url)
            #expect(try await client.size() == size)
            try await client.shutdown()
        }
        #expect(try f.ledger.size() == size)
    }

    @Test func anIdleConnectionIsClosed() async throws {
        let f = try await ServerFixture.make()
        var configuration = ServerConfiguration()
        configuration.idleTimeout = .seconds(1)
        try await f.withServer(configuration) { url in
            let socket = try RawSocket(url)
            let answer = try await socket.receive(timeout: 120)
            #expect(answer.isEmpty && socket.closedByServer, "the server closes a connection that sends nothing")
        }
    }

    /// 48 connections at once against a limit of 4: each is served in its turn.
    @Test func aBurstOfConnectionsIsServedWithinTheLimit() async throws {
        let f = try await ServerFixture.make()
        var configuration = ServerConfiguration()
        configuration.maxConnections = 4
        try await f.withServer(configuration) { url in
            let sockets = try (0..<48).map { _ in try RawSocket(url) }
            for socket in sockets { try socket.send("GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n") }
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for socket in sockets {
                    group.addTask {
                        // A served client goes at once, and frees its place: closed on the
                        // receiving thread, not after a wait for the (possibly busy) task pool.
                        try await socket.receive(timeout: 120, thenClose: true)
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(answers.count == 48)
            let bad = answers.filter { !($0.hasPrefix("HTTP/1.1 200") && $0.contains("\"size\":3")) }
            #expect(bad.isEmpty, "\(bad.count) answers are not the health document: \(bad.prefix(3))")
        }
    }

    @Test func headersPastTheLimitAreRefused() async throws {
        let f = try await ServerFixture.make()
        try await f.withServer { url in
            let socket = try RawSocket(url)
            try socket.send("GET /healthz HTTP/1.1\r\nHost: test\r\nX-Padding: \(String(repeating: "a", count: 64 << 10))\r\n\r\n")
            let answer = try await socket.receive(timeout: 60)
            #expect(answer.hasPrefix("HTTP/1.1 400") && answer.contains("Connection: close"), "\(answer.prefix(200))")
        }
    }

    @Test func tlsServesTheSameAPI() async throws {
        let f = try await ServerFixture.make()
        let cert = f.dir.file("cert.pem"), key = f.dir.file("key.pem")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        var configuration = ServerConfiguration()
        configuration.tls = (cert, key)
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = try LedgerServer(ledger: f.ledger, configuration: configuration, logger: .init(label: "tls")) { continuation.yield($0) }
        try await withServing(server, ports: ports, scheme: "https", logger: .init(label: "tls")) { url in
            let trusting = try f.client(url) { $0.trustedCertificates = cert }
            #expect(try await trusting.latestCheckpoint().checkpoint.size == 3)
            try await trusting.shutdown()
            let stranger = try f.client(url) {
                $0.maxAttempts = 1
                $0.connectTimeout = .seconds(2)   // a handshake that can't succeed is retried until then
            }
            let error = await #expect(throws: APIError.self) { _ = try await stranger.latestCheckpoint() }
            #expect(error?.code == .unreachable)
            try await stranger.shutdown()
            let plain = try f.client(url.replacingOccurrences(of: "https:", with: "http:")) {
                $0.maxAttempts = 1
                $0.connectTimeout = .seconds(2)
                $0.requestTimeout = .seconds(5)
            }
            await #expect(throws: (any Error).self) { _ = try await plain.latestCheckpoint() }
            try await plain.shutdown()
        }
    }

    /// Graceful shutdown lets the appends in flight finish: every publish that got an answer
    /// is in the log, and every one the server accepted got its answer.
    @Test func gracefulShutdownFinishesTheAppendsInFlight() async throws {
        let f = try await ServerFixture.make { $0.durable = true }
        let events = try (0..<24).map { _ in try f.event(subject: "exchange/\(UnitPublisher.randomID())") }
        let indexes = try await f.withServer { url in
            let client = try f.client(url) { $0.maxAttempts = 1 }
            let answered = await withTaskGroup(of: UInt64?.self) { group in
                for event in events {
                    group.addTask {
                        do { return try await client.append(event, expecting: .noStream).index } catch {
                            Issue.record("publish failed: \(error)")
                            return nil
                        }
                    }
                }
                return await group.reduce(into: [UInt64]()) { if let index = $1 { $0.append(index) } }
            }
            try await client.shutdown()
            return answered
        }
        #expect(indexes.count == events.count)
        for index in indexes { #expect(try f.ledger.entry(at: index).event.id.isEmpty == false) }
    }
}

/// A plain TCP connection to a test server, for what a well-behaved client never does.
final class RawSocket: Sendable {
    let fd: Int32
    private let closed = Mutex(false)

    /// Whether the last ``receive(timeout:)`` ended because the server closed the connection
    /// (not because the time ran out).
    var closedByServer: Bool { closed.withLock { $0 } }

    init(_ url: String) throws {
        guard let port = URL(string: url)?.port else { throw CocoaError(.fileReadInvalidFileName) }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw POSIXError(.EPIPE) }
            offset += n
        }
    }

    /// What the server sends until it closes the connection or `timeout` seconds pass, read
    /// on a thread of its own (a blocking read on the cooperative pool would starve the
    /// server's own tasks).
    func receive(timeout: Int, thenClose: Bool = false) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let answer = Result { try self.receiveBlocking(timeout: timeout) }
                if thenClose { self.close() }
                continuation.resume(with: answer)
            }
            thread.start()
        }
    }

    private func receiveBlocking(timeout: Int) throws -> String {
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { closed.withLock { $0 = true } }
            if n <= 0 { break }
            out += buffer[..<n]
            if let text = String(bytes: out, encoding: .utf8), text.contains("\r\n\r\n"), let length = Self.contentLength(text),
               text.utf8.count >= (text.range(of: "\r\n\r\n").map { text.utf8.distance(from: text.startIndex, to: $0.upperBound) } ?? 0) + length {
                break
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func contentLength(_ head: String) -> Int? {
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            return Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    func close() { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    deinit { Glibc.close(fd) }
}
