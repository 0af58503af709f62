import Foundation
import GRDB
import Jejak
import JejakAge
import JejakDemo
import JejakDomain
import JejakProjections
import JejakTestSupport
import Testing

@Suite struct SealedReadModelTests {
    /// Builds the built-in read models of `fixture` for `reader` into a new file.
    private func build(_ fixture: ScenarioLedger, _ name: String, reader: SealedContentReader?) async throws -> ReadModels {
        let database = try ReadModelDatabase.openForWriting(path: fixture.directory.file(name))
        _ = try await ProjectionRunner(ledger: fixture.ledger, database: database, projections: ReadModels.builtIn(reader: reader)).catchUp()
        return ReadModels(reader: database)
    }

    @Test func eachStakeholderReadsWhatIsSealedToItAndNothingElse() async throws {
        let fixture = try await ScenarioLedger.make(sealed: true)
        defer { fixture.cleanUp() }
        // The scenario's clear titles, by exchange.
        var titles: [String: String] = [:]
        for e in fixture.scenario.events where e.type == .exchangeRequested || e.type == .exchangeDistributed {
            titles[e.subject] = e.data["title"]?.stringValue
        }
        let reader = { (unit: String) throws -> SealedContentReader in
            SealedContentReader(unit: unit, identities: [try #require(fixture.report.identities[unit])])
        }

        let publik = try await build(fixture, "publik.sqlite", reader: nil).exchanges()
        #expect(publik.count == titles.count)
        for x in publik {
            let restricted = x.classification == "terbatas" || x.classification == "rahasia"
            #expect(x.sealed == restricted && (x.sealedTo != nil) == restricted, "\(x.id)")
            #expect(x.title == (restricted ? nil : titles[x.id]), "\(x.id)")
            if restricted {
                let parties = [x.requester, x.provider] + (x.recipients ?? [])
                #expect(Set(x.sealedTo ?? []) == Set(parties + ["inspektorat"]), "\(x.id)")
            }
        }
        #expect(publik.contains { $0.sealed } && publik.contains { !$0.sealed })

        let inspektorat = try await build(fixture, "inspektorat.sqlite", reader: try reader("inspektorat")).exchanges()
        #expect(inspektorat.allSatisfy { !$0.sealed && $0.title == titles[$0.id] })

        let unit = "biro-keuangan"
        let bureau = try await build(fixture, "bureau.sqlite", reader: try reader(unit))
        let rows = try bureau.exchanges()
        for x in rows where x.sealedTo != nil {
            let party = x.sealedTo?.contains(unit) == true
            #expect(x.sealed == !party && x.title == (party ? titles[x.id] : nil), "\(x.id)")
        }
        #expect(rows.contains { $0.sealedTo != nil && !$0.sealed } && rows.contains { $0.sealed })
        // Its timelines hold the content of what it can read: a delivery's items, a reason.
        let readable = try #require(rows.first { $0.sealedTo != nil && !$0.sealed && $0.deliveries > 0 })
        let timeline = try bureau.timeline(of: readable.id)
        #expect(timeline.contains { $0.type == "delivered" && $0.items != nil && !$0.sealed })
        let hidden = try #require(rows.first { $0.sealed && $0.deliveries > 0 })
        #expect(try bureau.timeline(of: hidden.id).allSatisfy { $0.items == nil && $0.sealed == ($0.sealedTo != nil) })
    }

    @Test func aReadModelFileHoldsOneReadersViewOnly() async throws {
        let fixture = try await ScenarioLedger.make(sealed: true)
        defer { fixture.cleanUp() }
        _ = try await build(fixture, "rm.sqlite", reader: nil)
        let identity = try #require(fixture.report.identities["inspektorat"])
        do {
            _ = try await build(fixture, "rm.sqlite", reader: SealedContentReader(unit: "inspektorat", identities: [identity]))
            Issue.record("expected readerMismatch")
        } catch let error as ProjectionError {
            #expect(error.code == .readerMismatch, "\(error)")
            #expect(error.message.contains("another --db file"))
        }
    }
}
