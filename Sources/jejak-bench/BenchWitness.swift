import AsyncHTTPClient
import Dispatch
import Foundation
import Jejak
import JejakBase
import JejakClient
import JejakCommands
import JejakCrypto
import JejakDomain
import JejakOfflineCommands
import JejakServer
import JejakTlog
import JejakWitness
import JejakWitnessServer
import Logging
import NIOCore

/// The witness part of `jejak-bench`: `jejak witness serve`'s add-checkpoint over loopback (each
/// cosignature recorded and synced before it is answered), beside this disk's atomic file
/// replacement, the witness's floor; and a publish that waits for the witness's quorum beside one
/// that waits for the commit alone, against the same served ledger.
extension BenchCommand {
    struct WitnessFigures {
        /// Latencies of sequential add-checkpoint requests, each a new checkpoint.
        var cosignatures: [UInt64]
        var cosignaturesPerSecond: Double
        /// Atomic replacements (write, fsync, rename, fsync of the folder) per second here.
        var replacesPerSecond: Double
        var committed: AppendFigures.Run
        var witnessed: AppendFigures.Run
    }

    func witnessFigures(base: String, sizes: BenchSizes, synthetic: SyntheticExchanges) async throws -> WitnessFigures {
        var quiet = Logger(label: "jejak.bench.witness")
        quiet.logLevel = .error
        let logger = quiet
        let requests = sizes.runSeconds >= 1 ? 3000 : 100

        log("witness: this disk's atomic file replacements…")
        let replaces = try Self.atomicReplaceRate(base + "/replace-probe", count: max(100, requests / 10))

        // A witness alone, cosigning a log that grows by one leaf per checkpoint.
        let witness = try attempt { try Witness.initialize(stateDirectory: base + "/witness", name: "bench.jejak.local/witness") }
        let logKey = try attempt { try SignerKey.generate(name: "bench.jejak.local/witnessed") }
        let ledger = try await synthetic.ledger(at: base + "/witnessed-ledger", durable: !noSync, validator: try domainValidator())
        defer { ledger.close() }
        let ledgerLog = try attempt { try ledger.policy() }.logs[0].key
        let configuration = WitnessConfiguration(logs: [logKey.verifierKey, ledgerLog])
        try attempt { try witness.trust(configuration) }
        let (ports, found) = AsyncStream<Int>.makeStream()
        let server = WitnessServer(witness: witness, configuration: configuration, port: 0, logger: logger) { found.yield($0) }
        return try await withServing(server, ports: ports, logger: logger) { witnessURL in
            log("witness: \(requests) add-checkpoint requests, one after another…")
            let (latencies, rate) = try await Self.cosignSequentially(witnessURL, logKey: logKey, count: requests, logger: logger)

            // The served ledger requires this witness; a publisher waits for it, or not.
            var builder = TlogPolicy.Builder()
            builder.addLog(ledgerLog)
            builder.addWitness(name: "bench-witness", key: witness.key, url: witnessURL)
            builder.setQuorum("bench-witness")
            let policy = try attempt { try builder.build() }
            try attempt { try AtomicFile.write(Array(policy.serialized.utf8), to: ledger.directory.policy) }
            let events = try synthetic.sign(sizes.runSeconds >= 1 ? 600 : 40, firstExchange: 0).events
            let half = events.count / 2
            return try await Self.servedWithWitness(ledger, logger: logger) { url in
                var unwitnessed = ClientConfiguration()
                unwitnessed.witnessing = .logSignature
                let committedClient = try JejakClient(url: url, policy: policy, configuration: unwitnessed, logger: logger)
                let witnessedClient = try JejakClient(url: url, policy: policy, logger: logger)
                log("witness: \(half) publishes waiting for the commit, \(half) waiting for the witness, alternating…")
                var committed: [UInt64] = [], witnessed: [UInt64] = []
                let start = DispatchTime.now().uptimeNanoseconds
                for i in 0..<half {
                    var t = DispatchTime.now().uptimeNanoseconds
                    _ = try await committedClient.append(events[2 * i])
                    committed.append(DispatchTime.now().uptimeNanoseconds - t)
                    t = DispatchTime.now().uptimeNanoseconds
                    _ = try await witnessedClient.append(events[2 * i + 1])
                    witnessed.append(DispatchTime.now().uptimeNanoseconds - t)
                }
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                try await committedClient.shutdown()
                try await witnessedClient.shutdown()
                return WitnessFigures(
                    cosignatures: latencies, cosignaturesPerSecond: rate, replacesPerSecond: replaces,
                    committed: AppendFigures.Run(events: half, perSecond: Double(half) / elapsed, latencies: committed),
                    witnessed: AppendFigures.Run(events: half, perSecond: Double(half) / elapsed, latencies: witnessed))
            }
        }
    }

    /// `ledger` served with its witness pusher.
    static func servedWithWitness<R: Sendable>(_ ledger: Ledger, logger: Logger, _ body: @Sendable (String) async throws -> R) async throws -> R {
        var configuration = ServerConfiguration()
        configuration.port = 0
        guard let pusher = try WitnessPusher(ledger: ledger, logger: logger) else {
            throw CLIFailure(description: "the bench ledger's policy names no witness with a URL")
        }
        let (ports, found) = AsyncStream<Int>.makeStream()
        let server = try LedgerServer(ledger: ledger, configuration: configuration, witnesses: pusher, logger: logger) { found.yield($0) }
        return try await withServing([server, pusher], ports: ports, logger: logger, body)
    }

    /// `count` add-checkpoint requests in turn, the log one leaf larger each time; their
    /// latencies and rate.
    static func cosignSequentially(_ url: String, logKey: SignerKey, count: Int, logger: Logger) async throws -> ([UInt64], Double) {
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        var tree = MerkleTree()
        var latencies: [UInt64] = []
        latencies.reserveCapacity(count)
        var old: UInt64 = 0
        var elapsed: UInt64 = 0
        do {
            for i in 0..<count {
                _ = tree.append(leaf: Array("leaf-\(i)".utf8))
                let size = tree.size
                let proof = old == 0 ? [] : try tree.consistencyProof(oldSize: old, newSize: size)
                let checkpoint = try SignedCheckpoint.sign(
                    Checkpoint(origin: logKey.name, size: size, rootHash: tree.rootHash), with: logKey)
                var request = HTTPClientRequest(url: url + "/add-checkpoint")
                request.method = .POST
                request.body = .bytes(ByteBuffer(bytes: try AddCheckpointRequest(oldSize: old, consistencyProof: proof, checkpoint: checkpoint).serialized))
                let t = DispatchTime.now().uptimeNanoseconds
                let response = try await http.execute(request, timeout: .seconds(30), logger: logger)
                let answer = try await response.body.collect(upTo: 1 << 16)
                let took = DispatchTime.now().uptimeNanoseconds - t
                guard response.status.code == 200 else {
                    throw CLIFailure(description: "the witness answered \(response.status.code) to size \(size): \(String(buffer: answer))")
                }
                latencies.append(took)
                elapsed += took
                old = size
            }
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        return (latencies, Double(latencies.count) / (Double(elapsed) / 1e9))
    }

    /// Atomic replacements of a small file per second (the witness's record of a cosignature).
    static func atomicReplaceRate(_ path: String, count: Int) throws -> Double {
        let bytes = Array(repeating: UInt8(ascii: "x"), count: 400)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count { try attempt { try AtomicFile.write(bytes, to: path, mode: 0o600) } }
        return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
