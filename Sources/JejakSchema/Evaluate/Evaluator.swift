import JejakBase
import JejakJSON

/// Which items of an array, or members of an object (by position), have been evaluated by some
/// keyword: the annotations that `unevaluatedItems` and `unevaluatedProperties` read.
struct Marks {
    var all = false
    var bits: [UInt64] = []

    @inline(__always)
    func contains(_ position: Int) -> Bool {
        if all { return true }
        let word = position >> 6
        return word < bits.count && bits[word] & (1 << UInt64(position & 63)) != 0
    }

    @inline(__always)
    mutating func insert(_ position: Int) {
        let word = position >> 6
        if word >= bits.count { bits.append(contentsOf: repeatElement(0, count: word - bits.count + 1)) }
        bits[word] |= 1 << UInt64(position & 63)
    }

    mutating func formUnion(_ other: Marks) {
        if other.all { all = true }
        for (word, value) in other.bits.enumerated() {
            if word < bits.count { bits[word] |= value } else { bits.append(value) }
        }
    }
}

/// A step in an instance location.
enum PathToken {
    case key(String)
    case index(Int)

    var text: String {
        switch self {
        case .key(let key): JSONPointer.escape(key)
        case .index(let index): String(index)
        }
    }
}

/// Evaluates one instance against a ``Program``.
///
/// Two modes: with `collecting` off it answers valid/invalid and stops at the first failure
/// (no paths, no messages); with it on it records every ``SchemaViolation``. Subschemas whose
/// failure is not itself an error (`anyOf`, `oneOf`, `not`, `if`, `contains` branches) are
/// always evaluated with collecting off.
///
/// Annotations for `unevaluatedItems`/`unevaluatedProperties` are tracked only below a node
/// that has one of them: the `marks` argument is `nil` everywhere else.
final class Evaluator {
    private let program: Program
    private let nodes: [Node]
    private(set) var collecting: Bool
    private let maximumViolations: Int
    private(set) var violations: [SchemaViolation] = []
    private var instancePath: [PathToken] = []
    private var keywordPath: [String] = []
    /// The dynamic scope: the schema resources being evaluated, outermost first.
    private var scope: [Int] = []
    private var depth = 0
    /// The keyword that applied the subschema being evaluated (for `false` schema messages).
    private var applyingKeyword = "false"

    /// How deeply subschemas may nest during one evaluation (each subschema applied, `$ref`
    /// included, is one level). Instances nest at most 128 levels when parsed by `JSONParser`;
    /// deeper evaluations fail with a violation instead of exhausting the thread's stack
    /// (measured: about 1 KB of stack per level in release builds, 6 KB in debug builds).
    static let depthLimit = 384

    init(program: Program, collecting: Bool, maximumViolations: Int = Int.max) {
        self.program = program
        self.nodes = program.nodes
        self.collecting = collecting
        self.maximumViolations = max(1, maximumViolations)
    }

    func run(_ value: JSONValue) -> Bool {
        var marks: Marks?
        return evaluate(program.root, value, &marks)
    }

    // MARK: Reporting

    private func render(_ tokens: [String]) -> String {
        JSONPointer.render(tokens)
    }

    private func instanceLocation(_ extra: PathToken?) -> String {
        var out = ""
        for token in instancePath {
            out += "/"
            out += token.text
        }
        if let extra {
            out += "/"
            out += extra.text
        }
        return out
    }

    /// Records a violation of `keyword` of `node` (call only when `collecting`).
    private func report(
        _ node: Node, _ keyword: String, _ message: String, at token: PathToken? = nil, sub: String? = nil
    ) {
        guard violations.count < maximumViolations else { return }
        var keywordLocation = render(keywordPath) + "/" + JSONPointer.escape(keyword)
        var absolute = node.absoluteLocation + "/" + JSONPointer.escape(keyword)
        if let sub {
            keywordLocation += "/" + JSONPointer.escape(sub)
            absolute += "/" + JSONPointer.escape(sub)
        }
        violations.append(
            SchemaViolation(
                instanceLocation: instanceLocation(token), keywordLocation: keywordLocation,
                absoluteKeywordLocation: absolute, keyword: keyword, message: message))
        if violations.count >= maximumViolations { collecting = false }
    }

    // MARK: Applying subschemas

    /// Applies a subschema whose failure is a failure of the caller, extending the paths.
    @inline(__always)
    private func apply(
        _ child: Int, _ value: JSONValue, _ marks: inout Marks?, _ keyword: String, _ sub: String? = nil,
        at token: PathToken? = nil
    ) -> Bool {
        guard collecting else { return evaluate(child, value, &marks) }
        keywordPath.append(keyword)
        if let sub { keywordPath.append(sub) }
        if let token { instancePath.append(token) }
        let savedKeyword = applyingKeyword
        applyingKeyword = keyword
        let result = evaluate(child, value, &marks)
        applyingKeyword = savedKeyword
        if token != nil { instancePath.removeLast() }
        if sub != nil { keywordPath.removeLast() }
        keywordPath.removeLast()
        return result
    }

    /// Applies a subschema only to learn whether it holds (no violations recorded).
    @inline(__always)
    private func test(_ child: Int, _ value: JSONValue, _ marks: inout Marks?) -> Bool {
        guard collecting else { return evaluate(child, value, &marks) }
        collecting = false
        let result = evaluate(child, value, &marks)
        collecting = violations.count < maximumViolations
        return result
    }

    private func evaluate(_ index: Int, _ value: JSONValue, _ marks: inout Marks?) -> Bool {
        let node = nodes[index]
        switch node.kind {
        case .alwaysValid:
            return true
        case .alwaysInvalid:
            if collecting { reportFalse(node) }
            return false
        case .keywords:
            break
        }
        guard depth < Evaluator.depthLimit else {
            if collecting {
                reportTooDeep(node)
            }
            return false
        }
        depth += 1
        defer { depth -= 1 }
        var enteredResource = false
        if program.tracksDynamicScope, scope.last != node.resource {
            scope.append(node.resource)
            enteredResource = true
        }
        defer { if enteredResource { scope.removeLast() } }
        if node.tracksEvaluation {
            var local: Marks? = Marks()
            let valid = evaluateKeywords(node, value, &local)
            if valid, let local { marks?.formUnion(local) }
            return valid
        }
        return evaluateKeywords(node, value, &marks)
    }

    private func reportFalse(_ node: Node) {
        guard violations.count < maximumViolations else { return }
        let message: String
        switch instancePath.last {
        case .key(let key)?: message = "property \(quoted(key)) is not allowed"
        case .index(let index)?: message = "item \(index) is not allowed"
        case nil: message = "no value is allowed (the schema is false)"
        }
        violations.append(
            SchemaViolation(
                instanceLocation: instanceLocation(nil), keywordLocation: render(keywordPath),
                absoluteKeywordLocation: node.absoluteLocation, keyword: applyingKeyword, message: message))
        if violations.count >= maximumViolations { collecting = false }
    }

    // MARK: Messages (outlined, so the recursive evaluation frames stay small)

    @inline(never)
    private func reportType(_ node: Node, _ value: JSONValue) {
        report(node, "type", "expected \(TypeMask.describe(node.typeMask)), found \(Evaluator.typeDescription(value))")
    }

    @inline(never)
    private func reportTooDeep(_ node: Node) {
        report(node, applyingKeyword, "the schema nests more than \(Evaluator.depthLimit) levels deep for this value")
    }

    @inline(never)
    private func reportTooComplexName(_ name: String, _ regex: ECMARegex, _ node: Node) {
        report(
            node, "patternProperties",
            "the name \(quoted(name)) could not be matched against pattern \(regex.source) within the matcher's limits",
            at: .key(name), sub: regex.source)
    }

    /// Records the failure of `keyword` on `value`; `count`, `name` and `other` carry what the
    /// message needs beyond the value (matches, indices, names).
    @inline(never)
    private func reportFailure(
        _ keyword: Keyword, _ node: Node, _ value: JSONValue, count: Int = 0, name: String = "", other: String = ""
    ) {
        let shown = brief(value)
        switch keyword {
        case .const(let constant):
            report(node, "const", "\(shown) is not the constant \(brief(constant))")
        case .enumeration(let list, _):
            let options = list.prefix(8).map(brief).joined(separator: ", ") + (list.count > 8 ? ", …" : "")
            report(node, "enum", "\(shown) is not one of \(options)")
        case .minimum(let bound):
            report(node, "minimum", "\(shown) is less than the minimum \(bound.number.text)")
        case .maximum(let bound):
            report(node, "maximum", "\(shown) is greater than the maximum \(bound.number.text)")
        case .exclusiveMinimum(let bound):
            report(node, "exclusiveMinimum", "\(shown) is not greater than the exclusive minimum \(bound.number.text)")
        case .exclusiveMaximum(let bound):
            report(node, "exclusiveMaximum", "\(shown) is not less than the exclusive maximum \(bound.number.text)")
        case .multipleOf(let divisor):
            report(node, "multipleOf", "\(shown) is not a multiple of \(divisor.number.text)")
        case .minLength(let minimum):
            report(node, "minLength", "\(shown) is shorter than \(minimum) character\(minimum == 1 ? "" : "s")")
        case .maxLength(let maximum):
            report(node, "maxLength", "\(shown) is longer than \(maximum) character\(maximum == 1 ? "" : "s")")
        case .pattern(let regex):
            if count < 0 {
                report(
                    node, "pattern", "\(shown) could not be matched against pattern \(regex.source) within the matcher's limits")
            } else {
                report(node, "pattern", "\(shown) does not match pattern \(regex.source)")
            }
        case .format(let checker):
            report(node, "format", "\(shown) is not a valid \(checker.name): expected \(checker.expected)")
        case .minItems(let minimum):
            let n = value.arrayValue?.count ?? 0
            report(node, "minItems", "the array has \(n) item\(n == 1 ? "" : "s"), fewer than \(minimum)")
        case .maxItems(let maximum):
            report(node, "maxItems", "the array has \(value.arrayValue?.count ?? 0) items, more than \(maximum)")
        case .uniqueItems:
            report(node, "uniqueItems", "items \(count) and \(other) are equal, but items must be unique")
        case .contains(_, let minimum, let maximum):
            if count < minimum {
                let message =
                    count == 0
                    ? "no item matches the contains schema"
                    : "only \(count) item\(count == 1 ? " matches" : "s match") the contains schema, fewer than minContains \(minimum)"
                report(node, minimum == 1 && count == 0 ? "contains" : "minContains", message)
            } else {
                report(node, "maxContains", "\(count) items match the contains schema, more than maxContains \(maximum ?? 0)")
            }
        case .minProperties(let minimum):
            let n = value.objectValue?.count ?? 0
            report(node, "minProperties", "the object has \(n) propert\(n == 1 ? "y" : "ies"), fewer than \(minimum)")
        case .maxProperties(let maximum):
            report(node, "maxProperties", "the object has \(value.objectValue?.count ?? 0) properties, more than \(maximum)")
        case .required:
            report(node, "required", "required property \(quoted(name)) is missing")
        case .dependentRequired:
            report(node, "dependentRequired", "property \(quoted(name)) is required when \(quoted(other)) is present", sub: other)
        case .anyOf(let children):
            report(node, "anyOf", "\(shown) matches none of the \(children.count) anyOf alternatives")
        case .oneOf(let children):
            if count == 0 {
                report(node, "oneOf", "\(shown) matches none of the \(children.count) oneOf alternatives")
            } else {
                report(node, "oneOf", "\(shown) matches \(count) oneOf alternatives (\(other)), not exactly one")
            }
        case .not:
            report(node, "not", "\(shown) must not match the schema in not")
        case .items, .properties, .propertyNames, .dependentSchemas, .allOf, .conditional, .ref, .dynamicRef:
            break
        }
    }

    // MARK: Keywords

    private func evaluateKeywords(_ node: Node, _ value: JSONValue, _ marks: inout Marks?) -> Bool {
        var valid = true
        if node.typeMask != 0, !Evaluator.typeMatches(node.typeMask, value) {
            guard collecting else { return false }
            valid = false
            reportType(node, value)
        }
        for keyword in node.valueKeywords where !checkValue(keyword, node, value) {
            guard collecting else { return false }
            valid = false
        }
        switch value {
        case .number(let number):
            for keyword in node.numberKeywords where !checkNumber(keyword, node, number) {
                guard collecting else { return false }
                valid = false
            }
        case .string(let string):
            for keyword in node.stringKeywords where !checkString(keyword, node, string) {
                guard collecting else { return false }
                valid = false
            }
        case .array(let array):
            for keyword in node.arrayKeywords where !checkArray(keyword, node, array, &marks) {
                guard collecting else { return false }
                valid = false
            }
        case .object(let object):
            for keyword in node.objectKeywords where !checkObject(keyword, node, object, value, &marks) {
                guard collecting else { return false }
                valid = false
            }
        case .null, .bool:
            break
        }
        for keyword in node.applicators where !checkApplicator(keyword, node, value, &marks) {
            guard collecting else { return false }
            valid = false
        }
        if let unevaluated = node.unevaluatedItems, case .array(let array) = value {
            var ok = true
            for position in array.indices where !(marks?.contains(position) ?? false) {
                var none: Marks?
                if !apply(unevaluated, array[position], &none, "unevaluatedItems", at: .index(position)) {
                    guard collecting else { return false }
                    ok = false
                }
            }
            if ok { marks?.all = true } else { valid = false }
        }
        if let unevaluated = node.unevaluatedProperties, case .object(let object) = value {
            var ok = true
            for position in object.indices where !(marks?.contains(position) ?? false) {
                let member = object[position]
                var none: Marks?
                if !apply(unevaluated, member.value, &none, "unevaluatedProperties", at: .key(member.key)) {
                    guard collecting else { return false }
                    ok = false
                }
            }
            if ok { marks?.all = true } else { valid = false }
        }
        return valid
    }

    static func typeMatches(_ mask: UInt8, _ value: JSONValue) -> Bool {
        switch value {
        case .null: return mask & TypeMask.null != 0
        case .bool: return mask & TypeMask.boolean != 0
        case .string: return mask & TypeMask.string != 0
        case .array: return mask & TypeMask.array != 0
        case .object: return mask & TypeMask.object != 0
        case .number(let n):
            return mask & TypeMask.number != 0 || (mask & TypeMask.integer != 0 && n.isInteger)
        }
    }

    static func typeDescription(_ value: JSONValue) -> String {
        switch value {
        case .number(let n): n.isInteger ? "integer \(n.text)" : "number \(n.text)"
        case .string: "string \(brief(value))"
        case .bool(let b): "boolean \(b)"
        case .null: "null"
        case .array(let a): "array of \(a.count) item\(a.count == 1 ? "" : "s")"
        case .object(let o): "object with \(o.count) propert\(o.count == 1 ? "y" : "ies")"
        }
    }

    private func checkValue(_ keyword: Keyword, _ node: Node, _ value: JSONValue) -> Bool {
        switch keyword {
        case .const(let constant):
            if value.schemaEquals(constant) { return true }
        case .enumeration(let list, let set):
            let found = set.map { $0.contains(JSONSchemaKey(value)) } ?? list.contains { $0.schemaEquals(value) }
            if found { return true }
        default:
            return true
        }
        if collecting { reportFailure(keyword, node, value) }
        return false
    }

    private func checkNumber(_ keyword: Keyword, _ node: Node, _ number: JSONNumber) -> Bool {
        switch keyword {
        case .minimum(let bound):
            if bound.compare(number) >= 0 { return true }
        case .maximum(let bound):
            if bound.compare(number) <= 0 { return true }
        case .exclusiveMinimum(let bound):
            if bound.compare(number) > 0 { return true }
        case .exclusiveMaximum(let bound):
            if bound.compare(number) < 0 { return true }
        case .multipleOf(let divisor):
            if divisor.divides(number) { return true }
        default:
            return true
        }
        if collecting { reportFailure(keyword, node, .number(number)) }
        return false
    }

    private func checkString(_ keyword: Keyword, _ node: Node, _ string: String) -> Bool {
        switch keyword {
        case .minLength(let minimum):
            if string.utf8.count >= minimum && Evaluator.codePointCount(string) >= minimum { return true }
        case .maxLength(let maximum):
            if string.utf8.count <= maximum || Evaluator.codePointCount(string) <= maximum { return true }
        case .pattern(let regex):
            switch regex.search(string) {
            case .match:
                return true
            case .noMatch:
                break
            case .tooComplex:
                if collecting { reportFailure(keyword, node, .string(string), count: -1) }
                return false
            }
        case .format(let checker):
            if checker.check(string) { return true }
        default:
            return true
        }
        if collecting { reportFailure(keyword, node, .string(string)) }
        return false
    }

    /// The number of Unicode code points (not grapheme clusters, not UTF-16 units).
    static func codePointCount(_ string: String) -> Int {
        let fast = string.utf8.withContiguousStorageIfAvailable { bytes in
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
            return count
        }
        return fast ?? string.unicodeScalars.count
    }

    private func checkArray(_ keyword: Keyword, _ node: Node, _ array: [JSONValue], _ marks: inout Marks?) -> Bool {
        switch keyword {
        case .minItems(let minimum):
            if array.count >= minimum { return true }
        case .maxItems(let maximum):
            if array.count <= maximum { return true }
        case .uniqueItems:
            guard let (first, second) = Evaluator.firstDuplicate(array) else { return true }
            if collecting { reportFailure(keyword, node, .null, count: first, other: String(second)) }
            return false
        case .items(let prefix, let rest):
            var valid = true
            let prefixCount = min(prefix.count, array.count)
            for position in 0..<prefixCount {
                var none: Marks?
                if !apply(prefix[position], array[position], &none, "prefixItems", String(position), at: .index(position)) {
                    guard collecting else { return false }
                    valid = false
                }
                marks?.insert(position)
            }
            if let rest {
                var position = prefix.count
                while position < array.count {
                    var none: Marks?
                    if !apply(rest, array[position], &none, "items", at: .index(position)) {
                        guard collecting else { return false }
                        valid = false
                    }
                    position += 1
                }
                marks?.all = true
            }
            return valid
        case .contains(let child, let minimum, let maximum):
            var matched = 0
            for position in array.indices {
                var none: Marks?
                if test(child, array[position], &none) {
                    matched += 1
                    marks?.insert(position)
                    if marks == nil, maximum == nil, matched >= minimum { break }
                    if let maximum, matched > maximum, marks == nil { break }
                }
            }
            if matched < minimum || maximum.map({ matched > $0 }) ?? false {
                if collecting { reportFailure(keyword, node, .null, count: matched) }
                return false
            }
            return true
        default:
            return true
        }
        if collecting { reportFailure(keyword, node, .array(array)) }
        return false
    }

    /// The positions of the first two schema-equal items, if any.
    static func firstDuplicate(_ array: [JSONValue]) -> (Int, Int)? {
        if array.count < 2 { return nil }
        if array.count <= 12 {
            for i in 0..<(array.count - 1) {
                for j in (i + 1)..<array.count where array[i].schemaEquals(array[j]) { return (i, j) }
            }
            return nil
        }
        var seen: [JSONSchemaKey: Int] = [:]
        seen.reserveCapacity(array.count)
        for (position, item) in array.enumerated() {
            if let earlier = seen.updateValue(position, forKey: JSONSchemaKey(item)) { return (earlier, position) }
        }
        return nil
    }

    private func checkObject(
        _ keyword: Keyword, _ node: Node, _ object: JSONObject, _ value: JSONValue, _ marks: inout Marks?
    ) -> Bool {
        switch keyword {
        case .minProperties(let minimum):
            if object.count >= minimum { return true }
        case .maxProperties(let maximum):
            if object.count <= maximum { return true }
        case .required(let names):
            var valid = true
            for name in names where !object.contains(key: name) {
                guard collecting else { return false }
                reportFailure(keyword, node, .null, name: name)
                valid = false
            }
            return valid
        case .dependentRequired(let pairs):
            var valid = true
            for (trigger, names) in pairs where object.contains(key: trigger) {
                for name in names where !object.contains(key: name) {
                    guard collecting else { return false }
                    reportFailure(keyword, node, .null, name: name, other: trigger)
                    valid = false
                }
            }
            return valid
        case .properties(let applicator):
            return applyProperties(applicator, node, object, &marks)
        case .propertyNames(let child):
            var valid = true
            for member in object {
                var none: Marks?
                if !apply(child, .string(member.key), &none, "propertyNames", at: .key(member.key)) {
                    guard collecting else { return false }
                    valid = false
                }
            }
            return valid
        case .dependentSchemas(let pairs):
            var valid = true
            for (trigger, child) in pairs where object.contains(key: trigger) {
                if !apply(child, value, &marks, "dependentSchemas", trigger) {
                    guard collecting else { return false }
                    valid = false
                }
            }
            return valid
        default:
            return true
        }
        if collecting { reportFailure(keyword, node, .object(object)) }
        return false
    }

    private func applyProperties(
        _ applicator: PropertyApplicator, _ node: Node, _ object: JSONObject, _ marks: inout Marks?
    ) -> Bool {
        var valid = true
        for position in object.indices {
            let member = object[position]
            var evaluated = false
            var none: Marks?
            if let index = applicator.position(of: member.key) {
                evaluated = true
                if !apply(applicator.nodes[index], member.value, &none, "properties", applicator.names[index], at: .key(member.key)) {
                    guard collecting else { return false }
                    valid = false
                }
            }
            for pattern in applicator.patterns {
                switch pattern.regex.search(member.key) {
                case .noMatch:
                    continue
                case .match:
                    evaluated = true
                    if !apply(pattern.node, member.value, &none, "patternProperties", pattern.regex.source, at: .key(member.key)) {
                        guard collecting else { return false }
                        valid = false
                    }
                case .tooComplex:
                    guard collecting else { return false }
                    reportTooComplexName(member.key, pattern.regex, node)
                    valid = false
                }
            }
            if !evaluated, let additional = applicator.additional {
                evaluated = true
                if !apply(additional, member.value, &none, "additionalProperties", at: .key(member.key)) {
                    guard collecting else { return false }
                    valid = false
                }
            }
            if evaluated { marks?.insert(position) }
        }
        return valid
    }

    private func checkApplicator(_ keyword: Keyword, _ node: Node, _ value: JSONValue, _ marks: inout Marks?) -> Bool {
        switch keyword {
        case .allOf(let children):
            var valid = true
            for (position, child) in children.enumerated() where !apply(child, value, &marks, "allOf", String(position)) {
                guard collecting else { return false }
                valid = false
            }
            return valid
        case .anyOf(let children):
            var matched = false
            for child in children {
                var local: Marks? = marks == nil ? nil : Marks()
                if test(child, value, &local) {
                    matched = true
                    guard let local else { break }
                    marks?.formUnion(local)
                }
            }
            if matched { return true }
            if collecting { reportFailure(keyword, node, value) }
            return false
        case .oneOf(let children):
            var matches: [Int] = []
            var matchedMarks: Marks?
            for (position, child) in children.enumerated() {
                var local: Marks? = marks == nil ? nil : Marks()
                if test(child, value, &local) {
                    matches.append(position)
                    matchedMarks = local
                    if matches.count > 1 && !collecting { break }
                }
            }
            if matches.count == 1 {
                if let matchedMarks { marks?.formUnion(matchedMarks) }
                return true
            }
            if collecting {
                reportFailure(keyword, node, value, count: matches.count, other: matches.map(String.init).joined(separator: ", "))
            }
            return false
        case .not(let child):
            var none: Marks?
            if !test(child, value, &none) { return true }
            if collecting { reportFailure(keyword, node, value) }
            return false
        case .conditional(let condition, let thenBranch, let elseBranch):
            var local: Marks? = marks == nil ? nil : Marks()
            if test(condition, value, &local) {
                if let local { marks?.formUnion(local) }
                guard let thenBranch else { return true }
                return apply(thenBranch, value, &marks, "then")
            }
            guard let elseBranch else { return true }
            return apply(elseBranch, value, &marks, "else")
        case .ref(let target):
            return apply(target, value, &marks, "$ref")
        case .dynamicRef(let initial, let name):
            var target = initial
            for resource in scope {
                if let found = program.dynamicAnchors[resource]?[ExactText(name)] {
                    target = found
                    break
                }
            }
            return apply(target, value, &marks, "$dynamicRef")
        default:
            return true
        }
    }
}

/// A string in double quotes, JSON-escaped, cut at 64 characters.
func quoted(_ string: String) -> String {
    brief(.string(string))
}
