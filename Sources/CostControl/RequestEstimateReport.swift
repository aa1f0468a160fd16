import Foundation

/// The JSON of `costctl estimate --json` (and of the MCP tool `estimate-cost` given a text): the
/// prompt's tokens, exact or estimated with a range, and the cost from no output to the output limit.
///
/// For example:
///
/// ```swift
/// let e = try RequestEstimator(engine: engine).estimate(prompt: .text("Hello"), model: "gpt-4o", maxOutputTokens: 800)
/// let report = RequestEstimateReport(e, maxOutputTokens: 800)   // report.minUSD … report.maxUSD
/// ```
public struct RequestEstimateReport: Encodable, Sendable {
    public var provider: String
    public var model: String
    public var inputTokens: Int
    public var inputTokensLower: Int
    public var inputTokensUpper: Int
    public var exact: Bool
    public var method: String
    public var maxOutputTokens: Int?
    public var minUSD: String
    public var maxUSD: String?
    public var priced: Bool
    public var unpricedReason: String?

    public init(_ e: RequestEstimator.Estimate, maxOutputTokens: Int?) {
        provider = e.minimum.model.provider
        model = e.minimum.model.model
        inputTokens = e.inputTokens.count
        inputTokensLower = e.inputTokens.lower
        inputTokensUpper = e.inputTokens.upper
        exact = e.inputTokens.isExact
        method = e.inputTokens.method
        self.maxOutputTokens = maxOutputTokens
        minUSD = e.minimum.total.decimalString
        maxUSD = e.maximum?.total.decimalString
        priced = e.minimum.isPriced
        unpricedReason = e.minimum.unpricedReason
    }

    enum CodingKeys: String, CodingKey {
        case provider, model, exact, method, priced
        case inputTokens = "input_tokens"
        case inputTokensLower = "input_tokens_lower"
        case inputTokensUpper = "input_tokens_upper"
        case maxOutputTokens = "max_output_tokens"
        case minUSD = "min_usd"
        case maxUSD = "max_usd"
        case unpricedReason = "unpriced_reason"
    }
}
