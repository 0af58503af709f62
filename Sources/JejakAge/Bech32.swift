/// Bech32 (BIP 173; not Bech32m) as age uses it: without BIP 173's 90-character limit, since
/// age's spec drops it ("without length limits on the data part"; post-quantum recipients are
/// nearly 2,000 characters). A string is all lowercase or all uppercase; the checksum is always
/// computed over the lowercase form.
///
/// It works on bytes, so identity strings (secrets) never have to be a `String`; the scratch
/// buffers it fills are wiped.
enum Bech32 {
    private static let charset: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    /// The 5-bit value of each lowercase character of the charset, 0xFF for the others.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, c) in charset.enumerated() { table[Int(c)] = UInt8(value) }
        return table
    }()

    private static let generators: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        var chk: UInt32 = 1
        for v in values {
            let top = chk >> 25
            chk = (chk & 0x1ff_ffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { chk ^= generators[i] }
        }
        return chk
    }

    /// The HRP's characters' high bits, a zero, then their low bits (BIP 173), lowercased.
    private static func expand(_ hrp: some Collection<UInt8>) -> [UInt8] {
        let lower = hrp.map(lowercase)
        return lower.map { $0 >> 5 } + [0] + lower.map { $0 & 31 }
    }

    @inline(__always)
    private static func lowercase(_ c: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c) ? c | 0x20 : c
    }

    /// Decodes a Bech32 string: its human-readable part exactly as written (so the caller sees
    /// the case) and its data as 8-bit bytes. `nil` for mixed case, a character outside
    /// 33…126 or the charset, no separator, a bad checksum, or more than 4 bits (or non-zero
    /// bits) of padding. The caller wipes `data` when it is secret.
    static func decode(_ input: UnsafeBufferPointer<UInt8>) -> (hrp: [UInt8], data: [UInt8])? {
        var hasLower = false, hasUpper = false
        for c in input {
            guard c >= 33, c <= 126 else { return nil }
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) { hasLower = true }
            if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c) { hasUpper = true }
        }
        guard !(hasLower && hasUpper) else { return nil }
        guard let separator = input.lastIndex(of: UInt8(ascii: "1")),
              separator >= 1, input.count - separator - 1 >= 6
        else { return nil }

        var five = [UInt8]()
        defer { Primitives.wipe(&five) }
        five.reserveCapacity(input.count - separator - 1)
        for c in input[(separator + 1)...] {
            let v = values[Int(lowercase(c))]
            guard v != 0xFF else { return nil }
            five.append(v)
        }
        var checked = expand(input[..<separator])
        checked.append(contentsOf: five)
        defer { Primitives.wipe(&checked) }
        guard polymod(checked) == 1 else { return nil }

        var data = [UInt8]()
        data.reserveCapacity(five.count * 5 / 8)
        var accumulator: UInt32 = 0
        var bits = 0
        for v in five.dropLast(6) {
            accumulator = (accumulator << 5 | UInt32(v)) & 0xFFF
            bits += 5
            if bits >= 8 {
                bits -= 8
                data.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        let padding = accumulator & ((1 << UInt32(bits)) - 1)
        accumulator = 0
        guard bits <= 4, padding == 0 else {
            Primitives.wipe(&data)
            return nil
        }
        return (Array(input[..<separator]), data)
    }

    /// Encodes `data` under `hrp` (given in lowercase); the whole string is uppercased when
    /// `uppercase`. The caller wipes the result when it is secret.
    static func encode(hrp: String, data: some Collection<UInt8>, uppercase: Bool) -> [UInt8] {
        let hrpBytes = Array(hrp.utf8).map(lowercase)
        var five = [UInt8]()
        defer { Primitives.wipe(&five) }
        five.reserveCapacity((data.count * 8 + 4) / 5 + 6)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in data {
            accumulator = (accumulator << 8 | UInt32(byte)) & 0x1FFF
            bits += 8
            while bits >= 5 {
                bits -= 5
                five.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)) & 31)
            }
        }
        if bits > 0 { five.append(UInt8(truncatingIfNeeded: accumulator << UInt32(5 - bits)) & 31) }
        accumulator = 0

        var checked = expand(hrpBytes) + five + [0, 0, 0, 0, 0, 0]
        defer { Primitives.wipe(&checked) }
        let mod = polymod(checked) ^ 1
        for i in 0..<6 { five.append(UInt8(truncatingIfNeeded: mod >> UInt32(5 * (5 - i))) & 31) }

        var out = [UInt8]()
        out.reserveCapacity(hrpBytes.count + 1 + five.count)
        out.append(contentsOf: hrpBytes)
        out.append(UInt8(ascii: "1"))
        for v in five { out.append(charset[Int(v)]) }
        if uppercase {
            for i in out.indices where (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(out[i]) { out[i] &= ~0x20 }
        }
        return out
    }
}
