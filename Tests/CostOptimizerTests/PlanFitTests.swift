import CostOptimizer
import CostPricing
import Foundation
import Testing

@Suite("Plan fit")
struct PlanFitTests {
    /// A session a day at 25% of Max 20x (by the meter): that is 5× Pro, so Pro is cut off in every
    /// window and Max 5x sits at exactly 100%, over the 90% fit limit.
    @Test("usage at 25% of Max 20x is 5x Pro: Pro never fits, Max 5x is at its limit, Max 20x stays")
    func quarterOfMax20x() throws {
        let usage = try PlanUsage.daily(cost: "20")
        let report = try PlanUsage.fit(
            usage, current: "claude-max-20x",
            meters: ["session=25%@\(PlanUsage.afterSession(day: 29))", "week=25%@\(PlanUsage.afterSession(day: 27))"])
        #expect(report.family == "claude")
        let pro = try #require(report.result("claude-pro"))
        #expect(!pro.fits)
        #expect(pro.windowsOverLimit >= 30)
        #expect(abs((pro.windows.first { $0.window.kind == "session" }?.peakUtilization ?? 0) - 5.0) < 1e-9)
        let max5 = try #require(report.result("claude-max-5x"))
        #expect(abs((max5.windows.first { $0.window.kind == "session" }?.peakUtilization ?? 0) - 1.0) < 1e-9)
        #expect(!max5.fits)
        #expect(max5.windowsOverLimit == 0)
        let max20 = try #require(report.result("claude-max-20x"))
        #expect(max20.fits)
        #expect(abs((max20.windows.first { $0.window.kind == "session" }?.peakUtilization ?? 0) - 0.25) < 1e-9)
        let recommendation = try #require(report.recommendation)
        #expect(recommendation.planID == "claude-max-20x")
        #expect(recommendation.monthlySaving == .zero)
        #expect(recommendation.reasons.contains { $0.contains("claude-pro would have hit its limit in") })
        // $20 × 30 days of API usage: $600 a month, far above the plan.
        #expect(report.result("api")?.monthlyCost == (try Money(parsing: "600")))
        #expect(report.calibrations.map(\.source) == [.meter, .meter])
        #expect(recommendation.confidence.calibration == 1)
        #expect(recommendation.confidence.coverage == 1)
        #expect(recommendation.confidence.value > 0.8)
    }

    @Test("at 20% of Max 20x, Max 5x carries it at 80% and saves $100 a month; Pro still does not fit")
    func fifthOfMax20x() throws {
        let usage = try PlanUsage.daily(cost: "20")
        // The week meter is read at the end of a full week (first-use weeks start on days 0, 7, 14, 21, 28).
        let meters = ["session=20%@\(PlanUsage.afterSession(day: 29))", "week=20%@\(PlanUsage.afterSession(day: 27))"]
        let report = try PlanUsage.fit(usage, current: "claude-max-20x", meters: meters)
        let recommendation = try #require(report.recommendation)
        #expect(recommendation.planID == "claude-max-5x")
        #expect(recommendation.monthlySaving == (try Money(parsing: "100")))
        #expect(report.result("claude-max-5x")?.fits == true)
        #expect(abs((report.result("claude-max-5x")?.windows.first?.peakUtilization ?? 0) - 0.8) < 1e-9)
        #expect(report.result("claude-pro")?.fits == false)
        // Headroom: peak and p95 at 80% of the allowance, 30 points into the 50–90% band.
        #expect(abs(recommendation.confidence.headroom - 0.25) < 1e-9)
    }

    @Test("a plan fits at exactly 90% of its allowance and not one attodollar above")
    func boundary() throws {
        let catalog = try PlanCatalog(files: [(Data(#"""
            {"plans": [
              {"id": "api", "name": "API", "family": "api", "monthly_price": "0", "billing": "metered"},
              {"id": "small", "name": "Small", "family": "t", "providers": ["anthropic"], "monthly_price": "1",
               "billing": "subscription", "windows": [{"kind": "session", "measure": "api_cost", "length_hours": 5,
               "allowance": "10", "estimate": false}]}
            ]}
            """#.utf8), "test")])
        let atLimit = try PlanUsage.session(day: 3, cost: "9", requests: 1)
        #expect(try PlanUsage.fit(atLimit, catalog: catalog).result("small")?.fits == true)
        var over = atLimit
        over[0].apiCost = Money(units: over[0].apiCost.units + 1)
        let report = try PlanUsage.fit(over, catalog: catalog)
        #expect(report.result("small")?.fits == false)
        #expect(report.result("small")?.windowsOverLimit == 0)
    }

    @Test("bursts over a lower plan in three windows keep the higher plan")
    func bursts() throws {
        var usage = try PlanUsage.daily(cost: "10")
        for day in [4, 15, 26] { usage += try PlanUsage.session(day: day, hour: 18, cost: "42") }
        let report = try PlanUsage.fit(usage, current: "claude-max-20x")
        let max5 = try #require(report.result("claude-max-5x"))
        // Max 5x's estimated session is $35: the three $42 sessions go over it.
        #expect(max5.windowsOverLimit == 3)
        #expect(!max5.fits)
        let recommendation = try #require(report.recommendation)
        #expect(recommendation.planID != "claude-max-5x" && recommendation.planID != "claude-pro")
        #expect(recommendation.reasons.contains { $0.contains("claude-max-5x would have hit its limit in 3 of") })
        // Estimates, not a meter: the calibration component says so.
        #expect(recommendation.confidence.calibration == CalibrationSource.estimate.confidenceFactor)
        #expect(report.notes.contains { $0.contains("public estimates") })
    }

    @Test("four days of data give a low confidence, and the report says so")
    func littleData() throws {
        let usage = try PlanUsage.daily(cost: "2", days: 26..<30)
        let report = try PlanUsage.fit(usage, current: "claude-max-5x")
        let recommendation = try #require(report.recommendation)
        #expect(recommendation.confidence.coverage < 0.15)
        #expect(recommendation.confidence.value < 0.15)
        #expect(report.notes.contains { $0.contains("confidence is low") })
        #expect(report.notes.contains { $0.contains("no trend") })
    }

    @Test("growing usage keeps a plan that fits only today from being recommended, and lowers confidence")
    func growingUsage() throws {
        // $8 sessions for three weeks, then $20: on Max 5x's estimated $35 session the fullest window
        // is at 57%, which fits, but the last week is 2.5× the weeks before (57% × 2.5 is over 90%);
        // the API would cost $324 a month.
        var usage = try PlanUsage.daily(cost: "8", days: 0..<23)
        usage += try PlanUsage.daily(cost: "20", days: 23..<30)
        let report = try PlanUsage.fit(usage, current: "claude-max-20x")
        let recommendation = try #require(report.recommendation)
        #expect(abs(recommendation.confidence.growth - 1.5) < 1e-9)
        #expect(recommendation.confidence.trend == 0)
        let max5 = try #require(report.result("claude-max-5x"))
        #expect(max5.fits && !max5.fitsWithTrend)
        #expect(recommendation.planID == "claude-max-20x")
        #expect(recommendation.reasons.contains { $0.contains("claude-max-5x fits today") })
    }

    @Test("a rate-limit refusal calibrates the current plan's session, and the others by their ratios")
    func rateLimitCalibration() throws {
        var usage = try PlanUsage.daily(cost: "3")
        let refusalTime = PlanUsage.since.addingTimeInterval(10 * 86_400 + 9 * 3_600 + 2_400)
        usage.append(
            PlanUsageSample(
                timestamp: refusalTime, provider: "anthropic", model: "claude-sonnet-4-5", apiCost: .zero, requests: 0,
                isRateLimit: true, resetsAt: refusalTime.addingTimeInterval(5 * 3_600 - 2_400)))
        let report = try PlanUsage.fit(usage, current: "claude-pro")
        let session = try #require(report.calibrations.first { $0.window == "session" })
        #expect(session.source == .rateLimit)
        #expect(session.allowance == (try Money(parsing: "3")).units)
        #expect(report.refusals == 1)
        // Max 5x = 5 × Pro's calibrated $3 session.
        #expect(report.result("claude-max-5x")?.windows.first { $0.window.kind == "session" }?.allowance == (try Money(parsing: "15")).units)
        #expect(report.result("claude-pro")?.fits == false)
    }

    @Test("a meter reading needs a current plan, a window kind it has, and usage in that window")
    func meterErrors() throws {
        let usage = try PlanUsage.daily(cost: "3")
        #expect(throws: OptimizerError.self) { try PlanUsage.fit(usage, meters: ["session=10%@2026-11-20T12:00Z"]) }
        let noKind = #expect(throws: OptimizerError.self) {
            try PlanUsage.fit(usage, current: "claude-pro", meters: ["month=10%@2026-11-20T12:00Z"])
        }
        #expect(noKind?.message.contains("session, week") == true)
        let empty = #expect(throws: OptimizerError.self) {
            try PlanUsage.fit(usage, current: "claude-pro", meters: ["session=10%@2026-11-20T03:00Z"])
        }
        #expect(empty?.code == .uncalibratable)
        #expect(throws: OptimizerError.self) { try PlanUsage.fit(usage, current: "claude-ultra") }
        for plan in ["api", "chatgpt-pro"] {
            let unmetered = #expect(throws: OptimizerError.self) {
                try PlanUsage.fit(usage, current: plan, meters: ["session=10%@2026-11-20T12:00Z"])
            }
            #expect(unmetered?.message == "\(plan) has no usage windows, so it has no meter to read")
        }
    }

    @Test("Gemini's free tier counts requests per Pacific day; the paid tier carries them at API prices")
    func geminiDailyCaps() throws {
        // 120 requests to gemini-2.5-pro between 08:00 and 20:00 UTC on one day: one Pacific day.
        let day = PlanUsage.since.addingTimeInterval(20 * 86_400 + 8 * 3_600)
        let usage = (0..<120).map { i in
            PlanUsageSample(
                timestamp: day.addingTimeInterval(Double(i) * 360), provider: "google", model: "gemini-2.5-pro",
                apiCost: Money(units: 1_000_000_000_000_000), requests: 1, tokens: 1_000)
        }
        let report = try PlanUsage.fit(usage)
        #expect(report.family == "gemini")
        let free = try #require(report.result("gemini-free"))
        #expect(free.windowsOverLimit == 1)
        #expect(abs(free.peakUtilization - 1.2) < 1e-9)
        #expect(report.result("gemini-tier-1")?.fits == true)
        #expect(report.recommendation?.planID != "gemini-free")
        // Split across Pacific midnight (08:00 UTC in November), the same 120 requests are two days.
        let split = usage.map { sample in
            var moved = sample
            moved.timestamp = sample.timestamp.addingTimeInterval(-6 * 3_600)
            return moved
        }
        #expect(try PlanUsage.fit(split).result("gemini-free")?.fits == true)
    }

    @Test("stability is the share of resampled months that keep the answer, the same for the same seed")
    func bootstrapStability() throws {
        // $1.50 sessions on 12 of 30 days: $18 a month at API prices, under Pro's $20 (Free's $1.40
        // session is too small). A resampled month draws 30 days from the 30 observed; it costs more
        // than $20 when it draws 14 or more session days: P(Binomial(30, 0.4) ≥ 14) ≈ 0.29.
        let usage = try (0..<30).filter { [0, 2].contains($0 % 5) }.flatMap { try PlanUsage.session(day: $0, cost: "1.5") }
        let options = PlanFitOptions().with { $0.resamples = 2_000 }
        let a = try PlanUsage.fit(usage, options: options, seed: 3)
        let recommendation = try #require(a.recommendation)
        #expect(recommendation.planID == "api")
        #expect(a.result("claude-free")?.fits == false)
        #expect(abs(recommendation.confidence.stability - 0.71) < 0.04)
        let b = try PlanUsage.fit(usage, options: options, seed: 3)
        #expect(b.recommendation == recommendation)
    }
}
