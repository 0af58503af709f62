import Synchronization

/// A compiled ECMA-262 regular expression, as JSON Schema's `pattern`, `patternProperties` and
/// the `regex` format use it.
///
/// The pattern is read with the semantics of a JavaScript `RegExp` built with the `u` flag and
/// no other flag (JSON Schema 2020-12 §6.4 and the validation spec §4.3): matching is by Unicode
/// code point, `\d`, `\w` and `\b` are ASCII-only, `\s` is Unicode white space, `.` matches any
/// code point except the line terminators, `^` and `$` match only at the start and end of the
/// string, and a match anywhere in the string counts (patterns are not implicitly anchored).
///
/// Supported syntax: alternation, groups (capturing, non-capturing, named), greedy and lazy
/// quantifiers (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`), character classes with ranges and class
/// escapes, `.`, `^`, `$`, `\b`, `\B`, lookahead and lookbehind (positive and negative),
/// backreferences (`\1`, `\k<name>`), `\p{…}`/`\P{…}` for General_Category values and a few
/// binary properties, and all `u`-mode character escapes. Anything else, including syntax that
/// only the non-`u` Annex B grammar accepts (`\a`, lone `{` or `]`), is a syntax error.
///
/// Matching: a pattern without lookaround, backreferences and word boundaries is regular and is
/// matched by automata (``RegexDFA``) in linear time without recursion. Other patterns use a
/// backtracking matcher; a search that takes more than ``stepLimit`` steps or recurses deeper than
/// ``depthLimit`` (roughly: a repeated group iterating more than a few hundred times) is abandoned
/// and reported as ``MatchResult/tooComplex`` rather than guessed.
///
/// Limits: lookbehind is matched by trying every start position, which decides correctly whether
/// it matches but may capture differently from JavaScript's right-to-left matching; `\p{Script=…}`
/// and other properties not listed are refused.
final class ECMARegex: Sendable {
    /// The pattern as written.
    let source: String
    let root: RegexNode
    let captureCount: Int
    /// Whether every alternative starts with `^`, so only position 0 needs trying.
    let anchoredAtStart: Bool
    /// The automata, when the pattern is regular and small enough (then the backtracking
    /// matcher is never used). Built on the first search, not when the pattern is parsed: a
    /// schema registry holds hundreds of patterns and a short-lived process (one CLI command)
    /// matches a handful of them.
    var dfa: RegexDFA? {
        automata.withLock { state in
            if case .built(let dfa) = state { return dfa }
            let dfa = RegexDFA(root, anchoredAtStart: anchoredAtStart)
            state = .built(dfa)
            return dfa
        }
    }
    private enum Automata { case notBuilt, built(RegexDFA?) }
    private let automata = Mutex(Automata.notBuilt)

    /// The most matcher steps one search may take (at most about 15 ms in a release build).
    static let stepLimit = 100_000
    /// The deepest the backtracking matcher may recurse (bounded so that hostile input cannot
    /// overflow the thread's stack: about 0.75 KB per level in release builds). Only patterns
    /// with lookaround, backreferences or word boundaries use the backtracking matcher.
    static let depthLimit = 500

    /// The outcome of a search.
    enum MatchResult: Equatable {
        case match
        case noMatch
        /// The search exceeded ``stepLimit`` or ``depthLimit``.
        case tooComplex
    }

    /// Parses a pattern.
    ///
    /// - Throws: ``RegexSyntaxError`` when the pattern is not a valid `u`-mode ECMA-262 pattern
    ///   or uses an unsupported property.
    init(_ source: String) throws(RegexSyntaxError) {
        var parser = RegexParser(source)
        let node = try parser.parse()
        self.source = source
        self.root = node
        self.captureCount = parser.groupCount
        self.anchoredAtStart = node.startsWithLineStart
    }

    /// Searches `string` for a match anywhere in it.
    func search(_ string: String) -> MatchResult {
        if let dfa { return dfa.search(string) ? .match : .noMatch }
        return backtrackingSearch(string)
    }

    /// Searches with the backtracking matcher only (any input, any supported syntax).
    func backtrackingSearch(_ string: String) -> MatchResult {
        var input: [UInt32] = []
        input.reserveCapacity(string.utf8.count)
        for scalar in string.unicodeScalars { input.append(scalar.value) }
        let state = MatchState(input: input, captureCount: captureCount)
        let lastStart = anchoredAtStart ? 0 : input.count
        var start = 0
        while start <= lastStart {
            if start > 0 { state.resetCaptures() }
            if state.match(root, start, { _ in true }) { return .match }
            if state.aborted { return .tooComplex }
            start += 1
        }
        return .noMatch
    }

    /// Whether `string` contains a match (a search too complex to finish counts as no match).
    func matches(_ string: String) -> Bool {
        search(string) == .match
    }
}

/// Why a pattern was refused.
struct RegexSyntaxError: Error, Equatable, Sendable {
    /// What is wrong, in one phrase.
    let message: String
    /// The position (in Unicode scalars) at which the problem was found.
    let offset: Int
}

// MARK: - Syntax tree

/// A set of code points: sorted disjoint ranges plus Unicode property tests, possibly negated,
/// with a precomputed bitmap for ASCII.
struct ScalarSet: Sendable {
    let ranges: [ClosedRange<UInt32>]
    let properties: [(property: UnicodeProperty, negated: Bool)]
    let negated: Bool
    let asciiLow: UInt64
    let asciiHigh: UInt64

    init(ranges: [ClosedRange<UInt32>], properties: [(property: UnicodeProperty, negated: Bool)] = [], negated: Bool = false) {
        let normalized = ScalarSet.normalize(ranges)
        self.ranges = normalized
        self.properties = properties
        self.negated = negated
        var low: UInt64 = 0
        var high: UInt64 = 0
        for c in UInt32(0)..<128 where ScalarSet.test(c, normalized, properties) != negated {
            if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) }
        }
        asciiLow = low
        asciiHigh = high
    }

    @inline(__always)
    func contains(_ c: UInt32) -> Bool {
        if c < 64 { return asciiLow & (1 << UInt64(c)) != 0 }
        if c < 128 { return asciiHigh & (1 << UInt64(c &- 64)) != 0 }
        return ScalarSet.test(c, ranges, properties) != negated
    }

    private static func test(
        _ c: UInt32, _ ranges: [ClosedRange<UInt32>], _ properties: [(property: UnicodeProperty, negated: Bool)]
    ) -> Bool {
        var lo = 0
        var hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < c {
                lo = mid + 1
            } else if ranges[mid].lowerBound > c {
                hi = mid
            } else {
                return true
            }
        }
        for entry in properties where entry.property.contains(c) != entry.negated { return true }
        return false
    }

    static func normalize(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var out: [ClosedRange<UInt32>] = []
        for r in sorted {
            if let last = out.last, r.lowerBound <= last.upperBound &+ 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// The complement of some ranges within 0…0x10FFFF.
    static func complement(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in normalize(ranges) {
            if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
            next = r.upperBound &+ 1
        }
        if next <= 0x10FFFF { out.append(next...0x10FFFF) }
        return out
    }

    static let digits: [ClosedRange<UInt32>] = [0x30...0x39]
    static let wordCharacters: [ClosedRange<UInt32>] = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
    /// ECMA-262 WhiteSpace and LineTerminator.
    static let whiteSpace: [ClosedRange<UInt32>] = [
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A,
        0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ]
}

/// A Unicode property usable in `\p{…}`.
enum UnicodeProperty: Sendable {
    /// A union of General_Category values, as a bit mask (see ``categoryBit(_:)``).
    case generalCategory(UInt32)
    case any
    case ascii
    case asciiHexDigit
    case alphabetic
    case whiteSpace
    case uppercase
    case lowercase

    func contains(_ c: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(c) else {
            // Surrogate code points cannot occur in a Swift string; only `Cs` or `Any` has them.
            if case .generalCategory(let mask) = self { return mask & UnicodeProperty.categoryBit(.surrogate) != 0 }
            if case .any = self { return true }
            return false
        }
        switch self {
        case .generalCategory(let mask):
            return mask & UnicodeProperty.categoryBit(scalar.properties.generalCategory) != 0
        case .any: return true
        case .ascii: return c < 0x80
        case .asciiHexDigit:
            return (0x30...0x39).contains(c) || (0x41...0x46).contains(c) || (0x61...0x66).contains(c)
        case .alphabetic: return scalar.properties.isAlphabetic
        case .whiteSpace: return scalar.properties.isWhitespace
        case .uppercase: return scalar.properties.isUppercase
        case .lowercase: return scalar.properties.isLowercase
        }
    }

    static func categoryBit(_ category: Unicode.GeneralCategory) -> UInt32 {
        let index: UInt32
        switch category {
        case .uppercaseLetter: index = 0
        case .lowercaseLetter: index = 1
        case .titlecaseLetter: index = 2
        case .modifierLetter: index = 3
        case .otherLetter: index = 4
        case .nonspacingMark: index = 5
        case .spacingMark: index = 6
        case .enclosingMark: index = 7
        case .decimalNumber: index = 8
        case .letterNumber: index = 9
        case .otherNumber: index = 10
        case .connectorPunctuation: index = 11
        case .dashPunctuation: index = 12
        case .openPunctuation: index = 13
        case .closePunctuation: index = 14
        case .initialPunctuation: index = 15
        case .finalPunctuation: index = 16
        case .otherPunctuation: index = 17
        case .mathSymbol: index = 18
        case .currencySymbol: index = 19
        case .modifierSymbol: index = 20
        case .otherSymbol: index = 21
        case .spaceSeparator: index = 22
        case .lineSeparator: index = 23
        case .paragraphSeparator: index = 24
        case .control: index = 25
        case .format: index = 26
        case .surrogate: index = 27
        case .privateUse: index = 28
        case .unassigned: index = 29
        @unknown default: index = 29
        }
        return 1 << index
    }

    /// General_Category values and aliases (UAX #44 PropertyValueAliases), plus the UTS #18
    /// compatibility names `digit`, `punct` and `cntrl`.
    static let categories: [String: UInt32] = {
        let l: UInt32 = 0b11111
        let m: UInt32 = 0b111 << 5
        let n: UInt32 = 0b111 << 8
        let p: UInt32 = 0b1111111 << 11
        let s: UInt32 = 0b1111 << 18
        let z: UInt32 = 0b111 << 22
        let c: UInt32 = 0b11111 << 25
        let table: [([String], UInt32)] = [
            (["L", "Letter"], l), (["LC", "Cased_Letter"], 0b111),
            (["Lu", "Uppercase_Letter"], 1 << 0), (["Ll", "Lowercase_Letter"], 1 << 1),
            (["Lt", "Titlecase_Letter"], 1 << 2), (["Lm", "Modifier_Letter"], 1 << 3),
            (["Lo", "Other_Letter"], 1 << 4),
            (["M", "Mark", "Combining_Mark"], m), (["Mn", "Nonspacing_Mark"], 1 << 5),
            (["Mc", "Spacing_Mark"], 1 << 6), (["Me", "Enclosing_Mark"], 1 << 7),
            (["N", "Number"], n), (["Nd", "Decimal_Number", "digit"], 1 << 8),
            (["Nl", "Letter_Number"], 1 << 9), (["No", "Other_Number"], 1 << 10),
            (["P", "Punctuation", "punct"], p), (["Pc", "Connector_Punctuation"], 1 << 11),
            (["Pd", "Dash_Punctuation"], 1 << 12), (["Ps", "Open_Punctuation"], 1 << 13),
            (["Pe", "Close_Punctuation"], 1 << 14), (["Pi", "Initial_Punctuation"], 1 << 15),
            (["Pf", "Final_Punctuation"], 1 << 16), (["Po", "Other_Punctuation"], 1 << 17),
            (["S", "Symbol"], s), (["Sm", "Math_Symbol"], 1 << 18), (["Sc", "Currency_Symbol"], 1 << 19),
            (["Sk", "Modifier_Symbol"], 1 << 20), (["So", "Other_Symbol"], 1 << 21),
            (["Z", "Separator"], z), (["Zs", "Space_Separator"], 1 << 22),
            (["Zl", "Line_Separator"], 1 << 23), (["Zp", "Paragraph_Separator"], 1 << 24),
            (["C", "Other"], c), (["Cc", "Control", "cntrl"], 1 << 25), (["Cf", "Format"], 1 << 26),
            (["Cs", "Surrogate"], 1 << 27), (["Co", "Private_Use"], 1 << 28), (["Cn", "Unassigned"], 1 << 29),
        ]
        var out: [String: UInt32] = [:]
        for (names, mask) in table {
            for name in names { out[name] = mask }
        }
        return out
    }()

    /// The property named in `\p{name}`, or `nil` if it is unknown or unsupported.
    static func named(_ name: String) -> UnicodeProperty? {
        var name = name
        if let eq = name.firstIndex(of: "=") {
            let key = name[..<eq]
            guard key == "General_Category" || key == "gc" else { return nil }
            name = String(name[name.index(after: eq)...])
            return categories[name].map { .generalCategory($0) }
        }
        if let mask = categories[name] { return .generalCategory(mask) }
        switch name {
        case "Any": return .any
        case "ASCII": return .ascii
        case "ASCII_Hex_Digit", "AHex": return .asciiHexDigit
        case "Alphabetic", "Alpha": return .alphabetic
        case "White_Space", "space": return .whiteSpace
        case "Uppercase", "Upper": return .uppercase
        case "Lowercase", "Lower": return .lowercase
        default: return nil
        }
    }
}

/// A node of a parsed pattern.
indirect enum RegexNode: Sendable {
    case empty
    case scalar(UInt32)
    case set(ScalarSet)
    /// `.`: any code point but a line terminator.
    case any
    case lineStart
    case lineEnd
    /// `\b` (true) or `\B` (false).
    case wordBoundary(Bool)
    case group(RegexNode, index: Int)
    case look(RegexNode, ahead: Bool, negated: Bool)
    case backreference(Int)
    case sequence([RegexNode])
    case alternation([RegexNode])
    /// `max == Int.max` means unbounded; `captures` are the groups inside, reset per iteration.
    case quantified(RegexNode, min: Int, max: Int, greedy: Bool, captures: Range<Int>)

    var startsWithLineStart: Bool {
        switch self {
        case .lineStart: return true
        case .sequence(let items): return items.first?.startsWithLineStart ?? false
        case .alternation(let alternatives): return alternatives.allSatisfy(\.startsWithLineStart)
        case .group(let inner, _): return inner.startsWithLineStart
        default: return false
        }
    }

    /// Whether the node always consumes exactly one code point and captures nothing.
    var isSingleScalar: Bool {
        switch self {
        case .scalar, .set, .any: return true
        default: return false
        }
    }
}

// MARK: - Matching

@inline(__always)
private func isLineTerminator(_ c: UInt32) -> Bool {
    c == 0x0A || c == 0x0D || c == 0x2028 || c == 0x2029
}

/// The backtracking matcher's state for one search (continuation-passing, non-escaping closures).
private final class MatchState {
    let input: [UInt32]
    var captures: [Int]
    var steps = 0
    var depth = 0
    var aborted = false

    init(input: [UInt32], captureCount: Int) {
        self.input = input
        self.captures = Array(repeating: -1, count: 2 * (captureCount + 1))
    }

    func resetCaptures() {
        for i in captures.indices { captures[i] = -1 }
    }

    @inline(__always)
    func matchOne(_ node: RegexNode, _ i: Int) -> Bool {
        guard i < input.count else { return false }
        let c = input[i]
        switch node {
        case .scalar(let s): return c == s
        case .set(let set): return set.contains(c)
        case .any: return !isLineTerminator(c)
        default: return false
        }
    }

    @inline(__always)
    func isWord(_ i: Int) -> Bool {
        guard i >= 0, i < input.count else { return false }
        let c = input[i]
        return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || (c >= 0x61 && c <= 0x7A)
    }

    func match(_ node: RegexNode, _ i: Int, _ k: (Int) -> Bool) -> Bool {
        if aborted { return false }
        steps &+= 1
        if steps > ECMARegex.stepLimit || depth > ECMARegex.depthLimit {
            aborted = true
            return false
        }
        depth &+= 1
        defer { depth &-= 1 }
        switch node {
        case .empty:
            return k(i)
        case .scalar, .set, .any:
            return matchOne(node, i) && k(i + 1)
        case .lineStart:
            return i == 0 && k(i)
        case .lineEnd:
            return i == input.count && k(i)
        case .wordBoundary(let wanted):
            return (isWord(i - 1) != isWord(i)) == wanted && k(i)
        case .sequence(let items):
            return sequence(items, 0, i, k)
        case .alternation(let alternatives):
            for alternative in alternatives {
                if match(alternative, i, k) { return true }
                if aborted { return false }
            }
            return false
        case .group(let inner, let index):
            return match(inner, i) { j in
                let oldStart = self.captures[2 * index]
                let oldEnd = self.captures[2 * index + 1]
                self.captures[2 * index] = i
                self.captures[2 * index + 1] = j
                if k(j) { return true }
                self.captures[2 * index] = oldStart
                self.captures[2 * index + 1] = oldEnd
                return false
            }
        case .look(let inner, let ahead, let negated):
            let saved = captures
            var found = false
            if ahead {
                found = match(inner, i) { _ in true }
            } else {
                var start = i
                while start >= 0 && !found && !aborted {
                    found = match(inner, start) { j in j == i }
                    start -= 1
                }
            }
            if aborted { return false }
            if negated {
                captures = saved
                return !found && k(i)
            }
            guard found else {
                captures = saved
                return false
            }
            if k(i) { return true }
            captures = saved
            return false
        case .backreference(let index):
            let start = captures[2 * index]
            let end = captures[2 * index + 1]
            guard start >= 0, end >= start else { return k(i) }
            let length = end - start
            guard i + length <= input.count else { return false }
            for offset in 0..<length where input[start + offset] != input[i + offset] { return false }
            return k(i + length)
        case .quantified(let inner, let min, let max, let greedy, let captureRange):
            if inner.isSingleScalar {
                var count = 0
                while count < max && matchOne(inner, i + count) { count += 1 }
                guard count >= min else { return false }
                if greedy {
                    var c = count
                    while c >= min {
                        if k(i + c) { return true }
                        if aborted { return false }
                        steps &+= 1
                        c -= 1
                    }
                } else {
                    var c = min
                    while c <= count {
                        if k(i + c) { return true }
                        if aborted { return false }
                        steps &+= 1
                        c += 1
                    }
                }
                return false
            }
            return repeatMatch(inner, min, max, greedy, captureRange, 0, i, k)
        }
    }

    private func sequence(_ items: [RegexNode], _ start: Int, _ i: Int, _ k: (Int) -> Bool) -> Bool {
        var index = start
        var position = i
        while index < items.count && items[index].isSingleScalar {
            guard matchOne(items[index], position) else { return false }
            position += 1
            index += 1
        }
        if index == items.count { return k(position) }
        if index == items.count - 1 { return match(items[index], position, k) }
        return match(items[index], position) { j in self.sequence(items, index + 1, j, k) }
    }

    private func repeatMatch(
        _ inner: RegexNode, _ min: Int, _ max: Int, _ greedy: Bool, _ captureRange: Range<Int>,
        _ count: Int, _ i: Int, _ k: (Int) -> Bool
    ) -> Bool {
        if count == max { return k(i) }
        func iterate() -> Bool {
            var saved: [Int] = []
            if !captureRange.isEmpty {
                saved = Array(captures[(2 * captureRange.lowerBound)..<(2 * captureRange.upperBound)])
                for c in (2 * captureRange.lowerBound)..<(2 * captureRange.upperBound) { captures[c] = -1 }
            }
            let result = match(inner, i) { j in
                if j == i && count >= min { return false }
                return self.repeatMatch(inner, min, max, greedy, captureRange, count + 1, j, k)
            }
            if !result && !captureRange.isEmpty {
                for (offset, value) in saved.enumerated() { captures[2 * captureRange.lowerBound + offset] = value }
            }
            return result
        }
        if count < min { return iterate() }
        if greedy {
            if iterate() { return true }
            if aborted { return false }
            return k(i)
        }
        if k(i) { return true }
        if aborted { return false }
        return iterate()
    }
}

// MARK: - Parsing

/// A recursive-descent parser for the `u`-mode ECMA-262 pattern grammar.
private struct RegexParser {
    let scalars: [UInt32]
    var position = 0
    var groupCount = 0
    var groupNames: [String: Int] = [:]
    var numberedReferences: [(index: Int, offset: Int)] = []
    /// Backreferences by name, resolved after parsing (their nodes hold `-slot - 1` until then).
    var namedReferences: [(name: String, offset: Int, slot: Int)] = []

    init(_ source: String) {
        scalars = source.unicodeScalars.map(\.value)
    }

    mutating func parse() throws(RegexSyntaxError) -> RegexNode {
        let node = try parseDisjunction()
        if position < scalars.count {
            throw error(scalars[position] == 0x29 ? "unmatched ')'" : "unexpected character")
        }
        for reference in numberedReferences where reference.index > groupCount {
            throw RegexSyntaxError(message: "backreference to a group that does not exist", offset: reference.offset)
        }
        var resolved = node
        if !namedReferences.isEmpty {
            var indices: [Int: Int] = [:]
            for reference in namedReferences {
                guard let index = groupNames[reference.name] else {
                    throw RegexSyntaxError(message: "backreference to an unknown group name", offset: reference.offset)
                }
                indices[reference.slot] = index
            }
            resolved = RegexParser.patch(node, indices)
        }
        return resolved
    }

    /// Replaces the placeholder `.backreference(-slot - 1)` nodes with the named groups' indices.
    static func patch(_ node: RegexNode, _ indices: [Int: Int]) -> RegexNode {
        switch node {
        case .backreference(let n) where n < 0:
            return .backreference(indices[-n - 1] ?? 0)
        case .group(let inner, let index):
            return .group(patch(inner, indices), index: index)
        case .look(let inner, let ahead, let negated):
            return .look(patch(inner, indices), ahead: ahead, negated: negated)
        case .sequence(let items):
            return .sequence(items.map { patch($0, indices) })
        case .alternation(let items):
            return .alternation(items.map { patch($0, indices) })
        case .quantified(let inner, let min, let max, let greedy, let captures):
            return .quantified(patch(inner, indices), min: min, max: max, greedy: greedy, captures: captures)
        default:
            return node
        }
    }

    func error(_ message: String) -> RegexSyntaxError {
        RegexSyntaxError(message: message, offset: position)
    }

    var atEnd: Bool { position >= scalars.count }

    func peek(_ offset: Int = 0) -> UInt32? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    mutating func eat(_ c: Character) -> Bool {
        guard let value = c.unicodeScalars.first?.value, peek() == value else { return false }
        position += 1
        return true
    }

    mutating func parseDisjunction() throws(RegexSyntaxError) -> RegexNode {
        var alternatives = [try parseAlternative()]
        while eat("|") {
            alternatives.append(try parseAlternative())
        }
        return alternatives.count == 1 ? alternatives[0] : .alternation(alternatives)
    }

    mutating func parseAlternative() throws(RegexSyntaxError) -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek(), c != 0x7C, c != 0x29 {  // '|' ')'
            items.append(try parseTerm())
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .sequence(items)
        }
    }

    mutating func parseTerm() throws(RegexSyntaxError) -> RegexNode {
        let groupsBefore = groupCount
        guard let c = peek() else { throw error("unexpected end of pattern") }
        var atom: RegexNode
        var quantifiable = true
        switch c {
        case 0x5E:  // ^
            position += 1
            return .lineStart
        case 0x24:  // $
            position += 1
            return .lineEnd
        case 0x5C:  // backslash
            if peek(1) == 0x62 || peek(1) == 0x42 {  // \b \B
                let wanted = peek(1) == 0x62
                position += 2
                atom = .wordBoundary(wanted)
                quantifiable = false
            } else {
                position += 1
                atom = try parseAtomEscape()
            }
        case 0x28:  // (
            position += 1
            if eat("?") {
                if eat(":") {
                    atom = try parseDisjunction()
                } else if eat("=") {
                    atom = .look(try parseDisjunction(), ahead: true, negated: false)
                    quantifiable = false
                } else if eat("!") {
                    atom = .look(try parseDisjunction(), ahead: true, negated: true)
                    quantifiable = false
                } else if peek() == 0x3C && (peek(1) == 0x3D || peek(1) == 0x21) {  // (?<= (?<!
                    let negated = peek(1) == 0x21
                    position += 2
                    atom = .look(try parseDisjunction(), ahead: false, negated: negated)
                    quantifiable = false
                } else if eat("<") {
                    let name = try parseGroupName()
                    guard groupNames[name] == nil else { throw error("duplicate group name") }
                    groupCount += 1
                    let index = groupCount
                    groupNames[name] = index
                    atom = .group(try parseDisjunction(), index: index)
                } else {
                    throw error("invalid group syntax after '(?'")
                }
            } else {
                groupCount += 1
                let index = groupCount
                atom = .group(try parseDisjunction(), index: index)
            }
            guard eat(")") else { throw error("missing ')'") }
        case 0x29:
            throw error("unmatched ')'")
        case 0x5B:  // [
            position += 1
            atom = try parseClass()
        case 0x2E:  // .
            position += 1
            atom = .any
        case 0x2A, 0x2B, 0x3F:  // * + ?
            throw error("nothing to repeat")
        case 0x7B:  // {
            throw error(isQuantifierBrace() ? "nothing to repeat" : "lone '{' (write \\{)")
        case 0x7D, 0x5D:  // } ]
            throw error("lone '\(Character(Unicode.Scalar(UInt8(c))))' (escape it)")
        default:
            position += 1
            atom = .scalar(c)
        }
        guard let q = peek(), q == 0x2A || q == 0x2B || q == 0x3F || (q == 0x7B && isQuantifierBrace()) else {
            return atom
        }
        guard quantifiable else { throw error("an assertion cannot be repeated") }
        var min = 0
        var max = Int.max
        switch q {
        case 0x2A: position += 1
        case 0x2B: position += 1; min = 1
        case 0x3F: position += 1; max = 1
        default:
            position += 1
            min = parseDecimal() ?? 0
            if eat(",") {
                max = parseDecimal() ?? Int.max
            } else {
                max = min
            }
            guard eat("}") else { throw error("malformed quantifier") }
            guard min <= max else { throw error("quantifier range out of order") }
        }
        let greedy = !eat("?")
        return .quantified(atom, min: min, max: max, greedy: greedy, captures: (groupsBefore + 1)..<(groupCount + 1))
    }

    /// Whether the `{` at the position starts a well-formed `{n}`, `{n,}` or `{n,m}`.
    func isQuantifierBrace() -> Bool {
        var i = position + 1
        var digits = 0
        while i < scalars.count, (0x30...0x39).contains(scalars[i]) { i += 1; digits += 1 }
        guard digits > 0, i < scalars.count else { return false }
        if scalars[i] == 0x7D { return true }
        guard scalars[i] == 0x2C else { return false }
        i += 1
        while i < scalars.count, (0x30...0x39).contains(scalars[i]) { i += 1 }
        return i < scalars.count && scalars[i] == 0x7D
    }

    mutating func parseDecimal() -> Int? {
        var value: Int?
        while let c = peek(), (0x30...0x39).contains(c) {
            let digit = Int(c - 0x30)
            let (times10, o1) = (value ?? 0).multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(digit)
            value = (o1 || o2) ? Int.max : sum
            position += 1
        }
        return value
    }

    mutating func parseGroupName() throws(RegexSyntaxError) -> String {
        var name = String.UnicodeScalarView()
        while let c = peek(), c != 0x3E {  // '>'
            guard let scalar = Unicode.Scalar(c) else { throw error("invalid group name") }
            let isStart = scalar.properties.isIDStart || c == 0x24 || c == 0x5F
            let isContinue = scalar.properties.isIDContinue || c == 0x24 || c == 0x200C || c == 0x200D
            guard name.isEmpty ? isStart : isContinue else { throw error("invalid group name") }
            name.append(scalar)
            position += 1
        }
        guard !name.isEmpty, eat(">") else { throw error("invalid group name") }
        return String(name)
    }

    /// After a backslash, outside a class.
    mutating func parseAtomEscape() throws(RegexSyntaxError) -> RegexNode {
        guard let c = peek() else { throw error("pattern ends with '\\'") }
        if (0x31...0x39).contains(c) {  // \1 … backreference
            let offset = position
            let index = parseDecimal() ?? 0
            numberedReferences.append((index, offset))
            return .backreference(index)
        }
        if c == 0x6B {  // \k<name>
            position += 1
            guard eat("<") else { throw error("\\k must be followed by <name>") }
            let offset = position
            let name = try parseGroupName()
            let slot = namedReferences.count
            namedReferences.append((name, offset, slot))
            return .backreference(-slot - 1)
        }
        if let set = try parseClassEscape() { return .set(set) }
        return .scalar(try parseCharacterEscape(inClass: false))
    }

    /// `\d \D \s \S \w \W \p{…} \P{…}` after a backslash, or `nil` (position unchanged) if the
    /// escape is not a class escape.
    mutating func parseClassEscape() throws(RegexSyntaxError) -> ScalarSet? {
        guard let c = peek() else { return nil }
        switch c {
        case 0x64: position += 1; return ScalarSet(ranges: ScalarSet.digits)
        case 0x44: position += 1; return ScalarSet(ranges: ScalarSet.digits, negated: true)
        case 0x73: position += 1; return ScalarSet(ranges: ScalarSet.whiteSpace)
        case 0x53: position += 1; return ScalarSet(ranges: ScalarSet.whiteSpace, negated: true)
        case 0x77: position += 1; return ScalarSet(ranges: ScalarSet.wordCharacters)
        case 0x57: position += 1; return ScalarSet(ranges: ScalarSet.wordCharacters, negated: true)
        case 0x70, 0x50:  // p P
            let negated = c == 0x50
            position += 1
            guard eat("{") else { throw error("\\p must be followed by {property}") }
            var name = String.UnicodeScalarView()
            while let d = peek(), d != 0x7D, let scalar = Unicode.Scalar(d) {
                name.append(scalar)
                position += 1
            }
            guard eat("}") else { throw error("unterminated \\p{…}") }
            guard let property = UnicodeProperty.named(String(name)) else {
                throw error("unsupported Unicode property \"\(String(name))\"")
            }
            return ScalarSet(ranges: [], properties: [(property, negated)])
        default:
            return nil
        }
    }

    /// A character escape after a backslash (u-mode CharacterEscape, plus `\b` and `\-` in classes).
    mutating func parseCharacterEscape(inClass: Bool) throws(RegexSyntaxError) -> UInt32 {
        guard let c = peek() else { throw error("pattern ends with '\\'") }
        position += 1
        switch c {
        case 0x66: return 0x0C  // f
        case 0x6E: return 0x0A  // n
        case 0x72: return 0x0D  // r
        case 0x74: return 0x09  // t
        case 0x76: return 0x0B  // v
        case 0x62 where inClass: return 0x08  // \b in a class: backspace
        case 0x2D where inClass: return 0x2D  // \-
        case 0x63:  // \cX
            guard let letter = peek(), (0x41...0x5A).contains(letter) || (0x61...0x7A).contains(letter) else {
                throw error("\\c must be followed by an ASCII letter")
            }
            position += 1
            return letter % 32
        case 0x30:  // \0
            if let next = peek(), (0x30...0x39).contains(next) { throw error("invalid decimal escape") }
            return 0
        case 0x78:  // \xHH
            guard let value = parseHex(count: 2) else { throw error("\\x must be followed by two hex digits") }
            return value
        case 0x75:  // \uHHHH, \u{H…}
            if eat("{") {
                var value: UInt32 = 0
                var digits = 0
                while let d = peek(), let h = hexValue(d) {
                    value = value &* 16 &+ h
                    digits += 1
                    position += 1
                    guard value <= 0x10FFFF else { throw error("code point out of range") }
                }
                guard digits > 0, eat("}") else { throw error("malformed \\u{…}") }
                return value
            }
            guard let value = parseHex(count: 4) else { throw error("\\u must be followed by four hex digits") }
            if (0xD800...0xDBFF).contains(value), peek() == 0x5C, peek(1) == 0x75 {
                let save = position
                position += 2
                if let low = parseHex(count: 4), (0xDC00...0xDFFF).contains(low) {
                    return 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                }
                position = save
            }
            return value
        default:
            // u-mode IdentityEscape: SyntaxCharacter or '/'.
            let syntax: Set<UInt32> = [0x5E, 0x24, 0x5C, 0x2E, 0x2A, 0x2B, 0x3F, 0x28, 0x29, 0x5B, 0x5D, 0x7B, 0x7D, 0x7C, 0x2F]
            guard syntax.contains(c) else {
                position -= 1
                throw error("invalid escape")
            }
            return c
        }
    }

    func hexValue(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    mutating func parseHex(count: Int) -> UInt32? {
        var value: UInt32 = 0
        for offset in 0..<count {
            guard let c = peek(offset), let h = hexValue(c) else { return nil }
            value = value * 16 + h
        }
        position += count
        return value
    }

    /// After `[`.
    mutating func parseClass() throws(RegexSyntaxError) -> RegexNode {
        let negated = eat("^")
        var ranges: [ClosedRange<UInt32>] = []
        var properties: [(property: UnicodeProperty, negated: Bool)] = []
        while true {
            guard let c = peek() else { throw error("unterminated character class") }
            if c == 0x5D {  // ]
                position += 1
                break
            }
            let first = try parseClassAtom()
            if peek() == 0x2D, let next = peek(1), next != 0x5D {  // a range
                position += 1
                let second = try parseClassAtom()
                guard case .scalar(let lo) = first, case .scalar(let hi) = second else {
                    throw error("a class escape cannot bound a range")
                }
                guard lo <= hi else { throw error("character class range out of order") }
                ranges.append(lo...hi)
                continue
            }
            switch first {
            case .scalar(let s):
                ranges.append(s...s)
            case .set(let set):
                if set.properties.isEmpty {
                    ranges.append(contentsOf: set.negated ? ScalarSet.complement(set.ranges) : set.ranges)
                } else {
                    for entry in set.properties {
                        properties.append((entry.property, entry.negated != set.negated))
                    }
                }
            }
        }
        return .set(ScalarSet(ranges: ranges, properties: properties, negated: negated))
    }

    enum ClassAtom {
        case scalar(UInt32)
        case set(ScalarSet)
    }

    mutating func parseClassAtom() throws(RegexSyntaxError) -> ClassAtom {
        guard let c = peek() else { throw error("unterminated character class") }
        position += 1
        guard c == 0x5C else { return .scalar(c) }
        if let set = try parseClassEscape() { return .set(set) }
        return .scalar(try parseCharacterEscape(inClass: true))
    }
}
