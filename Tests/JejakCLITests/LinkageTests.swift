import Foundation
import Testing

/// What the libraries a bureau's system links pull in, read from `Package.swift`: the client
/// library's closure of targets holds neither the LMDB store nor the SQLite read models.
@Suite struct LinkageTests {
    /// Each target's dependencies (targets and products) as `Package.swift` declares them.
    static func dependencies() throws -> [String: [String]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var out: [String: [String]] = [:]
        // `.target(name: "X", dependencies: [ … ])`, `.executableTarget(…)`, `.testTarget(…)`: the
        // bracketed list after each target's name, names in quotes and products by their name.
        let pattern = try NSRegularExpression(pattern: #"\.(?:target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)"(?:,\s*dependencies:\s*\[(.*?)\]\s*[,)])?"#,
                                              options: [.dotMatchesLineSeparators])
        let text = manifest as NSString
        for match in pattern.matches(in: manifest, range: NSRange(location: 0, length: text.length)) {
            let name = text.substring(with: match.range(at: 1))
            var deps: [String] = []
            if match.range(at: 2).location != NSNotFound {
                let list = text.substring(with: match.range(at: 2))
                let quoted = try NSRegularExpression(pattern: #"(?:name:\s*)?"([^"]+)""#)
                for m in quoted.matches(in: list, range: NSRange(location: 0, length: (list as NSString).length)) {
                    deps.append((list as NSString).substring(with: m.range(at: 1)))
                }
            }
            out[name] = deps
        }
        return out
    }

    static func closure(of target: String, in graph: [String: [String]]) -> Set<String> {
        var seen: Set<String> = [], stack = [target]
        while let next = stack.popLast() {
            for d in graph[next] ?? [] where seen.insert(d).inserted { stack.append(d) }
        }
        return seen
    }

    @Test func theClientLinksNeitherLMDBNorSQLite() throws {
        let graph = try Self.dependencies()
        let client = Self.closure(of: "JejakClient", in: graph)
        #expect(client.contains("AsyncHTTPClient") && client.contains("JejakVerification"), "\(client.sorted())")
        for forbidden in ["JejakStorage", "CLMDB", "Jejak", "JejakProjections", "GRDB", "CSQLiteSetup", "JejakServer", "Hummingbird"] {
            #expect(!client.contains(forbidden), "JejakClient pulls in \(forbidden): \(client.sorted())")
        }
        // The control: the server's closure does hold the store and the read models.
        let server = Self.closure(of: "JejakServer", in: graph)
        #expect(server.contains("CLMDB") && server.contains("GRDB"), "\(server.sorted())")
    }

    /// The witness service runs apart from the log: neither the store nor the ledger nor the read
    /// models are in its closure.
    @Test func theWitnessServiceLinksNeitherTheLedgerNorLMDBNorSQLite() throws {
        let graph = try Self.dependencies()
        let witness = Self.closure(of: "JejakWitnessServer", in: graph)
        #expect(witness.contains("Hummingbird") && witness.contains("JejakWitness"), "\(witness.sorted())")
        for forbidden in ["JejakStorage", "CLMDB", "Jejak", "JejakProjections", "JejakInspector", "GRDB", "CSQLiteSetup", "JejakServer"] {
            #expect(!witness.contains(forbidden), "JejakWitnessServer pulls in \(forbidden): \(witness.sorted())")
        }
    }

    /// A mirror keeps a copy of a log it does not run: its core links neither a store, nor the
    /// ledger, nor an HTTP stack.
    @Test func theMirrorLinksNoStoreNoLedgerAndNoHTTP() throws {
        let graph = try Self.dependencies()
        let mirror = Self.closure(of: "JejakMirror", in: graph)
        #expect(mirror.contains("JejakTlog") && mirror.contains("JejakCrypto"), "\(mirror.sorted())")
        for forbidden in ["JejakStorage", "CLMDB", "Jejak", "JejakModel", "GRDB", "CSQLiteSetup", "Hummingbird", "AsyncHTTPClient"] {
            #expect(!mirror.contains(forbidden), "JejakMirror pulls in \(forbidden): \(mirror.sorted())")
        }
        // Its server and follower add the HTTP stack, and still no store, no ledger, no witness.
        let server = Self.closure(of: "JejakMirrorServer", in: graph)
        #expect(server.contains("JejakMirror") && server.contains("Hummingbird") && server.contains("AsyncHTTPClient"), "\(server.sorted())")
        for forbidden in ["JejakStorage", "CLMDB", "Jejak", "JejakProjections", "GRDB", "CSQLiteSetup", "JejakServer", "JejakWitnessServer"] {
            #expect(!server.contains(forbidden), "JejakMirrorServer pulls in \(forbidden): \(server.sorted())")
        }
    }
}
