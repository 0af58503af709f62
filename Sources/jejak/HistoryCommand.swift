import ArgumentParser
import Foundation
import Jejak
import JejakClient
import JejakCommands
import JejakJSON
import JejakOfflineCommands
import JejakTlog

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: localized("Show an exchange's complete history, each event with its receipt verified.",
                            id: "Menampilkan riwayat lengkap sebuah pertukaran, setiap peristiwa beserta tanda terimanya yang telah diverifikasi."),
        discussion: localized("""
            SUBJECT is a stream, e.g. exchange/2026-000123. For each of its events, in order: \
            its version in the stream, its entry index, type, source unit, signer key, the time \
            the ledger appended it, and whether it verifies: its receipt against the latest \
            checkpoint checks out under the ledger's policy (log signature, witness quorum, \
            inclusion proof), and its signature verifies with the unit key the registry had \
            active at that entry. Exit code 1 if any event does not verify.
            """, id: """
            SUBJECT adalah sebuah aliran (stream), misalnya exchange/2026-000123. Untuk setiap \
            peristiwanya, secara berurutan: versinya dalam aliran, indeks entrinya, jenis, unit sumber, \
            kunci penanda tangan, waktu ledger menambahkannya, dan apakah peristiwa itu terverifikasi: \
            tanda terimanya terhadap checkpoint terbaru sah menurut kebijakan ledger (tanda tangan log, \
            kuorum saksi, bukti inklusi), dan tanda tangannya terverifikasi dengan kunci unit yang aktif \
            dalam registri pada entri itu. Kode keluar 1 jika ada peristiwa yang tidak terverifikasi.
            """) + "\n\n" + helpExamples("jejak history exchange/2026-000123", "jejak history exchange/2026-000123 --json", "jejak history exchange/2026-000123 --server http://127.0.0.1:8080 --server-policy kpu.policy", heading: localized("Example:", id: "Contoh:")) + "\n\n" + localized("""
            With --server, each event is proven included and its receipt verified against the \
            policy; the signature check against the registry needs the ledger itself (or an \
            export: `jejak verify`).
            """, id: """
            Dengan --server, setiap peristiwa dibuktikan termuat dan tanda terimanya diverifikasi \
            terhadap kebijakan; pemeriksaan tanda tangan terhadap registri memerlukan ledger itu sendiri \
            (atau sebuah ekspor: `jejak verify`).
            """))

    @OptionGroup var ledgerOption: LedgerOption
    @OptionGroup var remote: RemoteOption
    @Argument(help: localizedHelp("The stream (subject), e.g. exchange/2026-000123.",
                                  id: "Aliran (stream, subject), misalnya exchange/2026-000123.", valueName: "subject"))
    var subject: String
    @Flag(help: localizedHelp("Print JSON Lines, one event per line, with its receipt.",
                              id: "Cetak JSON Lines, satu peristiwa per baris, beserta tanda terimanya."))
    var json = false

    func run() async throws {
        if remote.url != nil {
            try await withClient(remote) { client in try await remoteHistory(client) }
            return
        }
        let ledger = try ledgerOption.open(readOnly: true)
        let policy = try attempt { try ledger.policy() }
        let registry = try attempt { try ledger.registry() }
        // Receipts against the newest checkpoint the policy's witnesses cosigned; the entries
        // after it, against the latest (they verify once it is cosigned).
        let latest = try attempt { try ledger.latestCheckpoint() }.checkpoint
        let witnessed = try attempt { try ledger.latestWitnessedCheckpoint() }?.checkpoint
        var version: UInt64 = 1
        var failures = 0
        while true {
            let page = try attempt { try ledger.stream(subject, fromVersion: version, limit: 1000) }
            guard let last = page.last else { break }
            if version == 1 && !json {
                let against = witnessed.map {
                    localized("the witnessed checkpoint of size \($0.size)", id: "checkpoint yang disaksikan berukuran \($0.size)")
                        + ($0.size < latest.size ? localized(" (later entries: size \(latest.size))",
                                                             id: " (entri sesudahnya: ukuran \(latest.size))") : "")
                } ?? localized("the checkpoint of size \(latest.size)", id: "checkpoint berukuran \(latest.size)")
                print(localized("History of \(subject), receipts against \(against):", id: "Riwayat \(subject), tanda terima terhadap \(against):"))
            }
            for (v, entry) in page {
                let size = witnessed.flatMap { entry.index < $0.size ? $0.size : nil } ?? latest.size
                let receipt = try attempt { try ledger.receipt(index: entry.index, checkpointSize: size) }
                var problem = Self.check(entry, receipt: receipt, policy: policy, registry: registry)
                if problem != nil, witnessed.map({ entry.index >= $0.size }) ?? true, (try? policy.verify(receipt.checkpoint)) == nil {
                    problem? += localized("; no checkpoint holding entry \(entry.index) is cosigned by the policy's witnesses yet: "
                        + "`jejak witness cosign` (or a witness through `jejak serve`), then `jejak receipt \(entry.index)` writes its receipt",
                        id: "; belum ada checkpoint yang memuat entri \(entry.index) yang ditandatangani bersama oleh saksi kebijakan: "
                        + "jalankan `jejak witness cosign` (atau saksi melalui `jejak serve`), lalu `jejak receipt \(entry.index)` menulis tanda terimanya")
                }
                if problem != nil { failures += 1 }
                emit(version: v, entry: entry, receipt: receipt, problem: problem)
            }
            version = last.version + 1
        }
        guard version > 1 else {
            throw CLIFailure(description: localized("the log has no events of the stream \"\(subject)\" [notFound]",
                                                    id: "log tidak memuat peristiwa aliran \"\(subject)\" [notFound]"))
        }
        if failures > 0 {
            throw CLIFailure(description: localized("\(failures) of \(version - 1) events of \(subject) do not verify",
                                                    id: "\(failures) dari \(version - 1) peristiwa \(subject) tidak terverifikasi"))
        }
    }

    /// The history from a server: each event proven included, its receipt verified by the client.
    private func remoteHistory(_ client: JejakClient) async throws {
        let checkpoint = try await client.latestCheckpoint().checkpoint
        var version: UInt64 = 1
        while true {
            let page = try await client.stream(subject, fromVersion: version, limit: 1000)
            guard let last = page.last else { break }
            if version == 1 && !json {
                print(localized("History of \(subject), receipts against the checkpoint of size \(checkpoint.size):",
                                id: "Riwayat \(subject), tanda terima terhadap checkpoint berukuran \(checkpoint.size):"))
            }
            for (v, entry) in page {
                let receipt = try await client.receipt(index: entry.index, eventID: entry.event.id, checkpointSize: checkpoint.size)
                var problem: String?
                do { try await client.verify(receipt, of: entry.signedEvent) } catch {
                    problem = localized("receipt: \(VerifyReceiptCommand.reason(error))", id: "tanda terima: \(VerifyReceiptCommand.reason(error))")
                }
                emit(version: v, entry: entry, receipt: receipt, problem: problem)
            }
            version = last.version + 1
        }
        guard version > 1 else {
            throw CLIFailure(description: localized("the log has no events of the stream \"\(subject)\" [notFound]",
                                                    id: "log tidak memuat peristiwa aliran \"\(subject)\" [notFound]"))
        }
    }

    /// Why the entry does not verify, or `nil` when it does.
    static func check(_ entry: LogEntry, receipt: Receipt, policy: TlogPolicy, registry: Registry) -> String? {
        do {
            try receipt.verify(entry.signedEvent, policy: policy)
        } catch {
            return localized("receipt: \(VerifyReceiptCommand.reason(error))", id: "tanda terima: \(VerifyReceiptCommand.reason(error))")
        }
        let event = entry.event
        do {
            let key = try registry.signingKey(source: event.source, hint: entry.signedEvent.keyHint, at: entry.index)
            guard entry.signedEvent.envelope.verifySignature(at: 0, with: key) else {
                return localized("signature: it does not verify with \(key.hint) [badSignature]",
                                 id: "tanda tangan: tidak terverifikasi dengan \(key.hint) [badSignature]")
            }
        } catch {
            return localized("signature: \(error.message) [\(error.code)]", id: "tanda tangan: \(error.message) [\(error.code)]")
        }
        return nil
    }

    func emit(version: UInt64, entry: LogEntry, receipt: Receipt, problem: String?) {
        let event = entry.event
        if json {
            print(jsonLine(["version": .number(JSONNumber(Int64(version))), "index": .number(JSONNumber(Int64(entry.index))),
                            "id": .string(event.id), "type": .string(event.type), "source": .string(event.source),
                            "keyid": .string(entry.signedEvent.keyHint), "appended": .string(entry.appended.rfc3339),
                            "verified": .bool(problem == nil), "problem": problem.map { .string($0) } ?? .null,
                            "receipt": .string(receipt.serialized)]))
            return
        }
        print("v\(version)  \(entry.index)  \(event.type)  \(event.source)  \(entry.signedEvent.keyHint)  "
              + "\(entry.appended.rfc3339)  " + (problem.map { localized("NOT VERIFIED: \($0)", id: "TIDAK TERVERIFIKASI: \($0)") } ?? localized("verified", id: "terverifikasi")))
    }
}
