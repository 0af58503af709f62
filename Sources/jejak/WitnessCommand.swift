import ArgumentParser
import Foundation
import Jejak
import JejakBase
import JejakCommands
import JejakCrypto
import JejakInspector
import JejakWitness
import JejakJSON
import JejakOfflineCommands
import JejakTlog
import JejakServer
import JejakWitnessServer
import Logging
import ServiceLifecycle

struct WitnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: localized("Witness the ledger as the Inspektorat: cosign checkpoints that extend the ones cosigned before.",
                            id: "Menyaksikan ledger sebagai Inspektorat: menandatangani bersama checkpoint yang melanjutkan checkpoint yang telah ditandatangani bersama sebelumnya."),
        discussion: localized("""
            The witness keeps its key and the last checkpoint it cosigned in a state directory of \
            its own (--state), apart from the ledger. It refuses a checkpoint smaller than the last \
            one it cosigned (a rollback), one of the same size with another root (a fork), and one \
            without a valid consistency proof (c2sp.org/tlog-witness).

            It cosigns only for the logs it was told to trust (init --ledger, trust), and never \
            forgets silently: a trusted log with no record of the last cosignature is refused \
            (stateMissing) unless you say it is a first use (cosign --first-use), and its own \
            cosignature on a checkpoint beyond its record means the record was restored from an \
            old copy (stateRolledBack). Back up witness.key once; never restore logs/ from a \
            backup: recover a lost or old record with `witness restore` from the newest \
            checkpoint it cosigned.

            `witness serve` runs it as a service apart from the ledger (c2sp.org/tlog-witness over \
            HTTP): `jejak serve` submits each new checkpoint to the witnesses its policy lists with \
            a URL (`witness init --ledger DIR --url URL`).
            """, id: """
            Saksi menyimpan kuncinya dan checkpoint terakhir yang ditandatanganinya bersama dalam \
            direktori status miliknya sendiri (--state), terpisah dari ledger. Saksi menolak checkpoint \
            yang lebih kecil daripada checkpoint terakhir yang ditandatanganinya bersama (pengguliran \
            balik/rollback), checkpoint berukuran sama dengan akar yang lain (percabangan/fork), dan \
            checkpoint tanpa bukti konsistensi yang sah (c2sp.org/tlog-witness).

            Saksi hanya menandatangani bersama untuk log yang ditetapkan untuk dipercayainya (init \
            --ledger, trust), dan tidak pernah lupa secara diam-diam: log tepercaya tanpa catatan tanda \
            tangan bersama (cosignature) terakhir ditolak (stateMissing), kecuali dinyatakan sebagai \
            penggunaan pertama (cosign --first-use); cosignature saksi sendiri pada checkpoint yang \
            melampaui catatannya berarti catatan itu dipulihkan dari salinan lama (stateRolledBack). \
            Cadangkan witness.key satu kali; jangan pernah memulihkan logs/ dari cadangan: pulihkan \
            catatan yang hilang atau lama dengan `witness restore` dari checkpoint terbaru yang \
            ditandatanganinya bersama.

            `witness serve` menjalankan saksi sebagai layanan yang terpisah dari ledger \
            (c2sp.org/tlog-witness melalui HTTP): `jejak serve` mengirimkan setiap checkpoint baru \
            kepada saksi yang dicantumkan kebijakannya beserta URL (`witness init --ledger DIR --url \
            URL`).
            """),
        subcommands: [Init.self, Trust.self, Cosign.self, Restore.self, Serve.self, Push.self])

    /// `--state DIR`: the witness's state directory.
    struct StateOption: ParsableArguments {
        @Option(help: localizedHelp("The witness's state directory (its key and the last cosigned checkpoints).",
                                    id: "Direktori status saksi (kuncinya dan checkpoint terakhir yang ditandatangani bersama).", valueName: "dir"))
        var state: String
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("Make the witness's cosignature key; with --ledger, require its cosignature in the ledger's policy.",
                                id: "Membuat kunci tanda tangan bersama (cosignature) saksi; dengan --ledger, mewajibkan cosignature-nya dalam kebijakan ledger."),
            discussion: localized("""
                Example:
                  jejak witness init --state /var/lib/inspektorat --name inspektorat.kpu.go.id/witness \
                --ledger /var/lib/jejak

                Prints the witness's vkey and its tlog-policy line. With --ledger, the line is added \
                to DIR/policy with the quorum set to this witness, and the witness trusts the log \
                key the policy lists for the ledger's origin.
                """, id: """
                Contoh:
                  jejak witness init --state /var/lib/inspektorat --name inspektorat.kpu.go.id/witness \
                --ledger /var/lib/jejak

                Mencetak vkey saksi dan baris tlog-policy-nya. Dengan --ledger, baris itu ditambahkan ke \
                DIR/policy dengan kuorum ditetapkan pada saksi ini, dan saksi memercayai kunci log yang \
                dicantumkan kebijakan untuk origin ledger.
                """))

        @OptionGroup var stateOption: StateOption

        @Option(help: localizedHelp("The witness's name: its key name and its name in the policy.",
                                    id: "Nama saksi: nama kuncinya dan namanya dalam kebijakan.", valueName: "name"))
        var name = "inspektorat.kpu.go.id/witness"

        @Option(help: localizedHelp("Add the witness to this ledger's policy and make it the quorum.",
                                    id: "Tambahkan saksi ke kebijakan ledger ini dan jadikan saksi itu kuorumnya.", valueName: "dir"))
        var ledger: String?

        @Option(help: localizedHelp("With --ledger: the witness's URL (where `jejak witness serve` listens), so `jejak serve` submits each checkpoint to it.",
                                    id: "Dengan --ledger: URL saksi (tempat `jejak witness serve` mendengarkan), agar `jejak serve` mengirimkan setiap checkpoint kepadanya.", valueName: "url"))
        var url: String?

        func run() throws {
            let opened = try ledger.map { path in try openForCosigning(path) }
            let witness = try witnessing { try Witness.initialize(stateDirectory: stateOption.state, name: name) }
            print(witness.key)
            print("witness \(name) \(witness.key)\(url.map { " " + $0 } ?? "")")
            if let opened {
                let policy = try attempt { try opened.addWitness(name: name, key: witness.key, url: url) }
                // Trusting the log here is telling the witness it has cosigned nothing for it yet.
                if let log = policy.logs.first(where: { $0.key.name.sameBytes(as: opened.origin) }) {
                    try witnessing { try witness.trust(log: log.key) }
                }
                print(localized("Added to \(opened.directory.policy) with quorum \(name).",
                                id: "Ditambahkan ke \(opened.directory.policy) dengan kuorum \(name)."))
            }
        }
    }

    struct Trust: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("Trust a log's key: the witness will cosign its checkpoints, starting with a first use.",
                                id: "Memercayai kunci sebuah log: saksi akan menandatangani bersama checkpoint-nya, dimulai dengan penggunaan pertama."),
            discussion: helpExamples("jejak witness trust --state /var/lib/inspektorat --vkey \"$(cat /var/lib/jejak/log.vkey)\"", "jejak witness trust --state /var/lib/inspektorat --ledger /var/lib/jejak") + "\n\n" + localized("""
                With --ledger, the key is the one the ledger's policy lists for its origin. Trusting \
                a new log records that the witness has cosigned nothing for it; trusting the key \
                already trusted changes nothing (a lost record stays refused: see `witness restore`).
                """, id: """
                Dengan --ledger, kuncinya adalah kunci yang dicantumkan kebijakan ledger untuk origin-nya. \
                Memercayai log baru mencatat bahwa saksi belum menandatangani bersama apa pun untuk log itu; \
                memercayai kunci yang sudah dipercayai tidak mengubah apa pun (catatan yang hilang tetap \
                ditolak: lihat `witness restore`).
                """))

        @OptionGroup var stateOption: StateOption
        @Option(help: localizedHelp("The log's vkey (its name is the log's origin).", id: "vkey log (namanya adalah origin log).", valueName: "vkey"))
        var vkey: String?
        @Option(help: localizedHelp("Trust the log key this ledger's policy lists for its origin.",
                                    id: "Percayai kunci log yang dicantumkan kebijakan ledger ini untuk origin-nya.", valueName: "dir"))
        var ledger: String?

        func run() throws {
            let witness = try witnessing { try Witness(stateDirectory: stateOption.state) }
            let key: VerifierKey
            switch (vkey, ledger) {
            case (let text?, nil): key = try parseVerifierKey(text)
            case (nil, let path?):
                let opened = try openForCosigning(path)
                let policy = try attempt { try opened.policy() }
                guard let log = policy.logs.first(where: { $0.key.name.sameBytes(as: opened.origin) }) else {
                    throw CLIFailure(description: localized("the policy of \(path) lists no log key for its origin \(opened.origin)",
                                                            id: "kebijakan \(path) tidak mencantumkan kunci log untuk origin-nya \(opened.origin)"))
                }
                key = log.key
            default:
                throw ValidationError(localized("Give the log's key: --vkey VKEY or --ledger DIR.",
                                                id: "Berikan kunci log: --vkey VKEY atau --ledger DIR."))
            }
            try witnessing { try witness.trust(log: key) }
            print(localized("The witness trusts \(key.hint) for \(key.name).", id: "Saksi memercayai \(key.hint) untuk \(key.name)."))
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("Recover the witness's record of a log from a checkpoint it cosigned (after a loss or an old backup).",
                                id: "Memulihkan catatan saksi tentang sebuah log dari checkpoint yang ditandatanganinya bersama (setelah kehilangan catatan atau pemulihan dari cadangan lama)."),
            discussion: helpExamples("jejak checkpoint --ledger /var/lib/jejak > latest.checkpoint", "jejak witness restore --state /var/lib/inspektorat --checkpoint latest.checkpoint", heading: localized("Example:", id: "Contoh:")) + "\n\n" + localized("""
                The checkpoint must carry the trusted log key's signature and this witness's own \
                cosignature, and be at least the record's size: the witness made that cosignature, \
                so it was consistent with all it cosigned before. Give the newest one you can find \
                (the ledger's, a receipt's, a relying party's copy).
                """, id: """
                Checkpoint harus membawa tanda tangan kunci log tepercaya dan tanda tangan bersama \
                (cosignature) saksi ini sendiri, serta berukuran sekurang-kurangnya ukuran catatan: saksi \
                sendiri yang membuat cosignature itu, sehingga checkpoint tersebut konsisten dengan semua \
                yang ditandatanganinya bersama sebelumnya. Berikan checkpoint terbaru yang dapat ditemukan \
                (milik ledger, milik sebuah tanda terima, salinan pihak yang mengandalkannya).
                """))

        @OptionGroup var stateOption: StateOption
        @Option(help: localizedHelp("A checkpoint cosigned by this witness.",
                                    id: "Checkpoint yang ditandatangani bersama oleh saksi ini.", valueName: "file"))
        var checkpoint: String

        func run() throws {
            let witness = try witnessing { try Witness(stateDirectory: stateOption.state) }
            let cp = try readCheckpoint(checkpoint)
            try witnessing { try witness.restore(from: cp) }
            print(localized("The witness's record of \(cp.checkpoint.origin) is now the checkpoint of size \(cp.checkpoint.size).",
                            id: "Catatan saksi tentang \(cp.checkpoint.origin) kini adalah checkpoint berukuran \(cp.checkpoint.size)."))
        }
    }

    struct Cosign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("Cosign the ledger's latest checkpoint and attach the cosignature to it.",
                                id: "Menandatangani bersama checkpoint terbaru ledger dan melampirkan tanda tangan bersama (cosignature) padanya."),
            discussion: helpExamples("jejak witness cosign --state /var/lib/inspektorat --ledger /var/lib/jejak", "jejak witness cosign --state /var/lib/inspektorat --out witnessed.checkpoint") + "\n\n" + localized("""
                With --out, the cosigned checkpoint is also written to a file: keep it outside the \
                ledger and audit with `jejak inspect --trusted FILE`, which catches a rollback, \
                truncation or fork of the ledger after it.

                Works while another process writes the ledger. Prints the size and root cosigned; \
                a refusal is one sentence naming the rule (exit code 1), and the witness's state is \
                left as it was.
                """, id: """
                Dengan --out, checkpoint yang ditandatangani bersama juga ditulis ke sebuah berkas: simpan \
                berkas itu di luar ledger dan lakukan audit dengan `jejak inspect --trusted FILE`, yang \
                mendeteksi pengguliran balik (rollback), pemotongan, atau percabangan (fork) ledger \
                sesudahnya.

                Dapat berjalan selagi proses lain menulis ledger. Mencetak ukuran dan akar yang \
                ditandatangani bersama; penolakan berupa satu kalimat yang menyebut aturannya (kode keluar \
                1), dan status saksi dibiarkan seperti semula.
                """))

        @OptionGroup var stateOption: StateOption
        @OptionGroup var ledgerOption: LedgerOption

        @Option(help: localizedHelp("Also write the cosigned checkpoint to this file (for `jejak inspect --trusted`).",
                                    id: "Tulis juga checkpoint yang ditandatangani bersama ke berkas ini (untuk `jejak inspect --trusted`).", valueName: "file"))
        var out: String?
        @Flag(help: localizedHelp("Print the result as one JSON object.", id: "Cetak hasilnya sebagai satu objek JSON."))
        var json = false
        @Flag(help: localizedHelp("The witness has never cosigned this log: take its first checkpoint although no record of it exists.",
                                  id: "Saksi belum pernah menandatangani bersama log ini: terima checkpoint pertamanya meskipun belum ada catatannya."))
        var firstUse = false

        func run() throws {
            let witness = try witnessing { try Witness(stateDirectory: stateOption.state) }
            let ledger = try openForCosigning(try ledgerOption.path())
            let cosigned = try witnessing { try witness.cosign(ledger: ledger, firstUse: firstUse) }
            if let out { try writeFile(cosigned.serialized, to: out) }
            let cp = cosigned.checkpoint
            let timestamp = cosigned.note.signatures.first { $0.matches(witness.key) }
                .flatMap { witness.key.cosignatureTimestamp($0.signature) } ?? 0
            if json {
                print(jsonLine([
                    "origin": .string(cp.origin), "size": .number(JSONNumber(Int64(clamping: cp.size))),
                    "root": .string(cp.rootHash.base64), "witness": .string(witness.key.hint),
                    "timestamp": .number(JSONNumber(Int64(clamping: timestamp))),
                ]))
            } else {
                // The cosignature's time (c2sp.org/tlog-cosignature: seconds since the epoch), as a date.
                let date = Date(timeIntervalSince1970: TimeInterval(timestamp))
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withInternetDateTime]
                print(localized("Cosigned \(cp.origin) at size \(cp.size), root \(cp.rootHash.base64), at \(formatter.string(from: date)).",
                                id: "Ditandatangani bersama: \(cp.origin) pada ukuran \(cp.size), akar \(cp.rootHash.base64), pada \(formatter.string(from: date))."))
            }
        }
    }
}

extension WitnessCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("Run the witness as a service: c2sp.org/tlog-witness over HTTP, apart from the ledger.",
                                id: "Menjalankan saksi sebagai layanan: c2sp.org/tlog-witness melalui HTTP, terpisah dari ledger."),
            discussion: localized("""
                Example:
                  jejak witness serve --state /var/lib/inspektorat --logs /etc/jejak/witnessed-logs \
                --listen 127.0.0.1:7380

                --logs is a file of `log <vkey>` lines, the logs this witness cosigns for (read at \
                start; a new log awaits its first checkpoint). Routes: POST /add-checkpoint (200 \
                with the cosignature lines; 400, 403, 404, 409 with the witness's size as \
                text/x.tlog.size, 422), GET /<sha256(origin) hex>/checkpoint (the latest one \
                cosigned), GET /healthz. Each cosignature is recorded and synced before it is \
                answered. The first line on standard output is "listening on http://HOST:PORT"; \
                SIGTERM or SIGINT stops it after the requests in flight.
                """, id: """
                Contoh:
                  jejak witness serve --state /var/lib/inspektorat --logs /etc/jejak/witnessed-logs \
                --listen 127.0.0.1:7380

                --logs adalah berkas berisi baris `log <vkey>`, yaitu log yang ditandatangani bersama oleh \
                saksi ini (dibaca saat mulai; log baru menunggu checkpoint pertamanya). Rute: POST \
                /add-checkpoint (200 dengan baris-baris cosignature; 400, 403, 404, 409 dengan ukuran saksi \
                sebagai text/x.tlog.size, 422), GET /<sha256(origin) hex>/checkpoint (checkpoint terbaru \
                yang ditandatangani bersama), GET /healthz. Setiap cosignature dicatat dan disinkronkan ke \
                disk sebelum dijawab. Baris pertama pada keluaran standar adalah "listening on \
                http://HOST:PORT"; SIGTERM atau SIGINT menghentikannya setelah permintaan yang sedang \
                berjalan selesai.
                """))

        @OptionGroup var stateOption: StateOption
        @Option(help: localizedHelp("The file of `log <vkey>` lines naming the logs to witness.",
                                    id: "Berkas berisi baris `log <vkey>` yang menyebut log yang akan disaksikan.", valueName: "file"))
        var logs: String
        @Option(help: localizedHelp("The address and port to listen on.", id: "Alamat dan port tempat server mendengarkan.", valueName: "host:port"))
        var listen = "127.0.0.1:7380"
        @Option(help: localizedHelp("The largest request body, in bytes.", id: "Ukuran isi permintaan terbesar, dalam bait.", valueName: "n"))
        var maxBodyBytes = WitnessServer.defaultMaxBodyBytes
        @Option(help: localizedHelp("trace, debug, info, notice, warning or error.",
                                    id: "trace, debug, info, notice, warning atau error.", valueName: "level"))
        var logLevel = "notice"

        func validate() throws {
            _ = try listenAddress(listen)
            guard maxBodyBytes > 0 else { throw ValidationError(localized("--max-body-bytes must be positive.",
                                                                          id: "--max-body-bytes harus positif.")) }
            _ = try serviceLogLevel(logLevel)
        }

        func run() async throws {
            var logger = Logger(label: "jejak.witness")
            logger.logLevel = try serviceLogLevel(logLevel)
            let (host, port) = try listenAddress(listen)
            let witness = try witnessing { try Witness(stateDirectory: stateOption.state) }
            let configuration = try witnessing { try WitnessConfiguration(contentsOf: logs) }
            try witnessing { try witness.trust(configuration) }
            let server = WitnessServer(witness: witness, configuration: configuration, host: host, port: port,
                                       maxBodyBytes: maxBodyBytes, logger: logger) { port in
                print("listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
                fflush(nil)
            }
            let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

extension WitnessCommand {
    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("Submit each new checkpoint of a ledger to the witnesses its policy lists with a URL, beside its writer.",
                                id: "Mengirimkan setiap checkpoint baru sebuah ledger kepada saksi yang dicantumkan kebijakannya beserta URL, berdampingan dengan proses penulisnya."),
            discussion: helpExamples("jejak witness push --ledger /var/lib/jejak") + "\n\n" + localized("""
                For an embedded ledger (one without `jejak serve`, which does this itself): opens \
                the ledger read-only for cosigning, looks for a new checkpoint every --interval \
                milliseconds, submits it to every witness of DIR/policy that has a URL \
                (c2sp.org/tlog-witness, with the consistency proof from the size the witness last \
                cosigned), and stores the cosignatures that verify with the checkpoint. Runs until \
                SIGTERM or SIGINT. The first line on standard output names the witnesses.
                """, id: """
                Untuk ledger tertanam (tanpa `jejak serve`, yang melakukannya sendiri): membuka ledger \
                hanya-baca untuk penandatanganan bersama, mencari checkpoint baru setiap --interval \
                milidetik, mengirimkannya kepada setiap saksi dalam DIR/policy yang memiliki URL \
                (c2sp.org/tlog-witness, dengan bukti konsistensi dari ukuran yang terakhir ditandatangani \
                bersama oleh saksi itu), dan menyimpan cosignature yang terverifikasi dengan checkpoint \
                tersebut. Berjalan hingga SIGTERM atau SIGINT. Baris pertama pada keluaran standar menyebut \
                saksi-saksinya.
                """))

        @OptionGroup var ledgerOption: LedgerOption
        @Option(help: localizedHelp("How often to look for a new checkpoint, in milliseconds.",
                                    id: "Seberapa sering mencari checkpoint baru, dalam milidetik.", valueName: "ms"))
        var interval = 200
        @Option(help: localizedHelp("trace, debug, info, notice, warning or error.",
                                    id: "trace, debug, info, notice, warning atau error.", valueName: "level"))
        var logLevel = "notice"

        func validate() throws {
            guard interval > 0 else { throw ValidationError(localized("--interval must be positive.", id: "--interval harus positif.")) }
            _ = try serviceLogLevel(logLevel)
        }

        func run() async throws {
            var logger = Logger(label: "jejak.witness.push")
            logger.logLevel = try serviceLogLevel(logLevel)
            let ledger = try openForCosigning(try ledgerOption.path())
            defer { ledger.close() }
            guard let pusher = try attempt({ try WitnessPusher(ledger: ledger, wakeInterval: .milliseconds(interval), logger: logger) }) else {
                throw CLIFailure(description: localized("the policy of \(ledger.directory.path) lists no witness with a URL (`jejak witness init --ledger DIR --url URL`)",
                                                        id: "kebijakan \(ledger.directory.path) tidak mencantumkan saksi yang memiliki URL (`jejak witness init --ledger DIR --url URL`)"))
            }
            print(localized("pushing to \(pusher.endpoints.map { "\($0.name) at \($0.url)" }.joined(separator: ", "))",
                            id: "mengirim ke \(pusher.endpoints.map { "\($0.name) di \($0.url)" }.joined(separator: ", "))"))
            fflush(nil)
            let group = ServiceGroup(configuration: .init(services: [pusher], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

/// Opens a ledger read-only but able to take cosignatures and policy changes, beside its writer.
private func openForCosigning(_ path: String) throws -> Ledger {
    var options = Ledger.Options()
    options.readOnly = true
    options.cosigning = true
    return try attempt { try Ledger(opening: path, options: options) }
}

/// Runs `body`, turning a witness error into one plain sentence naming the rule.
private func witnessing<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as WitnessError {
        throw CLIFailure(description: e.description)
    } catch {
        throw describe(error)
    }
}
