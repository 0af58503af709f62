import ArgumentParser
import Foundation
import Jejak
import JejakAge
import JejakBase
import JejakCommands
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakOfflineCommands

extension KeyCommand {
    /// `jejak key identity --out FILE`: a unit's age identity, for opening sealed content.
    struct Identity: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("Generate an age X25519 identity: the identity into a 0600 file (as age-keygen writes it), the recipient on stdout.",
                                id: "Membuat identitas age X25519: identitas ke berkas bermode 0600 (seperti yang ditulis age-keygen), penerima ke stdout."),
            discussion: localized("""
                The registry authority then adds the recipient to the unit, and content sealed \
                to the unit from then on opens with the file (also with the standard age tool).
                Example:
                  jejak unit add-recipient biro-keuangan --recipient "$(jejak key identity --out biro-keuangan.age)"
                """, id: """
                Otoritas registri kemudian menambahkan penerima itu ke unit, dan isi yang disegel \
                untuk unit sejak saat itu dapat dibuka dengan berkas ini (juga dengan perangkat age standar).
                Contoh:
                  jejak unit add-recipient biro-keuangan --recipient "$(jejak key identity --out biro-keuangan.age)"
                """))

        @Option(help: localizedHelp("The identity file to create (refused if it exists).", id: "Berkas identitas yang akan dibuat (ditolak jika sudah ada).", valueName: "file"))
        var out: String

        func run() throws {
            let identity = AgeIdentity.generate()
            try attempt { try AgeIdentityFile.write(identity, to: out) }
            print(identity.recipient)
        }
    }
}

extension UnitCommand {
    /// The arguments of a recipient change.
    struct RecipientChange: ParsableArguments {
        @OptionGroup var ledgerOption: LedgerOption
        @OptionGroup var authorityOption: AuthorityOption
        @Argument(help: localizedHelp("The unit id.", id: "ID unit.", valueName: "unit"))
        var unit: String
        @Option(help: localizedHelp("The age recipient (age1…), or @FILE holding one.", id: "Penerima age (age1…), atau @FILE yang memuatnya.", valueName: "recipient"))
        var recipient: String
        @Option(help: localizedHelp("Write the receipt (tlog-proof) to this file.", id: "Tulis tanda terima (tlog-proof) ke berkas ini.", valueName: "file"))
        var receipt: String?

        func append(_ make: (RegistryAuthority, AgeRecipient) throws -> SignedEvent) async throws {
            let text = recipient.hasPrefix("@") ? try readPublicText(String(recipient.dropFirst()), what: localized("a recipient", id: "penerima")) : recipient
            let parsed = try attempt { try AgeRecipient(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines)) }
            let ledger = try ledgerOption.open(readOnly: false)
            defer { ledger.close() }
            let authority = try authorityOption.authority(for: ledger)
            let event = try attempt { try make(authority, parsed) }
            try await UnitCommand.append(event, to: ledger, receiptPath: receipt)
        }
    }

    struct AddRecipient: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-recipient",
            abstract: localized("Add an encryption recipient (age1…) to a unit: its sealed content is sealed to its newest one.",
                                id: "Menambahkan penerima enkripsi (age1…) ke sebuah unit: isi yang disegel untuk unit itu disegel untuk penerima terbarunya."),
            discussion: helpExamples("jejak unit add-recipient biro-keuangan --recipient \"$(jejak key identity --out biro-keuangan.age)\""))
        @OptionGroup var change: RecipientChange

        func run() async throws {
            try await change.append { authority, r in try authority.addRecipient(r, to: change.unit) }
        }
    }

    struct RevokeRecipient: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-recipient",
            abstract: localized("Revoke a unit's encryption recipient: nothing is sealed to it again; old content still opens with its identity.",
                                id: "Mencabut penerima enkripsi sebuah unit: tidak ada lagi yang disegel untuknya; isi lama tetap dapat dibuka dengan identitasnya."),
            discussion: helpExamples("jejak unit revoke-recipient biro-keuangan --recipient age1… --reason \"laptop lost\""))
        @OptionGroup var change: RecipientChange
        @Option(help: localizedHelp("Why the recipient is revoked.", id: "Alasan penerima dicabut."))
        var reason: String

        func run() async throws {
            try await change.append { authority, r in try authority.revokeRecipient(r, of: change.unit, reason: reason) }
        }
    }
}

/// Where an event is named: a log index, or `--event ID`.
struct EntrySelector: ParsableArguments {
    @Argument(help: localizedHelp("The entry's log index.", id: "Indeks log entri.", valueName: "index"))
    var index: UInt64?
    @Option(name: .customLong("event"), help: localizedHelp("The event id, instead of the index.", id: "ID peristiwa, sebagai pengganti indeks.", valueName: "id"))
    var eventID: String?

    func entry(in ledger: Ledger) throws -> LogEntry {
        if let index { return try attempt { try ledger.entry(at: index) } }
        guard let eventID else { throw ValidationError(localized("Give the entry's index or --event ID.", id: "Berikan indeks entri atau --event ID.")) }
        guard let entry = try attempt({ try ledger.entry(eventID: eventID) }) else {
            throw CLIFailure(description: localized("no event \"\(eventID)\" is in the log", id: "tidak ada peristiwa \"\(eventID)\" di log"))
        }
        return entry
    }
}

/// Opens the sealed content of `entry` as `reader`.
func openSealed(_ entry: LogEntry, identity: IdentityOption, ledger: Ledger) throws -> (SealedMember, OpenedContent) {
    guard let reader = try identity.reader(registry: try attempt { try ledger.registry() }) else {
        throw ValidationError(localized("Give --identity FILE: sealed content opens only with the identity of a unit it is sealed to.",
                                        id: "Berikan --identity FILE: isi tersegel hanya dapat dibuka dengan identitas unit yang menjadi tujuan penyegelannya."))
    }
    guard let member = try attempt({ try SealedMember.parse(entry.event.data) }) else {
        throw CLIFailure(description: localized("entry \(entry.index) carries no sealed content: its data is in the clear (jejak show \(entry.index))",
                                                id: "entri \(entry.index) tidak memuat isi tersegel: datanya terbuka (jejak show \(entry.index))"))
    }
    let opened = try attempt { try SealedContent.open(member, with: reader.identities, as: reader.unit) }
    guard opened.matches(member.commitment) else {
        throw CLIFailure(description: localized(
            "the content of entry \(entry.index) opens but does not match the commitment its event signed; report it (jejak inspect --identity) [commitmentMismatch]",
            id: "isi entri \(entry.index) dapat dibuka tetapi tidak cocok dengan komitmen yang ditandatangani peristiwanya; laporkan hal ini (jejak inspect --identity) [commitmentMismatch]"))
    }
    return (member, opened)
}

struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: localized("Show a sealed event's content to one of its recipients: the event's data as if published in the clear.",
                            id: "Menampilkan isi peristiwa tersegel kepada salah satu penerimanya: data peristiwa seolah-olah diterbitkan secara terbuka."),
        discussion: localized("""
            Example:
              jejak open 812 --identity inspektorat.age
            The content is checked against the commitment the event signed before it is shown.
            """, id: """
            Contoh:
              jejak open 812 --identity inspektorat.age
            Isi diperiksa terhadap komitmen yang ditandatangani peristiwa sebelum ditampilkan.
            """))
    @OptionGroup var ledgerOption: LedgerOption
    @OptionGroup var selector: EntrySelector
    @OptionGroup var identity: IdentityOption

    func run() throws {
        let ledger = try ledgerOption.open(readOnly: true)
        defer { ledger.close() }
        let entry = try selector.entry(in: ledger)
        let (member, opened) = try openSealed(entry, identity: identity, ledger: ledger)
        let recipients = member.to.joined(separator: ", ")
        note(localized("Entry \(entry.index) (\(entry.event.type)), sealed to \(recipients); the content matches its commitment.",
                       id: "Entri \(entry.index) (\(entry.event.type)), disegel untuk \(recipients); isinya cocok dengan komitmennya."))
        print(JSONWriter.string(SealedContent.clearData(entry.event.data, opened: opened)))
    }
}

struct DiscloseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disclose",
        abstract: localized("Write a disclosure of a sealed event's content that anyone can check offline against the signed event.",
                            id: "Menulis pengungkapan isi peristiwa tersegel yang dapat diperiksa siapa pun secara luring terhadap peristiwa bertanda tangan."),
        discussion: localized("""
            The disclosure holds the entry, its receipt, the commitment key and the content: \
            whoever receives it reads the content and checks it with `jejak verify-disclosure` \
            (or Tools/verify-disclosure.py), without any identity.
            Example:
              jejak disclose 812 --identity inspektorat.age --out 812.disclosure.json
            """, id: """
            Pengungkapan memuat entri, tanda terimanya, kunci komitmen, dan isinya: \
            siapa pun yang menerimanya dapat membaca isi dan memeriksanya dengan `jejak verify-disclosure` \
            (atau Tools/verify-disclosure.py), tanpa identitas apa pun.
            Contoh:
              jejak disclose 812 --identity inspektorat.age --out 812.disclosure.json
            """))
    @OptionGroup var ledgerOption: LedgerOption
    @OptionGroup var selector: EntrySelector
    @OptionGroup var identity: IdentityOption
    @Option(help: localizedHelp("The disclosure file to write.", id: "Berkas pengungkapan yang akan ditulis.", valueName: "file"))
    var out: String

    func run() throws {
        let ledger = try ledgerOption.open(readOnly: true)
        defer { ledger.close() }
        let entry = try selector.entry(in: ledger)
        let (_, opened) = try openSealed(entry, identity: identity, ledger: ledger)
        let receipt = try attempt { try ledger.receipt(index: entry.index) }
        let disclosure = Disclosure(entry: entry, receipt: receipt, opened: opened)
        try writeFile(String(decoding: disclosure.serialized, as: UTF8.self), to: out)
        note(localized("Wrote \(out): the content of entry \(entry.index), with its receipt and commitment key. Whoever holds it can read the content.",
                       id: "\(out) ditulis: isi entri \(entry.index), beserta tanda terima dan kunci komitmennya. Siapa pun yang memegangnya dapat membaca isinya."))
    }
}
