/// Linear-time matching for regular patterns: the fast path of ``ECMARegex/search(_:)``.
///
/// Built at compile time when the pattern has no backreference, lookaround or word boundary
/// (whose languages are not regular or need context): a Thompson NFA, and from it, by subset
/// construction over the ASCII characters' equivalence classes, a DFA for ASCII input when it
/// stays small. Whether a match exists does not depend on greedy or lazy quantifiers, so the
/// automata answer exactly as the backtracking matcher would, in time linear in the input and
/// without recursion. ASCII strings run on the DFA (one table lookup per byte); other strings,
/// or all strings when the DFA would be too large, run on an NFA simulation.
struct RegexDFA: Sendable {
    /// The number of input classes; `classOf[byte]` for bytes below 128.
    let classCount: Int
    let classOf: [UInt8]
    /// `transitions[state * classCount + class]`; empty when there is no DFA.
    let transitions: [Int32]
    /// Whether a match has been seen on reaching the state (the search can stop).
    let accepting: [Bool]
    /// Whether the state accepts at the end of input (via `$`).
    let acceptingAtEnd: [Bool]
    /// A state from which no match can follow (only for patterns anchored at the start).
    let dead: Int32
    /// Whether the DFA was built.
    let hasDFA: Bool

    /// The NFA: state 0 accepts.
    private let nfa: [NFAState]
    /// The NFA's atoms (single-scalar nodes), by id.
    private let atomNodes: [RegexNode]
    private let nfaStart: Int
    private let anchored: Bool

    static let maximumNFAStates = 4_000
    static let maximumDFAStates = 600
    /// The most NFA states visited while building the DFA (bounds compile time; beyond it the
    /// NFA simulation is used for all input).
    static let maximumConstructionWork = 5_000_000

    /// Whether `string` contains a match.
    func search(_ string: String) -> Bool {
        if hasDFA {
            let fast = string.utf8.withContiguousStorageIfAvailable { runDFA($0) }
            if let result = fast ?? runDFA(Array(string.utf8)) { return result }
        }
        return simulate(string)
    }

    /// The DFA's answer, or `nil` if the input is not all ASCII.
    private func runDFA(_ bytes: some Collection<UInt8>) -> Bool? {
        var state = 0
        if accepting[0] { return true }
        for byte in bytes {
            if byte >= 0x80 { return nil }
            state = Int(transitions[state &* classCount &+ Int(classOf[Int(byte)])])
            if accepting[state] { return true }
            if state == dead { return false }
        }
        return acceptingAtEnd[state]
    }

    /// Simulates the NFA over the string's code points (state sets, no backtracking).
    func simulate(_ string: String) -> Bool {
        var stamp = [Int](repeating: -1, count: nfa.count)
        var generation = 0
        var current: [Int] = []
        var next: [Int] = []
        var stack: [Int] = []

        /// Adds the closure of `seed` to `set`; returns whether it reached the accept state.
        func addClosure(_ seed: Int, into set: inout [Int], atStart: Bool, atEnd: Bool) -> Bool {
            stack.append(seed)
            var accepted = false
            while let s = stack.popLast() {
                if stamp[s] == generation { continue }
                stamp[s] = generation
                switch nfa[s] {
                case .accept:
                    accepted = true
                case .atom:
                    set.append(s)
                case .split(let a, let b):
                    stack.append(b)
                    stack.append(a)
                case .lineStart(let following):
                    if atStart { stack.append(following) }
                case .lineEnd(let following):
                    if atEnd { stack.append(following) }
                }
            }
            return accepted
        }

        let scalars = string.unicodeScalars
        var atEnd = scalars.isEmpty
        if addClosure(nfaStart, into: &current, atStart: true, atEnd: atEnd) { return true }
        var index = scalars.startIndex
        while index != scalars.endIndex {
            let c = scalars[index].value
            scalars.formIndex(after: &index)
            atEnd = index == scalars.endIndex
            generation += 1
            next.removeAll(keepingCapacity: true)
            for s in current {
                guard case .atom(let id, let following) = nfa[s] else { continue }
                let member: Bool
                switch atomNodes[id] {
                case .scalar(let scalar): member = scalar == c
                case .set(let set): member = set.contains(c)
                case .any: member = c != 0x0A && c != 0x0D && c != 0x2028 && c != 0x2029
                default: member = false
                }
                if member, addClosure(following, into: &next, atStart: false, atEnd: atEnd) { return true }
            }
            if !anchored {
                // A match may start at any position (the restart may hold only assertions).
                if addClosure(nfaStart, into: &next, atStart: false, atEnd: atEnd) { return true }
            } else if next.isEmpty {
                return false
            }
            swap(&current, &next)
        }
        return false
    }

    // MARK: Construction

    fileprivate enum NFAState: Sendable {
        case atom(Int, next: Int)
        case split(Int, Int)
        case lineStart(next: Int)
        case lineEnd(next: Int)
        case accept
    }

    private struct NFABuilder {
        var states: [NFAState] = [.accept]
        /// ASCII membership of each atom, as two 64-bit words.
        var atoms: [(UInt64, UInt64)] = []
        var atomNodes: [RegexNode] = []
        var tooBig = false

        mutating func add(_ state: NFAState) -> Int {
            states.append(state)
            if states.count > RegexDFA.maximumNFAStates { tooBig = true }
            return states.count - 1
        }

        mutating func atom(_ node: RegexNode) -> Int {
            var low: UInt64 = 0
            var high: UInt64 = 0
            for c in UInt32(0)..<128 {
                let member: Bool
                switch node {
                case .scalar(let s): member = s == c
                case .set(let set): member = set.contains(c)
                case .any: member = c != 0x0A && c != 0x0D
                default: member = false
                }
                if member {
                    if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) }
                }
            }
            atoms.append((low, high))
            atomNodes.append(node)
            return atoms.count - 1
        }

        /// Builds `node` followed by state `next`; returns its start state, or `nil` if the node
        /// cannot be expressed.
        mutating func build(_ node: RegexNode, next: Int) -> Int? {
            if tooBig { return nil }
            switch node {
            case .empty:
                return next
            case .scalar, .set, .any:
                let id = atom(node)
                return add(.atom(id, next: next))
            case .lineStart:
                return add(.lineStart(next: next))
            case .lineEnd:
                return add(.lineEnd(next: next))
            case .group(let inner, _):
                return build(inner, next: next)
            case .sequence(let items):
                var current = next
                for item in items.reversed() {
                    guard let start = build(item, next: current) else { return nil }
                    current = start
                }
                return current
            case .alternation(let alternatives):
                var starts: [Int] = []
                for alternative in alternatives {
                    guard let start = build(alternative, next: next) else { return nil }
                    starts.append(start)
                }
                guard var current = starts.last else { return next }
                for start in starts.dropLast().reversed() { current = add(.split(start, current)) }
                return current
            case .quantified(let inner, let min, let max, _, _):
                var current = next
                if max == Int.max {
                    let loop = add(.split(0, 0))
                    guard let body = build(inner, next: loop) else { return nil }
                    states[loop] = .split(body, next)
                    current = loop
                } else {
                    guard max - min <= RegexDFA.maximumNFAStates else { return nil }
                    for _ in 0..<(max - min) {
                        guard let body = build(inner, next: current) else { return nil }
                        current = add(.split(body, current))
                    }
                }
                guard min <= RegexDFA.maximumNFAStates else { return nil }
                for _ in 0..<min {
                    guard let body = build(inner, next: current) else { return nil }
                    current = body
                }
                return current
            case .wordBoundary, .look, .backreference:
                return nil
            }
        }
    }

    /// Builds the automaton for a parsed pattern, or `nil` when it has non-regular parts or
    /// would be too large.
    init?(_ root: RegexNode, anchoredAtStart: Bool) {
        var builder = NFABuilder()
        guard let start = builder.build(root, next: 0), !builder.tooBig else { return nil }
        let nfa = builder.states
        let atoms = builder.atoms
        self.nfa = nfa
        atomNodes = builder.atomNodes
        nfaStart = start
        anchored = anchoredAtStart

        if let dfa = RegexDFA.buildDFA(nfa: nfa, atoms: atoms, start: start, anchoredAtStart: anchoredAtStart) {
            (classCount, classOf, transitions, accepting, acceptingAtEnd, dead) = dfa
            hasDFA = true
        } else {
            (classCount, classOf, transitions, accepting, acceptingAtEnd, dead) = (0, [], [], [], [], -1)
            hasDFA = false
        }
    }

    private static func buildDFA(
        nfa: [NFAState], atoms: [(UInt64, UInt64)], start: Int, anchoredAtStart: Bool
    ) -> (Int, [UInt8], [Int32], [Bool], [Bool], Int32)? {
        // Input classes: ASCII characters with the same membership in every atom.
        var classOf = [UInt8](repeating: 0, count: 128)
        var signatures: [[Bool]: UInt8] = [:]
        var representatives: [UInt32] = []
        for c in UInt32(0)..<128 {
            let signature = atoms.map { c < 64 ? $0.0 & (1 << UInt64(c)) != 0 : $0.1 & (1 << UInt64(c - 64)) != 0 }
            if let existing = signatures[signature] {
                classOf[Int(c)] = existing
            } else {
                guard signatures.count < 255 else { return nil }
                let id = UInt8(signatures.count)
                signatures[signature] = id
                representatives.append(c)
                classOf[Int(c)] = id
            }
        }
        let classCount = representatives.count

        var work = 0
        /// The states reachable from `seeds` without consuming input.
        func closure(_ seeds: [Int], atStart: Bool, atEnd: Bool) -> [Int] {
            var seen = [Bool](repeating: false, count: nfa.count)
            var stack = seeds
            var out: [Int] = []
            while let s = stack.popLast() {
                if seen[s] { continue }
                seen[s] = true
                work += 1
                out.append(s)
                switch nfa[s] {
                case .split(let a, let b):
                    stack.append(b)
                    stack.append(a)
                case .lineStart(let next):
                    if atStart { stack.append(next) }
                case .lineEnd(let next):
                    if atEnd { stack.append(next) }
                case .atom, .accept:
                    break
                }
            }
            return out.sorted()
        }

        let restart = anchoredAtStart ? [] : closure([start], atStart: false, atEnd: false)
        let initial = closure([start], atStart: true, atEnd: false)
        // The initial state is kept apart from the others: only it may cross `^`.
        var sets: [[Int]] = [initial]
        var ids: [[Int]: Int32] = [:]
        var transitions: [Int32] = []
        var queue = 0
        while queue < sets.count {
            guard work <= RegexDFA.maximumConstructionWork else { return nil }
            let current = sets[queue]
            for cls in 0..<classCount {
                let c = representatives[cls]
                var moved: [Int] = []
                for s in current {
                    if case .atom(let id, let next) = nfa[s] {
                        let (low, high) = atoms[id]
                        let member = c < 64 ? low & (1 << UInt64(c)) != 0 : high & (1 << UInt64(c - 64)) != 0
                        if member { moved.append(next) }
                    }
                }
                var target = closure(moved, atStart: false, atEnd: false)
                if !restart.isEmpty { target = Array(Set(target).union(restart)).sorted() }
                if let id = ids[target] {
                    transitions.append(id)
                } else {
                    guard sets.count < RegexDFA.maximumDFAStates else { return nil }
                    let id = Int32(sets.count)
                    sets.append(target)
                    ids[target] = id
                    transitions.append(id)
                }
            }
            queue += 1
        }
        let accepting = sets.map { $0.contains(0) }
        let acceptingAtEnd = sets.enumerated().map { position, set in
            closure(set, atStart: position == 0, atEnd: true).contains(0)
        }
        return (classCount, classOf, transitions, accepting, acceptingAtEnd, ids[[]] ?? -1)
    }
}
