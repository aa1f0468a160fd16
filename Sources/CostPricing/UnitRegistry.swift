/// How one usage kind is priced: its price key, the block size a price refers to, and its
/// dimensions (family, direction, modality, token type, cache lifetime).
///
/// A unit *contains* another when its dimensions are a subset of the other's: `input_tokens`
/// (tokens, input) contains `cache_read_tokens` (tokens, input, cache_read). The cost engine bills
/// each priced unit for its own count minus the counts of the priced units it contains, so a
/// token is billed exactly once, at the most specific price that applies to it.
public struct UnitDefinition: Sendable, Hashable {
    public let kind: UsageKind
    /// The key of this unit's price in a ``ModelPrice`` (`input_mtok`, `web_searches_kcount`, …).
    public let priceKey: String
    /// A price is per this many units (1,000,000 for tokens, 1,000 for requests, 3,600 for hours).
    public let per: Int
    public let dimensions: [String: String]

    public init(kind: UsageKind, priceKey: String, per: Int, dimensions: [String: String]) {
        self.kind = kind
        self.priceKey = priceKey
        self.per = per
        self.dimensions = dimensions
    }

    /// `input` or `output`, when the unit has a direction.
    public var direction: String? { dimensions["direction"] }

    /// Whether `other` is this unit or a more specific part of it.
    public func contains(_ other: UnitDefinition) -> Bool {
        dimensions.allSatisfy { other.dimensions[$0.key] == $0.value }
    }

    /// Where this unit's cost appears in a ``CostBreakdown``.
    public var category: CostCategory {
        let family = dimensions["family"]
        if family == "requests" { return .fees }
        if family != "tokens" { return .units }
        switch dimensions["token_type"] {
        case "cache_read": return .cacheRead
        case "cache_write": return .cacheWrite
        case "reasoning": return .reasoning
        default: return direction == "output" ? .output : .input
        }
    }
}

/// The registry of units a catalog prices, as genai-prices defines them (plus per-image units).
public final class UnitRegistry: Sendable {
    public let units: [UnitDefinition]
    private let byPriceKey: [String: Int]
    private let byKind: [UsageKind: Int]

    public init(units: [UnitDefinition]) {
        self.units = units
        var byPriceKey: [String: Int] = [:]
        var byKind: [UsageKind: Int] = [:]
        for (i, unit) in units.enumerated() {
            byPriceKey[unit.priceKey] = i
            byKind[unit.kind] = i
        }
        self.byPriceKey = byPriceKey
        self.byKind = byKind
    }

    public func unit(priceKey: String) -> UnitDefinition? { byPriceKey[priceKey].map { units[$0] } }
    public func unit(kind: UsageKind) -> UnitDefinition? { byKind[kind].map { units[$0] } }

    /// The units of genai-prices 0.2 and costctl's per-image units; used when a price file has no
    /// `units` table of its own.
    public static let standard: UnitRegistry = {
        var units: [UnitDefinition] = []
        func tokens(_ key: String, _ price: String, _ dims: [String: String]) {
            var d = dims
            d["family"] = "tokens"
            units.append(UnitDefinition(kind: UsageKind(rawValue: key), priceKey: price, per: 1_000_000, dimensions: d))
        }
        tokens("input_tokens", "input_mtok", ["direction": "input"])
        tokens("output_tokens", "output_mtok", ["direction": "output"])
        tokens("cache_read_tokens", "cache_read_mtok", ["direction": "input", "token_type": "cache_read"])
        tokens("cache_write_tokens", "cache_write_mtok", ["direction": "input", "token_type": "cache_write"])
        for ttl in ["5m", "1h"] {
            tokens("cache_write_\(ttl)_tokens", "cache_write_\(ttl)_mtok",
                   ["direction": "input", "token_type": "cache_write", "cache_ttl": ttl])
        }
        for modality in ["text", "audio", "image", "video"] {
            tokens("input_\(modality)_tokens", "input_\(modality)_mtok", ["direction": "input", "modality": modality])
            tokens("output_\(modality)_tokens", "output_\(modality)_mtok", ["direction": "output", "modality": modality])
            tokens("cache_\(modality)_read_tokens", "cache_\(modality)_read_mtok",
                   ["direction": "input", "modality": modality, "token_type": "cache_read"])
            tokens("cache_\(modality)_write_tokens", "cache_\(modality)_write_mtok",
                   ["direction": "input", "modality": modality, "token_type": "cache_write"])
            for ttl in ["5m", "1h"] {
                tokens("cache_\(modality)_write_\(ttl)_tokens", "cache_\(modality)_write_\(ttl)_mtok",
                       ["direction": "input", "modality": modality, "token_type": "cache_write", "cache_ttl": ttl])
            }
        }
        tokens("input_tool_tokens", "input_tool_mtok", ["direction": "input", "token_type": "tool"])
        for modality in ["text", "audio", "image", "video"] {
            tokens("input_\(modality)_tool_tokens", "input_\(modality)_tool_mtok",
                   ["direction": "input", "modality": modality, "token_type": "tool"])
        }
        for type in ["reasoning", "citation"] {
            tokens("output_\(type)_tokens", "output_\(type)_mtok", ["direction": "output", "token_type": type])
            for modality in ["text", "audio", "image", "video"] {
                tokens("output_\(modality)_\(type)_tokens", "output_\(modality)_\(type)_mtok",
                       ["direction": "output", "modality": modality, "token_type": type])
            }
        }
        func unit(_ key: String, _ price: String, _ per: Int, _ dims: [String: String]) {
            units.append(UnitDefinition(kind: UsageKind(rawValue: key), priceKey: price, per: per, dimensions: dims))
        }
        unit("input_characters", "input_mchars", 1_000_000, ["family": "characters", "direction": "input"])
        unit("input_text_messages", "input_text_messages_kcount", 1000,
             ["family": "messages", "direction": "input", "modality": "text"])
        unit("audio_seconds", "audio_hours", 3600, ["family": "durations", "modality": "audio"])
        unit("input_audio_seconds", "input_audio_hours", 3600,
             ["family": "durations", "direction": "input", "modality": "audio"])
        unit("output_audio_seconds", "output_audio_hours", 3600,
             ["family": "durations", "direction": "output", "modality": "audio"])
        unit("input_pixels", "input_gpixels", 1_000_000_000, ["family": "pixels", "direction": "input"])
        unit("input_document_pages", "input_document_kpages", 1000, ["family": "document_pages", "direction": "input"])
        unit("input_annotated_document_pages", "input_annotated_document_kpages", 1000,
             ["family": "document_pages", "direction": "input", "page_type": "annotated"])
        unit("rerank_searches", "rerank_searches_kcount", 1000, ["family": "rerank"])
        for (key, tool) in [("web_searches", "web_search"), ("social_searches", "social_search"),
                            ("storage_searches", "storage_search"), ("code_executions", "code_execution")] {
            unit(key, "\(key)_kcount", 1000, ["family": "tool_calls", "tool_type": tool])
        }
        unit("requests", "requests_kcount", 1000, ["family": "requests"])
        unit("input_images", "input_images_unit", 1, ["family": "images", "direction": "input"])
        unit("output_images", "output_images_unit", 1, ["family": "images", "direction": "output"])
        return UnitRegistry(units: units)
    }()
}
