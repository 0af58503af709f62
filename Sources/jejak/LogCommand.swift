import ArgumentParser
import Foundation
import Jejak
import JejakClient
import JejakCommands
import JejakCrypto
import JejakJSON
import JejakOfflineCommands
import JejakTlog

/// One entry as a JSON object: index, appended, signer key id, leaf hash and the event.
func entryJSON(_ e: LogEntry) -> JSONValue {
    let event = (try? JSONParser.parse(e.event.bytes)) ?? .null
    return ["index": .number(JSONNumber(Int64(e.index))), "appended": .string(e.appended.rfc3339),
            "keyid": .string(e.signedEvent.keyHint), "leafHash": .string(e.leafHash.base64), "event": event]
}

func entryLine(_ e: LogEntry) -> String {
    "\(e.index)  \(e.appended.rfc3339)  \(e.event.source)  \(e.event.type)  \(e.event.subject)  \(e.event.id)"
}

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: localized("List log entries, by index range or by stream; --follow waits for new ones.",
                            id: "Menampilkan daftar entri log, menurut rentang indeks atau menurut aliran (stream); --follow menunggu entri baru."),
        discussion: helpExamples("jejak log --from 100 --to 200", "jejak log --stream exchange/2026-000123 --json", "jejak log --from 0 --follow", "jejak log --server http://127.0.0.1:8080 --server-policy kpu.policy --from 0 --follow") + "\n\n" + localized("""
            With --server, every entry is proven included in a checkpoint verified against the policy.
            """, id: """
            Dengan --server, setiap entri dibuktikan termuat dalam checkpoint yang terverifikasi \
            terhadap kebijakan.
            """))

    @OptionGroup var ledgerOption: LedgerOption
    @OptionGroup var remote: RemoteOption
    @Option(help: localizedHelp("The first index (inclusive).", id: "Indeks pertama (termasuk).", valueName: "n"))
    var from: UInt64 = 0
    @Option(help: localizedHelp("The last index (exclusive).", id: "Indeks terakhir (tidak termasuk).", valueName: "n"))
    var to: UInt64?
    @Option(help: localizedHelp("Only the events of this stream (subject), with their versions.",
                                id: "Hanya peristiwa aliran (stream) ini (subject), beserta versinya.", valueName: "subject"))
    var stream: String?
    @Flag(help: localizedHelp("Print JSON Lines, one entry per line.", id: "Cetak JSON Lines, satu entri per baris."))
    var json = false
    @Flag(help: localizedHelp("After the existing entries, keep printing new ones as they are committed.",
                              id: "Setelah entri yang sudah ada, terus cetak entri baru setiap kali entri itu dikomit."))
    var follow = false
    @Option(help: localizedHelp("Stop after this many entries.", id: "Berhenti setelah sejumlah entri ini.", valueName: "n"))
    var limit: Int?

    func run() async throws {
        if remote.url != nil {
            try await withClient(remote) { client in try await list(client) }
            return
        }
        try await list(try ledgerOption.open(readOnly: true))
    }

    private func list(_ ledger: some EventLog) async throws {
        var printed = 0
        func emit(_ e: LogEntry, version: UInt64? = nil) {
            if json {
                var v = entryJSON(e)
                if let version, case .object(var o) = v {
                    o["version"] = .number(JSONNumber(Int64(version)))
                    v = .object(o)
                }
                print(jsonLine(v))
            } else {
                print((version.map { "v\($0)  " } ?? "") + entryLine(e))
            }
            printed += 1
            fflush(nil)
        }
        let limit = self.limit ?? .max
        if let stream {
            var version: UInt64 = 1
            while printed < limit {
                let page = try await attempt { try await ledger.stream(stream, fromVersion: version, limit: min(1000, limit - printed)) }
                guard let last = page.last else { break }
                for (v, e) in page { emit(e, version: v) }
                version = last.version + 1
            }
            return
        }
        if follow {
            for try await e in ledger.subscribe(from: from) {
                if let to, e.index >= to { break }
                emit(e)
                if printed >= limit { break }
            }
            return
        }
        var position = from
        let end = to ?? .max
        while position < end, printed < limit {
            let batch = try await attempt { try await ledger.entries(from: position, to: end, limit: min(1000, limit - printed)) }
            guard let last = batch.last else { break }
            batch.forEach { emit($0) }
            position = last.index + 1
        }
    }
}

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: localized("Show one entry, by index or by event id.", id: "Menampilkan satu entri, menurut indeks atau menurut ID peristiwa."),
        discussion: helpExamples("jejak show 42", "jejak show --id req-2026-000123 --json", "jejak show 42 --server http://127.0.0.1:8080 --server-policy kpu.policy"))

    @OptionGroup var ledgerOption: LedgerOption
    @OptionGroup var remote: RemoteOption
    @Argument(help: localizedHelp("The entry index.", id: "Indeks entri.", valueName: "index"))
    var index: UInt64?
    @Option(help: localizedHelp("The event id.", id: "ID peristiwa.", valueName: "id"))
    var id: String?
    @Flag(help: localizedHelp("Print JSON.", id: "Cetak JSON."))
    var json = false

    func validate() throws {
        guard (index == nil) != (id == nil) else { throw ValidationError(localized("Give either an INDEX or --id ID.",
                                                                                   id: "Berikan INDEX atau --id ID, salah satu saja.")) }
    }

    func run() async throws {
        if remote.url != nil {
            try await withClient(remote) { client in try await show(client) }
        } else {
            try await show(try ledgerOption.open(readOnly: true))
        }
    }

    private func show(_ ledger: some EventLog) async throws {
        let entry: LogEntry
        if let index {
            entry = try await attempt { try await ledger.entry(at: index) }
        } else if let id, let e = try await attempt({ try await ledger.entry(eventID: id) }) {
            entry = e
        } else {
            throw CLIFailure(description: localized("no event with id \"\(id ?? "")\" is in the log",
                                                    id: "tidak ada peristiwa dengan ID \"\(id ?? "")\" di log"))
        }
        if json {
            print(jsonLine(entryJSON(entry)))
            return
        }
        print(localized("entry     \(entry.index)", id: "entri               \(entry.index)"))
        print(localized("appended  \(entry.appended.rfc3339)", id: "ditambahkan         \(entry.appended.rfc3339)"))
        print(localized("signed by \(entry.signedEvent.keyHint)", id: "ditandatangani oleh \(entry.signedEvent.keyHint)"))
        print(localized("leaf hash \(entry.leafHash.base64)", id: "hash daun           \(entry.leafHash.base64)"))
        print(String(decoding: entry.event.bytes, as: UTF8.self))
    }
}

struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: localized("Print the latest signed checkpoint (or the one of --size N).",
                            id: "Mencetak checkpoint bertanda tangan terbaru (atau checkpoint --size N)."),
        discussion: localized("""
            With --server, the server's latest checkpoint, verified against the policy and \
            proven consistent with the one pinned (--pin).
            """, id: """
            Dengan --server, checkpoint terbaru server, yang diverifikasi terhadap kebijakan dan \
            dibuktikan konsisten dengan checkpoint yang disematkan (--pin).
            """) + "\n\n" + helpExamples("jejak checkpoint > latest.checkpoint", "jejak checkpoint --server http://127.0.0.1:8080 --server-policy kpu.policy --pin kpu.pin"))

    @OptionGroup var ledgerOption: LedgerOption
    @OptionGroup var remote: RemoteOption
    @Option(help: localizedHelp("The tree size of a stored checkpoint.", id: "Ukuran pohon sebuah checkpoint tersimpan.", valueName: "n"))
    var size: UInt64?

    func run() async throws {
        if remote.url != nil {
            guard size == nil else { throw ValidationError(localized("--size is not available with --server: a server serves its latest checkpoint.",
                                                                     id: "--size tidak tersedia dengan --server: server hanya menyajikan checkpoint terbarunya.")) }
            let checkpoint = try await withClient(remote) { client in try await client.latestCheckpoint() }
            print(checkpoint.serialized, terminator: "")
            return
        }
        let ledger = try ledgerOption.open(readOnly: true)
        let cp: SignedCheckpoint
        if let size {
            guard let c = try attempt({ try ledger.checkpoint(size: size) }) else {
                throw CLIFailure(description: localized("the ledger signed no checkpoint of size \(size)",
                                                        id: "ledger tidak menandatangani checkpoint berukuran \(size)"))
            }
            cp = c
        } else {
            cp = try attempt { try ledger.latestCheckpoint() }
        }
        print(cp.serialized, terminator: "")
    }
}

struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: localized("Print Merkle inclusion and consistency proofs (RFC 9162), one base64 hash per line.",
                            id: "Mencetak bukti inklusi dan bukti konsistensi Merkle (RFC 9162), satu hash base64 per baris."),
        subcommands: [Inclusion.self, Consistency.self])

    struct Inclusion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("The inclusion proof of an entry in the tree of a size (default: the latest).",
                                id: "Bukti inklusi sebuah entri dalam pohon berukuran tertentu (bawaan: ukuran terbaru)."),
            discussion: localized("Example:\n  jejak prove inclusion 42 --size 1000", id: "Contoh:\n  jejak prove inclusion 42 --size 1000"))
        @OptionGroup var ledgerOption: LedgerOption
        @Argument(help: localizedHelp("The entry index.", id: "Indeks entri.", valueName: "index"))
        var index: UInt64
        @Option(help: localizedHelp("The tree size.", id: "Ukuran pohon.", valueName: "n"))
        var size: UInt64?
        @Flag(help: localizedHelp("Print JSON.", id: "Cetak JSON."))
        var json = false

        func run() throws {
            let ledger = try ledgerOption.open(readOnly: true)
            let size = try self.size ?? attempt { try ledger.size() }
            let proof = try attempt { try ledger.inclusionProof(index: index, size: size) }
            let root = try attempt { try ledger.rootHash(size: size) }
            let leaf = try attempt { try ledger.entry(at: index) }.leafHash
            if json {
                print(jsonLine(["index": .number(JSONNumber(Int64(index))), "size": .number(JSONNumber(Int64(size))),
                                "leafHash": .string(leaf.base64), "root": .string(root.base64),
                                "proof": .array(proof.map { .string($0.base64) })]))
                return
            }
            print("index \(index)\nsize \(size)\nleaf \(leaf.base64)\nroot \(root.base64)")
            proof.forEach { print($0.base64) }
        }
    }

    struct Consistency: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("The consistency proof between two tree sizes.", id: "Bukti konsistensi antara dua ukuran pohon."),
            discussion: localized("Example:\n  jejak prove consistency 1000 2000", id: "Contoh:\n  jejak prove consistency 1000 2000"))
        @OptionGroup var ledgerOption: LedgerOption
        @Argument(help: localizedHelp("The older tree size.", id: "Ukuran pohon yang lebih lama.", valueName: "old"))
        var old: UInt64
        @Argument(help: localizedHelp("The newer tree size.", id: "Ukuran pohon yang lebih baru.", valueName: "new"))
        var new: UInt64
        @Flag(help: localizedHelp("Print JSON.", id: "Cetak JSON."))
        var json = false

        func run() throws {
            let ledger = try ledgerOption.open(readOnly: true)
            let proof = try attempt { try ledger.consistencyProof(from: old, to: new) }
            let oldRoot = try attempt { try ledger.rootHash(size: old) }
            let newRoot = try attempt { try ledger.rootHash(size: new) }
            if json {
                print(jsonLine(["old": .number(JSONNumber(Int64(old))), "new": .number(JSONNumber(Int64(new))),
                                "oldRoot": .string(oldRoot.base64), "newRoot": .string(newRoot.base64),
                                "proof": .array(proof.map { .string($0.base64) })]))
                return
            }
            print("old \(old) \(oldRoot.base64)\nnew \(new) \(newRoot.base64)")
            proof.forEach { print($0.base64) }
        }
    }
}
