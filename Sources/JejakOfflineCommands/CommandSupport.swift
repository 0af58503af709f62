import ArgumentParser
import Foundation
import JejakBase
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakModel
import JejakTlog
import JejakVerification
import Synchronization

/// A failure to report as one sentence, with exit code 1.
public struct CLIFailure: Error, CustomStringConvertible {
    /// The sentence.
    public let description: String

    /// A failure saying `description`.
    public init(description: String) {
        self.description = description
    }
}

/// Runs `body`, turning library errors into one plain sentence.
public func attempt<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch { throw describe(error) }
}

/// Runs `body`, turning library errors into one plain sentence.
public func attempt<R>(_ body: () async throws -> R) async throws -> R {
    do { return try await body() } catch { throw describe(error) }
}

/// One plain sentence for a library error, ending with its code in brackets (`… [rollback]`);
/// other errors are returned as they are. In Indonesian (``CLILanguage/current``) the sentence
/// starts with the rule the code names, in Indonesian, and the library's English detail follows.
public func describe(_ error: any Error) -> any Error {
    switch error {
    case let e as LedgerError:
        var s = e.message
        if let field = e.field { s += " (field \(field)" + (e.keyword.map { ", keyword \($0)" } ?? "") + ")" }
        s += e.whichEvent
        return CLIFailure(description: refusal(s, code: e.codeName))
    case let e as JSONError:
        return CLIFailure(description: localized("invalid JSON: \(e.message) at byte \(e.offset)",
                                                 id: "JSON tidak sah: \(e.message) pada bait \(e.offset)"))
    case let e as any JejakError:
        return CLIFailure(description: refusal(e.message, code: e.codeName))
    default:
        return error
    }
}

/// `detail [code]`, led in Indonesian by the rule `code` names.
func refusal(_ detail: String, code: String) -> String {
    if CLILanguage.current == .id, let rule = RefusalSentences.indonesian(code) {
        return "\(rule). Rincian: \(detail) [\(code)]"
    }
    return "\(detail) [\(code)]"
}

/// The KPU domain's validation hook (schemas and exchange and audit rules).
public func domainValidator() throws -> DomainValidator {
    do { return try DomainValidator.bundled() } catch {
        throw CLIFailure(description: localized("the event schemas could not be loaded: \(error.message)", id: "skema peristiwa tidak dapat dimuat: \(error.message)"))
    }
}

/// Reads `JSON` or `@FILE`.
public func readJSONArgument(_ text: String) throws -> JSONValue {
    let bytes: [UInt8]
    if text.hasPrefix("@") {
        let path = String(text.dropFirst())
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIFailure(description: localized("cannot read \(path)", id: "tidak dapat membaca \(path)"))
        }
        bytes = [UInt8](data)
    } else {
        bytes = Array(text.utf8)
    }
    return try attempt { try JSONParser.parse(bytes) }
}

/// The bytes of a file given on the command line, exactly.
public func readBytes(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CLIFailure(description: localized("cannot read \(path)", id: "tidak dapat membaca \(path)"))
    }
    return [UInt8](data)
}

/// The text of a file given on the command line.
public func readText(_ path: String) throws -> String {
    String(decoding: try readBytes(path), as: UTF8.self)
}

/// Reads a file that should hold public text (a policy, a checkpoint, a receipt, an event):
/// one holding a private key is refused as such, and nothing of it is shown.
public func readPublicText(_ path: String, what: String) throws -> String {
    let text = try readText(path)
    if PrivateKeyText.appears(in: text) {
        throw CLIFailure(description: localized("\(path) holds a private key, not \(what) (nothing of it is shown); give the right file, and keep the key to its owner",
                                                   id: "\(path) memuat kunci privat, bukan \(what) (isinya tidak ditampilkan); berikan berkas yang benar, dan simpan kunci itu pada pemiliknya"))
    }
    return text
}

/// A signed checkpoint read from a file.
public func readCheckpoint(_ path: String) throws -> SignedCheckpoint {
    let text = try readPublicText(path, what: localized("a signed checkpoint", id: "checkpoint bertanda tangan"))
    do { return try SignedCheckpoint(parsing: text) } catch {
        throw CLIFailure(description: localized("\(path) is not a signed checkpoint: \(error.message)", id: "\(path) bukan checkpoint bertanda tangan: \(error.message)"))
    }
}

/// A tlog-policy read from a file.
public func readPolicy(_ path: String) throws -> TlogPolicy {
    let text = try readPublicText(path, what: localized("a tlog-policy", id: "tlog-policy"))
    do { return try TlogPolicy(parsing: text) } catch {
        throw CLIFailure(description: refusal(localized("\(path) is not a tlog-policy: \(error.message)", id: "\(path) bukan tlog-policy: \(error.message)"), code: error.codeName))
    }
}

/// The vkey given to `option`: the key itself, or the path of a file holding it.
///
/// - Throws: `CLIFailure` naming the option when it is neither.
public func readVerifierKey(_ argument: String, option: String) throws -> VerifierKey {
    let text = FileManager.default.fileExists(atPath: argument) ? try readPublicText(argument, what: localized("a vkey", id: "vkey")) : argument
    do { return try VerifierKey(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
        throw CLIFailure(description: localized("\(option) is not a vkey: \(error.message)", id: "\(option) bukan vkey: \(error.message)"))
    }
}

/// Writes `text` to `path`, replacing it atomically.
public func writeFile(_ text: String, to path: String) throws {
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
        throw CLIFailure(description: localized("cannot write \(path): \(error.localizedDescription)", id: "tidak dapat menulis \(path): \(error.localizedDescription)"))
    }
}

/// A value as one compact JSON line.
public func jsonLine(_ value: JSONValue) -> String {
    JSONWriter.string(value)
}

/// Prints an audit report (as JSON, or as `summary`) and writes its HTML page to `html`.
public func emit(_ report: AuditReport, json: Bool, summary: String, html: String?, language: ReportLanguage = CLILanguage.current) throws {
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
        print(summary)
    }
    if let html {
        try writeFile(report.html(in: language), to: html)
        if !json { print(localized("Report: \(html)", id: "Laporan: \(html)")) }
    }
}

/// Writes `line` and a newline to standard error.
public func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A one-line progress bar on standard error, redrawn at most ten times a second.
public final class ProgressBar: Sendable {
    private let enabled: Bool
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    /// A bar that draws only when `enabled` (a terminal, no JSON output).
    public init(enabled: Bool) { self.enabled = enabled }

    /// Draws `done` of `total`.
    public func update(_ done: UInt64, _ total: UInt64) {
        guard enabled, total > 0 else { return }
        let due = last.withLock { last in
            if let l = last, ContinuousClock.now - l < .milliseconds(100), done < total { return false }
            last = ContinuousClock.now
            return true
        }
        guard due else { return }
        let width = 40
        let filled = min(width, Int(Double(width) * Double(min(done, total)) / Double(total)))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(localized("entries", id: "entri"))".utf8))
    }

    /// Ends the bar's line.
    public func finish() {
        guard enabled, last.withLock({ $0 }) != nil else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
