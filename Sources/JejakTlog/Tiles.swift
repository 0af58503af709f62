import JejakBase
import JejakCrypto

/// An error from the C2SP tlog-tiles format: a code naming the rule that was broken, a
/// one-sentence message and, when the error is about a file of a tiles directory, its path.
///
/// | code | thrown when |
/// | --- | --- |
/// | ``Code/invalidLevel`` | a hash tile level is not in `0...63`. |
/// | ``Code/invalidWidth`` | a tile width is not in `1...256`. |
/// | ``Code/malformedPath`` | a tile path does not follow `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]` exactly. |
/// | ``Code/malformedTile`` | a hash tile is not a non-empty concatenation of 32-byte hashes, or not as wide as expected. |
/// | ``Code/malformedBundle`` | an entry bundle is truncated, has trailing bytes, or has not the expected number of entries. |
/// | ``Code/entryTooLarge`` | an entry is longer than 65,535 bytes, the most a uint16 length prefix can carry. |
/// | ``Code/missingFile`` | a file a ``TiledLog`` needs is not in the directory. |
/// | ``Code/unreadableFile`` | a file of a ``TiledLog`` exists but cannot be read. |
/// | ``Code/malformedCheckpoint`` | the `checkpoint` file is not a signed checkpoint. |
/// | ``Code/outOfRange`` | entries or hashes beyond the tree size were asked for. |
public struct TileError: JejakError, Hashable {
    /// What went wrong. See ``TileError`` for when each code is thrown.
    public typealias Code = ErrorCode<TileErrors>

    /// What went wrong.
    public var code: Code
    /// One sentence for a person.
    public var message: String
    /// The file concerned (a path inside the tiles directory, or a full path), when there is one.
    public var file: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, file: String? = nil) {
        self.code = code
        self.message = message
        self.file = file
    }

    /// The message.
    public var description: String { message }
    /// The code's name.
    public var codeName: String { code.name }
    /// Tile errors wrap nothing.
    public var underlying: (any Error & Sendable)? { nil }
}

/// One resource of a C2SP tlog-tiles log (c2sp.org/tlog-tiles): a hash tile at a level, or an
/// entry bundle, with its index and width.
///
/// A hash tile at level `L`, index `N`, holds the Merkle Tree Hashes of the perfect subtrees of
/// `256^L` leaves numbered `N·256 ..< N·256 + width` (RFC 9162 tree level `8L`); level 0 holds
/// leaf hashes. An entry bundle at index `N` holds the entries `N·256 ..< N·256 + width`. A tile
/// of width 256 is *full*; a narrower one is *partial* and is served at a path ending in
/// `.p/<width>`.
///
/// ```swift
/// let tile = try Tile(level: 0, index: 1_234_067, width: 8)
/// tile.path  // "tile/0/x001/x234/067.p/8"
/// try Tile(path: "tile/entries/x001/000") == Tile(entriesIndex: 1000)
/// ```
public struct Tile: Hashable, Sendable, CustomStringConvertible {
    /// The width of a full tile: 256 hashes or entries.
    public static let fullWidth = 256
    /// The highest hash tile level a path may name.
    public static let maxLevel = 63

    /// What a tile holds.
    public enum Kind: Hashable, Sendable {
        /// Merkle Tree Hashes at tile level `level` (tree level `8·level`).
        case hashes(level: Int)
        /// Log entries (an entry bundle).
        case entries
    }

    /// Hashes at a level, or entries.
    public let kind: Kind
    /// The tile's index within its level.
    public let index: UInt64
    /// The number of hashes or entries, `1...256`.
    public let width: Int

    /// A hash tile.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/invalidLevel`` or ``TileError/Code/invalidWidth``.
    public init(level: Int, index: UInt64, width: Int = Tile.fullWidth) throws(TileError) {
        guard (0...Self.maxLevel).contains(level) else {
            throw TileError(.invalidLevel, "a tile level is between 0 and \(Self.maxLevel), not \(level)")
        }
        try self.init(kind: .hashes(level: level), index: index, width: width)
    }

    /// An entry bundle.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/invalidWidth``.
    public init(entriesIndex index: UInt64, width: Int = Tile.fullWidth) throws(TileError) {
        try self.init(kind: .entries, index: index, width: width)
    }

    private init(kind: Kind, index: UInt64, width: Int) throws(TileError) {
        guard (1...Self.fullWidth).contains(width) else {
            throw TileError(.invalidWidth, "a tile holds 1 to \(Self.fullWidth) hashes or entries, not \(width)")
        }
        self.kind = kind
        self.index = index
        self.width = width
    }

    /// Parses a tile path relative to the log's prefix, such as `tile/0/x001/x234/067.p/8` or
    /// `tile/entries/000`. Only the canonical spelling is accepted: no leading zeros in the
    /// level or width, three digits in every index element, an `x` on all but the last one,
    /// no leading `x000` element, and a `.p/<W>` suffix only for widths 1 to 255.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/malformedPath``.
    public init(path: some StringProtocol) throws(TileError) {
        func malformed(_ why: String) -> TileError {
            TileError(.malformedPath, "\(String(reflecting: String(path.prefix(120)))) is not a tile path: \(why)", file: String(path))
        }
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "tile" else { throw malformed("it must start with tile/<L>/ or tile/entries/") }
        var width = Self.fullWidth
        if parts.count >= 4, parts[parts.count - 2].hasSuffix(".p") {
            guard let w = TextFormat.parseDecimal(parts[parts.count - 1]), (1..<UInt64(Self.fullWidth)).contains(w) else {
                throw malformed("a partial width is a decimal from 1 to 255 without leading zeros")
            }
            width = Int(w)
            parts[parts.count - 2] = parts[parts.count - 2].dropLast(2)
            parts.removeLast()
        }
        let index = try Self.decodeIndex(parts[2...].joined(separator: "/"), fullPath: path)
        if parts[1] == "entries" {
            try self.init(entriesIndex: index, width: width)
        } else {
            guard let level = TextFormat.parseDecimal(parts[1]), level <= UInt64(Self.maxLevel) else {
                throw malformed("the level is a decimal from 0 to \(Self.maxLevel) without leading zeros, or `entries`")
            }
            try self.init(level: Int(level), index: index, width: width)
        }
    }

    /// Whether the tile holds 256 hashes or entries.
    public var isFull: Bool { width == Self.fullWidth }

    /// Whether a tree of `size` leaves contains this tile whole: every leaf below its last
    /// hash or entry is below `size`. A checkpoint of that size vouches for such a tile (once
    /// its tiles were checked against the root); a tile beyond it belongs to a larger tree.
    ///
    /// ```swift
    /// try Tile(entriesIndex: 1, width: 10).isCovered(byTreeSize: 266)   // true
    /// try Tile(level: 1, index: 0, width: 2).isCovered(byTreeSize: 511)  // false: needs 512 leaves
    /// ```
    public func isCovered(byTreeSize size: UInt64) -> Bool {
        let level: Int
        switch kind {
        case .entries: level = 0
        case .hashes(let l): level = l
        }
        let last = index.multipliedReportingOverflow(by: UInt64(Self.fullWidth))
        let end = last.partialValue.addingReportingOverflow(UInt64(width))
        guard !last.overflow, !end.overflow else { return false }
        // Each hash of a level-L tile is the root of 256^L leaves.
        var leaves = end.partialValue
        for _ in 0..<level {
            let (next, overflow) = leaves.multipliedReportingOverflow(by: UInt64(Self.fullWidth))
            if overflow { return false }
            leaves = next
        }
        return leaves <= size
    }

    /// The tile's path relative to the log's prefix: `tile/<L>/<N>` or `tile/entries/<N>`, with
    /// `.p/<W>` for a partial tile.
    public var path: String {
        let level: String
        switch kind {
        case .hashes(let l): level = String(l)
        case .entries: level = "entries"
        }
        return "tile/\(level)/\(Self.encodeIndex(index))" + (isFull ? "" : ".p/\(width)")
    }

    /// The path.
    public var description: String { path }

    /// This tile with another width (the full tile of a partial one, or the reverse).
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/invalidWidth``.
    public func withWidth(_ width: Int) throws(TileError) -> Tile {
        try Tile(kind: kind, index: index, width: width)
    }

    /// The index of the first leaf the tile covers: `N·256^(L+1)` (for a bundle, `N·256`).
    /// `nil` when it does not fit 64 bits.
    public var startIndex: UInt64? { leafOffset(0) }

    /// The index after the last leaf the tile's hashes or entries cover, for its width:
    /// `(N·256 + width)·256^L`. `nil` when it does not fit 64 bits.
    public var endIndex: UInt64? { leafOffset(width) }

    private func leafOffset(_ within: Int) -> UInt64? {
        let level: Int
        switch kind {
        case .hashes(let l): level = l
        case .entries: level = 0
        }
        let (scaled, o1) = index.multipliedReportingOverflow(by: UInt64(Self.fullWidth))
        let (position, o2) = scaled.addingReportingOverflow(UInt64(within))
        guard !o1, !o2 else { return nil }
        guard level < 8 else { return position == 0 ? 0 : nil }
        let shift = UInt64(8 * level)
        guard position <= (UInt64.max >> shift) else { return nil }
        return position << shift
    }

    // MARK: Index encoding

    /// Encodes a tile index as tlog-tiles path elements: zero-padded groups of three digits,
    /// every one but the last prefixed with `x` (1234067 → `x001/x234/067`, 5 → `005`).
    public static func encodeIndex(_ index: UInt64) -> String {
        var n = index
        var out = threeDigits(n % 1000)
        while n >= 1000 {
            n /= 1000
            out = "x" + threeDigits(n % 1000) + "/" + out
        }
        return out
    }

    private static func threeDigits(_ n: UInt64) -> String {
        let s = String(n)
        return String(repeating: "0", count: 3 - s.count) + s
    }

    /// Decodes tile index path elements (`x001/x234/067` → 1234067), accepting only the
    /// spelling ``encodeIndex(_:)`` writes.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/malformedPath``.
    public static func decodeIndex(_ text: some StringProtocol) throws(TileError) -> UInt64 {
        try decodeIndex(text, fullPath: text)
    }

    private static func decodeIndex(_ text: some StringProtocol, fullPath: some StringProtocol) throws(TileError) -> UInt64 {
        func malformed() -> TileError {
            TileError(.malformedPath,
                      "\(String(reflecting: String(fullPath.prefix(120)))) is not a tile path: a tile index is written in 3-digit elements, all but the last beginning with x (1234067 is x001/x234/067)",
                      file: String(fullPath))
        }
        let elements = text.split(separator: "/", omittingEmptySubsequences: false)
        var value: UInt64 = 0
        for (i, element) in elements.enumerated() {
            let last = i == elements.count - 1
            var digits = Substring(element)
            if !last {
                guard digits.first == "x" else { throw malformed() }
                digits = digits.dropFirst()
            }
            guard digits.utf8.count == 3, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let group = UInt64(digits) else { throw malformed() }
            let (m, o1) = value.multipliedReportingOverflow(by: 1000)
            let (s, o2) = m.addingReportingOverflow(group)
            guard !o1, !o2 else { throw malformed() }
            value = s
        }
        guard encodeIndex(value) == text else { throw malformed() }
        return value
    }
}

/// The C2SP tlog-tiles format (c2sp.org/tlog-tiles): which tiles a tree has, and the bytes of
/// hash tiles and entry bundles.
///
/// ```swift
/// Tiles.hashTiles(treeSize: 70_000).filter { !$0.isFull }.map(\.path)
/// // ["tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"]
/// let bundle = try Tiles.encodeEntryBundle(leaves)
/// try Tiles.decodeEntryBundle(bundle, count: leaves.count) == leaves
/// ```
public enum Tiles {
    /// The most bytes one entry of a bundle may have (its length is a big-endian uint16).
    public static let maxEntryBytes = 65_535

    // MARK: Which tiles a tree has

    /// The number of hashes at tile level `level` in a tree of `treeSize` leaves: the perfect
    /// subtrees of `256^level` leaves, `floor(treeSize / 256^level)`.
    public static func hashCount(level: Int, treeSize: UInt64) -> UInt64 {
        guard level >= 0, level < 8 else { return 0 }
        return treeSize >> UInt64(8 * level)
    }

    /// The width of the hash tile at `level`, `index` of a tree of `treeSize` leaves: 256 for a
    /// full tile, 1–255 for the partial right-edge tile, `nil` when the tree has no such tile.
    public static func hashTileWidth(level: Int, index: UInt64, treeSize: UInt64) -> Int? {
        width(of: index, count: hashCount(level: level, treeSize: treeSize))
    }

    /// The width of entry bundle `index` of a tree of `treeSize` entries (as
    /// ``hashTileWidth(level:index:treeSize:)`` at level 0).
    public static func entryBundleWidth(index: UInt64, treeSize: UInt64) -> Int? {
        width(of: index, count: treeSize)
    }

    private static func width(of index: UInt64, count: UInt64) -> Int? {
        let full = count / UInt64(Tile.fullWidth)
        if index < full { return Tile.fullWidth }
        let rest = Int(count % UInt64(Tile.fullWidth))
        return index == full && rest > 0 ? rest : nil
    }

    /// The hash tile at `level`, `index` of a tree of `treeSize` leaves, with its width
    /// (see ``hashTileWidth(level:index:treeSize:)``), or `nil`.
    public static func hashTile(level: Int, index: UInt64, treeSize: UInt64) -> Tile? {
        hashTileWidth(level: level, index: index, treeSize: treeSize).flatMap { try? Tile(level: level, index: index, width: $0) }
    }

    /// The entry bundle `index` of a tree of `treeSize` entries, with its width, or `nil`.
    public static func entryBundle(index: UInt64, treeSize: UInt64) -> Tile? {
        entryBundleWidth(index: index, treeSize: treeSize).flatMap { try? Tile(entriesIndex: index, width: $0) }
    }

    /// The tile levels a tree of `treeSize` leaves has: level `L` while
    /// `floor(treeSize / 256^L) > 0`.
    public static func levels(treeSize: UInt64) -> Range<Int> {
        var n = 0
        while hashCount(level: n, treeSize: treeSize) > 0 { n += 1 }
        return 0..<n
    }

    /// Every hash tile of a tree of `treeSize` leaves, level by level, full tiles first and the
    /// partial right-edge tile of each level last. Empty for size 0.
    ///
    /// A tree of 70,000 leaves has 273 full level-0 tiles and `tile/0/273.p/112`, the full
    /// `tile/1/000` and `tile/1/001.p/17`, and `tile/2/000.p/1`; a tree of 256 leaves has
    /// `tile/0/000` and `tile/1/000.p/1`.
    public static func hashTiles(treeSize: UInt64) -> [Tile] {
        levels(treeSize: treeSize).flatMap { level in
            tiles(count: hashCount(level: level, treeSize: treeSize)) { i, w throws(TileError) in
                try Tile(level: level, index: i, width: w)
            }
        }
    }

    /// The partial hash tiles of a tree of `treeSize` leaves (at most one per level), the ones
    /// that change as the tree grows.
    public static func partialHashTiles(treeSize: UInt64) -> [Tile] {
        levels(treeSize: treeSize).compactMap { level in
            let count = hashCount(level: level, treeSize: treeSize)
            return hashTile(level: level, index: count / UInt64(Tile.fullWidth), treeSize: treeSize)
        }
    }

    /// Every entry bundle of a tree of `treeSize` entries: the full ones, then the partial one.
    public static func entryBundles(treeSize: UInt64) -> [Tile] {
        tiles(count: treeSize) { i, w throws(TileError) in try Tile(entriesIndex: i, width: w) }
    }

    private static func tiles(count: UInt64, _ make: (UInt64, Int) throws(TileError) -> Tile) -> [Tile] {
        let full = count / UInt64(Tile.fullWidth)
        let rest = Int(count % UInt64(Tile.fullWidth))
        var out: [Tile] = []
        out.reserveCapacity(Int(min(full, 1 << 20)) + 1)
        var i: UInt64 = 0
        while i < full {
            if let t = try? make(i, Tile.fullWidth) { out.append(t) }
            i += 1
        }
        if rest > 0, let t = try? make(full, rest) { out.append(t) }
        return out
    }

    // MARK: Hash tiles

    /// The bytes of a hash tile: the hashes concatenated, 32 bytes each.
    public static func encodeHashTile(_ hashes: some Collection<SHA256Digest>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(hashes.count * SHA256Digest.byteCount)
        for h in hashes { h.withUnsafeBytes { out.append(contentsOf: $0) } }
        return out
    }

    /// Splits a hash tile into its hashes.
    ///
    /// - Parameters:
    ///   - bytes: The tile's bytes.
    ///   - width: The number of hashes the tile must have, or `nil` for any from 1 to 256.
    /// - Throws: ``TileError`` with ``TileError/Code/malformedTile`` when the bytes are empty,
    ///   not a multiple of 32, more than 256 hashes, or not `width` hashes.
    public static func decodeHashTile(_ bytes: some Collection<UInt8>, width: Int? = nil) throws(TileError) -> [SHA256Digest] {
        let size = SHA256Digest.byteCount
        guard !bytes.isEmpty, bytes.count % size == 0, bytes.count / size <= Tile.fullWidth else {
            throw TileError(.malformedTile, "a hash tile is 1 to 256 hashes of 32 bytes, not \(bytes.count) bytes")
        }
        if let width, bytes.count != width * size {
            throw TileError(.malformedTile, "the hash tile has \(bytes.count / size) hashes, not \(width)")
        }
        let raw = Array(bytes)
        var out: [SHA256Digest] = []
        out.reserveCapacity(raw.count / size)
        var start = 0
        while start < raw.count {
            guard let h = try? SHA256Digest(bytes: raw[start..<(start + size)]) else {
                throw TileError(.malformedTile, "a hash tile is made of 32-byte hashes")
            }
            out.append(h)
            start += size
        }
        return out
    }

    // MARK: Entry bundles

    /// The bytes of an entry bundle: each entry as a big-endian uint16 length and its bytes.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/entryTooLarge`` for an entry over 65,535
    ///   bytes, ``TileError/Code/invalidWidth`` for no entries or more than 256.
    public static func encodeEntryBundle<Entry: Collection<UInt8>>(_ entries: some Collection<Entry>) throws(TileError) -> [UInt8] {
        guard (1...Tile.fullWidth).contains(entries.count) else {
            throw TileError(.invalidWidth, "an entry bundle holds 1 to \(Tile.fullWidth) entries, not \(entries.count)")
        }
        var total = 0
        for (i, e) in entries.enumerated() {
            guard e.count <= maxEntryBytes else {
                throw TileError(.entryTooLarge, "entry \(i) of the bundle is \(e.count) bytes, over the limit of \(maxEntryBytes)")
            }
            total += 2 + e.count
        }
        var out: [UInt8] = []
        out.reserveCapacity(total)
        for e in entries {
            out.append(UInt8(e.count >> 8))
            out.append(UInt8(e.count & 0xFF))
            out.append(contentsOf: e)
        }
        return out
    }

    /// Splits an entry bundle into its entries.
    ///
    /// - Parameters:
    ///   - bytes: The bundle's bytes.
    ///   - count: The number of entries the bundle must have, or `nil` for any from 1 to 256.
    /// - Throws: ``TileError`` with ``TileError/Code/malformedBundle`` when a length prefix or
    ///   an entry is cut short, or the bundle has no entries, more than 256, or not `count`.
    public static func decodeEntryBundle(_ bytes: some Collection<UInt8>, count: Int? = nil) throws(TileError) -> [[UInt8]] {
        let raw = Array(bytes)
        var out: [[UInt8]] = []
        var position = 0
        while position < raw.count {
            guard out.count < Tile.fullWidth else {
                throw TileError(.malformedBundle, "an entry bundle holds at most \(Tile.fullWidth) entries")
            }
            guard position + 2 <= raw.count else {
                throw TileError(.malformedBundle, "the length of entry \(out.count) of the bundle is cut short at byte \(position)")
            }
            let length = Int(raw[position]) << 8 | Int(raw[position + 1])
            position += 2
            guard position + length <= raw.count else {
                throw TileError(.malformedBundle,
                                "entry \(out.count) of the bundle should have \(length) bytes, only \(raw.count - position) remain")
            }
            out.append(Array(raw[position..<(position + length)]))
            position += length
        }
        guard !out.isEmpty else { throw TileError(.malformedBundle, "an entry bundle holds at least one entry") }
        if let count, out.count != count {
            throw TileError(.malformedBundle, "the entry bundle holds \(out.count) entries, not \(count)")
        }
        return out
    }
}

/// The kind of ``TileError``: its codes are the static members of `ErrorCode<TileErrors>`.
public enum TileErrors: ErrorKind {}

extension ErrorCode where Kind == TileErrors {
    /// A hash tile level is not in `0...63`.
    public static var invalidLevel: Self { Self("invalidLevel") }
    /// A tile width is not in `1...256`.
    public static var invalidWidth: Self { Self("invalidWidth") }
    /// A tile path is not a canonical tlog-tiles path.
    public static var malformedPath: Self { Self("malformedPath") }
    /// A hash tile's bytes are not the expected number of 32-byte hashes.
    public static var malformedTile: Self { Self("malformedTile") }
    /// An entry bundle's bytes are not the expected number of length-prefixed entries.
    public static var malformedBundle: Self { Self("malformedBundle") }
    /// An entry is longer than 65,535 bytes.
    public static var entryTooLarge: Self { Self("entryTooLarge") }
    /// A file of a tiles directory is missing.
    public static var missingFile: Self { Self("missingFile") }
    /// A file of a tiles directory cannot be read.
    public static var unreadableFile: Self { Self("unreadableFile") }
    /// The `checkpoint` file is not a signed checkpoint.
    public static var malformedCheckpoint: Self { Self("malformedCheckpoint") }
    /// Entries or hashes beyond the tree size were asked for.
    public static var outOfRange: Self { Self("outOfRange") }
    
}
