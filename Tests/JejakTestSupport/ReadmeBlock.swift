import Foundation

/// The text between two markers, trimmed; `nil` when either is missing. The README examples'
/// tests use it to check that the README shows exactly the code they compile and run.
public func textBetween(_ text: String, _ begin: String, _ end: String) -> String? {
    guard let b = text.range(of: begin), let e = text.range(of: end, range: b.upperBound..<text.endIndex) else { return nil }
    return String(text[b.upperBound..<e.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The repository's `README.md`, found from a test file's `#filePath` (`Tests/<suite>/<file>`).
public func readme(from testFile: String) throws -> String {
    let root = URL(fileURLWithPath: testFile).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
}
