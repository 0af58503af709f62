import ArgumentParser
import Foundation
import JejakBase
import JejakCommands
import JejakCrypto
import JejakMirror
import JejakMirrorServer
import JejakOfflineCommands
import JejakTlog
import Logging
import ServiceLifecycle

struct MirrorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: localized("Keep a verified, cosigned copy of the ledger for a region (c2sp.org/tlog-mirror).",
                            id: "Menyimpan salinan ledger yang terverifikasi dan ditandatangani bersama untuk sebuah wilayah (c2sp.org/tlog-mirror)."),
        discussion: localized("""
            A mirror keeps, in a state directory of its own (--state), a copy of each log it \
            trusts in the tlog-tiles layout, and cosigns a checkpoint with its own key only once \
            every entry below it is on its disk and the tiles it computed itself hash to the \
            checkpoint's root. Regional units read, export, verify and project from it as from \
            the primary, while the primary is unreachable.

            `mirror serve --follow URL` keeps the copy current from the primary's tiles; the \
            spec's add-checkpoint and add-entries routes take pushed updates too. A primary that \
            rolls back, forks or serves entries its checkpoint does not commit to is refused: \
            the copy keeps what it verified, and the refused checkpoint is kept as evidence.
            """, id: """
            Cermin menyimpan, dalam direktori status miliknya sendiri (--state), salinan setiap log \
            yang dipercayainya dalam tata letak tlog-tiles, dan menandatangani bersama sebuah \
            checkpoint dengan kuncinya sendiri hanya setelah setiap entri di bawahnya ada di disknya \
            dan tile yang dihitungnya sendiri menghasilkan akar checkpoint itu. Unit di wilayah \
            membaca, mengekspor, memverifikasi, dan memproyeksikan darinya seperti dari log primer, \
            selama log primer tidak dapat dijangkau.

            `mirror serve --follow URL` menjaga salinan tetap mutakhir dari tile log primer; rute \
            add-checkpoint dan add-entries menurut spesifikasi juga menerima pembaruan yang dikirim. \
            Log primer yang menggulir balik (rollback), bercabang (fork), atau menyajikan entri yang \
            tidak dijamin checkpoint-nya ditolak: salinan mempertahankan apa yang telah \
            diverifikasinya, dan checkpoint yang ditolak disimpan sebagai bukti.
            """),
        subcommands: [Init.self, Serve.self])

    struct StateOption: ParsableArguments {
        @Option(help: localizedHelp("The mirror's state directory (its key, the copies).",
                                    id: "Direktori status cermin (kuncinya, salinan-salinannya).", valueName: "dir"))
        var state: String
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("Make the mirror's cosignature key and trust the logs (and witnesses) of a policy.",
                                id: "Membuat kunci tanda tangan bersama (cosignature) cermin dan memercayai log (serta saksi) sebuah kebijakan."),
            discussion: helpExamples("jejak mirror init --state /var/lib/mirror-jatim --name mirror.kpu-jatim.go.id/m1 --policy /var/lib/jejak/policy",
                                     heading: localized("Example:", id: "Contoh:")) + "\n\n" + localized("""
                Prints the mirror's vkey and, for each log, the path its copy is served under \
                (/<sha256(origin) hex>). The mirror carries the policy's witnesses' cosignatures \
                on its checkpoints, so a reader whose policy asks for the witness quorum reads the \
                copy as it reads the log. Run again with a newer policy, the mirror stopped, to \
                change the witnesses.
                """, id: """
                Mencetak vkey cermin dan, untuk setiap log, jalur tempat salinannya disajikan \
                (/<sha256(origin) hex>). Cermin membawa cosignature para saksi kebijakan pada \
                checkpoint-nya, sehingga pembaca yang kebijakannya mewajibkan kuorum saksi membaca \
                salinan itu seperti membaca log. Jalankan lagi dengan kebijakan yang lebih baru untuk \
                mengganti saksi (saat cermin dihentikan).
                """))

        @OptionGroup var stateOption: StateOption
        @Option(help: localizedHelp("The mirror's name: its key name.", id: "Nama cermin: nama kuncinya.", valueName: "name"))
        var name = "mirror.kpu.go.id/mirror"
        @Option(help: localizedHelp("The tlog-policy file whose logs (and witnesses) the mirror trusts.",
                                    id: "Berkas tlog-policy yang log-nya (dan saksinya) dipercayai cermin.", valueName: "file"))
        var policy: String

        func run() throws {
            let parsed = try attempt { try TlogPolicy(parsing: try readText(policy)) }
            let stateKey = stateOption.state + "/mirror.key"
            let mirror = try mirroring {
                FileManager.default.fileExists(atPath: stateKey)
                    ? try Mirror(stateDirectory: stateOption.state)
                    : try Mirror.initialize(stateDirectory: stateOption.state, name: name)
            }
            print(mirror.key)
            for log in parsed.logs {
                try mirroring { try mirror.trust(log: log.key, witnesses: parsed.witnesses.map(\.key)) }
                print(localized("mirrors \(log.key.name) at /\(Mirror.originHash(log.key.name))",
                                id: "mencerminkan \(log.key.name) di /\(Mirror.originHash(log.key.name))"))
            }
        }
    }

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("Run the mirror: follow a primary and serve the copy (c2sp.org/tlog-mirror over HTTP).",
                                id: "Menjalankan cermin: mengikuti log primer dan menyajikan salinannya (c2sp.org/tlog-mirror melalui HTTP)."),
            discussion: helpExamples("jejak mirror serve --state /var/lib/mirror-jatim --follow https://ledger.kpu.go.id --listen 127.0.0.1:7390",
                                     heading: localized("Example:", id: "Contoh:")) + "\n\n" + localized("""
                With --follow, a round every --interval milliseconds fetches the primary's \
                checkpoint and the entry bundles the copy lacks (never its hash tiles: the mirror \
                hashes the entries itself), proves the new tree consistent with the copy, and \
                cosigns it once held. Routes: POST /add-checkpoint, POST /add-entries (200 with \
                the mirror's cosignature; 202 and 409 as text/x.tlog.mirror-info), GET \
                /<sha256(origin) hex>/checkpoint and /<sha256(origin) hex>/tile/… (the copy, read \
                by `jejak export --from URL/<hash>`), GET /healthz. A refused primary is logged and \
                its checkpoint kept in STATE/logs/<hash>/refused/<size>-<rule>. The first line on standard output \
                is "listening on http://HOST:PORT"; SIGTERM or SIGINT stops it.
                """, id: """
                Dengan --follow, setiap --interval milidetik satu putaran mengambil checkpoint log primer \
                dan bundel entri yang belum dimiliki salinan (tidak pernah tile hash-nya: cermin menghitung \
                hash entri sendiri), membuktikan pohon baru konsisten dengan salinan, dan menandatanganinya \
                bersama setelah dimiliki. Rute: POST /add-checkpoint, POST /add-entries (200 dengan \
                cosignature cermin; 202 dan 409 sebagai text/x.tlog.mirror-info), GET /<sha256(origin) \
                hex>/checkpoint dan /<sha256(origin) hex>/tile/… (salinannya, dibaca oleh `jejak export \
                --from URL/<hash>`), GET /healthz. Log primer yang ditolak dicatat dan checkpoint-nya \
                disimpan dalam STATE/logs/<hash>/refused/<size>-<rule>. Baris pertama pada keluaran standar adalah \
                "listening on http://HOST:PORT"; SIGTERM atau SIGINT menghentikannya.
                """))

        @OptionGroup var stateOption: StateOption
        @Option(help: localizedHelp("The primary's URL (a `jejak serve` server or static tiles) to follow.",
                                    id: "URL log primer (server `jejak serve` atau tile statis) yang diikuti.", valueName: "url"))
        var follow: String?
        @Option(help: localizedHelp("With --follow: the origin of the log followed (default: the one log the mirror trusts).",
                                    id: "Dengan --follow: origin log yang diikuti (bawaan: satu-satunya log yang dipercayai cermin).", valueName: "origin"))
        var origin: String?
        @Option(help: localizedHelp("With --follow: the pause between rounds, in milliseconds.",
                                    id: "Dengan --follow: jeda antarputaran, dalam milidetik.", valueName: "ms"))
        var interval = 1000
        @Option(help: localizedHelp("The address and port to listen on.", id: "Alamat dan port tempat server mendengarkan.", valueName: "host:port"))
        var listen = "127.0.0.1:7390"
        @Option(help: localizedHelp("The largest request body, in bytes.", id: "Ukuran isi permintaan terbesar, dalam bait.", valueName: "n"))
        var maxBodyBytes = MirrorServer.defaultMaxBodyBytes
        @Option(help: localizedHelp("trace, debug, info, notice, warning or error.",
                                    id: "trace, debug, info, notice, warning atau error.", valueName: "level"))
        var logLevel = "notice"

        func validate() throws {
            _ = try listenAddress(listen)
            guard interval > 0 else { throw ValidationError(localized("--interval must be positive.", id: "--interval harus positif.")) }
            guard maxBodyBytes > 0 else { throw ValidationError(localized("--max-body-bytes must be positive.",
                                                                          id: "--max-body-bytes harus positif.")) }
            _ = try serviceLogLevel(logLevel)
        }

        func run() async throws {
            var logger = Logger(label: "jejak.mirror")
            logger.logLevel = try serviceLogLevel(logLevel)
            let (host, port) = try listenAddress(listen)
            let mirror = try mirroring { try Mirror(stateDirectory: stateOption.state) }
            let disk = BlockingQueue(label: "jejak.mirror.disk")
            var services: [any Service] = []
            if let follow {
                let origins = try mirroring { try mirror.trustedOrigins() }
                let followed: String
                switch (origin, origins.count) {
                case (let named?, _):
                    guard origins.contains(where: { $0.sameBytes(as: named) }) else {
                        throw CLIFailure(description: localized("the mirror does not trust the log \(named) (`jejak mirror init --policy FILE`)",
                                                                id: "cermin tidak memercayai log \(named) (`jejak mirror init --policy FILE`)"))
                    }
                    followed = named
                case (nil, 1): followed = origins[0]
                default:
                    throw CLIFailure(description: localized("the mirror trusts \(origins.count) logs: name the one to follow with --origin",
                                                            id: "cermin memercayai \(origins.count) log: sebutkan log yang diikuti dengan --origin"))
                }
                services.append(try mirroring {
                    try MirrorFollowerService(mirror: mirror, origin: followed, primary: follow, interval: .milliseconds(interval), disk: disk, logger: logger)
                })
            }
            services.insert(MirrorServer(mirror: mirror, host: host, port: port, maxBodyBytes: maxBodyBytes, disk: disk, logger: logger) { port in
                print("listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
                fflush(nil)
            }, at: 0)
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

/// Runs `body`, turning a mirror error into one plain sentence naming the rule.
private func mirroring<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as MirrorError {
        throw CLIFailure(description: e.description)
    } catch {
        throw describe(error)
    }
}
