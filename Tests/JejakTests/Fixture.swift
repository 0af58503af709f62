import Foundation
import Jejak
import JejakCrypto
import JejakJSON
import JejakTestSupport
import JejakTlog

/// A real ledger in a temp directory, with its authority key and helpers to register units.
struct LedgerFixture {
    let dir: TemporaryDirectory
    let ledger: Ledger
    let authority: RegistryAuthority
    let origin = "test.jejak.kpu.go.id/ledger"

    static func make(validator: any EventValidator = AcceptAllValidator(), durable: Bool = false) async throws -> LedgerFixture {
        let dir = TemporaryDirectory(create: false)
        var options = Ledger.Options()
        options.validator = validator
        options.durable = durable
        let authorityKey = try SignerKey.generate(name: "test.jejak.kpu.go.id/authority")
        let ledger = try await Ledger.create(at: dir.path, origin: "test.jejak.kpu.go.id/ledger",
                                             authorityKey: authorityKey, options: options)
        return LedgerFixture(dir: dir, ledger: ledger, authority: RegistryAuthority(key: authorityKey))
    }

    /// Registers a unit with one fresh key; returns the key.
    @discardableResult
    func unit(_ id: String, role: UnitRole = .biro) async throws -> SignerKey {
        let key = try SignerKey.generate(name: id)
        _ = try await ledger.append([try authority.registerUnit(id, name: id.uppercased(), role: role),
                                     try authority.addKey(key.verifierKey)])
        return key
    }

    func event(_ key: SignerKey, id: String = UnitPublisher.randomID(), type: String = "id.go.kpu.jejak.test.noted.v1",
               subject: String = "exchange/1", data: JSONValue = ["n": 1]) throws -> SignedEvent {
        try UnitPublisher(key: key, ledger: ledger).sign(type: type, subject: subject, data: data, id: id)
    }
}
