import JejakBase

/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// Strictness (a ledger must refuse ambiguous input):
/// - duplicate object member names are an error (``JSONError/Code/duplicateKey``), names being
///   compared by UTF-8 bytes;
/// - numbers follow the RFC grammar exactly: no leading zeros, `+1`, `.5`, `1.`, `NaN` or
///   `Infinity`;
/// - no trailing commas, comments, or whitespace other than space, tab, LF and CR;
/// - strings must be valid UTF-8 without raw control characters (U+0000–U+001F), and `\u`
///   escapes must not encode lone surrogates;
/// - a byte-order mark is not accepted; any value may be at the top level; nothing but
///   whitespace may follow it.
///
/// Arrays and objects may nest at most ``defaultMaximumDepth`` levels unless another limit is given.
public struct JSONParser {
    /// The default nesting limit: 128 levels of arrays and objects.
    public static let defaultMaximumDepth = 128

    /// Parses one JSON document.
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 document. Contiguous collections (`[UInt8]`, `ArraySlice`, `Data`,
    ///     `String.UTF8View`) are parsed in place; others are copied first.
    ///   - maximumDepth: The deepest nesting of arrays and objects accepted.
    /// - Returns: The value.
    /// - Throws: ``JSONError`` describing the first problem found.
    public static func parse(
        _ bytes: some Collection<UInt8>, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONError) -> JSONValue {
        let inPlace = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONError) -> JSONValue in
                try parse(UnsafeRawBufferPointer(buffer), maximumDepth: maximumDepth)
            }
        }
        if let inPlace { return try inPlace.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBytes { buffer in
            Result { () throws(JSONError) -> JSONValue in
                try parse(buffer, maximumDepth: maximumDepth)
            }
        }.get()
    }

    /// Parses one JSON document given as a string (its UTF-8 bytes).
    ///
    /// - Parameters:
    ///   - text: The document.
    ///   - maximumDepth: The deepest nesting of arrays and objects accepted.
    /// - Returns: The value.
    /// - Throws: ``JSONError`` describing the first problem found.
    public static func parse(
        _ text: String, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONError) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(JSONError) -> JSONValue in
                try parse(UnsafeRawBufferPointer(buffer), maximumDepth: maximumDepth)
            }
        }.get()
    }

    /// Parses one JSON document from raw memory (the fastest entry point).
    ///
    /// - Parameters:
    ///   - buffer: The UTF-8 document. It is only read during the call.
    ///   - maximumDepth: The deepest nesting of arrays and objects accepted.
    /// - Returns: The value.
    /// - Throws: ``JSONError`` describing the first problem found.
    public static func parse(
        _ buffer: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONError) -> JSONValue {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            throw JSONError(code: .unexpectedEnd, offset: 0, message: "empty input")
        }
        var parser = RawParser(
            p: base.assumingMemoryBound(to: UInt8.self), count: buffer.count, maximumDepth: maximumDepth)
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.i < parser.count {
            throw JSONError(
                code: .trailingData, offset: parser.i, message: "unexpected data after the JSON value")
        }
        return value
    }
}

private let quote = UInt8(ascii: "\"")

private let backslash = UInt8(ascii: "\\")

/// The recursive-descent parser state: a pointer, a length and a cursor.
struct RawParser: ~Copyable {
    let p: UnsafePointer<UInt8>
    let count: Int
    let maximumDepth: Int
    var i = 0
    var depth = 0
    /// Set by the skimmer (``skipValue()``) when it meets member names it does not compare
    /// (escaped, or too many in one object): only a full parse can then rule out duplicates.
    var undecided = false
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []
    /// Elements of the arrays being parsed, innermost last (so each array is allocated once, at
    /// its exact size, and elements are moved rather than copied).
    var elementStack = MoveStack<JSONValue>()
    /// Members of the objects being parsed, innermost last.
    var memberStack = MoveStack<JSONObject.Member>()
    /// The prints of the names in `memberStack`, position for position.
    var printStack = MoveStack<KeyPrint>()

    init(p: UnsafePointer<UInt8>, count: Int, maximumDepth: Int) {
        self.p = p
        self.count = count
        self.maximumDepth = maximumDepth
    }

    /// Whether `c` is JSON whitespace (space, line feed, carriage return, tab).
    @inline(__always)
    static func isWhitespace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < count, Self.isWhitespace(p[i]) { i += 1 }
    }

    @inline(__always)
    func fail(_ code: JSONError.Code, _ offset: Int, _ message: String) -> JSONError {
        JSONError(code: code, offset: offset, message: message)
    }

    func unexpected(_ what: String) -> JSONError {
        if i >= count { return fail(.unexpectedEnd, i, "unexpected end of input, expected \(what)") }
        return fail(.unexpectedCharacter, i, "unexpected \(describe(p[i])), expected \(what)")
    }

    func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x\(hex.count < 2 ? "0" + hex : hex)"
    }

    mutating func parseValue() throws(JSONError) -> JSONValue {
        skipWhitespace()
        guard i < count else { throw unexpected("a value") }
        switch p[i] {
        case quote:
            return .string(try parseString())
        case UInt8(ascii: "{"):
            return .object(try parseObject())
        case UInt8(ascii: "["):
            return .array(try parseArray())
        case UInt8(ascii: "t"):
            try parseLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try parseLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try parseLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw unexpected("a value")
        }
    }

    mutating func parseLiteral(_ literal: StaticString) throws(JSONError) {
        let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for expected in bytes {
            guard i < count, p[i] == expected else { throw unexpected("'\(literal)'") }
            i += 1
        }
    }

    mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = i
        try skipNumber()
        return JSONNumber(uncheckedText: makeString(start, i))
    }

    /// Checks the number at the cursor and moves past it.
    mutating func skipNumber() throws(JSONError) {
        let end = scanNumber(p, i, count)
        guard end >= 0 else {
            let offset = -1 - end
            let what = offset < count ? describe(p[offset]) : "end of input"
            throw fail(.invalidNumber, offset, "invalid number: unexpected \(what)")
        }
        i = end
    }

    /// After a value of an array (`closing` is `]`) or an object (`}`): consumes a comma and
    /// returns `true` (another value follows), or consumes `closing` and returns `false`.
    @inline(__always)
    mutating func next(closing: UInt8) throws(JSONError) -> Bool {
        skipWhitespace()
        let expected = closing == UInt8(ascii: "]") ? "',' or ']'" : "',' or '}'"
        guard i < count else { throw unexpected(expected) }
        let c = p[i]
        if c == UInt8(ascii: ",") || c == closing {
            i += 1
            return c == UInt8(ascii: ",")
        }
        throw unexpected(expected)
    }

    /// Enters the array or object at the cursor (whose closing bracket is `closing`); returns
    /// `true`, having left it again, if it is empty.
    @inline(__always)
    mutating func enter(closing: UInt8) throws(JSONError) -> Bool {
        try enter()
        i += 1  // '[' or '{'
        skipWhitespace()
        guard i < count && p[i] == closing else { return false }
        i += 1
        depth -= 1
        return true
    }

    mutating func enter() throws(JSONError) {
        depth += 1
        if depth > maximumDepth {
            throw fail(.tooDeep, i, "arrays and objects nested deeper than \(maximumDepth) levels")
        }
    }

    mutating func parseArray() throws(JSONError) -> [JSONValue] {
        if try enter(closing: UInt8(ascii: "]")) { return [] }
        let base = elementStack.count
        while true {
            elementStack.push(try parseValue())
            if try !next(closing: UInt8(ascii: "]")) { break }
        }
        depth -= 1
        return elementStack.pop(from: base)
    }

    mutating func parseObject() throws(JSONError) -> JSONObject {
        if try enter(closing: UInt8(ascii: "}")) { return JSONObject(uncheckedStorage: [], index: nil) }
        var index: [ExactText: Int]?
        let base = memberStack.count
        while true {
            skipWhitespace()
            guard i < count, p[i] == quote else { throw unexpected("a string (member name)") }
            let keyOffset = i
            let (key, print) = try parseKey()
            // Duplicate check: linear for small objects, hashed from the threshold on.
            let position = memberStack.count - base
            if index != nil {
                if index?.updateValue(position, forKey: ExactText(key)) != nil {
                    throw duplicate(key, keyOffset)
                }
            } else {
                if memberStack.containsKey(key, print: print, prints: printStack, from: base) {
                    throw duplicate(key, keyOffset)
                }
                if position + 1 >= JSONObject.indexThreshold {
                    var newIndex = [ExactText: Int](minimumCapacity: 2 * JSONObject.indexThreshold)
                    for k in base..<memberStack.count {
                        newIndex[ExactText(memberStack.key(at: k))] = k - base
                    }
                    newIndex[ExactText(key)] = position
                    index = newIndex
                }
            }
            skipWhitespace()
            guard i < count, p[i] == UInt8(ascii: ":") else { throw unexpected("':'") }
            i += 1
            let value = try parseValue()
            memberStack.push(JSONObject.Member(key: key, value: value))
            printStack.push(print)
            if try !next(closing: UInt8(ascii: "}")) { break }
        }
        depth -= 1
        printStack.truncate(to: base)
        return JSONObject(uncheckedStorage: memberStack.pop(from: base), index: index)
    }

    func duplicate(_ key: String, _ offset: Int) -> JSONError {
        fail(.duplicateKey, offset, "duplicate object member name \"\(key)\"")
    }

    /// Parses a string starting at the opening quote.
    @inline(__always)
    mutating func parseString() throws(JSONError) -> String {
        let start = i + 1
        if let end = try scanString() {
            return makeString(start, end)
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// A string of the (already validated) input bytes `start..<end`.
    @inline(__always)
    func makeString(_ start: Int, _ end: Int) -> String {
        let source = UnsafeBufferPointer(start: p + start, count: end - start)
        return String(unsafeUninitializedCapacity: source.count) { destination in
            _ = destination.initialize(fromContentsOf: source)
            return source.count
        }
    }

    /// Parses a member name starting at the opening quote; also returns its print.
    @inline(__always)
    mutating func parseKey() throws(JSONError) -> (String, KeyPrint) {
        let start = i + 1
        if let end = try scanString() {
            let print = KeyPrint(p + start, length: end - start, available: count - start)
            return (makeString(start, end), print)
        }
        let print = scratch.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { KeyPrint($0, length: buffer.count, available: buffer.count) }
        }
        return (String(decoding: scratch, as: UTF8.self), print ?? KeyPrint(length: 0, word0: 0, word1: 0))
    }

    /// Scans and validates a string starting at the opening quote, leaving `i` after the closing
    /// quote. Returns the offset of the closing quote if the string has no escapes (its bytes are
    /// then the input's, from the opening quote + 1); otherwise decodes it into `scratch` and
    /// returns `nil`.
    mutating func scanString() throws(JSONError) -> Int? {
        i += 1  // '"'
        let start = i
        var j = i
        while true {
            // Skip 8 plain ASCII bytes at a time; stop exactly at the first byte needing attention.
            j = StringScan.skipPlain(p, from: j, count: count, nonASCII: true)
            guard j < count else { break }
            let c = p[j]
            if c == quote {
                i = j + 1
                return j
            }
            if c == backslash {
                try scanEscapedString(start: start, at: j)
                return nil
            }
            if c < 0x20 {
                throw fail(.invalidString, j, "unescaped control character \(describe(c)) in string")
            }
            if c < 0x80 {
                j += 1
            } else {
                j = try validateUTF8Sequence(at: j)
            }
        }
        throw fail(.unexpectedEnd, count, "unterminated string")
    }

    /// The slow path: the string has escapes; decodes it into `scratch`. `firstEscape` is the
    /// offset of the first backslash.
    mutating func scanEscapedString(start: Int, at firstEscape: Int) throws(JSONError) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: p + start, count: firstEscape - start))
        var j = firstEscape
        while j < count {
            let c = p[j]
            if c == quote {
                i = j + 1
                return
            }
            if c == backslash {
                j = try decodeEscape(at: j)
                continue
            }
            if c < 0x20 {
                throw fail(.invalidString, j, "unescaped control character \(describe(c)) in string")
            }
            if c < 0x80 {
                scratch.append(c)
                j += 1
            } else {
                let end = try validateUTF8Sequence(at: j)
                scratch.append(contentsOf: UnsafeBufferPointer(start: p + j, count: end - j))
                j = end
            }
        }
        throw fail(.unexpectedEnd, j, "unterminated string")
    }

    /// Decodes the escape at `j` (a backslash) into `scratch`; returns the offset after it.
    mutating func decodeEscape(at j: Int) throws(JSONError) -> Int {
        guard j + 1 < count else { throw fail(.unexpectedEnd, j + 1, "unterminated escape") }
        let e = p[j + 1]
        switch e {
        case quote, backslash, UInt8(ascii: "/"): scratch.append(e)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var unit = try hex4(at: j + 2)
            var next = j + 6
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw fail(.invalidString, j, "lone low surrogate escape in string")
            }
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard next + 1 < count, p[next] == backslash, p[next + 1] == UInt8(ascii: "u") else {
                    if next + 1 >= count && (next >= count || p[next] == backslash) {
                        throw fail(.unexpectedEnd, count, "unterminated string")
                    }
                    throw fail(.invalidString, j, "high surrogate escape not followed by a low surrogate escape")
                }
                let low = try hex4(at: next + 2)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw fail(.invalidString, j, "high surrogate escape not followed by a low surrogate escape")
                }
                unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                next += 6
            }
            appendUTF8(unit)
            return next
        default:
            throw fail(.invalidString, j, "invalid escape sequence '\\\(describe(e))'")
        }
        return j + 2
    }

    func hex4(at k: Int) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for offset in k..<(k + 4) {
            guard offset < count else { throw fail(.unexpectedEnd, count, "unterminated \\u escape") }
            let c = p[offset]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw fail(.invalidString, offset, "invalid hex digit \(describe(c)) in \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(truncatingIfNeeded: scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        }
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte is at `j` (Unicode Table 3-7:
    /// no overlong forms, no surrogates, nothing above U+10FFFF); returns the offset after it.
    func validateUTF8Sequence(at j: Int) throws(JSONError) -> Int {
        let lead = p[j]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default:
            throw fail(.invalidString, j, "invalid UTF-8 lead byte \(describe(lead)) in string")
        }
        guard j + length <= count else {
            throw fail(.invalidString, j, "truncated UTF-8 sequence in string")
        }
        let second = p[j + 1]
        guard second >= low && second <= high else {
            throw fail(.invalidString, j, "invalid UTF-8 sequence in string")
        }
        for k in (j + 2)..<(j + length) where p[k] & 0xC0 != 0x80 {
            throw fail(.invalidString, j, "invalid UTF-8 sequence in string")
        }
        return j + length
    }
}

/// A growable stack that hands out its top elements as an exactly sized array by moving them
/// (no reference-count traffic, one allocation per array). It allocates on its first push, so a
/// parser of a scalar allocates nothing.
struct MoveStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>?
    private var capacity = 0
    /// The number of elements on the stack.
    private(set) var count = 0

    init() {}

    deinit {
        guard let base else { return }
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        guard let base else { return }  // `grow()` has allocated
        (base + count).initialize(to: element)
        count += 1
    }

    private mutating func grow() {
        let newCapacity = max(16, capacity * 2)
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        if let base {
            newBase.moveInitialize(from: base, count: count)
            base.deallocate()
        }
        base = newBase
        capacity = newCapacity
    }

    /// The element at `position` (below ``count``).
    @inline(__always)
    subscript(position: Int) -> Element {
        precondition(position < count, "MoveStack index out of range")
        return base.unsafelyUnwrapped[position]  // count > 0: allocated
    }

    /// Removes (and destroys) the elements from `start` up.
    @inline(__always)
    mutating func truncate(to start: Int) {
        guard let base, start < count else { return }
        (base + start).deinitialize(count: count - start)
        count = start
    }

    /// Removes the elements from `start` up and returns them as an array, in order.
    mutating func pop(from start: Int) -> [Element] {
        guard let base, start < count else { return [] }
        // `reserveCapacity` + `append` is specialized for `Element`, unlike
        // `init(unsafeUninitializedCapacity:)`, which looks its storage class up at run time.
        var array: [Element] = []
        array.reserveCapacity(count - start)
        for position in start..<count {
            array.append((base + position).move())
        }
        count = start
        return array
    }
}

extension MoveStack where Element == JSONObject.Member {
    /// The member name at `position`.
    @inline(__always)
    func key(at position: Int) -> String {
        self[position].key
    }

    /// Whether a member from `start` up is named `key` (compared by UTF-8 bytes), using the
    /// names' prints to skip most comparisons.
    @inline(__always)
    func containsKey(
        _ key: String, print: KeyPrint, prints: borrowing MoveStack<KeyPrint>, from start: Int
    ) -> Bool {
        for position in start..<count where prints[position] == print {
            if print.isExact || self[position].key.sameBytes(as: key) { return true }
        }
        return false
    }
}
