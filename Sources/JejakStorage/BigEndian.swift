/// Big-endian encodings of unsigned integers, so that LMDB's byte-wise key order equals numeric
/// order (the log's entry index, stream versions, Merkle node coordinates).
///
/// ```swift
/// try txn.put(entries, key: BigEndian.bytes(index), value: leaf)
/// let index = try BigEndian.uint64(from: keyBytes)
/// ```
public enum BigEndian {
    /// The 8 big-endian bytes of `value`.
    public static func bytes(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    /// The 4 big-endian bytes of `value`.
    public static func bytes(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    /// Reads a `UInt64` from exactly 8 big-endian bytes.
    ///
    /// - Throws: ``LMDBError/badValueSize`` when `bytes` is not 8 bytes long (a damaged key).
    public static func uint64<Bytes: Collection<UInt8>>(from bytes: Bytes) throws(LMDBError) -> UInt64 {
        try integer(from: bytes, context: "BigEndian.uint64")
    }

    /// Reads a `UInt32` from exactly 4 big-endian bytes.
    ///
    /// - Throws: ``LMDBError/badValueSize`` when `bytes` is not 4 bytes long.
    public static func uint32<Bytes: Collection<UInt8>>(from bytes: Bytes) throws(LMDBError) -> UInt32 {
        try integer(from: bytes, context: "BigEndian.uint32")
    }

    /// Reads an unsigned integer from exactly its width of big-endian bytes.
    private static func integer<T: FixedWidthInteger & UnsignedInteger, Bytes: Collection<UInt8>>(
        from bytes: Bytes, context: String
    ) throws(LMDBError) -> T {
        let width = T.bitWidth / 8
        guard bytes.count == width else {
            throw LMDBError(code: LMDBError.badValueSize.code, name: "MDB_BAD_VALSIZE",
                            message: "expected a \(width)-byte big-endian integer, found \(bytes.count) bytes",
                            context: context)
        }
        var v: T = 0
        for b in bytes { v = v << 8 | T(b) }
        return v
    }
}
