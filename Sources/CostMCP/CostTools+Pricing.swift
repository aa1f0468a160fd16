import CostControl
import Foundation
import MCP

// MARK: - Prices and tokens (costctl cost, estimate, tokens)

extension CostTools {
    static let tokenCounts: [(argument: String, meaning: String)] = [
        ("input_tokens", "All input tokens, cache reads and writes included."),
        ("output_tokens", "All output tokens, reasoning included."),
        ("cache_read_tokens", "Input tokens read from the prompt cache."),
        ("cache_write_tokens", "Input tokens written to the prompt cache (any lifetime)."),
        ("cache_write_1h_tokens", "Of the cache writes, those with a 1-hour lifetime."),
        ("reasoning_tokens", "Of the output tokens, reasoning (thinking) tokens."),
        ("requests", "Number of requests, for per-request fees (default 1)."),
    ]

    static let pricingTools: [ToolSpec] = [
        ToolSpec(
            name: "estimate-cost", title: "Estimate a request's cost",
            description: """
                Prices a request exactly from the catalog (genai-prices + LiteLLM, with overrides), either from token counts \
                (input_tokens, output_tokens, cache_read_tokens, …: the cost by category, rates and lines, as `costctl cost \
                --json`) or from the prompt text (its tokens, exact for OpenAI encodings, else a calibrated estimate, and the \
                cost from no output up to max_output_tokens, as `costctl estimate --json`). An unknown model is an error that \
                suggests the nearest ids; a model without a price is reported unpriced, never $0.
                """,
            parameters: [
                .string("model", "Model id as called: gpt-4o, claude-sonnet-4-20250514, openai/gpt-4o, a Bedrock or Vertex id…", required: true),
                .string("provider", "Provider id or alias (openai, anthropic, bedrock, vertex_ai, openrouter…); default: found from the model."),
                .string("text", "The prompt text (give this or token counts)."),
                .integer("max_output_tokens", "With text: the request's output limit, the upper end of the cost range."),
            ] + tokenCounts.map { .integer($0.argument, $0.meaning) } + [
                .string("tier", "Service tier (default standard).", choices: ServiceTier.allCases.map(\.rawValue)),
                .string("at", "When the request runs: an ISO date or date-time (default now); the prices in force then apply."),
            ],
            handler: { args, context in
                let model = try args.required("model")
                let tier = args.choice("tier").flatMap(ServiceTier.init(rawValue:)) ?? .standard
                let at = try args.date("at", timeZone: try args.timeZone(context)) ?? Date()
                let counted = tokenCounts.map(\.argument).filter { args.has($0) }
                if let text = args.string("text") {
                    if !counted.isEmpty {
                        throw CostMCPError.invalid("estimate-cost takes the prompt 'text' or token counts (\(counted.joined(separator: ", "))), not both")
                    }
                    let estimator = RequestEstimator(engine: try await context.engine())
                    let maxOutput = args.int("max_output_tokens")
                    let estimate = try estimator.estimate(
                        prompt: .text(text), model: model, provider: args.string("provider"), maxOutputTokens: maxOutput, tier: tier, at: at)
                    return try ToolOutput(RequestEstimateReport(estimate, maxOutputTokens: maxOutput))
                }
                if counted.isEmpty {
                    throw CostMCPError.invalid(
                        "estimate-cost needs the prompt 'text' or token counts, e.g. {\"model\": \"gpt-4o\", \"input_tokens\": 12000, \"output_tokens\": 800}")
                }
                if args.has("max_output_tokens") {
                    throw CostMCPError.invalid("'max_output_tokens' goes with 'text'; with token counts give 'output_tokens'")
                }
                let usage = Usage(
                    inputTokens: args.int("input_tokens") ?? 0, outputTokens: args.int("output_tokens") ?? 0,
                    cacheReadTokens: args.int("cache_read_tokens") ?? 0, cacheWriteTokens: args.int("cache_write_tokens") ?? 0,
                    cacheWrite1hTokens: args.int("cache_write_1h_tokens") ?? 0, reasoningTokens: args.int("reasoning_tokens") ?? 0,
                    requests: args.int("requests") ?? 1)
                try usage.validate()
                let quote = try CostQuote(
                    engine: try await context.engine(), model: model, provider: args.string("provider"), usage: usage, at: at, tier: tier)
                return try ToolOutput(quote.report)
            }),
        ToolSpec(
            name: "count-tokens", title: "Count tokens",
            description: """
                Counts the tokens of a text: exactly for OpenAI's encodings (cl100k_base, o200k_base; identical to tiktoken) \
                and gpt-oss, as a calibrated estimate with a range for other models (Claude, Gemini, Mistral, local models). \
                Same as `costctl tokens --json`.
                """,
            parameters: [
                .string("text", "The text to count.", required: true),
                .string("model", "The model to count for (gpt-4o, gpt-4.1, claude-sonnet-4-5, gemini-2.5-pro…); give this or encoding."),
                .string("encoding", "An exact encoding instead of a model.", choices: TokenEncodingName.allCases.map(\.rawValue)),
            ],
            handler: { args, _ in
                let encoding = args.choice("encoding").flatMap(TokenEncodingName.init(rawValue:))
                guard let text = args.string("text") else { throw CostMCPError.invalid("argument 'text' of count-tokens is required") }
                return try ToolOutput(TokenCountReport(text: text, model: args.string("model"), encoding: encoding))
            }),
    ]
}
