public import Foundation

// The rows of `costctl pricing list --json`, also the MCP price-catalog resource.

/// One provider of `pricing list --providers --json`.
public struct ProviderRow: Encodable, Sendable {
    public var id: String
    public var name: String
    public var aliases: [String]
    public var models: Int

    public init(id: String, name: String, aliases: [String], models: Int) {
        self.id = id
        self.name = name
        self.aliases = aliases
        self.models = models
    }
}

/// One row of `pricing list --json`.
public struct ModelRow: Encodable, Sendable {
    public var provider: String
    public var model: String
    public var name: String?
    public var source: String
    public var priced: Bool
    public var inputPerMTok: String?
    public var outputPerMTok: String?
    public var cacheReadPerMTok: String?
    public var contextWindow: Int?
    public var litellmKey: String?

    public init(_ m: CatalogModel, at date: Date) {
        provider = m.provider
        model = m.id
        name = m.name
        source = m.source
        priced = m.isPriced
        let price = m.standardPrice(at: date)
        inputPerMTok = price?["input_mtok"]?.base.decimalString
        outputPerMTok = price?["output_mtok"]?.base.decimalString
        cacheReadPerMTok = price?["cache_read_mtok"]?.base.decimalString
        contextWindow = m.contextWindow
        litellmKey = m.litellmKey
    }

    enum CodingKeys: String, CodingKey {
        case provider, model, name, source, priced
        case inputPerMTok = "input_per_mtok"
        case outputPerMTok = "output_per_mtok"
        case cacheReadPerMTok = "cache_read_per_mtok"
        case contextWindow = "context_window"
        case litellmKey = "litellm_key"
    }
}
