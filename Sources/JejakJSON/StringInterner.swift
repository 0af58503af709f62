import Synchronization

/// Shares the strings that recur across millions of documents — an event's `type` and
/// `dataschema`, its `source`, a signature's `keyid`, a DSSE `payloadType` — instead of
/// allocating (and later freeing) a copy for each document.
///
/// A fixed table of recently seen strings, indexed by a hash of their bytes: a string found there
/// is returned (one reference count); another replaces the entry. Memory stays bounded whatever
/// the input; strings of up to 15 bytes, which Swift keeps inline, and long ones are not kept.
///
/// ```swift
/// let type = StringInterner.shared.string(utf8: bytes) ?? String(decoding: bytes, as: UTF8.self)
/// ```
public final class StringInterner: Sendable {
    /// The table shared by the process.
    public static let shared = StringInterner()

    /// The longest string kept, in UTF-8 bytes.
    public static let maximumLength = 128

    private static let slotCount = 1024
    private let slots: Mutex<[String?]>

    /// An empty table.
    public init() {
        slots = Mutex([String?](repeating: nil, count: Self.slotCount))
    }

    /// The string whose UTF-8 bytes are `utf8`, shared if it was seen before, or `nil` if the bytes
    /// are not valid UTF-8.
    public func string(utf8: UnsafeBufferPointer<UInt8>) -> String? {
        guard utf8.count > 15, utf8.count <= Self.maximumLength else {
            return String(validating: utf8, as: UTF8.self)
        }
        let slot = Self.slot(of: utf8)
        if let known = slots.withLock({ $0[slot] }), Self.equal(known, utf8) { return known }
        // Equal bytes make a valid string: only a new one needs checking.
        guard let made = String(validating: utf8, as: UTF8.self) else { return nil }
        slots.withLock { $0[slot] = made }
        return made
    }

    /// A multiplicative hash of the bytes, eight at a time, reduced to a slot.
    private static func slot(of bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let raw = UnsafeRawBufferPointer(bytes)
        var hash = UInt64(bytes.count) &* 0x9e37_79b9_7f4a_7c15
        var k = 0
        while k + 8 <= raw.count {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)) &* 0x100_0000_01b3
            hash ^= hash >> 29
            k += 8
        }
        while k < raw.count {
            hash = (hash ^ UInt64(raw[k])) &* 0x100_0000_01b3
            k += 1
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 32)) & (slotCount - 1)
    }

    private static func equal(_ string: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var string = string
        return string.withUTF8 { utf8 in
            guard utf8.count == bytes.count else { return false }
            let a = UnsafeRawBufferPointer(utf8), b = UnsafeRawBufferPointer(bytes)
            var k = 0
            while k + 8 <= a.count {
                guard a.loadUnaligned(fromByteOffset: k, as: UInt64.self)
                    == b.loadUnaligned(fromByteOffset: k, as: UInt64.self) else { return false }
                k += 8
            }
            while k < a.count {
                guard a[k] == b[k] else { return false }
                k += 1
            }
            return true
        }
    }
}
