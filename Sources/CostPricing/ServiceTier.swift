/// How a request was processed, which selects a price variant: batch APIs, flex and priority
/// processing are priced differently from the standard tier.
public enum ServiceTier: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case standard
    /// Batch APIs (OpenAI Batch, Anthropic Message Batches, Gemini batch): usually 50% off.
    case batch
    /// OpenAI/Gemini/Bedrock flex processing.
    case flex
    /// Priority processing.
    case priority

    public var description: String { rawValue }

    /// The request context this tier sets, as price variants in the catalog are keyed
    /// (`processing=batch`, `service_tier=flex|priority`).
    public var context: [String: String] {
        switch self {
        case .standard: [:]
        case .batch: ["processing": "batch"]
        case .flex: ["service_tier": "flex"]
        case .priority: ["service_tier": "priority"]
        }
    }
}
