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
        abstract: "List log entries, by index range or by stream; --follow waits for new ones.",
        discussion: """
            Examples:
              jejak log --from 100 --to 200
              jejak log --stream exchange/2026-000123 --json
              jejak log --from 0 --follow
              jejak log --server http://127.0.0.1:8080 --server-policy kpu.policy --from 0 --follow

            With --server, every entry is proven included in a checkpoint verified against the policy.
            """)

    @OptionGroup var ledgerOption: LedgerOption
    @OptionGroup var remote: RemoteOption
    @Option(help: ArgumentHelp("The first index (inclusive).", valueName: "n"))
    var from: UInt64 = 0
    @Option(help: ArgumentHelp("The last index (exclusive).", valueName: "n"))
    var to: UInt64?
    @Option(help: ArgumentHelp("Only the events of this stream (subject), with their versions.", valueName: "subject"))
    var stream: String?
    @Flag(help: "Print JSON Lines, one entry per line.")
    var json = false
    @Flag(help: "After the existing entries, keep printing new ones as they are committed.")
    var follow = false
    @Option(help: ArgumentHelp("Stop after this many entries.", valueName: "n"))
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
        abstract: "Show one entry, by index or by event id.",
        discussion: """
            Examples:
              jejak show 42
              jejak show --id req-2026-000123 --json
              jejak show 42 --server http://127.0.0.1:8080 --server-policy kpu.policy
            """)

    @OptionGroup var ledgerOption: LedgerOption
    @OptionGroup var remote: RemoteOption
    @Argument(help: ArgumentHelp("The entry index.", valueName: "index"))
    var index: UInt64?
    @Option(help: ArgumentHelp("The event id.", valueName: "id"))
    var id: String?
    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (index == nil) != (id == nil) else { throw ValidationError("Give either an INDEX or --id ID.") }
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
            throw CLIFailure(description: "no event with id \"\(id ?? "")\" is in the log")
        }
        if json {
            print(jsonLine(entryJSON(entry)))
            return
        }
        print("entry     \(entry.index)")
        print("appended  \(entry.appended.rfc3339)")
        print("signed by \(entry.signedEvent.keyHint)")
        print("leaf hash \(entry.leafHash.base64)")
        print(String(decoding: entry.event.bytes, as: UTF8.self))
    }
}

struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint (or the one of --size N).",
        discussion: """
            With --server, the server's latest checkpoint, verified against the policy and \
            proven consistent with the one pinned (--pin).

            Examples:
              jejak checkpoint > latest.checkpoint
              jejak checkpoint --server http://127.0.0.1:8080 --server-policy kpu.policy --pin kpu.pin
            """)

    @OptionGroup var ledgerOption: LedgerOption
    @OptionGroup var remote: RemoteOption
    @Option(help: ArgumentHelp("The tree size of a stored checkpoint.", valueName: "n"))
    var size: UInt64?

    func run() async throws {
        if remote.url != nil {
            guard size == nil else { throw ValidationError("--size is not available with --server: a server serves its latest checkpoint.") }
            let checkpoint = try await withClient(remote) { client in try await client.latestCheckpoint() }
            print(checkpoint.serialized, terminator: "")
            return
        }
        let ledger = try ledgerOption.open(readOnly: true)
        let cp: SignedCheckpoint
        if let size {
            guard let c = try attempt({ try ledger.checkpoint(size: size) }) else {
                throw CLIFailure(description: "the ledger signed no checkpoint of size \(size)")
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
        abstract: "Print Merkle inclusion and consistency proofs (RFC 9162), one base64 hash per line.",
        subcommands: [Inclusion.self, Consistency.self])

    struct Inclusion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The inclusion proof of an entry in the tree of a size (default: the latest).",
            discussion: "Example:\n  jejak prove inclusion 42 --size 1000")
        @OptionGroup var ledgerOption: LedgerOption
        @Argument(help: ArgumentHelp("The entry index.", valueName: "index"))
        var index: UInt64
        @Option(help: ArgumentHelp("The tree size.", valueName: "n"))
        var size: UInt64?
        @Flag(help: "Print JSON.")
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
            abstract: "The consistency proof between two tree sizes.",
            discussion: "Example:\n  jejak prove consistency 1000 2000")
        @OptionGroup var ledgerOption: LedgerOption
        @Argument(help: ArgumentHelp("The older tree size.", valueName: "old"))
        var old: UInt64
        @Argument(help: ArgumentHelp("The newer tree size.", valueName: "new"))
        var new: UInt64
        @Flag(help: "Print JSON.")
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
