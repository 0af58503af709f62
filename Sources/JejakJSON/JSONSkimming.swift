/// Reading a JSON object's members without building the values nobody asked for.
///
/// A ledger decodes every event it reads, but a reader that needs three members of an event's
/// `data` should not pay for a tree of all of them. Skimming checks the input exactly as
/// ``JSONParser/parse(_:maximumDepth:)-(UnsafeRawBufferPointer,_)`` does — the same documents
/// are accepted and the same ``JSONError`` is thrown for the others — but only tells where each
/// member's value lies; the caller parses the values it wants from those bytes.
extension JSONParser {
    /// A member of a skimmed object: its name and where its value lies in the document.
    public struct SkimmedMember: Sendable {
        /// The member's name.
        public var name: String
        /// The bytes of the member's value in the document (offsets from its start).
        public var value: Range<Int>
    }

    /// Checks that `buffer` holds one JSON document, exactly as
    /// ``parse(_:maximumDepth:)-(UnsafeRawBufferPointer,_)`` would, without building it.
    ///
    /// - Throws: the ``JSONError`` that `parse` would throw.
    public static func validate(
        _ buffer: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONError) {
        _ = try skim(buffer, maximumDepth: maximumDepth, members: false)
    }

    /// The members of the object that `buffer` holds, in document order, with where each value
    /// lies; the values are checked (strictly, as by `parse`) but not built.
    ///
    /// ```swift
    /// let members = try JSONParser.skimObject(buffer)
    /// if let title = members.first(where: { $0.name == "title" }) {
    ///     let value = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: buffer[title.value]))
    /// }
    /// ```
    ///
    /// - Throws: the ``JSONError`` that `parse` would throw for the document, or
    ///   ``JSONError/Code/notAnObject`` if it is valid JSON but not an object.
    public static func skimObject(
        _ buffer: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONError) -> [SkimmedMember] {
        try skim(buffer, maximumDepth: maximumDepth, members: true).members
    }

    /// The members of the object that `buffer` holds, as ``skimObject(_:maximumDepth:)`` gives
    /// them, and the members of the value of its member `name` when that value is an object
    /// (`nil` otherwise): both levels in one pass. Offsets are from the start of `buffer`.
    ///
    /// - Throws: as ``skimObject(_:maximumDepth:)``.
    public static func skimObject(
        _ buffer: UnsafeRawBufferPointer, expanding name: String, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONError) -> (members: [SkimmedMember], expanded: [SkimmedMember]?) {
        try skim(buffer, maximumDepth: maximumDepth, members: true, expanding: name)
    }

    /// The string that `buffer` holds (one JSON string, with whitespace around it at most), or
    /// `nil` if it holds another JSON value.
    ///
    /// - Parameters:
    ///   - buffer: The document.
    ///   - maximumDepth: The deepest nesting of arrays and objects accepted.
    ///   - interning: Whether to share the string through ``StringInterner/shared`` (for
    ///     values that recur across documents, such as an event's type).
    /// - Throws: the ``JSONError`` that ``parse(_:maximumDepth:)-(UnsafeRawBufferPointer,_)``
    ///   would throw.
    public static func parseString(
        _ buffer: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth, interning: Bool = false
    ) throws(JSONError) -> String? {
        guard let base = buffer.baseAddress, buffer.count > 1,
              base.load(as: UInt8.self) == UInt8(ascii: "\""),
              base.load(fromByteOffset: buffer.count - 1, as: UInt8.self) == UInt8(ascii: "\"") else {
            guard case .string(let text) = try parse(buffer, maximumDepth: maximumDepth) else { return nil }
            return text
        }
        var parser = RawParser(p: base.assumingMemoryBound(to: UInt8.self), count: buffer.count, maximumDepth: 1)
        let text: String
        if let end = try parser.scanString() {
            let bytes = UnsafeBufferPointer(start: parser.p + 1, count: end - 1)
            text = (interning ? StringInterner.shared.string(utf8: bytes) : nil) ?? parser.makeString(1, end)
        } else {
            text = String(decoding: parser.scratch, as: UTF8.self)
        }
        guard parser.i == parser.count else { _ = try parse(buffer, maximumDepth: maximumDepth); return nil }
        return text
    }

    /// Checks the document in `buffer`; with `members`, skims it as an object (and the value of
    /// its member `name`, if given and an object).
    private static func skim(
        _ buffer: UnsafeRawBufferPointer, maximumDepth: Int, members: Bool, expanding name: String? = nil
    ) throws(JSONError) -> (members: [SkimmedMember], expanded: [SkimmedMember]?) {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            throw JSONError(code: .unexpectedEnd, offset: 0, message: "empty input")
        }
        var skimmer = RawParser(
            p: base.assumingMemoryBound(to: UInt8.self), count: buffer.count, maximumDepth: maximumDepth)
        var result: [SkimmedMember] = []
        var expanded: [SkimmedMember]?
        do throws(JSONError) {
            skimmer.skipWhitespace()
            if members {
                result = try skimmer.skimTopObject(expanding: name, into: &expanded)
            } else {
                try skimmer.skipValue()
            }
            skimmer.skipWhitespace()
            if skimmer.i < skimmer.count {
                throw JSONError(
                    code: .trailingData, offset: skimmer.i, message: "unexpected data after the JSON value")
            }
        } catch {
            // The full parser has the last word on a refusal, so that a skimmed document and a
            // parsed one fail with the same error.
            _ = try parse(buffer, maximumDepth: maximumDepth)
            throw error
        }
        if skimmer.undecided {
            // A member name with an escape, or an object too large for pairwise comparison:
            // only the full parser can tell whether two names are equal.
            _ = try parse(buffer, maximumDepth: maximumDepth)
        }
        return (result, expanded)
    }
}

extension JSONWriter {
    /// The compact form (``string(_:)``) of the JSON document in `buffer`: the input's own bytes
    /// when they already are that form (no whitespace outside strings, no escapes), otherwise the
    /// value parsed and written again.
    ///
    /// - Throws: ``JSONError`` if `buffer` is not a JSON document.
    public static func compactString(of buffer: UnsafeRawBufferPointer) throws(JSONError) -> String {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return string(try JSONParser.parse(buffer))
        }
        var inString = false
        for k in 0..<buffer.count {
            let c = base[k]
            if c == UInt8(ascii: "\\") { return string(try JSONParser.parse(buffer)) }
            if c == UInt8(ascii: "\"") {
                inString.toggle()
            } else if !inString && (c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09) {
                return string(try JSONParser.parse(buffer))
            }
        }
        try JSONParser.validate(buffer)
        return String(decoding: UnsafeBufferPointer(start: base, count: buffer.count), as: UTF8.self)
    }
}

/// A skimmed member name: where its bytes start, and their print (which holds their length).
struct SkimmedKey {
    var start: Int
    var print: KeyPrint
}

extension RawParser {
    /// The most members of one object whose names the skimmer compares pairwise; from this
    /// many on it leaves the check to the full parser (see ``undecided``).
    static let skimmedMembersLimit = JSONObject.indexThreshold

    /// Skips the value at the cursor, checking it exactly as ``parseValue()`` does; a duplicate
    /// member name it cannot decide sets ``undecided``.
    mutating func skipValue() throws(JSONError) {
        skipWhitespace()
        guard i < count else { throw unexpected("a value") }
        switch p[i] {
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "{"):
            try skipObject()
        case UInt8(ascii: "["):
            try skipArray()
        case UInt8(ascii: "t"):
            try parseLiteral("true")
        case UInt8(ascii: "f"):
            try parseLiteral("false")
        case UInt8(ascii: "n"):
            try parseLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try skipNumber()
        default:
            throw unexpected("a value")
        }
    }

    mutating func skipArray() throws(JSONError) {
        if try enter(closing: UInt8(ascii: "]")) { return }
        while true {
            try skipValue()
            if try !next(closing: UInt8(ascii: "]")) { break }
        }
        depth -= 1
    }

    mutating func skipObject() throws(JSONError) {
        var none: [JSONParser.SkimmedMember]? = nil, unused: [JSONParser.SkimmedMember]? = nil
        try skimObject(into: &none, expanding: nil, into: &unused)
    }

    /// Skims the object at the cursor (the document's top level) into its members, and the
    /// object that is the value of its member `name` into `expanded`.
    mutating func skimTopObject(
        expanding name: String?, into expanded: inout [JSONParser.SkimmedMember]?
    ) throws(JSONError) -> [JSONParser.SkimmedMember] {
        guard i < count, p[i] == UInt8(ascii: "{") else {
            // Not an object: an invalid value is reported as such, a valid one as the wrong kind.
            let start = i
            try skipValue()
            throw fail(.notAnObject, start, "expected an object")
        }
        var members: [JSONParser.SkimmedMember]? = []
        members?.reserveCapacity(16)
        try skimObject(into: &members, expanding: name, into: &expanded)
        return members ?? []
    }

    /// Skims the object at the cursor, appending each member's name and the bounds of its value
    /// to `members` unless it is `nil`, checking names for duplicates as ``parseObject()`` does.
    /// The value of the member `expandedName`, when an object, is skimmed into `expanded` likewise.
    mutating func skimObject(
        into members: inout [JSONParser.SkimmedMember]?,
        expanding expandedName: String?, into expanded: inout [JSONParser.SkimmedMember]?
    ) throws(JSONError) {
        if try enter(closing: UInt8(ascii: "}")) { return }
        // The names of this object, on a stack shared by the nested objects.
        if skimmedKeys.capacity == 0 { skimmedKeys.reserveCapacity(4 * Self.skimmedMembersLimit) }
        let keysBase = skimmedKeys.count
        defer { skimmedKeys.removeLast(skimmedKeys.count - keysBase) }
        while true {
            skipWhitespace()
            guard i < count, p[i] == UInt8(ascii: "\"") else { throw unexpected("a string (member name)") }
            let keyOffset = i
            let start = i + 1
            var name: String?
            if let end = try scanString() {
                let key = SkimmedKey(start: start, print: KeyPrint(p + start, length: end - start, available: count - start))
                if !undecided {
                    if skimmedKeys.count - keysBase >= Self.skimmedMembersLimit {
                        undecided = true
                    } else {
                        for other in skimmedKeys[keysBase...] where other.print == key.print {
                            if key.print.isExact || bytesEqual(other.start, key.start, count: end - start) {
                                throw duplicate(makeString(start, end), keyOffset)
                            }
                        }
                        skimmedKeys.append(key)
                    }
                }
                if members != nil { name = makeString(start, end) }
            } else {
                undecided = true  // an escaped name: only the full parser compares it with the others
                if members != nil { name = String(decoding: scratch, as: UTF8.self) }
            }
            skipWhitespace()
            guard i < count, p[i] == UInt8(ascii: ":") else { throw unexpected("':'") }
            i += 1
            skipWhitespace()
            let valueStart = i
            if let expand = name, let wanted = expandedName, i < count, p[i] == UInt8(ascii: "{"), expand == wanted {
                var nested: [JSONParser.SkimmedMember]? = []
                nested?.reserveCapacity(Self.skimmedMembersLimit)
                var none: [JSONParser.SkimmedMember]? = nil
                try skimObject(into: &nested, expanding: nil, into: &none)
                expanded = nested
            } else {
                try skipValue()
            }
            if let name { members?.append(JSONParser.SkimmedMember(name: name, value: valueStart..<i)) }
            if try !next(closing: UInt8(ascii: "}")) { break }
        }
        depth -= 1
    }

    /// Whether the `count` input bytes at `a` and at `b` are equal.
    func bytesEqual(_ a: Int, _ b: Int, count: Int) -> Bool {
        for k in 0..<count where p[a + k] != p[b + k] { return false }
        return true
    }
}
