import CostControl
import Foundation
import Testing

/// `costctl forecast` and `costctl anomalies`, run as real processes on a real SQLite file filled
/// through the library, with timestamps relative to now (the commands forecast from the clock).
@Suite("costctl forecast and anomalies")
struct ForecastCLITests {
    static let utc = TimeZone(identifier: "UTC") ?? .gmt

    /// Midnight UTC `days` days before today.
    static func dayStart(_ days: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        let today = calendar.startOfDay(for: Date())
        return calendar.date(byAdding: .day, value: -days, to: today) ?? today
    }

    /// One gpt-4o event at noon, `days` days ago, costing `dollars` ($2.50 per million input tokens).
    static func event(team: String, daysAgo days: Int, dollars: Double, status: EventStatus = .ok, id: String) -> UsageEvent {
        UsageEvent(
            id: id, timestamp: dayStart(days).addingTimeInterval(12 * 3600), provider: "openai", model: "gpt-4o",
            usage: Usage(inputTokens: Int((dollars * 400_000).rounded())), dimensions: UsageDimensions(team: team), status: status)
    }

    static func fill(_ db: String, _ events: [UsageEvent]) async throws {
        let ledger = try LedgerStore.open(paths: ControlPaths(database: db), environment: [:])
        _ = try await ledger.record(contentsOf: events)
    }

    @Test("forecast --by team: exact spend, flat projection, budgets over and on track, stable JSON")
    func forecastByTeam() async throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("f.db").path
        var events: [UsageEvent] = []
        for day in 1...42 {
            events.append(Self.event(team: "search", daysAgo: day, dollars: 10, id: "s\(day)"))
            events.append(Self.event(team: "ads", daysAgo: day, dollars: 1, id: "a\(day)"))
        }
        try await Self.fill(db, events)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.utc
        let now = Date()
        let daysInMonth = try #require(calendar.range(of: .day, in: .month, for: now)?.count)
        let dayOfMonth = calendar.component(.day, from: now)
        for (name, limit) in [("search-roomy", 20 * daysInMonth), ("search-small", 5 * daysInMonth)] {
            let set = try cli.run([
                "budget", "set", name, "--db", db, "--scope", "team=search", "--limit", "\(limit)", "--period", "monthly",
            ])
            #expect(set.status == 0, "\(set.stderr)")
        }

        let r = try cli.run(["forecast", "--db", db, "--by", "team", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        #expect(json["group_by"] as? String == "team")
        #expect(json["time_zone"] as? String == "GMT" || json["time_zone"] as? String == "UTC")
        let forecasts = try #require(json["forecasts"] as? [[String: Any]])
        #expect(forecasts.map { $0["scope"] as? String } == ["team=search", "team=ads"])
        let search = try #require(forecasts.first)
        #expect(search["spent_usd"] as? String == "\(10 * (dayOfMonth - 1))")
        #expect(search["model"] as? String == "linear_trend_weekday")
        #expect(search["history_days"] as? Int == 42)
        #expect((search["trend"] as? [String: Any])?["label"] as? String == "stable")
        let projected = try #require(Double(search["projected_usd"] as? String ?? ""))
        let lower = try #require(Double(search["lower_usd"] as? String ?? ""))
        let upper = try #require(Double(search["upper_usd"] as? String ?? ""))
        // $10 every day: the month ends at $10 × its days, less the part of today already gone
        #expect(projected <= Double(10 * daysInMonth) + 1e-6 && projected >= Double(10 * (daysInMonth - 1)) - 1e-6)
        #expect(upper - lower < 0.01)
        let budgets = try #require(search["budgets"] as? [[String: Any]])
        #expect(budgets.map { $0["budget"] as? String } == ["search-roomy", "search-small"])
        #expect(budgets.map { $0["status"] as? String } == ["on_track", "over"])
        #expect((forecasts.last?["budgets"] as? [Any])?.isEmpty == true)

        let text = try cli.run(["forecast", "--db", db, "--by", "team"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("team=search") && text.stdout.contains("95% INTERVAL"))
        #expect(text.stdout.contains("search-small"))
        #expect(text.stdout.contains("over"))
    }

    @Test("forecast: a bad month or dimension is invalid usage (exit 2); an empty database says so")
    func forecastErrors() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("e.db").path
        let month = try cli.run(["forecast", "--db", db, "--month", "2026-13", "--json"])
        #expect(month.status == 2)
        #expect(month.stderr.contains("YYYY-MM"))
        let by = try cli.run(["forecast", "--db", db, "--by", "session"])
        #expect(by.status == 2)
        let empty = try cli.run(["forecast", "--db", db])
        #expect(empty.status == 0)
        #expect(empty.stdout.contains("No usage recorded"))
    }

    @Test("help lists the options and the valid dimensions")
    func help() throws {
        let cli = try CLI()
        let forecast = try cli.run(["forecast", "--help"])
        #expect(forecast.status == 0)
        for text in ["--by", "--month", "--history", "--json", "--tz", "values: team, project, model, provider"] {
            #expect(forecast.stdout.contains(text), "forecast --help lacks \(text)")
        }
        let anomalies = try cli.run(["anomalies", "--help"])
        #expect(anomalies.status == 0)
        for text in ["--since", "--hourly", "--by", "--json"] {
            #expect(anomalies.stdout.contains(text), "anomalies --help lacks \(text)")
        }
        let bad = try cli.run(["anomalies", "--since", "soon"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("is not a time"))
    }

    @Test("anomalies --by team: the planted spike and error burst are found, the seasonal clean team is not")
    func anomalies() async throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("a.db").path
        var rng = SplitMix64(seed: 8)
        var events: [UsageEvent] = []
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.utc
        for day in 1...100 {
            // a weekly pattern: weekends at a third of weekdays
            let weekday = calendar.component(.weekday, from: Self.dayStart(day))
            let level = weekday == 1 || weekday == 7 ? 3.0 : 10.0
            let noise = 1 + Double.random(in: -0.05...0.05, using: &rng)
            let spike = day == 4 ? 4.0 : 1.0
            // ten calls a day: cost is scored only where buckets usually hold 5 events or more
            for k in 0..<10 {
                events.append(Self.event(team: "search", daysAgo: day, dollars: level * noise * spike / 10, id: "s\(day)-\(k)"))
            }
            events.append(Self.event(team: "ads", daysAgo: day, dollars: level * (1 + Double.random(in: -0.05...0.05, using: &rng)), id: "a\(day)"))
            // ads: 20 cheap calls a day, one failing, twelve failing five days ago
            for k in 0..<20 {
                let failed = day == 5 ? k < 12 : k == 0
                events.append(Self.event(team: "ads", daysAgo: day, dollars: 0.001, status: failed ? .error : .ok, id: "c\(day)-\(k)"))
            }
        }
        try await Self.fill(db, events)
        let r = try cli.run(["anomalies", "--db", db, "--since", "14d", "--by", "team", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        #expect(json["scopes_scanned"] as? Int == 2)
        #expect(json["granularity"] as? String == "day")
        let found = try #require(json["anomalies"] as? [[String: Any]])
        let summary = found.map { "\($0["scope"] ?? "") \($0["kind"] ?? "") \($0["direction"] ?? "") \($0["start"] ?? "")" }
        let spikeDay = LocalTime.iso8601(Self.dayStart(4), in: Self.utc)
        let errorDay = LocalTime.iso8601(Self.dayStart(5), in: Self.utc)
        // the spike was made of four times larger requests: tokens per request jump with the cost
        let planted = [
            "team=ads error_rate spike \(errorDay)", "team=search cost spike \(spikeDay)",
            "team=search tokens_per_request spike \(spikeDay)",
        ]
        #expect(summary.sorted() == planted.sorted(), "\(summary)")
        let spike = try #require(found.first { $0["kind"] as? String == "cost" })
        let expected = try #require(spike["expected"] as? Double)
        let actual = try #require(spike["actual"] as? Double)
        #expect(actual > 3 * expected)
        #expect((spike["methods"] as? [String])?.contains("median_mad") == true)

        let hourly = try cli.run(["anomalies", "--db", db, "--since", "3d", "--hourly"])
        #expect(hourly.status == 0, "\(hourly.stderr)")
        #expect(hourly.stdout.contains("Anomalies by hour"))
        let text = try cli.run(["anomalies", "--db", db, "--by", "team"])
        #expect(text.stdout.contains("team=search") && text.stdout.contains("cost spike"))
    }
}
