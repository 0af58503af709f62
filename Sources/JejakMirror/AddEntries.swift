import JejakBase
import JejakCrypto
import JejakTlog

/// One entry package of a c2sp.org/tlog-mirror `add-entries` body: the entries `[start, end)`
/// of one 256-aligned bundle, and the subtree consistency proof of `[256·⌊start/256⌋, end)`
/// in the tree of the upload's end.
public struct EntryPackage: Hashable, Sendable {
    /// The log index of the first entry carried.
    public let start: UInt64
    /// The entries, in order.
    public let entries: [[UInt8]]
    /// The subtree consistency proof (at most 63 hashes).
    public let proof: [SHA256Digest]

    /// A package of `entries` from `start`, proven by `proof`.
    public init(start: UInt64, entries: [[UInt8]], proof: [SHA256Digest]) {
        self.start = start
        self.entries = entries
        self.proof = proof
    }

    /// One past the last entry's index.
    public var end: UInt64 { start + UInt64(entries.count) }
}

/// The body of a c2sp.org/tlog-mirror `POST <submission prefix>/add-entries` request: the log
/// origin, the interval `[uploadStart, uploadEnd)`, the mirror's opaque ticket and a prefix of
/// the canonical sequence of entry packages.
public struct AddEntriesRequest: Hashable, Sendable {
    /// The most packages a client should send in one request (8,192 entries).
    public static let maxPackagesPerRequest = 32

    /// The log's origin.
    public let origin: String
    /// The first index uploaded.
    public let uploadStart: UInt64
    /// The tree size of the checkpoint the packages are proven against.
    public let uploadEnd: UInt64
    /// The ticket the mirror gave (empty if none).
    public let ticket: [UInt8]
    /// The packages, in canonical order; a truncated last package is dropped when parsing.
    public let packages: [EntryPackage]

    /// A request.
    public init(origin: String, uploadStart: UInt64, uploadEnd: UInt64, ticket: [UInt8] = [], packages: [EntryPackage]) {
        self.origin = origin
        self.uploadStart = uploadStart
        self.uploadEnd = uploadEnd
        self.ticket = ticket
        self.packages = packages
    }

    /// The canonical intervals of the packages of `[start, end)`: aligned at multiples of 256,
    /// produced one at a time (an upload's end is the client's to choose, up to 2^64 − 1).
    public static func packageIntervals(start: UInt64, end: UInt64) -> PackageIntervals {
        PackageIntervals(start: start, end: end)
    }

    /// The body's bytes.
    ///
    /// - Throws: ``MirrorError/Code/malformedUpload`` when the origin, the ticket or an entry is
    ///   longer than 65,535 bytes, or a proof has more than 63 hashes.
    public func serialized() throws(MirrorError) -> [UInt8] {
        var out: [UInt8] = []
        try Self.appendLength(origin.utf8.count, to: &out, what: "the origin")
        out.append(contentsOf: origin.utf8)
        Self.append64(uploadStart, to: &out)
        Self.append64(uploadEnd, to: &out)
        try Self.appendLength(ticket.count, to: &out, what: "the ticket")
        out.append(contentsOf: ticket)
        for package in packages {
            for entry in package.entries {
                try Self.appendLength(entry.count, to: &out, what: "an entry")
                out.append(contentsOf: entry)
            }
            guard package.proof.count <= SubtreeConsistencyProof.maxHashes else {
                throw MirrorError(.malformedUpload, "a package's proof has more than 63 hashes")
            }
            out.append(UInt8(package.proof.count))
            for hash in package.proof { hash.withUnsafeBytes { out.append(contentsOf: $0) } }
        }
        return out
    }

    /// Parses a body: its header strictly, then every whole package of the canonical sequence
    /// (bytes after the last whole package are dropped, as the spec says a mirror does).
    ///
    /// - Throws: ``MirrorError/Code/malformedUpload`` when the header is truncated, its origin
    ///   is not UTF-8 or its start is beyond its end, or when a package has more than 63 proof hashes.
    public init(parsing body: [UInt8]) throws(MirrorError) {
        var reader = Reader(bytes: body)
        guard let originLength = reader.u16(), let originBytes = reader.take(Int(originLength)),
              let start = reader.u64(), let end = reader.u64(),
              let ticketLength = reader.u16(), let ticket = reader.take(Int(ticketLength))
        else {
            throw MirrorError(.malformedUpload, "the add-entries body ends inside its header")
        }
        // An origin is compared as bytes: one that is not UTF-8 names no log, and must not be
        // repaired into one that does.
        guard let origin = String(validating: originBytes, as: UTF8.self) else {
            throw MirrorError(.malformedUpload, "the add-entries origin is not UTF-8")
        }
        guard start <= end else {
            throw MirrorError(.malformedUpload, "upload_start \(start) is beyond upload_end \(end)")
        }
        var packages: [EntryPackage] = []
        for interval in Self.packageIntervals(start: start, end: end) {
            let mark = reader
            var entries: [[UInt8]] = []
            var whole = true
            for _ in interval {
                guard let length = reader.u16(), let entry = reader.take(Int(length)) else { whole = false; break }
                entries.append(entry)
            }
            guard whole, let count = reader.u8() else { reader = mark; break }
            guard Int(count) <= SubtreeConsistencyProof.maxHashes else {
                throw MirrorError(.malformedUpload, "the package from \(interval.lowerBound) has \(count) proof hashes, more than 63")
            }
            var proof: [SHA256Digest] = []
            for _ in 0..<count {
                guard let bytes = reader.take(32), let hash = try? SHA256Digest(bytes: bytes) else { whole = false; break }
                proof.append(hash)
            }
            guard whole else { reader = mark; break }
            packages.append(EntryPackage(start: interval.lowerBound, entries: entries, proof: proof))
        }
        self.init(origin: origin, uploadStart: start, uploadEnd: end,
                  ticket: ticket, packages: packages)
    }

    private static func appendLength(_ n: Int, to out: inout [UInt8], what: String) throws(MirrorError) {
        guard n <= Int(UInt16.max) else { throw MirrorError(.malformedUpload, "\(what) is longer than 65,535 bytes") }
        out.append(UInt8(n >> 8))
        out.append(UInt8(n & 0xff))
    }

    private static func append64(_ n: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: n.bigEndian) { out.append(contentsOf: $0) }
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func take(_ n: Int) -> [UInt8]? {
            guard bytes.count - position >= n else { return nil }
            defer { position += n }
            return Array(bytes[position..<position + n])
        }
        mutating func u8() -> UInt8? { take(1)?[0] }
        mutating func u16() -> UInt16? { take(2).map { UInt16($0[0]) << 8 | UInt16($0[1]) } }
        mutating func u64() -> UInt64? { take(8).map { $0.reduce(0) { $0 << 8 | UInt64($1) } } }
    }
}

/// The `text/x.tlog.mirror-info` body of a 409 or 202 `add-entries` response: a valid pending
/// tree size, the mirror's next entry, and a ticket.
public struct MirrorInfo: Hashable, Sendable {
    /// The tree size of a valid pending checkpoint.
    public let treeSize: UInt64
    /// The first index the mirror does not hold.
    public let nextEntry: UInt64
    /// An opaque ticket (this mirror gives none: it keeps its state).
    public let ticket: [UInt8]

    /// Mirror info.
    public init(treeSize: UInt64, nextEntry: UInt64, ticket: [UInt8] = []) {
        self.treeSize = treeSize
        self.nextEntry = nextEntry
        self.ticket = ticket
    }

    /// The three lines, each ending in a newline.
    public var serialized: String { "\(treeSize)\n\(nextEntry)\n\(Base64.encode(ticket))\n" }
}

/// The canonical package intervals of an upload `[start, end)`, lazily: each is
/// `[max(start, 256·k), min(end, 256·(k+1)))` for the bundles `k` the upload touches.
///
/// ```swift
/// Array(AddEntriesRequest.packageIntervals(start: 300, end: 700))   // [300..<512, 512..<700]
/// ```
public struct PackageIntervals: Sequence, IteratorProtocol, Sendable {
    private var position: UInt64
    private let end: UInt64

    /// The intervals of `[start, end)` (none when `start >= end`).
    public init(start: UInt64, end: UInt64) {
        position = start
        self.end = end
    }

    /// Whether there is no interval left.
    public var isEmpty: Bool { position >= end }

    /// The next interval, or nil.
    public mutating func next() -> Range<UInt64>? {
        guard position < end else { return nil }
        let width = UInt64(Tile.fullWidth)
        let (boundary, overflow) = (position - position % width).addingReportingOverflow(width)
        let upper = overflow ? end : Swift.min(end, boundary)
        defer { position = upper }
        return position..<upper
    }
}

