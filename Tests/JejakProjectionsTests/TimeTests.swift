import Jejak
import JejakDomain
@testable import JejakProjections
import JejakDemo
import Testing

@Suite struct TimeTests {
    @Test func ledgerTimesFormatAndParseBack() {
        var times: [Int64] = [0, 1, 999, 86_399_999, 86_400_000, -1, -86_400_001, 951_782_400_000, 1_767_225_599_999,
                              1_767_225_600_000, 253_402_300_799_999]
        var x: Int64 = 12_345
        for _ in 0..<2000 {
            x = (x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407) & 0x7fff_ffff_ffff
            times.append(x % 4_000_000_000_000)
        }
        for ms in times {
            let t = LedgerTime(millisecondsSinceEpoch: ms)
            #expect(t.rfc3339.utf8.count == LedgerTime.encodedLength, "\(ms)")
            #expect(LedgerTime(rfc3339: t.rfc3339) == t, "\(ms): \(t.rfc3339)")
        }
        #expect(LedgerTime(millisecondsSinceEpoch: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(LedgerTime(millisecondsSinceEpoch: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
        #expect(LedgerTime(millisecondsSinceEpoch: 951_782_400_000).rfc3339 == "2000-02-29T00:00:00.000Z")
        #expect(LedgerTime(millisecondsSinceEpoch: 253_402_300_800_000).rfc3339 == "10000-01-01T00:00:00.000Z")
        // Formatted on the stack, the same bytes, also for years of more than four digits or
        // before year 0.
        for ms in times + [253_402_300_800_000, -62_167_219_200_001, .max, .min] {
            let t = LedgerTime(millisecondsSinceEpoch: ms)
            #expect(t.withRFC3339 { String(decoding: $0, as: UTF8.self) } == t.rfc3339, "\(ms)")
        }
        #expect(LedgerTime(millisecondsSinceEpoch: -62_167_219_200_001).rfc3339 == "-1-12-31T23:59:59.999Z")
        // Any value formats (times from a leaf have four-digit years, but the type takes any).
        #expect(LedgerTime(millisecondsSinceEpoch: .max).rfc3339 == "292278994-08-17T07:12:55.807Z")
        #expect(LedgerTime(millisecondsSinceEpoch: .min).rfc3339 == "-292275055-05-16T16:47:04.192Z")
        #expect(!ReadModelTimeZone.wib.date(of: LedgerTime(millisecondsSinceEpoch: .max)).isEmpty)
    }

    @Test func datesAndMonthsAreTakenInTheReadModelsZone() throws {
        let t = try #require(LedgerTime(rfc3339: "2026-01-31T17:30:00.000Z"))
        #expect(ReadModelTimeZone.wib.date(of: t) == "2026-02-01")
        #expect(ReadModelTimeZone.wib.month(of: t) == "2026-02")
        #expect(ReadModelTimeZone(offsetMinutes: 0).month(of: t) == "2026-01")
    }

    @Test func theScenarioClockFollowsEventTimesAndNeverGoesBack() throws {
        let clock = ScenarioClock(start: try #require(LedgerTime(rfc3339: "2026-01-01T00:00:00.000Z")))
        let instant = try #require(ScenarioClock.instant(of: "2026-01-05T12:40:00+07:00"))
        #expect(instant.rfc3339 == "2026-01-05T05:40:00.000Z")
        clock.advance(to: instant)
        #expect(clock.ledgerClock() == instant)
        clock.advance(to: try #require(ScenarioClock.instant(of: "2026-01-04T00:00:00Z")))
        #expect(clock.now == instant)
        #expect(ScenarioClock.instant(of: "2026-01-05T12:40:00.25+08:00")?.rfc3339 == "2026-01-05T04:40:00.250Z")
        #expect(ScenarioClock.instant(of: "5 January") == nil)
    }
}
