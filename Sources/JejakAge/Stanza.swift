/// A recipient stanza of an age header: its arguments (the first names the recipient type)
/// and its body.
///
///     -> X25519 XEl0dJ6y3C7KZkgmgWUicg63EyXJiwBJW8PdYJ/cYBE
///     qRS0AMjdjPvZ/WT08U2KL4G+PIooA3hy38SvLpvaC1E
struct Stanza: Sendable, Hashable {
    /// The arguments, each one or more VCHAR (0x21…0x7E); the first is the type.
    var arguments: [String]
    /// The body, decoded.
    var body: [UInt8]

    /// The recipient type: the first argument.
    var type: String { arguments[0] }

    /// Columns per body line.
    static let columns = 64

    /// Recipient types the spec (or age itself, for SSH keys) defines and this library does not
    /// implement: with no X25519 stanza opened, their presence makes decryption fail with
    /// ``AgeError/Code/unsupportedRecipient`` rather than ``AgeError/Code/noMatch``.
    static let unimplementedTypes: Set<String> = [
        "scrypt", "mlkem768x25519", "p256tag", "mlkem768p256tag", "ssh-ed25519", "ssh-rsa",
    ]

    /// Appends the stanza's encoding to `out`: the argument line, then the body in unpadded
    /// base64 wrapped at 64 columns, ending with a line shorter than 64 (possibly empty).
    func encode(into out: inout [UInt8]) {
        out.append(contentsOf: Array("->".utf8))
        for argument in arguments {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: Array(argument.utf8))
        }
        out.append(0x0A)
        var text = [UInt8]()
        AgeBase64.encode(body, padded: false, into: &text)
        var start = 0
        while text.count - start >= Self.columns {
            out.append(contentsOf: text[start..<(start + Self.columns)])
            out.append(0x0A)
            start += Self.columns
        }
        out.append(contentsOf: text[start...])
        out.append(0x0A)
    }

    /// Checks the arguments and body length of the stanza types the spec defines, whether or
    /// not this library implements them: a stanza a conforming encoder cannot have written
    /// makes the header malformed. Stanzas of other types are not checked.
    ///
    /// - Throws: ``AgeError/Code/malformedHeader`` naming the rule broken.
    func validateShape() throws(AgeError) {
        switch type {
        case X25519Stanza.type:
            try expect(arguments: 2)
            try expect(argument: 1, decodesTo: 32, what: "ephemeral share")
        case "scrypt":
            try expect(arguments: 3)
            try expect(argument: 1, decodesTo: 16, what: "salt")
            let factor = Array(arguments[2].utf8)
            let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
            guard let first = factor.first, first != UInt8(ascii: "0"), factor.allSatisfy(digits.contains) else {
                throw malformed("its work factor is not a decimal number without leading zeros")
            }
            // At most 22 (as age's own implementation): beyond that, decryption would take
            // far too long and is refused.
            guard factor.count <= 2, let value = Int(arguments[2]), value <= Self.maximumScryptWorkFactor else {
                throw malformed("its work factor \(AgeRecipient.quoted(arguments[2])) is above \(Self.maximumScryptWorkFactor)")
            }
        case "mlkem768x25519":
            try expect(arguments: 2)
            try expect(argument: 1, decodesTo: 1120, what: "encapsulated key")
        case "p256tag":
            try expect(arguments: 3)
            try expect(argument: 1, decodesTo: 4, what: "tag")
            try expect(argument: 2, decodesTo: 65, what: "encapsulated key")
        case "mlkem768p256tag":
            try expect(arguments: 3)
            try expect(argument: 1, decodesTo: 4, what: "tag")
            try expect(argument: 2, decodesTo: 1153, what: "encapsulated key")
        default:
            return
        }
        // Every one of these wraps a 16-byte file key with a 16-byte tag; checked before any
        // decryption, against partitioning oracles.
        guard body.count == 32 else {
            throw malformed("its body is \(body.count) bytes, not 32")
        }
    }

    /// The largest scrypt work factor (log2 N) accepted.
    static let maximumScryptWorkFactor = 22

    private func malformed(_ rule: String) -> AgeError {
        AgeError(.malformedHeader, "a \(AgeRecipient.quoted(type)) stanza is malformed: \(rule)")
    }

    private func expect(arguments count: Int) throws(AgeError) {
        guard arguments.count == count else {
            throw malformed("it has \(arguments.count - 1) arguments after the type, not \(count - 1)")
        }
    }

    private func expect(argument index: Int, decodesTo count: Int, what: String) throws(AgeError) {
        guard let value = AgeBase64.decode(arguments[index].utf8, padded: false) else {
            throw malformed("its \(what) is not canonical unpadded base64")
        }
        guard value.count == count else {
            throw malformed("its \(what) is \(value.count) bytes, not \(count)")
        }
    }
}
