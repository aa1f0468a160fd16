// `breakdown`: the Swift-side work SQLiteUsageLedger.record does per event besides SQLite, each
// step timed alone on the same events (public API stand-ins for the library's internal steps):
// validation, the JSON columns (cost_detail, tags), series lookup, rollup deltas, and pricing.
import CostPricing
import Foundation

func runBreakdown(events count: Int, seed: UInt64) throws -> [String: Any] {
    var generator = EventGenerator(Workload(events: count, seed: seed))
    let events = generator.next(count)
    let clock = ContinuousClock()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var steps: [(String, Double)] = []
    var sink = 0

    func measure(_ name: String, _ body: () throws -> Void) rethrows {
        var best = Double.infinity
        for _ in 0..<3 {
            let start = clock.now
            try body()
            best = min(best, (clock.now - start).seconds)
        }
        steps.append((name, best * 1e9 / Double(events.count)))
    }

    let now = Date()
    try measure("validate()") {
        for event in events { try event.validate(now: now, maxFutureSkew: 3600) }
    }
    measure("for reference: model.trimmingCharacters(in: .whitespaces)") {
        for event in events { sink &+= event.model.trimmingCharacters(in: .whitespaces).utf8.count }
    }
    measure("for reference: usage.counts (an array of every count)") {
        for event in events { sink &+= event.usage.counts.count &* 2 }
    }
    try measure("JSONEncoder(.sortedKeys): EventCost") {
        for event in events { sink &+= try encoder.encode(event.cost).count }
    }
    try measure("JSONEncoder(.sortedKeys): tags") {
        for event in events { sink &+= try encoder.encode(event.dimensions.tags).count }
    }
    measure("hand-written, same bytes: EventCost (FastJSON)") {
        for event in events { sink &+= FastJSON.cost(event.cost!).utf8.count }
    }
    measure("hand-written, same bytes: tags (FastJSON)") {
        for event in events { sink &+= FastJSON.tags(event.dimensions.tags).utf8.count }
    }
    // The proposal must store what JSONDecoder reads back as the same values.
    let decoder = JSONDecoder()
    var identical = 0
    for event in events.prefix(2_000) {
        let fast = FastJSON.cost(event.cost!)
        let decoded = try decoder.decode(EventCost.self, from: Data(fast.utf8))
        guard decoded == event.cost else { throw BenchError("hand-written cost JSON decodes differently: \(fast)") }
        let tags = try decoder.decode([String: String].self, from: Data(FastJSON.tags(event.dimensions.tags).utf8))
        guard tags == event.dimensions.tags else { throw BenchError("hand-written tags JSON decodes differently") }
        let reference = String(decoding: try encoder.encode(event.cost), as: UTF8.self)
        if reference == fast { identical += 1 }
    }
    measure("String(decoding:) of the cost JSON") {
        let data = (try? encoder.encode(events[0].cost)) ?? Data()
        for _ in events { sink &+= String(decoding: data, as: UTF8.self).utf8.count }
    }
    var seriesIDs: [SeriesKey: Int64] = [:]
    for event in events where seriesIDs[SeriesKey(event)] == nil { seriesIDs[SeriesKey(event)] = Int64(seriesIDs.count) }
    measure("SeriesKey(event) + dictionary lookup") {
        for event in events { sink &+= Int(seriesIDs[SeriesKey(event)] ?? 0) }
    }
    measure("in-batch duplicate Set<String> insert") {
        var seen = Set<String>(minimumCapacity: 1000)
        for (i, event) in events.enumerated() {
            if i % 1000 == 0 { seen.removeAll(keepingCapacity: true) }
            sink &+= seen.insert(event.id).inserted ? 1 : 0
        }
    }
    struct DeltaKey: Hashable {
        var level: Int
        var bucket: Int64
        var series: Int64
    }
    measure("UsageTotals(event) + 3 rollup-delta adds") {
        var deltas: [DeltaKey: UsageTotals] = [:]
        for (i, event) in events.enumerated() {
            if i % 1000 == 0 { deltas.removeAll(keepingCapacity: true) }
            let series = seriesIDs[SeriesKey(event)] ?? 0
            let seconds = event.unixMilliseconds / 1000
            let totals = UsageTotals(event)
            deltas[DeltaKey(level: 0, bucket: seconds / 3600, series: series), default: UsageTotals()].add(totals)
            deltas[DeltaKey(level: 1, bucket: seconds / 86_400, series: series), default: UsageTotals()].add(totals)
            deltas[DeltaKey(level: 2, bucket: seconds / 2_592_000, series: series), default: UsageTotals()].add(totals)
        }
        sink &+= deltas.count
    }
    let engine = CostEngine(catalog: try PriceCatalog.bundled())
    measure("Money.decimalString x7 (what the cost JSON formats)") {
        for event in events {
            let c = event.cost!
            sink &+= c.total.decimalString.utf8.count + c.inputTotal.decimalString.utf8.count
                + c.outputTotal.decimalString.utf8.count
            for (_, amount) in c.categories { sink &+= amount.decimalString.utf8.count }
        }
    }
    try measure("CostEngine.cost(model: String) alone") {
        for event in events {
            sink &+= try engine.cost(
                event.usage, model: event.model, provider: event.provider, at: event.timestamp, unknownModel: .unpriced
            ).isPriced ? 1 : 0
        }
    }
    let unknown = Workload.models.filter { (try? engine.catalog.resolve(model: $0.model, provider: $0.provider)) == nil }
    if !unknown.isEmpty { log("  workload models the catalog does not resolve: \(unknown.map { "\($0.provider)/\($0.model)" })") }
    // An id the catalog does not know, priced with `.unpriced` (what record() does): is the miss cached?
    let probe = Array(events.prefix(2_000))
    try measure("CostEngine.cost on an unknown model id (unpriced)") {
        for event in probe {
            sink &+= try engine.cost(
                event.usage, model: "codestral", provider: "mistral", at: event.timestamp, unknownModel: .unpriced
            ).isPriced ? 1 : 0
        }
    }
    steps[steps.count - 1].1 *= Double(events.count) / Double(probe.count)
    try measure("  of which catalog.resolve(model:provider:)") {
        for event in events { sink &+= try engine.catalog.resolve(model: event.model, provider: event.provider).identity.model.utf8.count }
    }
    let resolved = try events.map { try engine.catalog.resolve(model: $0.model, provider: $0.provider) }
    try measure("  of which CostEngine.cost(resolved model)") {
        for (i, event) in events.enumerated() {
            sink &+= try engine.cost(event.usage, model: resolved[i], at: event.timestamp).isPriced ? 1 : 0
        }
    }
    let breakdowns = try events.map {
        try engine.cost($0.usage, model: $0.model, provider: $0.provider, at: $0.timestamp, unknownModel: .unpriced)
    }
    measure("EventCost(breakdown) alone") {
        for breakdown in breakdowns { sink &+= EventCost(breakdown).isPriced ? 1 : 0 }
    }
    try measure("CostEngine.cost(model: String) + EventCost(breakdown)") {
        for event in events {
            let breakdown = try engine.cost(
                event.usage, model: event.model, provider: event.provider, at: event.timestamp, unknownModel: .unpriced)
            sink &+= EventCost(breakdown).isPriced ? 1 : 0
        }
    }
    if sink == 42 { print("") }
    log("breakdown: Swift-side steps of record(), ns per event (\(events.count.grouped) events, best of 3)")
    for (name, ns) in steps { log("  " + pad(name, 54) + String(format: "%8.0f ns", ns)) }
    log("  hand-written cost JSON decodes equal on 2,000 events; byte-identical to JSONEncoder on \(identical.grouped)")
    return [
        "mode": "breakdown", "events": events.count, "fast_json_identical_of_2000": identical,
        "steps": steps.map { ["name": $0.0, "ns_per_event": $0.1] as [String: Any] },
    ]
}
