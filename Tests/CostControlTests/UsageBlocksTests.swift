import CostControl
import Foundation
import Testing

/// 5-hour blocks over a real ledger: boundaries, gaps, the active block's burn rate and projection,
/// token limits, and the JSON field names ccusage scripts read.
@Suite("5-hour blocks")
struct UsageBlocksTests {
    typealias F = ReportFixtures

    /// - A 10:00–15:00 (first event 10:15): b1 x 1,100 tokens $0.001, b2 y 550 $0.0005, b3 x 110 $0.0001 at 14:59
    /// - B 15:00–20:00: b4 at 15:10, after A's end (10 minutes after b3): 220 tokens
    /// - gap 20:10 (b4 + 5 h) – 21:30 (b5): b5 comes 6 h 20 min after b4
    /// - C 21:00–02:00: b5 330, b6 at exactly 02:00 (5 h after C's start: still C) 440
    /// - gap 07:00–08:20
    /// - D 08:00–13:00, active at 10:00: b7 08:20 and b8 09:20, 3,000 tokens and $0.625 each
    static let events = [
        F.event("b1", "2026-03-12T10:15:00Z", model: "x", input: 1_000, output: 100, micros: 1_000),
        F.event("b2", "2026-03-12T11:00:00Z", model: "y", input: 500, output: 50, micros: 500),
        F.event("b3", "2026-03-12T14:59:00Z", model: "x", input: 100, output: 10, micros: 100),
        F.event("b4", "2026-03-12T15:10:00Z", model: "x", input: 200, output: 20, micros: 200),
        F.event("b5", "2026-03-12T21:30:00Z", model: "x", input: 300, output: 30, micros: 300),
        F.event("b6", "2026-03-13T02:00:00Z", model: "z", input: 400, output: 40, micros: nil),
        F.event("b7", "2026-03-13T08:20:00Z", model: "x", input: 3_000, output: 0, micros: 625_000),
        F.event("b8", "2026-03-13T09:20:00Z", model: "x", input: 2_000, output: 1_000, cacheRead: 500, micros: 625_000),
    ]
    static let now = F.date("2026-03-13T10:00:00Z")

    @Test("boundaries, gaps, the event at exactly the block's end, active block", arguments: ReportLedgerKind.allCases)
    func boundaries(kind: ReportLedgerKind) async throws {
        try await withReportLedger(kind, events: Self.events, now: Self.now) { ledger in
            let report = try await UsageReports(ledger: ledger).blocks(now: Self.now)
            #expect(report.blocks.map(\.id) == [
                "2026-03-12T10:00:00.000Z", "2026-03-12T15:00:00.000Z", "gap-2026-03-12T20:10:00.000Z",
                "2026-03-12T21:00:00.000Z", "gap-2026-03-13T07:00:00.000Z", "2026-03-13T08:00:00.000Z",
            ])
            #expect(report.blocks.map(\.isGap) == [false, false, true, false, true, false])
            #expect(report.blocks.map(\.isActive) == [false, false, false, false, false, true])
            #expect(report.blocks.map(\.amounts.events) == [3, 1, 0, 2, 0, 2])
            #expect(report.blocks.map(\.amounts.tokens.total) == [1_760, 220, 0, 770, 0, 6_000])
            #expect(report.blocks.map(\.end) == [
                F.date("2026-03-12T15:00:00Z"), F.date("2026-03-12T20:00:00Z"), F.date("2026-03-12T21:30:00Z"),
                F.date("2026-03-13T02:00:00Z"), F.date("2026-03-13T08:20:00Z"), F.date("2026-03-13T13:00:00Z"),
            ])
            #expect(report.blocks[0].models == ["x", "y"])
            #expect(report.blocks[0].amounts.cost.decimalString == "0.0016")
            #expect(report.blocks[0].lastEvent == F.date("2026-03-12T14:59:00Z"))
            #expect(report.blocks[3].lastEvent == F.date("2026-03-13T02:00:00Z"))
            #expect(report.blocks[3].amounts.unpricedEvents == 1)
            #expect(report.blocks[0].burnRate == nil)
            #expect(report.largestBlockTokens == 1_760)
            #expect(report.coverage.unpricedTokens == 440)
        }
    }

    @Test("the active block's burn rate and projection to its end")
    func projection() async throws {
        try await withReportLedger(events: Self.events, now: Self.now) { ledger in
            let report = try await UsageReports(ledger: ledger).blocks(now: Self.now)
            let active = try #require(report.active)
            // 6,000 tokens (500 of them cache reads) and $1.25 over the 60 minutes from 08:20 to 09:20;
            // 180 minutes left at 10:00.
            let rate = try #require(active.burnRate)
            #expect(rate.tokensPerMinute == 100)
            #expect(rate.tokensPerMinuteForIndicator == 5_500.0 / 60)
            #expect(abs(rate.costPerHour - 1.25) < 1e-12)
            let projection = try #require(active.projection)
            #expect(projection.remainingMinutes == 180)
            #expect(projection.totalTokens == 6_000 + 100 * 180)
            #expect(projection.totalCost == 5.0)
            #expect(active.amounts.cost.decimalString == "1.25")
            #expect(active.tokenLimitStatus == nil)
        }
    }

    @Test("token limits: a number (80% warns) and max (the largest finished block)")
    func tokenLimits() async throws {
        try await withReportLedger(events: Self.events, now: Self.now) { ledger in
            let reports = UsageReports(ledger: ledger)
            func status(_ limit: TokenLimit) async throws -> TokenLimitStatus? {
                try await reports.blocks(now: Self.now, tokenLimit: limit).active?.tokenLimitStatus
            }
            // Projected 24,000 tokens.
            #expect(try await status(.tokens(30_000))?.status == .ok)  // exactly 80%: not above it
            #expect(try await status(.tokens(29_000))?.status == .warning)
            #expect(try await status(.tokens(23_999))?.status == .exceeds)
            let max = try #require(try await status(.max))
            #expect(max.limit == 1_760)
            #expect(max.projectedUsage == 24_000)
            #expect(max.status == .exceeds)
            #expect(abs(max.percentUsed - 24_000.0 / 1_760.0 * 100) < 1e-9)
            #expect(try TokenLimit(parsing: "max") == .max)
            #expect(try TokenLimit(parsing: "500000") == .tokens(500_000))
            #expect(throws: ControlError.self) { try TokenLimit(parsing: "-3") }
        }
    }

    @Test("no active block once the last event is 5 hours old; a range cuts blocks from its events")
    func inactiveAndRange() async throws {
        try await withReportLedger(events: Self.events, now: Self.now) { ledger in
            let later = F.date("2026-03-13T14:30:00Z")
            let report = try await UsageReports(ledger: ledger).blocks(now: later, tokenLimit: .max)
            #expect(report.active == nil)
            #expect(report.tokenLimit == 6_000)
            let range = try await UsageReports(ledger: ledger).blocks(
                matching: UsageFilter(since: F.date("2026-03-12T15:00:00Z"), until: F.date("2026-03-13T00:00:00Z")),
                now: Self.now)
            #expect(range.blocks.map(\.id) == ["2026-03-12T15:00:00.000Z", "gap-2026-03-12T20:10:00.000Z", "2026-03-12T21:00:00.000Z"])
        }
    }

    @Test("JSON: ccusage's block fields, with nulls for what a block does not have")
    func json() async throws {
        try await withReportLedger(events: Self.events, now: Self.now) { ledger in
            let report = try await UsageReports(ledger: ledger).blocks(now: Self.now, tokenLimit: .max)
            let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
            let blocks = try #require(object["blocks"] as? [[String: Any]])
            let first = blocks[0]
            for key in [
                "id", "startTime", "endTime", "actualEndTime", "isActive", "isGap", "entries", "tokenCounts", "totalTokens",
                "costUSD", "models", "burnRate", "projection",
            ] {
                #expect(first.keys.contains(key), "block field \(key)")
            }
            #expect(first["burnRate"] is NSNull)
            #expect(blocks[2]["actualEndTime"] is NSNull)
            #expect(first["startTime"] as? String == "2026-03-12T10:00:00.000Z")
            #expect(first["actualEndTime"] as? String == "2026-03-12T14:59:00.000Z")
            #expect(first["costUSD"] as? Double == 0.0016)
            #expect(first["costExact"] as? String == "0.0016")
            let counts = try #require(first["tokenCounts"] as? [String: Int])
            #expect(counts == ["inputTokens": 1_600, "outputTokens": 160, "cacheCreationInputTokens": 0, "cacheReadInputTokens": 0])
            let active = try #require(blocks.last)
            let burn = try #require(active["burnRate"] as? [String: Double])
            #expect(Set(burn.keys) == ["tokensPerMinute", "tokensPerMinuteForIndicator", "costPerHour"])
            let projection = try #require(active["projection"] as? [String: Any])
            #expect(projection["totalTokens"] as? Int == 24_000)
            #expect(projection["remainingMinutes"] as? Int == 180)
            let limit = try #require(active["tokenLimitStatus"] as? [String: Any])
            #expect(limit["limit"] as? Int == 1_760)
            #expect(limit["status"] as? String == "exceeds")
            #expect(blocks[0]["tokenLimitStatus"] == nil)
        }
    }
}
