import JejakBase
import JejakCrypto

/// The logs a witness service cosigns for, read from a file at start: one `log <vkey>` line per
/// log, the vkey's name being the log's origin.
///
/// ```
/// # Logs the Inspektorat witnesses.
/// log ledger.kpu.go.id+1a2b3c4d+AQ...
/// log audit.bpk.go.id/ledger+5e6f7a8b+AQ...
/// ```
///
/// The lexical rules are tlog-policy's (c2sp.org/tlog-policy): items separated by spaces or tabs,
/// blank lines and lines starting with `#` ignored. No two lines may name the same origin. Only
/// the public keys are in the file; the witness's own key stays in its state directory.
public struct WitnessConfiguration: Sendable {
    /// The log keys, in file order.
    public let logs: [VerifierKey]

    /// A configuration of `logs`.
    public init(logs: [VerifierKey]) {
        self.logs = logs
    }

    /// Parses a configuration file.
    ///
    /// - Throws: ``WitnessError/Code/configuration`` naming the line (by number, never quoting
    ///   it) and the rule broken.
    public init(parsing text: String) throws(WitnessError) {
        var logs: [VerifierKey] = []
        var origins = Set<ExactText>()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let items = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let keyword = items.first, !keyword.hasPrefix("#") else { continue }
            guard keyword == "log", items.count == 2 else {
                throw WitnessError(.configuration, "line \(n + 1) is not `log <vkey>`")
            }
            guard let key = try? VerifierKey(parsing: String(items[1])), key.type == .ed25519 else {
                throw WitnessError(.configuration, "line \(n + 1) does not hold an Ed25519 log vkey")
            }
            guard origins.insert(ExactText(key.name)).inserted else {
                throw WitnessError(.configuration, "line \(n + 1) names the origin \(key.name) a second time")
            }
            logs.append(key)
        }
        self.logs = logs
    }

    /// Reads and parses the configuration file at `path`.
    ///
    /// - Throws: ``WitnessError/Code/configuration`` (unreadable or malformed).
    public init(contentsOf path: String) throws(WitnessError) {
        let text: String
        do { text = try AtomicFile.read(path) } catch {
            throw WitnessError(.configuration, error.message, underlying: error)
        }
        try self.init(parsing: text)
    }

    /// The file's text for these logs.
    public var serialized: String {
        logs.map { "log \($0)\n" }.joined()
    }
}

extension Witness {
    /// Trusts every log of `configuration` (``trust(log:)``): a new log awaits its first
    /// checkpoint, a known one keeps its record.
    ///
    /// - Throws: ``WitnessError/Code/logKeyMismatch`` when the state already trusts another key
    ///   for one of the origins (nothing after it is trusted then), ``WitnessError/Code/stateIO``.
    public func trust(_ configuration: WitnessConfiguration) throws(WitnessError) {
        for key in configuration.logs { try trust(log: key) }
    }
}
