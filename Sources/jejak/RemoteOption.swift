import ArgumentParser
import Foundation
import JejakClient
import JejakOfflineCommands
import JejakTlog

/// `--server URL` and what a command needs to trust it: the pinned policy, and where the client
/// keeps the largest checkpoint it verified.
struct RemoteOption: ParsableArguments {
    @Option(help: ArgumentHelp("Talk to a `jejak serve` server instead of a ledger directory (default: $JEJAK_SERVER).", valueName: "url"))
    var server: String?
    @Option(name: .customLong("server-policy"), help: ArgumentHelp(
        "With --server: the ledger's tlog-policy, obtained out of band, that every answer is verified against (default: $JEJAK_POLICY).",
        valueName: "file"))
    var serverPolicy: String?
    @Option(help: ArgumentHelp(
        "With --server: keep the largest verified checkpoint in this file, so the next run requires consistency with it (default: $JEJAK_PIN).",
        valueName: "file"))
    var pin: String?
    @Option(help: ArgumentHelp("With --server: PEM certificates to trust for HTTPS.", valueName: "file"))
    var caCert: String?
    @Flag(help: "With --server: accept checkpoints signed by the log without the witness quorum yet.")
    var unwitnessed = false

    /// The server's URL, if one is given.
    var url: String? {
        server ?? ProcessInfo.processInfo.environment["JEJAK_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// What the options say, with `url` for the server's when given.
    func settings(url: String? = nil) -> RemoteSettings {
        RemoteSettings(url: url ?? self.url, policy: serverPolicy, pin: pin, caCert: caCert, unwitnessed: unwitnessed)
    }
}

/// How to reach and trust a server (from ``RemoteOption`` or a command's own options).
struct RemoteSettings {
    var url: String?
    var policy: String?
    var pin: String?
    var caCert: String?
    var unwitnessed = false

    /// A client of the server, trusting the pinned policy.
    func client() throws -> JejakClient {
        guard let url else { throw ValidationError("No server given: pass --server URL or set JEJAK_SERVER.") }
        let environment = ProcessInfo.processInfo.environment
        guard let policyFile = policy ?? environment["JEJAK_POLICY"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError("""
                --server needs the ledger's policy, obtained out of band (its DIR/policy, or `curl \(url)/policy` \
                compared with what the commission publishes): pass --server-policy FILE or set JEJAK_POLICY.
                """)
        }
        var configuration = ClientConfiguration()
        configuration.checkpointFile = pin ?? environment["JEJAK_PIN"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.trustedCertificates = caCert
        if unwitnessed { configuration.witnessing = .logSignature }
        let policy = try readPolicy(policyFile)
        return try attempt { try JejakClient(url: url, policy: policy, configuration: configuration) }
    }
}

/// Runs `body` with a client of the server, shutting it down after.
func withClient<R>(_ remote: RemoteOption, _ body: (JejakClient) async throws -> R) async throws -> R {
    try await withClient(remote.settings(), body)
}

/// Runs `body` with a client of the server, shutting it down after.
func withClient<R>(_ remote: RemoteSettings, _ body: (JejakClient) async throws -> R) async throws -> R {
    let client = try remote.client()
    do {
        let result = try await attempt { try await body(client) }
        try? await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}
