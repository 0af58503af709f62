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
        abstract: localized("Serve the ledger over HTTP: publishing, the tlog-tiles, reads with proofs, live follow.",
                            id: "Menyajikan ledger melalui HTTP: publikasi, tlog-tiles, pembacaan beserta bukti, dan ikuti entri secara langsung."),
        discussion: localized("""
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
            """, id: """
            Membuka ledger untuk ditulisi (memegang kunci tulis/writer lock) dan menyajikan API HTTP-nya \
            hingga SIGINT atau SIGTERM; kemudian berhenti menerima koneksi, menyelesaikan permintaan \
            yang sedang berjalan (setiap penambahan yang diterimanya dikomit dan dijawab), lalu menutup \
            ledger. Dengan --db, read model dalam berkas SQLite itu juga terus diperbarui. Baris pertama \
            pada keluaran standar adalah "listening on http://HOST:PORT" (--listen HOST:0 memilih port \
            yang bebas). Rute: POST /v1/events, GET /checkpoint, /tile/..., /policy, /v1/entries/N, \
            /v1/events/ID, /v1/streams/SUBJECT, /v1/receipts/N, /v1/proofs/..., /v1/subscribe \
            (Server-Sent Events), /healthz, /metrics.

            Jika kebijakan ledger mencantumkan saksi beserta URL (`jejak witness init --ledger DIR --url \
            URL`), setiap checkpoint baru dikirimkan kepada saksi itu (c2sp.org/tlog-witness), tanda \
            tangan bersama (cosignature) mereka disimpan bersama checkpoint tersebut, /checkpoint adalah \
            checkpoint terbaru yang memenuhi kuorum, dan POST /v1/events?wait=witnessed menjawab setelah \
            kuorum terpenuhi.
            """) + "\n\n" + helpExamples("jejak serve --ledger kpu-ledger --listen 127.0.0.1:8080", "jejak serve --ledger kpu-ledger --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem", "curl -s http://127.0.0.1:8080/checkpoint"))

    @OptionGroup var ledgerOption: LedgerOption
    @Option(help: localizedHelp("The address and port to listen on.", id: "Alamat dan port tempat server mendengarkan.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"
    @Option(help: localizedHelp("Also keep these read models (SQLite) up to date.",
                                id: "Terus perbarui juga read model (SQLite) ini.", valueName: "file"))
    var db: String?
    @Option(help: localizedHelp("The TLS certificate chain (PEM); serves HTTPS with --tls-key.",
                                id: "Rantai sertifikat TLS (PEM); menyajikan HTTPS bersama --tls-key.", valueName: "file"))
    var tlsCert: String?
    @Option(help: localizedHelp("The TLS private key (PEM).", id: "Kunci privat TLS (PEM).", valueName: "file"))
    var tlsKey: String?
    @Option(help: localizedHelp("The largest request body, in bytes.", id: "Ukuran isi permintaan terbesar, dalam bait.", valueName: "n"))
    var maxBodyBytes = 4 << 20
    @Option(help: localizedHelp("The most connections served at once.", id: "Jumlah koneksi terbanyak yang dilayani sekaligus.", valueName: "n"))
    var maxConnections = 1024
    @Option(help: localizedHelp("The most events waiting for the writer; more are refused with 503 and Retry-After.",
                                id: "Jumlah peristiwa terbanyak yang menunggu penulis; kelebihannya ditolak dengan 503 dan Retry-After.", valueName: "n"))
    var maxQueuedEvents = 65_536
    @Option(help: localizedHelp("How long a publish with wait=witnessed waits for the witnesses' quorum, in seconds.",
                                id: "Berapa lama publikasi dengan wait=witnessed menunggu kuorum saksi, dalam detik.", valueName: "s"))
    var witnessTimeout = 10
    @Option(help: localizedHelp("trace, debug, info, notice, warning or error.",
                                id: "trace, debug, info, notice, warning atau error.", valueName: "level"))
    var logLevel = "notice"

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError(localized("Give --tls-cert and --tls-key together.",
                                                                                         id: "Berikan --tls-cert dan --tls-key bersama-sama.")) }
        _ = try address()
        guard maxBodyBytes > 0, maxConnections > 0, maxQueuedEvents > 0 else {
            throw ValidationError(localized("--max-body-bytes, --max-connections and --max-queued-events must be positive.",
                                            id: "--max-body-bytes, --max-connections dan --max-queued-events harus positif."))
        }
        _ = try serviceLogLevel(logLevel)
    }

    private func address() throws -> (host: String, port: Int) { try listenAddress(listen) }

    func run() async throws {
        var logger = Logger(label: "jejak.serve")
        logger.logLevel = try serviceLogLevel(logLevel)
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
        let size = try ledger.size()
        note(localized("stopped; the ledger holds \(size) entries", id: "berhenti; ledger memuat \(size) entri"))
    }
}

/// The level a service's `--log-level` names (trace, debug, info, notice, warning or error).
func serviceLogLevel(_ name: String) throws -> Logger.Level {
    guard let level = Logger.Level(rawValue: name) else {
        throw ValidationError(localized("--log-level takes trace, debug, info, notice, warning or error.",
                                        id: "--log-level menerima trace, debug, info, notice, warning atau error."))
    }
    return level
}

/// The host and port of a `--listen HOST:PORT` option (`[::1]:8080` for IPv6).
func listenAddress(_ listen: String) throws -> (host: String, port: Int) {
    guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
          (0...65_535).contains(port), colon != listen.startIndex else {
        throw ValidationError(localized("--listen takes HOST:PORT, e.g. 127.0.0.1:8080, not \"\(listen)\".",
                                        id: "--listen menerima HOST:PORT, misalnya 127.0.0.1:8080, bukan \"\(listen)\"."))
    }
    var host = String(listen[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return (host, port)
}
