// Measures cost computations per second on the cases of a JSON Lines file (the reference vectors
// by default): (a) on pre-resolved models, (b) from model-id strings (lookup cache warm).
// Prints one JSON object; compare.sh runs the reference tools on the same cases.
import CostPricing
import Foundation

struct Case: Decodable {
    var provider: String?
    var model: String
    var usage: Usage
    var timestamp: String
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: pricing-benchmark CASES.jsonl [seconds-per-run]\n".utf8))
    exit(2)
}
let seconds = arguments.count >= 3 ? Double(arguments[2]) ?? 1.0 : 1.0  // "--passes" also lands here: unused then
let text = try String(contentsOfFile: arguments[1], encoding: .utf8)
let decoder = JSONDecoder()
let cases = try text.split(separator: "\n").compactMap { line -> Case? in
    guard line.contains("\"usage\"") else { return nil }
    return try decoder.decode(Case.self, from: Data(line.utf8))
}
let loadStart = ContinuousClock.now
let catalog = try PriceCatalog.bundled()
let loadTime = ContinuousClock.now - loadStart
let engine = CostEngine(catalog: catalog)
let dates = try cases.map { try Timestamp.parse($0.timestamp) }
let resolved = try cases.map { try catalog.resolve(model: $0.model, provider: $0.provider) }
// The arguments laid out beforehand, as compare.py builds its items for the Python tools.
struct Inputs {
    let usages: [Usage]
    let models: [String]
    let providers: [String?]
    let dates: [Date]
    let resolved: [ResolvedModel]
}
let inputs = Inputs(
    usages: cases.map(\.usage), models: cases.map(\.model), providers: cases.map(\.provider), dates: dates, resolved: resolved)

/// One pass of (a) over every case: the cost on pre-resolved models.
@inline(never)
func passPreResolved(_ engine: CostEngine, _ inputs: Inputs) throws -> Money {
    var sink = Money.zero
    for i in inputs.usages.indices {
        sink += try engine.cost(inputs.usages[i], model: inputs.resolved[i], at: inputs.dates[i]).total
    }
    return sink
}

/// One pass of (b) over every case: the cost from the model-id strings.
@inline(never)
func passFromString(_ engine: CostEngine, _ inputs: Inputs) throws -> Money {
    var sink = Money.zero
    for i in inputs.usages.indices {
        sink += try engine.cost(inputs.usages[i], model: inputs.models[i], provider: inputs.providers[i], at: inputs.dates[i]).total
    }
    return sink
}

/// One pass that reads the arguments as the others do and prices nothing: the loop's own cost.
@inline(never)
func passNoop(_ inputs: Inputs) -> Money {
    var sink = Money.zero
    for i in inputs.usages.indices {
        sink += Money(units: Int128(inputs.usages[i].inputTokens + (inputs.providers[i]?.utf8.count ?? 0) + inputs.models[i].utf8.count))
    }
    return sink
}

/// Runs passes of `pass` for about `seconds`, 5 times; the best rate (cases per second) wins.
func measure(_ pass: () throws -> Money) rethrows -> Double {
    var best = 0.0
    var sink = Money.zero
    for _ in 0..<5 {
        var done = 0
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        repeat {
            sink += try pass()
            done += cases.count
        } while ContinuousClock.now < deadline
        let elapsed = ContinuousClock.now - start
        let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        best = max(best, Double(done) / s)
    }
    if sink.isNegative { print("impossible") }
    return best
}

// `--passes N`: run N passes of (a), (b) with `--string`, or the bare loop with `--noop`, and
// exit, for instruction counts under callgrind.
if let i = arguments.firstIndex(of: "--passes"), i + 1 < arguments.count, let passes = Int(arguments[i + 1]) {
    var sink = Money.zero
    for _ in 0..<passes {
        if arguments.contains("--noop") {
            sink += passNoop(inputs)
        } else if arguments.contains("--string") {
            sink += try passFromString(engine, inputs)
        } else {
            sink += try passPreResolved(engine, inputs)
        }
    }
    print(sink)
    exit(0)
}

let preResolved = try measure { try passPreResolved(engine, inputs) }
let fromString = try measure { try passFromString(engine, inputs) }
// the cold path: a fresh catalog cache for every pass, so each id is matched by the rules once per pass
let cold = try {
    var best = 0.0
    for _ in 0..<3 {
        guard let url = PriceCatalog.bundledCatalogURL else { throw PricingError(code: .invalidCatalog, message: "no bundled catalog") }
        let fresh = try PriceCatalog(contentsOf: url)
        let e = CostEngine(catalog: fresh)
        let start = ContinuousClock.now
        for c in cases { _ = try e.cost(c.usage, model: c.model, provider: c.provider, at: Date()) }
        let elapsed = ContinuousClock.now - start
        best = max(best, Double(cases.count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
    }
    return best
}()

let result: [String: Any] = [
    "cases": cases.count,
    "pre_resolved_per_second": Int(preResolved),
    "from_string_per_second": Int(fromString),
    "first_lookup_per_second": Int(cold),
    "catalog_load_ms": Int(Double(loadTime.components.attoseconds) / 1e15 + Double(loadTime.components.seconds) * 1000),
]
let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
