import Dispatch
import Foundation
import AsyncHTTPClient
import Hummingbird
import Jejak
import JejakAPI
import JejakClient
import JejakJSON
import JejakCommands
import JejakOfflineCommands
import JejakServer
import Logging
import NIOCore
import ServiceLifecycle

/// The server part of `jejak-bench`: the same pre-signed events appended by concurrent
/// publishers to an embedded ledger and, through `JejakClient` over loopback HTTP, to a served
/// one; full hash tiles served under a bounded load (beside the same load on a route that
/// answers a constant 8 KiB, the HTTP stack's own limit here); and how soon a follower over
/// Server-Sent Events sees a commit.
extension BenchCommand {
    struct ServerFigures {
        var embedded: AppendFigures.Run
        var http: AppendFigures.Run
        var tiles: Double
        var tilesLimit: Double
        var tilesGenerator: String
        /// Empty round trips per second of the client's own HTTP stack (AsyncHTTPClient, in this
        /// process, as the publishers are) against the constant route: the ceiling of any
        /// figure that makes one request per event on this machine.
        var clientRoundTrips: Double
        /// Round trips of the same stack that carry a publish's bytes: a POST of an envelope's
        /// size through the body-collecting path a publish takes (with its read timeout),
        /// answered with a receipt's size. With the embedded rate, the ceiling of the HTTP
        /// ratio when the ledger and the HTTP stack share this machine's cores.
        var clientPosts: Double
        /// The mean envelope (request) and JSON receipt (response) sizes those posts carry.
        var postBytes: (request: Int, response: Int)
        var followerLatencies: [UInt64]
    }

    func serverFigures(base: String, sizes: BenchSizes, synthetic: SyntheticExchanges) async throws -> ServerFigures {
        let validator = try domainValidator()
        let events = sizes.concurrentEvents
        log("server: signing \(2 * events) events…")
        let forEmbedded = try synthetic.sign(events, firstExchange: 0)
        let forHTTP = try synthetic.sign(events, firstExchange: forEmbedded.nextExchange)

        let embeddedLedger = try await synthetic.ledger(at: base + "/server-embedded", durable: !noSync, validator: validator)
        defer { embeddedLedger.close() }
        log("server: \(publishers) publishers, embedded…")
        let embedded = try await Self.publishConcurrently(lanes(forEmbedded.events), seconds: sizes.runSeconds) { e in
            _ = try await embeddedLedger.append(e)
        }

        let served = try await synthetic.ledger(at: base + "/server-http", durable: !noSync, validator: validator)
        defer { served.close() }
        var quiet = Logger(label: "jejak.bench.server")
        quiet.logLevel = .error
        let logger = quiet
        var configuration = ServerConfiguration()
        configuration.port = 0
        let (ports, found) = AsyncStream<Int>.makeStream()
        let server = try LedgerServer(ledger: served, configuration: configuration, logger: logger) { found.yield($0) }
        return try await withServing(server, ports: ports, logger: logger) { url in
            var clientConfiguration = ClientConfiguration()
            clientConfiguration.maxConnections = publishers
            let client = try JejakClient(url: url, policy: try served.policy(), configuration: clientConfiguration, logger: logger)
            log("server: \(publishers) publishers over HTTP, each receipt verified by the client…")
            let http = try await Self.publishConcurrently(lanes(forHTTP.events), seconds: sizes.runSeconds) { e in
                _ = try await client.append(e)
            }
            if try served.size() < 256 {
                _ = try await served.append(try synthetic.sign(300, firstExchange: forHTTP.nextExchange + 1).events)
            }
            log("server: full hash tiles under load…")
            let (tiles, generator) = try await Self.loadRate(url + "/tile/0/000", seconds: sizes.runSeconds, connections: 64)
            let tilesLimit = try await Self.constantRouteRate(bytes: 8192, seconds: sizes.runSeconds, logger: logger)
            log("server: the in-process HTTP client's empty round trips…")
            let roundTrips = try await Self.constantRouteRate(bytes: 200, seconds: sizes.runSeconds, logger: logger, inProcess: true)
            log("server: the same stack's round trips carrying a publish's bytes…")
            let last = try served.size() - 1
            let answer = try attempt { () throws(LedgerError) in
                let receipt = try served.receipt(index: last)
                return PublishedEntry(index: last, version: 1, eventID: receipt.eventID, created: true, receipt: receipt)
            }
            let postBytes = (request: Int(forHTTP.meanEnvelopeBytes), response: JSONWriter.bytes(answer.json).count)
            let posts = try await Self.constantRouteRate(bytes: postBytes.response, seconds: sizes.runSeconds, logger: logger,
                                                         inProcess: true, postBytes: postBytes.request)
            log("server: a follower over Server-Sent Events…")
            let follower = try await Self.followerLatencies(served, client: client, events: Array(synthetic.sign(
                sizes.runSeconds >= 1 ? 200 : 20, firstExchange: forHTTP.nextExchange + 400).events))
            try await client.shutdown()
            return ServerFigures(embedded: embedded, http: http, tiles: tiles, tilesLimit: tilesLimit.rate,
                                 tilesGenerator: generator, clientRoundTrips: roundTrips.rate, clientPosts: posts.rate,
                                 postBytes: postBytes, followerLatencies: follower)
        }
    }

    /// The events split into one lane per publisher, each taking whole exchanges in order.
    private func lanes(_ events: [SignedEvent]) -> [[SignedEvent]] {
        var lanes = Array(repeating: [SignedEvent](), count: publishers)
        var lane = -1, subject = ""
        for e in events {
            if e.event.subject != subject { subject = e.event.subject; lane = (lane + 1) % publishers }
            lanes[lane].append(e)
        }
        return lanes
    }

    /// Each lane published by its own task, one event per call, for at most `seconds`.
    static func publishConcurrently(_ lanes: [[SignedEvent]], seconds: Double,
                                    _ publish: @escaping @Sendable (SignedEvent) async throws -> Void) async throws -> AppendFigures.Run {
        let start = DispatchTime.now().uptimeNanoseconds
        let stop = start + UInt64(seconds * 1e9)
        let latencies = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for events in lanes {
                group.addTask {
                    var own: [UInt64] = []
                    for e in events {
                        let t = DispatchTime.now().uptimeNanoseconds
                        if t > stop { break }
                        try await publish(e)
                        own.append(DispatchTime.now().uptimeNanoseconds - t)
                    }
                    return own
                }
            }
            return try await group.reduce(into: [UInt64]()) { $0 += $1 }
        }
        return AppendFigures.Run(events: latencies.count, perSecond: rate(latencies.count, since: start), latencies: latencies)
    }

    /// Requests per second of GET `url` under `connections` concurrent connections: from `wrk`
    /// (a second process) when it is installed, else from an in-process loop of clients.
    static func loadRate(_ url: String, seconds: Double, connections: Int, inProcess: Bool = false,
                         postBytes: Int? = nil) async throws -> (Double, String) {
        if !inProcess, postBytes == nil, let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: wrk)
            process.arguments = ["-t1", "-c\(connections)", "-d\(max(1, Int(seconds.rounded())))s", url]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
               let rate = Double(line.dropFirst("Requests/sec:".count).trimmingCharacters(in: .whitespaces)) {
                return (rate, "wrk, 1 thread, \(connections) connections")
            }
        }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let start = DispatchTime.now().uptimeNanoseconds
        let stop = start + UInt64(seconds * 1e9)
        let count = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var n = 0
                    while DispatchTime.now().uptimeNanoseconds < stop {
                        var request = HTTPClientRequest(url: url)
                        if let postBytes {
                            request.method = .POST
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(ByteBuffer(bytes: [UInt8](repeating: 0x61, count: postBytes)))
                        }
                        let response = try await http.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        n += 1
                    }
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        try await http.shutdown()
        return (rate(count, since: start), "in-process client, \(connections) connections" + (inProcess ? "" : " (wrk not installed)"))
    }

    /// The same load on a Hummingbird route that answers `bytes` constant bytes: what the HTTP
    /// stack serves on this machine when the handler costs nothing.
    static func constantRouteRate(bytes: Int, seconds: Double, logger: Logger, inProcess: Bool = false,
                                  postBytes: Int? = nil) async throws -> (rate: Double, generator: String) {
        let router = Router()
        let body = ByteBuffer(bytes: [UInt8](repeating: 0x61, count: bytes))
        router.get("constant") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: body))
        }
        router.post("constant") { request, _ in
            // As a publish collects its body: against a read timeout.
            _ = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await request.body.collect(upTo: 1 << 20) }
                group.addTask { try await Task.sleep(for: .seconds(10)); return nil }
                defer { group.cancelAll() }
                return try await group.next()
            }
            return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
        }
        let (ports, found) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { found.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let (rate, generator) = try await withServing(app, ports: ports, logger: logger) { url in
            try await loadRate(url + "/constant", seconds: seconds, connections: 64, inProcess: inProcess, postBytes: postBytes)
        }
        return (rate, generator)
    }

    /// For each event, appended one at a time every 10 ms: the nanoseconds from its commit
    /// (the append's return) to a client's live follow returning it, verified (0 when the
    /// follower had it before the append returned).
    static func followerLatencies(_ ledger: Ledger, client: JejakClient, events: [SignedEvent]) async throws -> [UInt64] {
        let from = try ledger.size()
        let follower = Task {
            var seen: [UInt64] = []
            var iterator = client.subscribe(from: from).makeAsyncIterator()
            while seen.count < events.count, try await iterator.next() != nil {
                seen.append(DispatchTime.now().uptimeNanoseconds)
            }
            return seen
        }
        var committed: [UInt64] = []
        for event in events {
            _ = try await ledger.append(event)
            committed.append(DispatchTime.now().uptimeNanoseconds)
            try await Task.sleep(for: .milliseconds(10))
        }
        let seen = try await follower.value
        return zip(seen, committed).map { $0 > $1 ? $0 - $1 : 0 }
    }
}
