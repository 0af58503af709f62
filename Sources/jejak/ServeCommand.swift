import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakOfflineCommands
import JejakProjections
import JejakServer
import Logging
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ledger over HTTP: publishing, the tlog-tiles, reads with proofs, live follow.",
        discussion: """
            Opens the ledger for writing (it holds the writer lock) and serves its HTTP API until \
            SIGINT or SIGTERM; then it stops accepting connections, finishes the requests in \
            flight (every append it accepted is committed and answered) and closes the ledger. \
            With --db, it also keeps the read models in that SQLite file up to date. The first \
            line on standard output is "listening on http://HOST:PORT" (--listen HOST:0 picks a \
            free port). Routes: POST /v1/events, GET /checkpoint, /tile/..., /policy, \
            /v1/entries/N, /v1/events/ID, /v1/streams/SUBJECT, /v1/receipts/N, /v1/proofs/..., \
            /v1/subscribe (Server-Sent Events), /healthz, /metrics.

            When the ledger's policy lists witnesses with URLs (`jejak witness init --ledger DIR \
            --url URL`), each new checkpoint is submitted to them (c2sp.org/tlog-witness), their \
            cosignatures are stored with it, /checkpoint is the newest one that meets the quorum, \
            and POST /v1/events?wait=witnessed answers once the quorum is met.

            Examples:
              jejak serve --ledger kpu-ledger --listen 127.0.0.1:8080
              jejak serve --ledger kpu-ledger --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem
              curl -s http://127.0.0.1:8080/checkpoint
            """)

    @OptionGroup var ledgerOption: LedgerOption
    @Option(help: ArgumentHelp("The address and port to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"
    @Option(help: ArgumentHelp("Also keep these read models (SQLite) up to date.", valueName: "file"))
    var db: String?
    @Option(help: ArgumentHelp("The TLS certificate chain (PEM); serves HTTPS with --tls-key.", valueName: "file"))
    var tlsCert: String?
    @Option(help: ArgumentHelp("The TLS private key (PEM).", valueName: "file"))
    var tlsKey: String?
    @Option(help: ArgumentHelp("The largest request body, in bytes.", valueName: "n"))
    var maxBodyBytes = 4 << 20
    @Option(help: ArgumentHelp("The most connections served at once.", valueName: "n"))
    var maxConnections = 1024
    @Option(help: ArgumentHelp("The most events waiting for the writer; more are refused with 503 and Retry-After.", valueName: "n"))
    var maxQueuedEvents = 65_536
    @Option(help: ArgumentHelp("How long a publish with wait=witnessed waits for the witnesses' quorum, in seconds.", valueName: "s"))
    var witnessTimeout = 10
    @Option(help: ArgumentHelp("trace, debug, info, notice, warning or error.", valueName: "level"))
    var logLevel = "notice"

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("Give --tls-cert and --tls-key together.") }
        _ = try address()
        guard maxBodyBytes > 0, maxConnections > 0, maxQueuedEvents > 0 else {
            throw ValidationError("--max-body-bytes, --max-connections and --max-queued-events must be positive.")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level takes trace, debug, info, notice, warning or error.") }
    }

    private func address() throws -> (host: String, port: Int) { try listenAddress(listen) }

    func run() async throws {
        var logger = Logger(label: "jejak.serve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
        let (host, port) = try address()
        let ledger = try ledgerOption.open(readOnly: false, configure: { options in
            options.maxQueuedEvents = maxQueuedEvents
            options.logger = logger
        })
        defer { ledger.close() }
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.maxBodyBytes = maxBodyBytes
        configuration.maxConnections = maxConnections
        configuration.witnessTimeout = .seconds(max(1, witnessTimeout))
        if let tlsCert, let tlsKey { configuration.tls = (tlsCert, tlsKey) }
        let witnesses = try attempt { try WitnessPusher(ledger: ledger, logger: logger) }
        let scheme = tlsCert == nil ? "http" : "https"
        let server = try attempt {
            try LedgerServer(ledger: ledger, configuration: configuration, readModels: db, witnesses: witnesses, logger: logger) { port in
                print("listening on \(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)")
                fflush(nil)  // all streams: a test or a supervisor reads the line at once
            }
        }
        var services: [any Service] = [server]
        if let witnesses { services.append(witnesses) }
        if let db {
            let database = try attempt { try ReadModelDatabase.openForWriting(path: db) }
            services.append(try attempt { try ProjectionRunner(ledger: ledger, database: database, projections: ReadModels.builtIn()) })
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        note("stopped; the ledger holds \(try ledger.size()) entries")
    }
}

/// The host and port of a `--listen HOST:PORT` option (`[::1]:8080` for IPv6).
func listenAddress(_ listen: String) throws -> (host: String, port: Int) {
    guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
          (0...65_535).contains(port), colon != listen.startIndex else {
        throw ValidationError("--listen takes HOST:PORT, e.g. 127.0.0.1:8080, not \"\(listen)\".")
    }
    var host = String(listen[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return (host, port)
}
