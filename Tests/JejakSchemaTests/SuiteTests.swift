import Foundation
import JejakJSON
import Testing

@testable import JejakSchema

// The official JSON-Schema-Test-Suite (Fixtures/json-schema-test-suite, MIT, see LICENSE there):
// every case of every copied file must pass, in both evaluation modes (`isValid` and the
// violation-collecting `validate`).

/// One test file of the suite.
struct SuiteFile: Sendable, CustomTestStringConvertible {
    /// Relative to `tests/draft2020-12/`.
    let path: String
    var testDescription: String { path }
}

enum TestSuite {
    static var root: URL {
        guard let base = Bundle.module.resourceURL else { fatalError("the test bundle has no resources") }
        return base.appendingPathComponent("Fixtures/json-schema-test-suite")
    }

    /// Cases skipped, by `"<file>|<group description>"`, with the reason. Keep this tiny.
    static let skipped: [String: String] = [
        "ref.json|remote ref, containing refs itself":
            "validates against the official draft 2020-12 meta-schema, which is not bundled (no network)",
    ]

    static func files(in directory: String) -> [SuiteFile] {
        let url = root.appendingPathComponent("tests/draft2020-12").appendingPathComponent(directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map {
            SuiteFile(path: directory.isEmpty ? $0 : "\(directory)/\($0)")
        }
    }

    static func load(_ url: URL) throws -> JSONValue {
        let data = try Data(contentsOf: url)
        return try JSONParser.parse(data)
    }

    /// The remote documents, registered under `http://localhost:1234/<path>` as the suite expects.
    static let registry: SchemaRegistry = {
        var registry = SchemaRegistry()
        let remotes = root.appendingPathComponent("remotes")
        guard let enumerator = FileManager.default.enumerator(at: remotes, includingPropertiesForKeys: nil) else {
            fatalError("no remotes directory")
        }
        var paths: [String] = []
        for case let url as URL in enumerator where url.pathExtension == "json" {
            paths.append(String(url.standardizedFileURL.path.dropFirst(remotes.standardizedFileURL.path.count + 1)))
        }
        for path in paths.sorted() {
            do {
                try registry.register(load(remotes.appendingPathComponent(path)), uri: "http://localhost:1234/\(path)")
            } catch {
                fatalError("remote \(path) did not register: \(error)")
            }
        }
        return registry
    }()

    /// Runs every case of one file; returns (cases run, cases skipped).
    @discardableResult
    static func run(_ file: SuiteFile, options: SchemaOptions = SchemaOptions()) throws -> (run: Int, skipped: Int) {
        let groups = try load(root.appendingPathComponent("tests/draft2020-12").appendingPathComponent(file.path))
        var run = 0
        var skippedCount = 0
        for group in groups.arrayValue ?? [] {
            let description = group["description"]?.stringValue ?? "?"
            let cases = group["tests"]?.arrayValue ?? []
            if skipped["\(file.path)|\(description)"] != nil {
                skippedCount += cases.count
                continue
            }
            let schema: JSONSchema
            do {
                schema = try JSONSchema(group["schema"] ?? .null, registry: registry, options: options)
            } catch {
                Issue.record("\(file.path) · \(description): the schema did not load: \(error)")
                continue
            }
            for test in cases {
                let data = test["data"] ?? .null
                let expected = test["valid"]?.boolValue ?? false
                let what = "\(file.path) · \(description) · \(test["description"]?.stringValue ?? "?")"
                #expect(schema.isValid(data) == expected, "\(what): isValid")
                let violations = schema.validate(data)
                #expect(violations.isEmpty == expected, "\(what): validate gave \(violations)")
                for violation in violations {
                    #expect(!violation.message.isEmpty && !violation.keyword.isEmpty, "\(what): \(violation)")
                }
                run += 1
            }
        }
        return (run, skippedCount)
    }
}

@Suite("JSON-Schema-Test-Suite draft 2020-12")
struct SuiteTests {
    @Test("required files", arguments: TestSuite.files(in: ""))
    func required(_ file: SuiteFile) throws {
        let counts = try TestSuite.run(file)
        #expect(counts.run > 0)
    }

    @Test("optional files", arguments: TestSuite.files(in: "optional"))
    func optional(_ file: SuiteFile) throws {
        let counts = try TestSuite.run(file)
        #expect(counts.run > 0)
    }

    @Test("optional format files, format assertion on", arguments: TestSuite.files(in: "optional/format"))
    func formats(_ file: SuiteFile) throws {
        let counts = try TestSuite.run(file, options: SchemaOptions(format: .assertion))
        #expect(counts.run > 0)
    }

    /// Guards against files silently going missing: 44 + 8 + 14 files, 1,910 cases, 2 skipped.
    @Test func coverage() throws {
        var run = 0
        var skipped = 0
        for file in TestSuite.files(in: "") + TestSuite.files(in: "optional") {
            let counts = try TestSuite.run(file)
            run += counts.run
            skipped += counts.skipped
        }
        for file in TestSuite.files(in: "optional/format") {
            run += try TestSuite.run(file, options: SchemaOptions(format: .assertion)).run
        }
        #expect(TestSuite.files(in: "").count == 44)
        #expect(TestSuite.files(in: "optional").count == 8)
        #expect(TestSuite.files(in: "optional/format").count == 14)
        #expect(skipped == 2)
        #expect(run == 1_908)
    }
}
