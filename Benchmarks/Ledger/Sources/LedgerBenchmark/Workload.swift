// The deterministic event stream every measurement records: the same seed gives the same events,
// whatever the chunk size, so the library run and the raw-SQLite ceiling write identical rows.
import CostPricing
import Foundation

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, seedable; good enough for synthetic data.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

/// How event ids are made.
enum IDKind: String, CaseIterable {
    /// `UsageEvent.makeID(at:using:)`: UUIDv7-style, time-ordered (ids arrive in index order).
    case ordered
    /// A random UUID (`UUID().uuidString` form, drawn from the seeded generator): index order is random.
    case random
}

/// Whether events carry their cost or let the ledger's `CostEngine` price them.
enum Pricing: String, CaseIterable {
    /// Each event carries an explicit `EventCost` (pricing is not what is measured).
    case explicit
    /// `cost == nil`: the ledger prices each event with `CostEngine(catalog: .bundled())`.
    case engine
}

/// One model of the synthetic fleet, with a list price for explicit costs ($ per million tokens).
struct ModelSpec {
    let provider: String
    let model: String
    let inputPerMillion: Double
    let outputPerMillion: Double
    let reasons: Bool
}

/// The shape of the synthetic workload: ~5 providers, 20 models, 8 teams, 200 users, 10 projects,
/// spread over `days` days that end at today's UTC midnight.
struct Workload {
    static let models: [ModelSpec] = [
        ModelSpec(provider: "openai", model: "gpt-4o", inputPerMillion: 2.5, outputPerMillion: 10, reasons: false),
        ModelSpec(provider: "openai", model: "gpt-4o-mini", inputPerMillion: 0.15, outputPerMillion: 0.6, reasons: false),
        ModelSpec(provider: "openai", model: "gpt-4.1", inputPerMillion: 2, outputPerMillion: 8, reasons: false),
        ModelSpec(provider: "openai", model: "gpt-5-mini", inputPerMillion: 0.25, outputPerMillion: 2, reasons: true),
        ModelSpec(provider: "anthropic", model: "claude-sonnet-4-5", inputPerMillion: 3, outputPerMillion: 15, reasons: true),
        ModelSpec(provider: "anthropic", model: "claude-haiku-4-5", inputPerMillion: 1, outputPerMillion: 5, reasons: false),
        ModelSpec(provider: "anthropic", model: "claude-opus-4-1", inputPerMillion: 15, outputPerMillion: 75, reasons: true),
        ModelSpec(provider: "anthropic", model: "claude-3-5-haiku-latest", inputPerMillion: 0.8, outputPerMillion: 4, reasons: false),
        ModelSpec(provider: "google", model: "gemini-2.5-pro", inputPerMillion: 1.25, outputPerMillion: 10, reasons: true),
        ModelSpec(provider: "google", model: "gemini-2.5-flash", inputPerMillion: 0.3, outputPerMillion: 2.5, reasons: true),
        ModelSpec(provider: "google", model: "gemini-2.0-flash", inputPerMillion: 0.1, outputPerMillion: 0.4, reasons: false),
        ModelSpec(provider: "google", model: "gemini-2.5-flash-lite", inputPerMillion: 0.1, outputPerMillion: 0.4, reasons: false),
        ModelSpec(provider: "mistral", model: "mistral-large", inputPerMillion: 2, outputPerMillion: 6, reasons: false),
        ModelSpec(provider: "mistral", model: "mistral-small-latest", inputPerMillion: 0.1, outputPerMillion: 0.3, reasons: false),
        ModelSpec(provider: "mistral", model: "codestral-latest", inputPerMillion: 0.3, outputPerMillion: 0.9, reasons: false),
        ModelSpec(provider: "mistral", model: "mistral-medium-latest", inputPerMillion: 0.4, outputPerMillion: 2, reasons: false),
        ModelSpec(provider: "deepseek", model: "deepseek-chat", inputPerMillion: 0.27, outputPerMillion: 1.1, reasons: false),
        ModelSpec(provider: "deepseek", model: "deepseek-reasoner", inputPerMillion: 0.55, outputPerMillion: 2.19, reasons: true),
        ModelSpec(provider: "deepseek", model: "deepseek-v3.2", inputPerMillion: 0.28, outputPerMillion: 0.42, reasons: false),
        ModelSpec(provider: "deepseek", model: "deepseek-v4-flash", inputPerMillion: 0.1, outputPerMillion: 0.3, reasons: false),
    ]
    static let teams = ["search", "ads", "infra", "mobile", "web", "data", "research", "support"]
    static let projects = [
        "atlas", "beacon", "comet", "delta", "ember", "falcon", "gamma", "harbor", "ion", "juniper",
    ]
    static let operations = ["chat", "summarize", "review", "agent"]

    var events: Int
    var days: Int = 30
    var users: Int = 200
    var seed: UInt64 = 42
    var ids: IDKind = .ordered
    var pricing: Pricing = .explicit
    /// The exclusive end of the time range: today's UTC midnight (so every event is in the past and a
    /// "last 30 days from a UTC midnight" query covers all of them).
    var end: Date = Workload.todayUTCMidnight()

    var start: Date { end.addingTimeInterval(-Double(days) * 86_400) }

    static func todayUTCMidnight(_ now: Date = Date()) -> Date {
        let seconds = floor(now.timeIntervalSince1970 / 86_400) * 86_400
        return Date(timeIntervalSince1970: seconds)
    }

    /// The user a query filters on: `user-000` is the heaviest (Zipf-like weights 1/(rank+5)).
    static func userName(_ index: Int) -> String {
        "user-" + String(repeating: "0", count: max(0, 3 - String(index).count)) + String(index)
    }
}

/// Streams the workload's events in time order. Deterministic: event `i` depends only on the seed
/// and `i`'s predecessors, so chunks of any size concatenate to the same stream.
struct EventGenerator {
    let workload: Workload
    private var rng: SplitMix64
    private var idRNG: SplitMix64
    private(set) var produced = 0
    private let userCumulative: [Double]
    private let userNames: [String]
    private let spanMilliseconds: Double
    private let startMilliseconds: Double
    private let keyIDs: [[String]]

    init(_ workload: Workload) {
        self.workload = workload
        rng = SplitMix64(seed: workload.seed)
        idRNG = SplitMix64(seed: workload.seed ^ 0xA5A5_5A5A_0F0F_F0F0)
        var cumulative: [Double] = []
        var sum = 0.0
        for rank in 0..<workload.users {
            sum += 1 / Double(rank + 5)
            cumulative.append(sum)
        }
        userCumulative = cumulative.map { $0 / sum }
        userNames = (0..<workload.users).map(Workload.userName)
        spanMilliseconds = Double(workload.days) * 86_400_000
        startMilliseconds = workload.start.timeIntervalSince1970 * 1000
        keyIDs = Workload.teams.map { team in Workload.projects.map { "key-\(team)-\($0)" } }
    }

    /// The next `count` events (fewer at the end of the stream).
    mutating func next(_ count: Int) -> [UsageEvent] {
        let n = min(count, workload.events - produced)
        var events: [UsageEvent] = []
        events.reserveCapacity(max(0, n))
        for _ in 0..<max(0, n) { events.append(nextEvent()) }
        return events
    }

    private mutating func pickUser() -> Int {
        let r = rng.unit()
        var lo = 0
        var hi = userCumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if userCumulative[mid] < r { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private mutating func nextEvent() -> UsageEvent {
        let i = produced
        produced += 1
        // Time: evenly spread with jitter, non-decreasing in i (events arrive in time order).
        let slot = spanMilliseconds / Double(workload.events)
        let millis = (startMilliseconds + (Double(i) + rng.unit()) * slot).rounded(.down)
        let timestamp = Date(timeIntervalSince1970: millis / 1000)

        let user = pickUser()
        let teamIndex = user % Workload.teams.count
        let team = Workload.teams[teamIndex]
        let org = teamIndex < 6 ? "acme" : "acme-labs"
        // Each user favours three models; 5% of requests try any model.
        let r = rng.unit()
        let modelIndex: Int
        if r < 0.60 {
            modelIndex = (user * 3) % 20
        } else if r < 0.85 {
            modelIndex = (user * 3 + 7) % 20
        } else if r < 0.95 {
            modelIndex = (user * 3 + 13) % 20
        } else {
            modelIndex = Int(rng.next() % 20)
        }
        let spec = Workload.models[modelIndex]
        let projectIndex = rng.unit() < 0.8 ? user % 10 : (user * 7 + 3) % 10
        let project = Workload.projects[projectIndex]
        let o = rng.unit()
        let operation = Workload.operations[o < 0.6 ? 0 : o < 0.8 ? 1 : o < 0.95 ? 2 : 3]
        let s = rng.unit()
        let status: EventStatus = s < 0.97 ? .ok : s < 0.99 ? .error : .rateLimited

        // Tokens: a long-tailed input, a cached share for some requests, reasoning on some models.
        var input = Int(200 * exp(rng.unit() * 5.3))  // 200 … ~40k
        var output = Int(50 * exp(rng.unit() * 4.4))  // 50 … ~4k
        if status != .ok {
            input /= 4
            output = 0
        }
        let cacheRead = rng.unit() < 0.4 ? input * Int(rng.next() % 80) / 100 : 0
        let reasoning = spec.reasons && output > 0 ? output * Int(rng.next() % 60) / 100 : 0
        let usage = Usage(inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, reasoningTokens: reasoning)

        var cost: EventCost?
        if workload.pricing == .explicit {
            // Money is in 1e-18 USD: $p per million tokens is p × 1e12 units per token.
            func money(_ tokens: Int, _ perMillion: Double) -> Money {
                Money(units: Int128(tokens) * Int128((perMillion * 1_000_000).rounded()) * 1_000_000)
            }
            let uncached = money(input - cacheRead, spec.inputPerMillion)
            let cached = money(cacheRead, spec.inputPerMillion / 10)
            let out = money(output - reasoning, spec.outputPerMillion)
            let think = money(reasoning, spec.outputPerMillion)
            var categories: [CostCategory: Money] = [:]
            if !uncached.isZero { categories[.input] = uncached }
            if !cached.isZero { categories[.cacheRead] = cached }
            if !out.isZero { categories[.output] = out }
            if !think.isZero { categories[.reasoning] = think }
            let inputTotal = uncached + cached
            let outputTotal = out + think
            cost = EventCost(
                total: inputTotal + outputTotal, inputTotal: inputTotal, outputTotal: outputTotal,
                categories: categories, pricedAs: "\(spec.provider)/\(spec.model)")
        }

        let id: String
        switch workload.ids {
        case .ordered:
            id = UsageEvent.makeID(at: timestamp, using: &idRNG)
        case .random:
            let a = idRNG.next()
            let b = idRNG.next()
            let bytes = withUnsafeBytes(of: (a, b)) { Array($0) }
            var uuid = UUID().uuid  // overwritten below; only the tuple shape is used
            withUnsafeMutableBytes(of: &uuid) { raw in
                for k in 0..<16 { raw[k] = bytes[k] }
                raw[6] = (raw[6] & 0x0F) | 0x40  // version 4
                raw[8] = (raw[8] & 0x3F) | 0x80  // RFC 4122 variant
            }
            id = UUID(uuid: uuid).uuidString
        }

        return UsageEvent(
            id: id, timestamp: timestamp, provider: spec.provider, model: spec.model, usage: usage, cost: cost,
            dimensions: UsageDimensions(
                org: org, team: team, user: userNames[user], project: project,
                keyID: keyIDs[teamIndex][projectIndex], session: "sess-\(user)-\(i / 40)", operation: operation,
                tags: ["env": rng.unit() < 0.8 ? "prod" : "dev"]),
            status: status, latencyMilliseconds: 150 + Int(rng.next() % 20_000))
    }
}
