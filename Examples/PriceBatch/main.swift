// Prices a batch of requests the way an embedding service would: load the catalog once,
// resolve each model id once, price every request exactly, and keep unpriced requests visible.
//
//   swift run price-batch                      # the sample batch below
//   swift run price-batch requests.jsonl       # your own: {"model": …, "provider": …, "usage": {…}}
import CostPricing
import Foundation

struct Request: Decodable {
    var model: String
    var provider: String?
    var usage: Usage
    var tier: ServiceTier?
}

let sample: [Request] = [
    Request(model: "gpt-4o", usage: Usage(inputTokens: 12_000, outputTokens: 800, cacheReadTokens: 9_000)),
    Request(model: "claude-sonnet-4-20250514", usage: .anthropic(inputTokens: 2_000, cacheCreationInputTokens: 30_000, cacheReadInputTokens: 120_000, outputTokens: 1_500)),
    Request(model: "gemini-2.5-pro", provider: "google", usage: Usage(inputTokens: 250_000, outputTokens: 4_000)),
    Request(model: "gpt-4o-mini", usage: Usage(inputTokens: 1_000_000, outputTokens: 200_000), tier: .batch),
    Request(model: "my-private-model", usage: Usage(inputTokens: 10, outputTokens: 10)),
]

do {
    var requests = sample
    if CommandLine.arguments.count > 1 {
        let text = try String(contentsOfFile: CommandLine.arguments[1], encoding: .utf8)
        requests = try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }
    let engine = CostEngine(catalog: try PriceCatalog.bundled())
    var total = CostTotal()
    for request in requests {
        // .unpriced: an unknown model is counted as unpriced with its reason, never as $0
        let cost = try engine.cost(
            request.usage, model: request.model, provider: request.provider, tier: request.tier ?? .standard,
            unknownModel: .unpriced)
        try total.add(cost)
        let amount = cost.isPriced ? cost.total.display(maxPlaces: 6) : "unpriced"
        print("\(cost.model.description.padding(toLength: 36, withPad: " ", startingAt: 0)) \(amount.padding(toLength: 12, withPad: " ", startingAt: 0)) \(cost.isPriced ? "" : cost.unpricedReason ?? "")")
    }
    print("total \(total.priced.display(maxPlaces: 6)) for \(total.pricedRequests) priced requests; \(total.unpricedRequests) unpriced")
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
