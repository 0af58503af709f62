import ArgumentParser
import Foundation
import JejakCommands
import JejakDemo
import JejakDomain
import JejakInspector
import JejakOfflineCommands
import JejakServer
import JejakWitness
import Jejak
import JejakTlog
import Logging
import Synchronization

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: localized("Make a complete demo from the seeds: a ledger, the units and a year of their exchanges, read models, the Inspektorat's cosignature, an audit and an export.",
                            id: "Membuat demo lengkap dari data awal (seeds): ledger, unit beserta pertukarannya selama setahun, read model, tanda tangan bersama (cosignature) Inspektorat, pemeriksaan, dan ekspor."),
        discussion: localized("""
            In DIR, from the seeds (units, categories and the fiscal-year scenario): creates a \
            durable ledger (log key generated into it, the registry authority's key into \
            DIR/authority.key, outside the ledger directory, as a real authority keeps it offline); makes the Inspektorat's witness key \
            and requires its cosignature in the policy; registers the units, each with a generated \
            key (written to DIR/unit-keys); publishes the scenario, every unit signing its own \
            events and publishing concurrently with the others, on the scenario's calendar; builds \
            the read models (SQLite) and checks their counts against the numbers the scenario \
            states; runs the Inspektorat's witness as a separate process on loopback (`jejak \
            witness serve`) and submits the latest checkpoint to it (c2sp.org/tlog-witness); runs a full integrity audit \
            comparing the read models (HTML report); and exports the cosigned checkpoint as a C2SP \
            tlog-tiles tree. It ends with a summary and the commands to try next.

            DIR is replaced if it holds an earlier demo, and refused if it holds anything else. \
            Progress goes to standard error; the summary to standard output.
            """, id: """
            Di DIR, dari data awal (seeds: unit, kategori, dan skenario tahun anggaran): membuat \
            ledger yang tahan lama (kunci log dibangkitkan di dalamnya, kunci otoritas registri ke \
            DIR/authority.key, di luar direktori ledger, sebagaimana otoritas sebenarnya \
            menyimpannya luring); membuat kunci saksi Inspektorat dan mewajibkan tanda tangan \
            bersamanya dalam kebijakan; mendaftarkan unit, masing-masing dengan kunci yang \
            dibangkitkan (ditulis ke DIR/unit-keys); menerbitkan skenario, setiap unit \
            menandatangani peristiwanya sendiri dan menerbitkan bersamaan dengan unit lain, \
            mengikuti kalender skenario; membangun read model (SQLite) dan mencocokkan jumlahnya \
            dengan angka yang dinyatakan skenario; menjalankan saksi Inspektorat sebagai proses \
            terpisah di loopback (`jejak witness serve`) dan mengirimkan checkpoint terakhir \
            kepadanya (c2sp.org/tlog-witness); menjalankan pemeriksaan integritas lengkap yang \
            membandingkan read model (laporan HTML); dan mengekspor checkpoint yang ditandatangani \
            bersama sebagai pohon C2SP tlog-tiles. Diakhiri dengan ringkasan dan perintah untuk \
            dicoba berikutnya.

            DIR diganti bila berisi demo sebelumnya, dan ditolak bila berisi hal lain. Kemajuan \
            ditulis ke standard error; ringkasan ke standard output.
            """) + "\n\n" + helpExamples("jejak demo", "jejak demo --dir /tmp/kpu-demo --json") + "\n\n" + localized("""
            Exit codes: 0 done and intact; 1 a step failed (counts that differ from the \
            scenario's, or audit findings, included).
            """, id: """
            Kode keluar: 0 selesai dan utuh; 1 suatu langkah gagal (termasuk jumlah yang berbeda \
            dari skenario, atau temuan pemeriksaan).
            """))

    @Option(help: localizedHelp("The demo's directory.", id: "Direktori demo.", valueName: "dir"))
    var dir = "jejak-demo"
    @Option(help: localizedHelp("The seeds directory (default: the seeds shipped with the program, or $JEJAK_SEEDS).",
                                id: "Direktori data awal (seeds); bawaan: yang disertakan bersama program, atau $JEJAK_SEEDS.", valueName: "dir"))
    var seeds: String?
    @Flag(help: localizedHelp("Print the summary as JSON.", id: "Cetak ringkasan sebagai JSON."))
    var json = false

    func run() async throws {
        guard let seedsDirectory = seeds ?? ScenarioRunner.bundledSeeds() ?? ScenarioRunner.locateSeeds() else {
            throw CLIFailure(description: localized("the seeds were not found beside the program (Jejak_JejakDemo.resources) nor in a seeds/ directory here or above; pass --seeds DIR or set JEJAK_SEEDS",
                                                    id: "data awal (seeds) tidak ditemukan di samping program (Jejak_JejakDemo.resources) maupun di direktori seeds/ di sini atau di atasnya; berikan --seeds DIR atau atur JEJAK_SEEDS"))
        }
        var options = Demo.Options(directory: dir, seedsDirectory: seedsDirectory)
        let lines = ProgressLines(interactive: isatty(2) == 1)
        options.progress = { lines.show($0) }
        options.cosign = { ledger, witness throws(DemoError) in
            do { return try await cosignInWitnessProcess(ledger, witness, directory: dir) } catch let error as DemoError {
                throw error
            } catch {
                throw DemoError(.witness, localized("the Inspektorat's witness process did not cosign: \(error)",
                                                    id: "proses saksi Inspektorat tidak menandatangani bersama: \(error)"))
            }
        }
        let demo = Demo(options: options)
        note(localized("jejak demo: \(display(demo.files.directory)), from \(display(seedsDirectory))",
                       id: "jejak demo: \(display(demo.files.directory)), dari \(display(seedsDirectory))"))
        let summary: Demo.Summary
        do throws(DemoError) { summary = try await demo.run() } catch {
            lines.endLine()
            throw CLIFailure(description: error.description)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(render(summary))
        }
    }

    private func render(_ s: Demo.Summary) -> String {
        let f = s.files
        let status = { (name: String) in s.exchangesByStatus[name] ?? 0 }
        let open = status("requested") + status("delivered") + status("rejected")
        let overdue = s.overdue.prefix(4).joined(separator: ", ") + (s.overdue.count > 4 ? ", …" : "")
        let example = s.overdue.first ?? "exchange/\(s.fiscalYear)-0001"
        let db = display(f.readModels), ledger = display(f.ledger)
        let invocation = Invocation.current(), jejak = invocation.command
        let pathHint = invocation.missingPathDirectory.map {
            localized("\n  (\(jejak) is not on your PATH; to type it as `jejak`: export PATH=\"\($0):$PATH\")",
                      id: "\n  (\(jejak) tidak ada di PATH Anda; agar dapat diketik sebagai `jejak`: export PATH=\"\($0):$PATH\")")
        } ?? ""
        let readerLines = s.readers.map { r -> String in
            let reader = r.reader.padding(toLength: 36, withPad: " ", startingAt: 0)
            return localized("                 \(reader) reads \(r.readable) of the \(r.sealedExchanges) sealed exchanges (\(display(r.readModels)))",
                             id: "                 \(reader) membaca \(r.readable) dari \(r.sealedExchanges) pertukaran tersegel (\(display(r.readModels)))")
        }.joined(separator: "\n")
        let next = [
            "\(jejak) query exchanges --db \(db) --overdue --as-of \(s.asOf)",
            "\(jejak) query timeline \(example) --db \(db)",
            "\(jejak) query audits --db \(db)",
            "\(jejak) log --ledger \(ledger) --stream \(example)",
            "\(jejak) inspect --ledger \(ledger) --trusted \(display(f.witnessedCheckpoint)) --db \(db) --identity \(display(f.unitKeys))/inspektorat.age",
            "\(jejak) query exchanges --db \(display(f.bureauReadModels)) --unit \(s.readers.last?.reader ?? "biro-keuangan")",
            "\(jejak) verify \(display(f.export)) --policy \(display(f.policy)) --authority \(display(f.authority))",
        ].map { "  " + $0 }.joined(separator: "\n")
        let english = """

            The demo is ready in \(display(f.directory)) (\(String(format: "%.1f", s.seconds)) s).

              log            \(s.origin): \(s.logSize) entries (genesis, \(s.registryEvents) registry events, \(s.scenarioEvents) scenario events in \(s.commits) commits)
              units          \(s.units), each publishing with its own key
              exchanges      \(s.exchanges) requested: \(status("acknowledged")) acknowledged (\(s.late) late), \(status("declined")) declined, \(status("withdrawn")) withdrawn, \(open) open (\(status("requested")) unanswered, \(status("delivered")) awaiting acknowledgement, \(status("rejected")) rejected)
                             \(s.distributions) distributions without a request
              overdue        \(s.overdue.count) as of \(s.asOf)\(s.overdue.isEmpty ? "" : ": " + overdue)
              audit findings \(s.findings) recorded by the Inspektorat in \(s.audits) audit\(s.audits == 1 ? "" : "s"), \(s.openFindings) open (no follow-up)
              integrity      \(s.auditVerdict == "clean" ? "INTACT" : "NOT INTACT") — \(s.auditFindings) findings (\(s.signaturesVerified) signatures, \(s.checkpointsChecked) checkpoints, \(s.readModelTables) read-model tables compared); cosigned by the Inspektorat at size \(s.witnessedSize)
              cosignature    \(s.cosignature)
              checked        \(s.checked.count) counts match the numbers the scenario states
              sealed         \(sealedLine(s)); the Inspektorat's audit opened \(s.sealedOpenedByAudit) sealed events, each matching its signed commitment
            \(readerLines)

            Files
              ledger         \(ledger)  (policy, authority.vkey)
              authority key  \(display(f.authorityKey))  (outside the ledger: a real authority keeps it offline)
              unit keys      \(display(f.unitKeys))/<unit>.key, <unit>.age (signing keys, age identities)
              witness        \(display(f.witness))  (the Inspektorat's key and last cosigned checkpoint)
              read models    \(db)
              audit report   \(display(f.report))
              cosigned       \(display(f.witnessedCheckpoint))
              export         \(display(f.export))  (C2SP tlog-tiles, \(s.exportFiles) files)

            Next\(pathHint)
            \(next)
            """
        let indonesian = """

            Demo siap di \(display(f.directory)) (\(String(format: "%.1f", s.seconds)) dtk).

              log            \(s.origin): \(s.logSize) entri (genesis, \(s.registryEvents) peristiwa registri, \(s.scenarioEvents) peristiwa skenario dalam \(s.commits) commit)
              unit           \(s.units), masing-masing menerbitkan dengan kuncinya sendiri
              pertukaran     \(s.exchanges) diminta: \(status("acknowledged")) diterima (\(s.late) terlambat), \(status("declined")) ditolak penyedia, \(status("withdrawn")) ditarik, \(open) terbuka (\(status("requested")) belum dijawab, \(status("delivered")) menunggu konfirmasi penerimaan, \(status("rejected")) ditolak peminta)
                             \(s.distributions) distribusi tanpa permintaan
              lewat tenggat  \(s.overdue.count) per \(s.asOf)\(s.overdue.isEmpty ? "" : ": " + overdue)
              temuan audit   \(s.findings) dicatat Inspektorat dalam \(s.audits) audit, \(s.openFindings) terbuka (tanpa tindak lanjut)
              integritas     \(s.auditVerdict == "clean" ? "UTUH" : "TIDAK UTUH") — \(s.auditFindings) temuan (\(s.signaturesVerified) tanda tangan, \(s.checkpointsChecked) checkpoint, \(s.readModelTables) tabel read model dibandingkan); ditandatangani bersama oleh Inspektorat pada ukuran \(s.witnessedSize)
              cosignature    \(s.cosignature)
              dicocokkan     \(s.checked.count) jumlah sesuai dengan angka yang dinyatakan skenario
              tersegel       \(sealedLine(s)); pemeriksaan Inspektorat membuka \(s.sealedOpenedByAudit) peristiwa tersegel, masing-masing cocok dengan komitmen bertanda tangannya
            \(readerLines)

            Berkas
              ledger         \(ledger)  (policy, authority.vkey)
              kunci otoritas \(display(f.authorityKey))  (di luar ledger: otoritas sebenarnya menyimpannya luring)
              kunci unit     \(display(f.unitKeys))/<unit>.key, <unit>.age (kunci penanda tangan, identitas age)
              saksi          \(display(f.witness))  (kunci Inspektorat dan checkpoint terakhir yang ditandatanganinya bersama)
              read model     \(db)
              laporan        \(display(f.report))
              disaksikan     \(display(f.witnessedCheckpoint))
              ekspor         \(display(f.export))  (C2SP tlog-tiles, \(s.exportFiles) berkas)

            Selanjutnya\(pathHint)
            \(next)
            """
        return localized(english, id: indonesian)
    }
}

/// How much of the exchanges is sealed, by classification.
private func sealedLine(_ s: Demo.Summary) -> String {
    let total = s.readers.first?.exchanges ?? 0, sealed = s.readers.first?.sealedExchanges ?? 0
    return localized("\(sealed) of \(total) exchanges are terbatas or rahasia: their content is sealed (age, X25519) to their parties and the Inspektorat",
                     id: "\(sealed) dari \(total) pertukaran berklasifikasi terbatas atau rahasia: kontennya disegel (age, X25519) untuk para pihaknya dan Inspektorat")
}

/// A path relative to the current directory when it lies below it.
private func display(_ path: String) -> String {
    let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
    let full = URL(fileURLWithPath: path).standardizedFileURL.path
    return full.hasPrefix(cwd + "/") ? String(full.dropFirst(cwd.count + 1)) : full
}

extension Demo.Step {
    /// The step's title in the run's language (the library's ``Demo/Step/title`` is English).
    var localizedTitle: String {
        let indonesian = switch self {
        case .ledger: "membuat ledger: kunci log dan kunci otoritas, kebijakan, genesis"
        case .witness: "membuat kunci saksi Inspektorat; kebijakan mewajibkan tanda tangan bersamanya"
        case .units: "mendaftarkan unit dan kuncinya (ditandatangani otoritas registri)"
        case .publish: "menerbitkan skenario: setiap unit dengan kuncinya sendiri, serentak"
        case .project: "membangun read model (SQLite) dan mencocokkannya dengan skenario"
        case .cosign: "Inspektorat menandatangani bersama (cosign) checkpoint terbaru"
        case .audit: "pemeriksaan integritas penuh, read model dibandingkan; laporan HTML"
        case .export: "mengekspor checkpoint yang telah ditandatangani bersama (C2SP tlog-tiles)"
        }
        return localized(title, id: indonesian)
    }
}

/// The demo's progress on standard error: one line per step; on a terminal the running step
/// stays on screen, with the events published so far.
private final class ProgressLines: Sendable {
    private let interactive: Bool
    /// Whether a line without its newline is on screen, and when it was last redrawn.
    private let state = Mutex<(open: Bool, drawn: ContinuousClock.Instant?)>((false, nil))

    init(interactive: Bool) { self.interactive = interactive }

    func show(_ progress: Demo.Progress) {
        let count = Demo.Step.allCases.count
        switch progress {
        case .started(let step):
            guard interactive else { return }
            state.withLock { $0 = (true, nil) }
            write("[\(step.rawValue + 1)/\(count)] \(step.localizedTitle)…")
        case .published(let done, let total):
            guard interactive else { return }
            let due = state.withLock { s in
                if let d = s.drawn, ContinuousClock.now - d < .milliseconds(100), done < total { return false }
                s.drawn = ContinuousClock.now
                return true
            }
            if due { write("\r\u{1B}[K[\(Demo.Step.publish.rawValue + 1)/\(count)] \(Demo.Step.publish.localizedTitle)… \(done)/\(total)") }
        case .finished(let step, let detail, let elapsed):
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.withLock { $0.open = false }
            write((interactive ? "\r\u{1B}[K" : "")
                  + "[\(step.rawValue + 1)/\(count)] \(step.localizedTitle): \(detail) (\(String(format: "%.2f", seconds)) s)\n")
        }
    }

    /// Ends a line left open, before an error is printed.
    func endLine() {
        if state.withLock({ s in defer { s.open = false }; return s.open }) { write("\n") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Runs `jejak witness serve` on the demo's witness state as a child process on 127.0.0.1 (a
/// free port), submits the ledger's latest checkpoint to it over c2sp.org/tlog-witness, stores
/// the cosignature, and stops the process.
private func cosignInWitnessProcess(_ ledger: Ledger, _ witness: Witness, directory: String) async throws -> (SignedCheckpoint, String) {
    let logs = directory + "/witnessed-logs"
    try Data("# the logs the Inspektorat witnesses (jejak witness serve --logs)\nlog \(ledger.logKey)\n".utf8)
        .write(to: URL(fileURLWithPath: logs))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    process.arguments = ["witness", "serve", "--state", witness.stateDirectory, "--logs", logs, "--listen", "127.0.0.1:0"]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    // The pipe reads and the wait for the child block: they run on a dispatch thread, never on
    // the tasks' threads.
    func blocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in DispatchQueue.global().async { c.resume(returning: work()) } }
    }
    // Its first line: "listening on http://127.0.0.1:PORT".
    let reader = out.fileHandleForReading
    let first: String? = await blocking {
        var seen = Data()
        while !seen.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty { return nil }
            seen += chunk
        }
        return String(decoding: seen, as: UTF8.self).split(separator: "\n").first.map(String.init)
    }
    func stopWitness() async {
        guard process.isRunning else { return }
        process.terminate()
        await blocking { process.waitUntilExit() }
    }
    guard let line = first else {
        await stopWitness()
        throw CLIFailure(description: localized("jejak witness serve ended before it listened", id: "jejak witness serve berhenti sebelum mendengarkan"))
    }
    let url = String(line.dropFirst("listening on ".count))
    var logger = Logger(label: "jejak.demo.witness")
    logger.logLevel = .critical
    let endpoint = WitnessPusher.Endpoint(name: "inspektorat", key: witness.key, url: url)
    let made: WitnessPusher?
    do { made = try WitnessPusher(ledger: ledger, endpoints: [endpoint], logger: logger) } catch {
        await stopWitness()
        throw error
    }
    guard let pusher = made else {
        await stopWitness()
        throw CLIFailure(description: localized("no witness to submit to", id: "tidak ada saksi yang dapat dikirimi"))
    }
    let running = Task { try await pusher.run() }
    let size = (try? ledger.latestCheckpoint().checkpoint.size) ?? 0
    let cosigned = await pusher.waitForWitnesses(size: size, timeout: .seconds(30))
    running.cancel()
    _ = try? await running.value
    await stopWitness()
    guard let cosigned else {
        throw CLIFailure(description: localized("the witness process at \(url) did not cosign the checkpoint of size \(size) within 30 s",
                                                id: "proses saksi di \(url) tidak menandatangani bersama checkpoint berukuran \(size) dalam 30 dtk"))
    }
    return (cosigned, localized("by the witness process \(process.processIdentifier) at \(url)",
                                 id: "oleh proses saksi \(process.processIdentifier) di \(url)"))
}
