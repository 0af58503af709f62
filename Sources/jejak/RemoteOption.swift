import ArgumentParser
import Foundation
import JejakClient
import JejakOfflineCommands
import JejakTlog

/// `--server URL` and what a command needs to trust it: the pinned policy, and where the client
/// keeps the largest checkpoint it verified.
struct RemoteOption: ParsableArguments {
    @Option(help: localizedHelp("Talk to a `jejak serve` server instead of a ledger directory (default: $JEJAK_SERVER).",
                                id: "Berhubungan dengan server `jejak serve` alih-alih direktori ledger (bawaan: $JEJAK_SERVER).", valueName: "url"))
    var server: String?
    @Option(name: .customLong("server-policy"), help: localizedHelp(
        "With --server: the ledger's tlog-policy, obtained out of band, that every answer is verified against (default: $JEJAK_POLICY).",
        id: "Dengan --server: tlog-policy ledger, diperoleh melalui jalur terpisah, yang menjadi acuan verifikasi setiap jawaban (bawaan: $JEJAK_POLICY).",
        valueName: "file"))
    var serverPolicy: String?
    @Option(help: localizedHelp(
        "With --server: keep the largest verified checkpoint in this file, so the next run requires consistency with it (default: $JEJAK_PIN).",
        id: "Dengan --server: simpan checkpoint terverifikasi terbesar di berkas ini, agar pemanggilan berikutnya harus konsisten dengannya (bawaan: $JEJAK_PIN).",
        valueName: "file"))
    var pin: String?
    @Option(help: localizedHelp("With --server: PEM certificates to trust for HTTPS.", id: "Dengan --server: sertifikat PEM yang dipercaya untuk HTTPS.", valueName: "file"))
    var caCert: String?
    @Flag(help: localizedHelp("With --server: accept checkpoints signed by the log without the witness quorum yet.",
                              id: "Dengan --server: terima checkpoint yang ditandatangani log walaupun belum memenuhi kuorum saksi."))
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
        guard let url else { throw ValidationError(localized("No server given: pass --server URL or set JEJAK_SERVER.",
                                                              id: "Server tidak diberikan: berikan --server URL atau atur JEJAK_SERVER.")) }
        let environment = ProcessInfo.processInfo.environment
        guard let policyFile = policy ?? environment["JEJAK_POLICY"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError(localized("""
                --server needs the ledger's policy, obtained out of band (its DIR/policy, or `curl \(url)/policy` \
                compared with what the commission publishes): pass --server-policy FILE or set JEJAK_POLICY.
                """, id: """
                --server memerlukan kebijakan ledger yang diperoleh melalui jalur terpisah (DIR/policy-nya, atau \
                `curl \(url)/policy` yang dibandingkan dengan yang diumumkan KPU): berikan --server-policy FILE \
                atau atur JEJAK_POLICY.
                """))
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
