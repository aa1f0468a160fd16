public import Foundation

/// Realistic, reproducible usage for demos and benchmarks: several providers and models, teams
/// with their own habits, users, projects, a weekly and daily rhythm, prompt caching, retries and
/// rate limits.
///
/// For example:
/// ```swift
/// let events = DemoUsage(seed: 7).events(days: 30, endingAt: Date())
/// try await ledger.record(contentsOf: events)
/// ```
public struct DemoUsage: Sendable {
    public var seed: UInt64
    /// Average requests per weekday (weekends see a third of it).
    public var requestsPerDay: Int

    public init(seed: UInt64 = 42, requestsPerDay: Int = 600) {
        self.seed = seed
        self.requestsPerDay = requestsPerDay
    }

    struct Model {
        var provider: String
        var id: String
        var input: ClosedRange<Int>
        var output: ClosedRange<Int>
        var cacheShare: Double
        var reasoning: Bool = false
    }

    struct Team {
        var name: String
        var org: String
        var users: [String]
        var projects: [String]
        var operations: [String]
        var models: [(Int, Int)]  // (model index, weight)
        var weight: Int
    }

    static let models: [Model] = [
        Model(provider: "openai", id: "gpt-4o", input: 800...12_000, output: 100...1_500, cacheShare: 0.3),
        Model(provider: "openai", id: "gpt-4o-mini", input: 300...4_000, output: 20...600, cacheShare: 0.2),
        Model(provider: "openai", id: "o3-mini", input: 1_000...8_000, output: 500...6_000, cacheShare: 0.1, reasoning: true),
        Model(provider: "anthropic", id: "claude-sonnet-4-20250514", input: 2_000...60_000, output: 200...4_000, cacheShare: 0.7),
        Model(provider: "anthropic", id: "claude-3-5-haiku-20241022", input: 500...6_000, output: 50...800, cacheShare: 0.5),
        Model(provider: "anthropic", id: "claude-opus-4-20250514", input: 4_000...80_000, output: 500...6_000, cacheShare: 0.6),
        Model(provider: "google", id: "gemini-2.5-pro", input: 2_000...40_000, output: 300...3_000, cacheShare: 0.0),
        Model(provider: "google", id: "gemini-2.5-flash", input: 500...10_000, output: 50...1_200, cacheShare: 0.0),
        Model(provider: "mistral", id: "mistral-large-latest", input: 500...6_000, output: 100...1_200, cacheShare: 0.0),
    ]

    static let teams: [Team] = [
        Team(
            name: "search", org: "acme", users: ["alice", "bob", "chen"], projects: ["ranker", "answers"],
            operations: ["rerank", "answer", "summarize"], models: [(1, 6), (0, 3), (7, 2)], weight: 5),
        Team(
            name: "support", org: "acme", users: ["dana", "eli", "fatima", "gus"], projects: ["helpdesk"],
            operations: ["triage", "draft-reply", "classify"], models: [(4, 6), (3, 2), (1, 2)], weight: 4),
        Team(
            name: "platform", org: "acme", users: ["hiro", "ivana"], projects: ["code-review", "ci-bot"],
            operations: ["/review", "/explain", "agent"], models: [(3, 6), (5, 1), (2, 2)], weight: 3),
        Team(
            name: "growth", org: "acme", users: ["jules", "kemal"], projects: ["emails", "ads"],
            operations: ["generate", "translate"], models: [(6, 3), (7, 4), (8, 2)], weight: 2),
        Team(
            name: "research", org: "acme-labs", users: ["lena", "marco"], projects: ["evals"],
            operations: ["eval", "batch-label"], models: [(5, 2), (6, 2), (2, 3), (0, 2)], weight: 1),
    ]

    /// Events for the `days` days ending at `end` (oldest first), with time-ordered ids.
    public func events(days: Int, endingAt end: Date) -> [UsageEvent] {
        events(from: end.addingTimeInterval(-Double(days) * 86_400), to: end)
    }

    /// Events from `start` (ideally a midnight) to `end`, oldest first, with time-ordered ids.
    public func events(from start: Date, to end: Date) -> [UsageEvent] {
        var events = Array(dailyBatches(from: start, to: end).joined())
        events.sort { $0.timestamp < $1.timestamp }
        return events
    }

    /// The same events, one day at a time (each day's events in time order), so a caller can record
    /// any number of days in bounded memory.
    public func dailyBatches(from start: Date, to end: Date) -> DailyBatches {
        DailyBatches(demo: self, start: start, end: end)
    }

    /// One day of demo events per element.
    public struct DailyBatches: Sequence, IteratorProtocol, Sendable {
        let demo: DemoUsage
        let start: Date
        let end: Date
        let days: Int
        var day = 0
        var random: SplitMix64

        init(demo: DemoUsage, start: Date, end: Date) {
            self.demo = demo
            self.start = start
            self.end = end
            self.days = Swift.max(1, Int((end.timeIntervalSince(start) / 86_400).rounded(.up)))
            self.random = SplitMix64(seed: demo.seed)
        }

        public mutating func next() -> [UsageEvent]? {
            guard day < days else { return nil }
            defer { day += 1 }
            var events = demo.generate(day: day, days: days, start: start, end: end, random: &random)
            events.sort { $0.timestamp < $1.timestamp }
            return events
        }
    }

    func generate(day: Int, days: Int, start: Date, end: Date, random: inout SplitMix64) -> [UsageEvent] {
        var events: [UsageEvent] = []
        let totalWeight = Self.teams.reduce(0) { $0 + $1.weight }
        let dayStart = start.addingTimeInterval(Double(day) * 86_400)
        let weekday = (Int(dayStart.timeIntervalSince1970 / 86_400) + 3) % 7  // 0 = Monday
        let weekend = weekday >= 5
        // A slow upward trend, and one noisy day (a runaway batch job) in the middle.
        let trend = 0.8 + 0.4 * Double(day) / Double(max(1, days))
        var count = Double(requestsPerDay) * trend * (weekend ? 0.33 : 1.0) * Double.random(in: 0.85...1.15, using: &random)
        if day == days / 2 { count *= 2.5 }
        for _ in 0..<Int(count) {
            // Office hours in UTC-ish: most traffic 08:00-19:00.
            let hour = Double.random(in: 0...1, using: &random) < 0.85
                ? Double.random(in: 8...19, using: &random) : Double.random(in: 0...24, using: &random)
            let at = dayStart.addingTimeInterval(hour * 3600 + Double.random(in: 0..<3600, using: &random))
            if at >= end { continue }
            var pick = Int.random(in: 0..<totalWeight, using: &random)
            var team = Self.teams[0]
            for candidate in Self.teams {
                if pick < candidate.weight {
                    team = candidate
                    break
                }
                pick -= candidate.weight
            }
            let modelWeight = team.models.reduce(0) { $0 + $1.1 }
            var modelPick = Int.random(in: 0..<modelWeight, using: &random)
            var model = Self.models[team.models[0].0]
            for (index, weight) in team.models {
                if modelPick < weight {
                    model = Self.models[index]
                    break
                }
                modelPick -= weight
            }
            let input = Int.random(in: model.input, using: &random)
            let output = Int.random(in: model.output, using: &random)
            var usage = Usage(inputTokens: input, outputTokens: output)
            if model.cacheShare > 0, Double.random(in: 0...1, using: &random) < 0.8 {
                usage.cacheReadTokens = Int(Double(input) * model.cacheShare * Double.random(in: 0.6...1, using: &random))
                if model.provider == "anthropic", Double.random(in: 0...1, using: &random) < 0.2 {
                    let write = min(input - usage.cacheReadTokens, Int.random(in: 500...4_000, using: &random))
                    usage.cacheWriteTokens = write
                    usage.cacheWrite5mTokens = write
                }
            }
            if model.reasoning { usage.reasoningTokens = output * Int.random(in: 40...80, using: &random) / 100 }
            let roll = Double.random(in: 0...1, using: &random)
            let status: EventStatus = roll < 0.015 ? .rateLimited : roll < 0.03 ? .error : .ok
            if status != .ok {
                usage.outputTokens = 0
                usage.reasoningTokens = 0
            }
            let user = team.users[Int.random(in: 0..<team.users.count, using: &random)]
            let session = "s-\(user)-\(Int(at.timeIntervalSince1970) / 5_400)"
            // drawn in the order they always were (project, operation, env), so the data stays the same
            let project = team.projects[Int.random(in: 0..<team.projects.count, using: &random)]
            let operation = team.operations[Int.random(in: 0..<team.operations.count, using: &random)]
            var tags = ["env": Double.random(in: 0...1, using: &random) < 0.9 ? "prod" : "staging"]
            // labelling runs overnight and nobody waits for it: the batching recommendation's case
            if operation == "batch-label" { tags["priority"] = "background" }
            events.append(
                UsageEvent(
                    id: UsageEvent.makeID(at: at, using: &random), timestamp: at, provider: model.provider,
                    model: model.id, usage: usage,
                    dimensions: UsageDimensions(
                        org: team.org, team: team.name, user: user,
                        project: project,
                        keyID: "key-\(model.provider)-\(team.name)", session: session,
                        operation: operation, tags: tags),
                    status: status,
                    latencyMilliseconds: 300 + output / 2 + Int.random(in: 0...800, using: &random)))
        }
        return events
    }
}
