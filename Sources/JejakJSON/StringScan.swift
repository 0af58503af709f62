/// The word-at-a-time scan shared by the parser and the writer: skips the bytes of a JSON string
/// that need no attention, 8 at a time.
enum StringScan {
    /// For a little-endian word of 8 string bytes, a mask whose lowest set bit is the high bit of
    /// the first byte that is `"`, `\`, a control character (< 0x20) or, when `nonASCII` is set,
    /// a byte >= 0x80; zero if there is none. (Borrows can only create false positives *above* a
    /// true one, so the lowest set bit is exact.)
    @inline(__always)
    static func mask(_ word: UInt64, nonASCII: Bool) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | (nonASCII ? word : 0)) & highs
    }

    /// Starting at `start`, skips whole 8-byte words with no byte needing attention (see
    /// ``mask(_:nonASCII:)``). Returns the offset of the first such byte when a word holds one,
    /// or where fewer than 8 bytes remain before `count`; the caller checks the rest byte by byte.
    @inline(__always)
    static func skipPlain(_ base: UnsafePointer<UInt8>, from start: Int, count: Int, nonASCII: Bool) -> Int {
        var j = start
        while j &+ 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self))
            let m = mask(word, nonASCII: nonASCII)
            if m != 0 { return j &+ (m.trailingZeroBitCount &>> 3) }
            j &+= 8
        }
        return j
    }
}
