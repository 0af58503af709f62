import Foundation
import JejakTestSupport
import Testing

/// Debian's nginx on 127.0.0.1 (a port the kernel just handed out), serving a directory through
/// `Tools/nginx/jejak-tiles.conf` as a tlog-tiles log, in the foreground under a private
/// prefix (its configuration, pid, error log and temporary folders in a work directory);
/// stopped with SIGQUIT by ``stop()`` or when dropped.
final class NginxServer {
    /// Where Debian installs nginx (`Tools/setup.sh` installs it).
    static let binary = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    /// The configuration the repository ships for serving an export.
    static let tilesConfiguration = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tools/nginx/jejak-tiles.conf").path

    /// `http://127.0.0.1:PORT`.
    let url: String
    private let process: Process
    private let errorLog: String

    /// Starts nginx serving `root`; its files go in `work`/nginx.
    ///
    /// - Throws: when nginx is missing or does not answer within 10 seconds on any of three
    ///   ports tried (another process may take a port between its choice and nginx's bind).
    init(serving root: String, in work: TemporaryDirectory) throws {
        guard let binary = Self.binary else { throw Failure("nginx is not installed: `bash Tools/setup.sh` installs it") }
        let prefix = work.path + "/nginx"
        try FileManager.default.createDirectory(atPath: prefix, withIntermediateDirectories: true)
        errorLog = prefix + "/error.log"
        var lastFailure = ""
        for _ in 0..<3 {
            let port = try Self.freePort()
            let configuration = """
                # Written by the tests' NginxServer.
                \(getuid() == 0 ? "user root;" : "")
                worker_processes 1;
                daemon off;
                pid \(prefix)/nginx.pid;
                error_log \(errorLog) warn;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path \(prefix)/body;
                    proxy_temp_path \(prefix)/proxy;
                    fastcgi_temp_path \(prefix)/fastcgi;
                    uwsgi_temp_path \(prefix)/uwsgi;
                    scgi_temp_path \(prefix)/scgi;
                    server {
                        listen 127.0.0.1:\(port);
                        root \(root);
                        include \(Self.tilesConfiguration);
                    }
                }
                """
            try configuration.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["-p", prefix, "-c", prefix + "/nginx.conf", "-e", errorLog]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let url = "http://127.0.0.1:\(port)"
            let deadline = Date().addingTimeInterval(10)
            while p.isRunning, Date() < deadline {
                if Self.answers(port) {
                    self.url = url
                    self.process = p
                    return
                }
                usleep(20_000)
            }
            if p.isRunning { p.terminate() }
            p.waitUntilExit()
            lastFailure = (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? "no error log"
        }
        throw Failure("nginx did not start: \(lastFailure)")
    }

    /// Stops nginx gracefully (SIGQUIT: the workers finish their requests) and waits for it.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGQUIT)
        process.waitUntilExit()
    }

    /// What nginx wrote to its error log (warnings and worse).
    var log: String { (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? "" }

    deinit { stop() }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    private static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Failure("bind: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    private static func answers(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
