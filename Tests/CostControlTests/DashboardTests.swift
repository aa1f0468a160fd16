import CostControl
import Foundation
import Testing

/// `DashboardSnapshot.gather` on a real SQLite database and `DashboardLayout.frame`, a pure
/// function of the snapshot and the terminal's size (no terminal needed).
@Suite("Watch dashboard")
struct DashboardTests {
    static let now = Date(timeIntervalSince1970: 1_795_435_200)  // 2026-11-23T12:00:00Z

    /// A snapshot with known numbers.
    static func snapshot(models: Int = 3, alerts: Int = 2) -> DashboardSnapshot {
        var s = DashboardSnapshot(
            at: now, timeZone: TimeZone(identifier: "UTC") ?? .gmt, todayCost: Money("42.5")!, todayRequests: 1_204, todayTokens: 9_800_000)
        s.models = (0..<models).map { i in
            DashboardSnapshot.ModelSpend(
                provider: "openai", model: "model-\(i)", cost: Money(units: Int128(10 - i) * 1_000_000_000_000_000_000), requests: 100 + i,
                share: Double(10 - i) / 100)
        }
        s.alerts = (0..<alerts).map { i in
            DashboardSnapshot.ActiveAlert(key: "a\(i)", kind: "budget-level", severity: "warning", at: now, title: "alert number \(i)")
        }
        s.alertCount = alerts
        s.month = DashboardSnapshot.MonthOutlook(
            month: "2026-11", spent: Money("812.4")!, projected: Money("1100")!, lower: Money("1000")!, upper: Money("1200")!, trend: "rising",
            budget: "all-monthly", limit: Money("1000")!, status: "over")
        return s
    }

    @Test("every line fits the width, the frame fits the height, the footer is last", arguments: [(120, 40), (80, 24), (50, 30), (30, 12), (200, 60)])
    func fits(width: Int, height: Int) {
        let lines = DashboardLayout.frame(Self.snapshot(models: 12, alerts: 9), width: width, height: height, footer: "q quit")
        #expect(lines.count <= height)
        #expect(lines.allSatisfy { $0.count <= width }, "\(lines.filter { $0.count > width })")
        #expect(lines.last == "q quit")
        #expect(lines[1] == String(repeating: "─", count: width))
    }

    @Test("the sections and their numbers; bars grow with the width")
    func sections() {
        let wide = DashboardLayout.frame(Self.snapshot(), width: 120, height: 40)
        let text = wide.joined(separator: "\n")
        for expected in [
            "costctl watch · all teams · 2026-11-23 12:00:00 UTC", "TODAY  $42.50 spent · 1,204 requests · 9.8M tokens", "BUDGETS",
            "no budgets", "SPEND BY MODEL (TODAY)", "model-0", "$10.00", "KEYS", "ALERTS (2 unacknowledged)", "alert number 1",
            "MONTH 2026-11", "spent $812.40 · projected $1,100.00 (95%: $1,000.00–$1,200.00) · trend rising", "budget all-monthly $1,000.00: over",
        ] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        func barLength(_ lines: [String]) -> Int {
            lines.first { $0.contains("model-0") }.map { $0.filter { $0 == "█" || $0 == "░" }.count } ?? 0
        }
        let narrow = DashboardLayout.frame(Self.snapshot(), width: 80, height: 40)
        #expect(barLength(wide) > barLength(narrow) && barLength(narrow) > 0)
        #expect(barLength(DashboardLayout.frame(Self.snapshot(), width: 40, height: 40)) == 0)
        // model-0 has the largest share: a full bar
        #expect(wide.first { $0.contains("model-0") }?.contains("░") == false)
    }

    @Test("a short window keeps the head and footer and cuts the longest lists with '… N more'")
    func shortWindow() {
        let lines = DashboardLayout.frame(Self.snapshot(models: 30, alerts: 4), width: 100, height: 24)
        #expect(lines.count == 24)
        #expect(lines.contains { $0.contains("… ") && $0.contains(" more") })
        #expect(lines.contains("MONTH 2026-11") && lines.contains { $0.hasPrefix("ALERTS") })
        let shown = lines.filter { $0.contains("model-") }.count
        #expect(shown > 0 && shown < 30)
        #expect(lines.contains("  … \(30 - shown) more"))
    }

    @Test("gathered from the demo database: today's spend, budgets, keys with next reset, unacknowledged alerts, the month")
    func gather() async throws {
        let fixture = try await MetricsFixture.make()
        defer { fixture.remove() }
        let sources = try DashboardSources.open(paths: fixture.paths, catalog: try PriceCatalog.bundled())
        let zone = TimeZone(identifier: "UTC") ?? .gmt
        let snapshot = try await DashboardSnapshot.gather(from: sources, timeZone: zone, at: fixture.now)
        let ledger = try LedgerStore.open(paths: fixture.paths, catalog: try PriceCatalog.bundled())
        let local = LocalTime(zone)
        let today = try await ledger.query(UsageQuery(filter: UsageFilter(since: local.startOfDay(fixture.now), until: fixture.now.addingTimeInterval(1))))
        #expect(snapshot.todayCost == today.totals.cost && !snapshot.todayCost.isZero)
        #expect(snapshot.models.map(\.cost).reduce(Money.zero, +) == snapshot.todayCost)
        #expect(snapshot.budgets.map(\.budget.name) == ["demo-all-7d", "demo-platform-monthly"])
        #expect(snapshot.keys.map(\.id) == ["k1", "k2"])
        #expect(snapshot.keys.first?.fullest?.nextReset != nil)
        #expect(snapshot.alertCount == 2 && Set(snapshot.alerts.map(\.key)) == ["a1", "a2"])
        #expect(snapshot.month != nil)
        let lines = DashboardLayout.frame(snapshot, width: 120, height: 40)
        #expect(lines.contains { $0.contains("k1") && $0.contains("25.0% tokens") && $0.contains("resets") })
        #expect(lines.contains { $0.contains("demo-platform-monthly") })
        let json = String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self)
        #expect(!json.contains("PLANTED"))

        let team = try await DashboardSnapshot.gather(from: sources, team: "platform", timeZone: zone, at: fixture.now)
        #expect(team.budgets.map(\.budget.name) == ["demo-all-7d", "demo-platform-monthly"])
        #expect(team.todayCost < snapshot.todayCost)
        let nobody = try await DashboardSnapshot.gather(from: sources, team: "nobody", timeZone: zone, at: fixture.now)
        #expect(nobody.todayCost.isZero && nobody.models.isEmpty && nobody.budgets.map(\.budget.name) == ["demo-all-7d"])
    }
}
