#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
import JejakBase
#endif

/// A ledger time: milliseconds since the Unix epoch, written as RFC 3339 in UTC with exactly
/// three fraction digits and `Z`, e.g. `2026-11-29T09:15:25.123Z` (the leaf's `appended`).
///
/// ```swift
/// let t = LedgerTime(millisecondsSinceEpoch: 1_795_000_000_000)
/// t.rfc3339            // "2026-11-18T…Z"
/// try LedgerTime(rfc3339: t.rfc3339) == t
/// ```
public struct LedgerTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64

    /// A time from milliseconds since the epoch.
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// The current wall-clock time (`CLOCK_REALTIME`), truncated to milliseconds.
    public static func now() -> LedgerTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return LedgerTime(millisecondsSinceEpoch: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    /// The length of ``rfc3339`` for years 0000–9999: always 24 bytes.
    public static let encodedLength = 24

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, formatted without intermediate allocations (one per entry on
    /// the append path and per row in the read models). Years outside 0000–9999 are written with
    /// as many digits as they need.
    public var rfc3339: String {
        String(unsafeUninitializedCapacity: Self.maximumEncodedLength) { write(into: $0) }
    }

    /// Calls `body` with the UTF-8 bytes of ``rfc3339``, formatted on the stack (no `String`
    /// is made), and returns its result.
    ///
    /// ```swift
    /// t.withRFC3339 { buffer.append(contentsOf: $0) }
    /// ```
    ///
    /// - Throws: what `body` throws.
    public func withRFC3339<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maximumEncodedLength) { buffer throws(E) in
            try body(UnsafeBufferPointer(rebasing: buffer[..<write(into: buffer)]))
        }
    }

    /// The longest ``rfc3339``: a sign and 19 digits of year, and 20 bytes of the rest.
    private static let maximumEncodedLength = 40

    /// Writes ``rfc3339`` at the start of `out` (at least ``maximumEncodedLength`` bytes) and
    /// returns its length.
    private func write(into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        // Floor division without overflow: any value formats, even Int64.min.
        let ms = millisecondsSinceEpoch
        var days = ms / 86_400_000, msOfDay = ms % 86_400_000
        if msOfDay < 0 {
            days -= 1
            msOfDay += 86_400_000
        }
        // Civil date from days since the epoch (H. Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var year = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        if month <= 2 { year += 1 }
        func put(_ v: Int64, _ at: Int, _ width: Int) {
            var x = v
            for i in stride(from: at + width - 1, through: at, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
            }
        }
        // Years outside 0000–9999 need more than four digits (or a sign).
        var t = 4
        if (0...9999).contains(year) {
            put(year, 0, 4)
        } else {
            t = 0
            for c in String(year).utf8 { out[t] = c; t += 1 }
        }
        out[t] = UInt8(ascii: "-"); put(month, t + 1, 2); out[t + 3] = UInt8(ascii: "-"); put(day, t + 4, 2)
        out[t + 6] = UInt8(ascii: "T")
        put(msOfDay / 3_600_000, t + 7, 2); out[t + 9] = UInt8(ascii: ":")
        put(msOfDay / 60_000 % 60, t + 10, 2); out[t + 12] = UInt8(ascii: ":")
        put(msOfDay / 1000 % 60, t + 13, 2); out[t + 15] = UInt8(ascii: ".")
        put(msOfDay % 1000, t + 16, 3); out[t + 19] = UInt8(ascii: "Z")
        return t + 20
    }

    public var description: String { rfc3339 }

    /// Parses exactly the form ``rfc3339`` writes.
    ///
    /// - Returns: `nil` for anything else (other offsets, other fraction lengths, invalid dates).
    public init?(rfc3339 text: String) {
        var text = text
        guard let time = text.withUTF8({ LedgerTime(rfc3339: $0) }) else { return nil }
        self = time
    }

    /// The time written in the UTF-8 bytes `utf8` as ``rfc3339`` writes it.
    init?(rfc3339 utf8: UnsafeBufferPointer<UInt8>) {
        guard utf8.count == Self.encodedLength, utf8[10] == UInt8(ascii: "T"), utf8.last == UInt8(ascii: "Z"),
              let parts = RFC3339.parse(bytes: utf8), parts.offsetMinutes == 0, parts.fractionDigits == 3 else { return nil }
        self.millisecondsSinceEpoch = parts.millisecondsSinceEpoch
    }

    public static func < (a: LedgerTime, b: LedgerTime) -> Bool {
        a.millisecondsSinceEpoch < b.millisecondsSinceEpoch
    }
}

/// A strict RFC 3339 `date-time` parser (§5.6): `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, with a
/// `T`/`t` separator and `Z`/`z`, real calendar dates, and a leap second allowed as `:60`.
package enum RFC3339 {
    package struct Parts {
        package var millisecondsSinceEpoch: Int64
        package var fractionDigits: Int
        package var offsetMinutes: Int
    }

    package static func parse(_ text: String) -> Parts? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// ``parse(_:)`` of the UTF-8 bytes of a text.
    package static func parse(bytes u: UnsafeBufferPointer<UInt8>) -> Parts? {
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for _ in 0..<n {
                let c = u[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
                i += 1
            }
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < u.count, u[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2) else { return nil }
        guard i < u.count, u[i] == UInt8(ascii: "T") || u[i] == UInt8(ascii: "t") else { return nil }
        i += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), expect(UInt8(ascii: ":")),
              let second = digits(2) else { return nil }
        var fraction = 0, fractionDigits = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if fractionDigits < 3 { fraction = fraction * 10 + Int(u[i] - 48) }
                fractionDigits += 1
                i += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        var scaled = fraction
        for _ in min(fractionDigits, 3)..<3 { scaled *= 10 }
        guard i < u.count else { return nil }
        var offset = 0
        switch u[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = u[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(UInt8(ascii: ":")), let om = digits(2), oh <= 23, om <= 59 else { return nil }
            offset = sign * (oh * 60 + om)
        default:
            return nil
        }
        guard i == u.count else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        // Days from civil (H. Hinnant).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400  // floor division: year 0's January and February have y = -1
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = Int64(era * 146_097 + doe - 719_468)
        let secs = days * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offset * 60)
        return Parts(millisecondsSinceEpoch: secs * 1000 + Int64(scaled),
                     fractionDigits: fractionDigits, offsetMinutes: offset)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension LedgerTime {
    /// Parses any RFC 3339 `date-time` (§5.6): any UTC offset (`Z`, `+07:00`, …), any number of
    /// fraction digits (truncated to milliseconds), e.g. `2026-03-31T23:59:59+07:00`. A leap
    /// second (`:60`) counts as `:59`.
    ///
    /// Unlike ``init(rfc3339:)``, which takes only the exact form the ledger writes, this is for
    /// times people type (`jejak replay --until`).
    ///
    /// - Returns: `nil` for anything that is not an RFC 3339 date-time with a real calendar date.
    public init?(parsing text: String) {
        guard let parts = RFC3339.parse(text) else { return nil }
        self.init(millisecondsSinceEpoch: parts.millisecondsSinceEpoch)
    }
}
