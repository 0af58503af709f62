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
        guard bytes.count == 8 else {
            throw LMDBError(code: LMDBError.badValueSize.code, name: "MDB_BAD_VALSIZE",
                            message: "expected an 8-byte big-endian integer, found \(bytes.count) bytes",
                            context: "BigEndian.uint64")
        }
        var v: UInt64 = 0
        for b in bytes { v = v << 8 | UInt64(b) }
        return v
    }

    /// Reads a `UInt32` from exactly 4 big-endian bytes.
    ///
    /// - Throws: ``LMDBError/badValueSize`` when `bytes` is not 4 bytes long.
    public static func uint32<Bytes: Collection<UInt8>>(from bytes: Bytes) throws(LMDBError) -> UInt32 {
        guard bytes.count == 4 else {
            throw LMDBError(code: LMDBError.badValueSize.code, name: "MDB_BAD_VALSIZE",
                            message: "expected a 4-byte big-endian integer, found \(bytes.count) bytes",
                            context: "BigEndian.uint32")
        }
        var v: UInt32 = 0
        for b in bytes { v = v << 8 | UInt32(b) }
        return v
    }
}
