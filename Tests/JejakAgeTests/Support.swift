import CZlib
import Foundation
import JejakAge
import JejakCrypto
import Testing

/// Runs `body` and records an issue unless it throws an ``AgeError`` with `code`.
func expectCode<T>(
    _ code: AgeError.Code, _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) {
    do {
        _ = try body()
        Issue.record("expected \(code) for \(what()), got success", sourceLocation: sourceLocation)
    } catch let error as AgeError {
        #expect(error.code == code, "\(what()): \(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected an AgeError \(code) for \(what()), got \(error)", sourceLocation: sourceLocation)
    }
}

/// A fresh directory under `FileManager.temporaryDirectory`, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("jejak-age-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The bytes `data` inflated with zlib (the testkit's `compressed: zlib`), or `nil` if they
/// are not a complete zlib stream.
func inflateZlib(_ data: [UInt8]) -> [UInt8]? {
    var stream = z_stream()
    guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var input = data
    var out = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var status: Int32 = Z_OK
    input.withUnsafeMutableBufferPointer { inBuf in
        stream.next_in = inBuf.baseAddress
        stream.avail_in = uInt(inBuf.count)
        while status == Z_OK {
            chunk.withUnsafeMutableBufferPointer { outBuf in
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                status = inflate(&stream, Z_NO_FLUSH)
                out.append(contentsOf: outBuf[0..<(outBuf.count - Int(stream.avail_out))])
            }
        }
    }
    return status == Z_STREAM_END ? out : nil
}

/// The result of running a command.
struct CommandResult: Sendable {
    var status: Int32
    var output: [UInt8]
    var stderr: String
    /// Standard output as text.
    var stdout: String { String(decoding: output, as: UTF8.self) }
}

/// Runs `executable` with `arguments` on a Dispatch queue (never blocking a Swift concurrency
/// thread on `waitUntilExit`), its output read to the end.
func run(_ executable: String, _ arguments: [String]) async throws -> CommandResult {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<CommandResult, any Error>) in
        DispatchQueue.global().async {
            do {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                let out = Pipe(), err = Pipe()
                process.standardOutput = out
                process.standardError = err
                process.standardInput = FileHandle.nullDevice
                try process.run()
                // Standard error is read on its own queue so that neither pipe can fill up
                // and stall the process while the other is read.
                let errorData = LockedData()
                let group = DispatchGroup()
                group.enter()
                DispatchQueue.global().async {
                    errorData.set(err.fileHandleForReading.readDataToEndOfFile())
                    group.leave()
                }
                let o = out.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                continuation.resume(returning: CommandResult(
                    status: process.terminationStatus, output: [UInt8](o),
                    stderr: String(decoding: errorData.get(), as: UTF8.self)))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

/// Bytes set on one thread and read on another after a `DispatchGroup.wait`.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.withLock { data = d } }
    func get() -> Data { lock.withLock { data } }
}

/// The lowercase hex SHA-256 of `bytes`.
func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256Digest.hash(bytes).hex
}
