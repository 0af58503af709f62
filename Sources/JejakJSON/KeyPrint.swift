/// A member name's length and first 16 bytes (two little-endian words, zero-padded): enough to
/// tell most names apart with three integer comparisons, and to identify names of up to 16
/// bytes exactly.
struct KeyPrint: Equatable {
    var length: Int
    var word0: UInt64
    var word1: UInt64

    /// Whether the print holds the whole name, so equal prints mean equal names.
    var isExact: Bool { length <= 16 }

    /// The print of the `length` bytes at `bytes`, of which `available` (>= `length`) may be read.
    @inline(__always)
    init(_ bytes: UnsafePointer<UInt8>, length: Int, available: Int) {
        self.length = length
        if available >= 16 {
            let raw = UnsafeRawPointer(bytes)
            let first = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            let second = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            if length >= 16 {
                word0 = first
                word1 = second
            } else if length >= 8 {
                word0 = first
                word1 = length == 8 ? 0 : second & (~0 as UInt64) >> (64 &- 8 &* (length &- 8))
            } else {
                word0 = length == 0 ? 0 : first & (~0 as UInt64) >> (64 &- 8 &* length)
                word1 = 0
            }
        } else {
            word0 = 0
            word1 = 0
            for k in 0..<min(length, 16) {
                let byte = UInt64(bytes[k]) << (8 &* UInt64(k & 7))
                if k < 8 { word0 |= byte } else { word1 |= byte }
            }
        }
    }
}

extension KeyPrint {
    init(length: Int, word0: UInt64, word1: UInt64) {
        self.length = length
        self.word0 = word0
        self.word1 = word1
    }
}
