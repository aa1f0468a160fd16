public import Foundation

/// Realistic, reproducible usage for the optimizer: 30 to 60 days of one kind of user, the same on
/// every machine for a seed. Events carry no cost: the ledger prices them at ingest.
///
/// For example:
/// ```swift
/// let events = PlanScenario(.claudeCodeMax20x, seed: 7).events(days: 45, endingAt: Date())
/// try await ledger.record(contentsOf: events)
/// ```
public struct PlanScenario: Sendable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A Claude Code heavy user on Max 20x: a session most days (two on some), Opus and Sonnet with
        /// long cached contexts, each session worth about $12–$31 at list prices, 9–22% of a Max 20x
        /// session on the catalog's estimates (so Max 5x would carry it, just, and Pro would not).
        case claudeCodeMax20x = "claude-code-max-20x"
        /// A support team sending short classification requests to a top model (Opus) all day.
        case teamTopModel = "team-top-model"
        /// A service on the Gemini API: about 80 requests a day to 2.5 Flash, and on about one day in
        /// ten a batch of 300–400 more within six hours (over the free tier's 250 a day).
        case spikyService = "spiky-service"
    }

    public var kind: Kind
    public var seed: UInt64

    public init(_ kind: Kind, seed: UInt64 = 42) {
        self.kind = kind
        self.seed = seed
    }

    /// The events of `days` days ending at `end` (the last day is the one before `end`'s UTC midnight).
    public func events(days: Int, endingAt end: Date) -> [UsageEvent] {
        var random = SplitMix64(seed: seed ^ UInt64(kind.rawValue.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        let lastMidnight = (end.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
        let start = Date(timeIntervalSince1970: lastMidnight - Double(days) * 86_400)
        var events: [UsageEvent] = []
        for day in 0..<days {
            let midnight = start.addingTimeInterval(Double(day) * 86_400)
            let weekday = (Int((midnight.timeIntervalSince1970 / 86_400).rounded(.down)) + 3) % 7  // 0 = Monday
            switch kind {
            case .claudeCodeMax20x: events += claudeCodeDay(midnight, weekend: weekday >= 5, random: &random)
            case .teamTopModel: events += teamDay(midnight, weekend: weekday >= 5, random: &random)
            case .spikyService: events += serviceDay(midnight, random: &random)
            }
        }
        return events.filter { $0.timestamp < end }
    }

    // MARK: - Claude Code on Max 20x

    private func claudeCodeDay(_ midnight: Date, weekend: Bool, random: inout SplitMix64) -> [UsageEvent] {
        if weekend && Double.random(in: 0..<1, using: &random) < 0.6 { return [] }
        let sessions = Double.random(in: 0..<1, using: &random) < 0.25 ? 2 : 1
        var events: [UsageEvent] = []
        for s in 0..<sessions {
            // A request of the mix costs about $0.09 at list prices; 140 to 330 requests 10 to 60 s
            // apart (about 3 hours): about $12 to $31 a session.
            let requests = Int.random(in: 140...330, using: &random)
            let hour = s == 0 ? Double.random(in: 8...10, using: &random) : Double.random(in: 15...17, using: &random)
            var t = midnight.addingTimeInterval(hour * 3_600)
            let session = UsageEvent.makeID(at: t, using: &random)
            for _ in 0..<requests {
                t = t.addingTimeInterval(Double.random(in: 10...60, using: &random))
                let opus = Double.random(in: 0..<1, using: &random) < 0.3
                let context = Int.random(in: 20_000...90_000, using: &random)
                let usage = Usage.anthropic(
                    inputTokens: Int.random(in: 5...400, using: &random),
                    cacheCreationInputTokens: Int.random(in: 500...4_000, using: &random), cacheReadInputTokens: context,
                    outputTokens: Int.random(in: 200...1_800, using: &random))
                events.append(
                    UsageEvent(
                        id: UsageEvent.makeID(at: t, using: &random), timestamp: t, provider: "anthropic",
                        model: opus ? "claude-opus-4-1" : "claude-sonnet-4-5", usage: usage,
                        dimensions: UsageDimensions(user: "sam", project: "app", session: session, tags: ["source": "scenario"])))
            }
        }
        return events
    }

    // MARK: - A team over-using a top model

    private func teamDay(_ midnight: Date, weekend: Bool, random: inout SplitMix64) -> [UsageEvent] {
        let count = weekend ? Int.random(in: 10...30, using: &random) : Int.random(in: 180...260, using: &random)
        return (0..<count).map { _ in
            let t = midnight.addingTimeInterval(Double.random(in: 7 * 3_600...19 * 3_600, using: &random))
            return UsageEvent(
                id: UsageEvent.makeID(at: t, using: &random), timestamp: t, provider: "anthropic", model: "claude-opus-4-1",
                usage: Usage(inputTokens: Int.random(in: 300...1_200, using: &random), outputTokens: Int.random(in: 3...20, using: &random)),
                dimensions: UsageDimensions(
                    team: "support", user: ["dana", "eli", "fatima"][Int.random(in: 0..<3, using: &random)], operation: "classify",
                    tags: ["source": "scenario"]))
        }
    }

    // MARK: - A spiky service on the Gemini API

    private func serviceDay(_ midnight: Date, random: inout SplitMix64) -> [UsageEvent] {
        // Steady traffic all day; on about one day in ten a batch job adds 300 to 400 requests between
        // 14:00 and 20:00 UTC (morning in Pacific time, inside one Pacific day).
        let steady = Int.random(in: 60...100, using: &random)
        let burst = Double.random(in: 0..<1, using: &random) < 0.1 ? Int.random(in: 300...400, using: &random) : 0
        return (0..<(steady + burst)).map { i in
            let offset = i < steady ? Double.random(in: 0..<86_400, using: &random) : Double.random(in: 50_400..<72_000, using: &random)
            let t = midnight.addingTimeInterval(offset)
            return UsageEvent(
                id: UsageEvent.makeID(at: t, using: &random), timestamp: t, provider: "google", model: "gemini-2.5-flash",
                usage: Usage(inputTokens: Int.random(in: 1_000...6_000, using: &random), outputTokens: Int.random(in: 100...600, using: &random)),
                dimensions: UsageDimensions(project: "ingest", operation: "extract", tags: ["source": "scenario"]))
        }
    }
}
