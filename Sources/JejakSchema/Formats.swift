/// A `format` checked in ``SchemaOptions/FormatMode/assertion`` mode. Every checker is strict
/// ASCII syntax from the format's RFC; none of them normalises, trims or accepts look-alike
/// Unicode digits.
struct FormatChecker: Sendable {
    let name: String
    /// The form a valid value takes, for a person reading a refusal (`YYYY-MM-DD`).
    let expected: String
    let check: @Sendable (String) -> Bool

    /// The formats that can be asserted.
    static let all: [FormatChecker] = [
        FormatChecker(name: "date-time", expected: "YYYY-MM-DDThh:mm:ss with Z or ±hh:mm (RFC 3339), e.g. 2026-12-31T23:59:59+07:00",
                      check: Formats.isDateTime),
        FormatChecker(name: "date", expected: "YYYY-MM-DD (RFC 3339 full-date), e.g. 2026-12-31", check: Formats.isDate),
        FormatChecker(name: "time", expected: "hh:mm:ss with Z or ±hh:mm (RFC 3339), e.g. 23:59:59+07:00", check: Formats.isTime),
        FormatChecker(name: "duration", expected: "an ISO 8601 duration, e.g. P30D or PT12H", check: Formats.isDuration),
        FormatChecker(name: "uuid", expected: "8-4-4-4-12 hexadecimal digits (RFC 9562)", check: Formats.isUUID),
        FormatChecker(name: "ipv4", expected: "four decimal numbers 0-255 joined by dots", check: { Formats.isIPv4(Array($0.utf8)[...]) }),
        FormatChecker(name: "ipv6", expected: "an RFC 4291 address", check: { Formats.isIPv6(Array($0.utf8)[...]) }),
        FormatChecker(name: "email", expected: "local@domain (RFC 5321)", check: Formats.isEmail),
        FormatChecker(name: "uri", expected: "an absolute URI with a scheme (RFC 3986)", check: { Formats.isURI($0, referenceAllowed: false) }),
        FormatChecker(name: "uri-reference", expected: "a URI or relative reference (RFC 3986)", check: { Formats.isURI($0, referenceAllowed: true) }),
        FormatChecker(name: "json-pointer", expected: "empty or /-separated tokens (RFC 6901)", check: { JSONPointer.parse($0) != nil }),
        FormatChecker(name: "relative-json-pointer", expected: "a number, then # or a JSON pointer", check: Formats.isRelativeJSONPointer),
        FormatChecker(name: "regex", expected: "an ECMA-262 regular expression", check: { (try? ECMARegex($0)) != nil }),
    ]

    init(name: String, expected: String, check: @escaping @Sendable (String) -> Bool) {
        self.name = name
        self.expected = expected
        self.check = check
    }

    /// The checker for a format name, or `nil` if it cannot be asserted.
    init?(_ name: String) {
        guard let found = FormatChecker.all.first(where: { $0.name == name }) else { return nil }
        self = found
    }
}

/// The format checks.
enum Formats {
    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    @inline(__always)
    static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20) &- UInt8(ascii: "a") < 6 }

    @inline(__always)
    static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- UInt8(ascii: "a") < 26 }

    /// The value of `count` ASCII digits at `start`, or `nil`.
    static func number(_ bytes: ArraySlice<UInt8>, _ start: Int, _ count: Int) -> Int? {
        guard start >= bytes.startIndex, start + count <= bytes.endIndex else { return nil }
        var value = 0
        for i in start..<(start + count) {
            guard isDigit(bytes[i]) else { return nil }
            value = value * 10 + Int(bytes[i] - UInt8(ascii: "0"))
        }
        return value
    }

    // MARK: RFC 3339

    /// RFC 3339 `full-date`: `YYYY-MM-DD` with a day that exists in that month.
    static func isDate(_ string: String) -> Bool {
        let bytes = Array(string.utf8)[...]
        return bytes.count == 10 && checkDate(bytes, 0)
    }

    static func checkDate(_ bytes: ArraySlice<UInt8>, _ start: Int) -> Bool {
        guard let year = number(bytes, start, 4), bytes[start + 4] == UInt8(ascii: "-"),
              let month = number(bytes, start + 5, 2), bytes[start + 7] == UInt8(ascii: "-"),
              let day = number(bytes, start + 8, 2), (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// RFC 3339 `full-time`: `HH:MM:SS[.frac](Z|±HH:MM)`; a leap second (`:60`) only where the
    /// time is 23:59 in UTC.
    static func isTime(_ string: String) -> Bool {
        let bytes = Array(string.utf8)[...]
        return checkTime(bytes, 0)
    }

    static func checkTime(_ bytes: ArraySlice<UInt8>, _ start: Int) -> Bool {
        guard let hour = number(bytes, start, 2), bytes.count > start + 8, bytes[start + 2] == UInt8(ascii: ":"),
              let minute = number(bytes, start + 3, 2), bytes[start + 5] == UInt8(ascii: ":"),
              let second = number(bytes, start + 6, 2), hour <= 23, minute <= 59, second <= 60
        else { return false }
        var i = start + 8
        if bytes[i] == UInt8(ascii: ".") {
            i += 1
            let digitsStart = i
            while i < bytes.endIndex, isDigit(bytes[i]) { i += 1 }
            guard i > digitsStart else { return false }
        }
        guard i < bytes.endIndex else { return false }
        var offsetMinutes = 0
        switch bytes[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == bytes.endIndex else { return false }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard bytes.endIndex == i + 6, let h = number(bytes, i + 1, 2), bytes[i + 3] == UInt8(ascii: ":"),
                  let m = number(bytes, i + 4, 2), h <= 23, m <= 59
            else { return false }
            offsetMinutes = (h * 60 + m) * (bytes[i] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return false
        }
        if second == 60 {
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    /// RFC 3339 `date-time`: `full-date "T" full-time` (`T` and `Z` in either case).
    static func isDateTime(_ string: String) -> Bool {
        let bytes = Array(string.utf8)[...]
        guard bytes.count >= 20, checkDate(bytes, 0), bytes[10] | 0x20 == UInt8(ascii: "t") else { return false }
        return checkTime(bytes, 11)
    }

    /// RFC 3339 appendix A `duration` (ISO 8601 durations, integer components only).
    static func isDuration(_ string: String) -> Bool {
        durationPattern?.search(string) == .match
    }

    private static let durationPattern: ECMARegex? = try? ECMARegex(
        #"^P(?:(?:\d+D|\d+M(?:\d+D)?|\d+Y(?:\d+M(?:\d+D)?)?)(?:T(?:\d+H(?:\d+M(?:\d+S)?)?|\d+M(?:\d+S)?|\d+S))?"#
            + #"|T(?:\d+H(?:\d+M(?:\d+S)?)?|\d+M(?:\d+S)?|\d+S)|\d+W)$"#)

    // MARK: Identifiers

    /// RFC 9562 UUID text: 8-4-4-4-12 hexadecimal digits, any version and case.
    static func isUUID(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        guard bytes.count == 36 else { return false }
        for (i, b) in bytes.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return false }
            } else {
                guard isHex(b) else { return false }
            }
        }
        return true
    }

    /// RFC 6901 Relative JSON Pointer (draft-bhutton-relative-json-pointer-00): a non-negative
    /// integer without leading zeros, then `#` or a JSON Pointer.
    static func isRelativeJSONPointer(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        var i = 0
        while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        guard i > 0, !(bytes[0] == UInt8(ascii: "0") && i > 1) else { return false }
        if i == bytes.count { return true }
        if bytes[i] == UInt8(ascii: "#") { return i + 1 == bytes.count }
        return JSONPointer.parse(String(decoding: bytes[i...], as: UTF8.self)) != nil
    }

    // MARK: IP addresses

    /// RFC 2673 dotted-quad: four decimal octets 0–255 without leading zeros.
    static func isIPv4(_ bytes: ArraySlice<UInt8>) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDigit),
                  !(part.count > 1 && part.first == UInt8(ascii: "0")),
                  let value = number(part, part.startIndex, part.count), value <= 255
            else { return false }
        }
        return true
    }

    /// RFC 4291 §2.2 text forms: eight groups of 1–4 hex digits, one `::` for a run of zero
    /// groups, optionally ending in a dotted-quad; no zone index, no brackets.
    static func isIPv6(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        var groups = 0
        var compressed = false
        var i = bytes.startIndex
        let end = bytes.endIndex
        if bytes[i] == UInt8(ascii: ":") {
            guard i + 1 < end, bytes[i + 1] == UInt8(ascii: ":") else { return false }
            compressed = true
            i += 2
            if i == end { return true }
        }
        while i < end {
            var j = i
            while j < end, isHex(bytes[j]) { j += 1 }
            if j < end, bytes[j] == UInt8(ascii: ".") {
                // A trailing dotted-quad counts as two groups.
                guard isIPv4(bytes[i..<end]) else { return false }
                groups += 2
                i = end
                break
            }
            guard (1...4).contains(j - i) else { return false }
            groups += 1
            i = j
            if i == end { break }
            guard bytes[i] == UInt8(ascii: ":") else { return false }
            i += 1
            if i < end, bytes[i] == UInt8(ascii: ":") {
                guard !compressed else { return false }
                compressed = true
                i += 1
                if i == end { break }
            } else if i == end {
                return false
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }

    // MARK: Email (RFC 5321 Mailbox)

    static let atext: Set<UInt8> = Set("!#$%&'*+-/=?^_`{|}~".utf8)

    /// RFC 5321 `Mailbox`: a dot-string or quoted local part, `@`, and a domain of LDH labels or
    /// an address literal (`[IPv4]` or `[IPv6:…]`). ASCII only (use `idn-email` for more, which is
    /// not asserted).
    static func isEmail(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > 0, at < bytes.count - 1 else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        if local.first == UInt8(ascii: "\"") {
            guard local.count >= 2, local.last == UInt8(ascii: "\"") else { return false }
            var i = local.startIndex + 1
            let end = local.endIndex - 1
            while i < end {
                let b = local[i]
                if b == UInt8(ascii: "\\") {
                    guard i + 1 < end, (32...126).contains(local[i + 1]) else { return false }
                    i += 2
                    continue
                }
                guard b == 32 || b == 33 || (35...91).contains(b) || (93...126).contains(b) else { return false }
                i += 1
            }
        } else {
            for atom in local.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
                guard !atom.isEmpty, atom.allSatisfy({ isAlpha($0) || isDigit($0) || atext.contains($0) }) else {
                    return false
                }
            }
        }
        if domain.first == UInt8(ascii: "[") {
            guard domain.last == UInt8(ascii: "]") else { return false }
            let literal = domain.dropFirst().dropLast()
            let prefix = Array("IPv6:".utf8)
            if literal.starts(with: prefix) { return isIPv6(literal.dropFirst(prefix.count)) }
            return isIPv4(literal)
        }
        return isDomain(domain)
    }

    /// Dot-separated labels of letters, digits and inner hyphens, each 1–63 bytes, 253 in all.
    static func isDomain(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard (1...63).contains(label.count), let first = label.first, let last = label.last,
                  first != UInt8(ascii: "-"), last != UInt8(ascii: "-"),
                  label.allSatisfy({ isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") })
            else { return false }
        }
        return true
    }

    // MARK: URI (RFC 3986)

    static let unreservedMarks: Set<UInt8> = Set("-._~".utf8)
    static let subDelims: Set<UInt8> = Set("!$&'()*+,;=".utf8)

    /// Whether `bytes[i]` starts a valid element of a component allowing unreserved characters,
    /// `%XX` escapes, sub-delimiters and `extra`; returns the next position or `nil`.
    static func scan(_ bytes: ArraySlice<UInt8>, extra: Set<UInt8>) -> Bool {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < bytes.endIndex, isHex(bytes[i + 1]), isHex(bytes[i + 2]) else { return false }
                i += 3
                continue
            }
            guard isAlpha(b) || isDigit(b) || unreservedMarks.contains(b) || subDelims.contains(b) || extra.contains(b)
            else { return false }
            i += 1
        }
        return true
    }

    static let pathExtra: Set<UInt8> = Set(":@/".utf8)
    static let queryExtra: Set<UInt8> = Set(":@/?".utf8)

    /// RFC 3986 `URI` (scheme required) or, with `referenceAllowed`, `URI-reference`.
    static func isURI(_ string: String, referenceAllowed: Bool) -> Bool {
        var bytes = Array(string.utf8)[...]
        if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) {
            guard scan(bytes[(hash + 1)...], extra: queryExtra) else { return false }
            bytes = bytes[..<hash]
        }
        if let question = bytes.firstIndex(of: UInt8(ascii: "?")) {
            guard scan(bytes[(question + 1)...], extra: queryExtra) else { return false }
            bytes = bytes[..<question]
        }
        var hasScheme = false
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")), !bytes[..<colon].contains(UInt8(ascii: "/")) {
            let scheme = bytes[..<colon]
            if let first = scheme.first, isAlpha(first),
               scheme.allSatisfy({ isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) {
                hasScheme = true
                bytes = bytes[(colon + 1)...]
            } else if !referenceAllowed {
                return false
            }
        }
        guard hasScheme || referenceAllowed else { return false }
        if bytes.starts(with: [UInt8(ascii: "/"), UInt8(ascii: "/")]) {
            let rest = bytes.dropFirst(2)
            let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            guard isAuthority(rest[..<slash]) else { return false }
            return scan(rest[slash...], extra: pathExtra)
        }
        if !hasScheme {
            // path-noscheme: the first segment has no colon.
            let firstSegmentEnd = bytes.firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
            if bytes[..<firstSegmentEnd].contains(UInt8(ascii: ":")) { return false }
        }
        return scan(bytes, extra: pathExtra)
    }

    /// RFC 3986 `authority`: `[userinfo "@"] host [":" port]`.
    static func isAuthority(_ bytes: ArraySlice<UInt8>) -> Bool {
        var rest = bytes
        if let at = rest.firstIndex(of: UInt8(ascii: "@")) {
            guard scan(rest[..<at], extra: [UInt8(ascii: ":")]) else { return false }
            rest = rest[(at + 1)...]
        }
        var port = rest[rest.endIndex...]
        if rest.first == UInt8(ascii: "[") {
            guard let close = rest.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let literal = rest[(rest.startIndex + 1)..<close]
            if literal.first == UInt8(ascii: "v") || literal.first == UInt8(ascii: "V") {
                guard let dot = literal.firstIndex(of: UInt8(ascii: ".")), dot > literal.startIndex + 1,
                      literal[(literal.startIndex + 1)..<dot].allSatisfy(isHex), dot + 1 < literal.endIndex,
                      scan(literal[(dot + 1)...], extra: [UInt8(ascii: ":")]),
                      !literal[(dot + 1)...].contains(UInt8(ascii: "%"))
                else { return false }
            } else {
                guard isIPv6(literal) else { return false }
            }
            let after = rest[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { return false }
                port = after.dropFirst()
            }
        } else {
            if let colon = rest.firstIndex(of: UInt8(ascii: ":")) {
                port = rest[(colon + 1)...]
                rest = rest[..<colon]
            }
            guard scan(rest, extra: []) else { return false }
        }
        return port.allSatisfy(isDigit)
    }
}
