import CostControl
import Foundation
public import MCP

/// The server's resources, JSON at stable URIs: the price catalog (every model with its current
/// standard rates, as `costctl pricing list --json`, plus the providers) and the subscription plan
/// catalog (as `costctl plans --json`). Both include the user's overrides.
public enum CostResources {
    public static let priceCatalogURI = "costctl://catalog/prices"
    public static let planCatalogURI = "costctl://catalog/plans"

    public static let all: [Resource] = [
        Resource(
            name: "price-catalog", uri: priceCatalogURI, title: "Price catalog",
            description: "Every model of the catalog (genai-prices + LiteLLM, with your overrides) with its current standard rates per million tokens, and the providers.",
            mimeType: "application/json"),
        Resource(
            name: "plan-catalog", uri: planCatalogURI, title: "Subscription plan catalog",
            description: "Subscription plans (Claude, ChatGPT, Gemini tiers, the API) with prices, usage windows and allowances.",
            mimeType: "application/json"),
    ]

    /// The JSON text of the resource at `uri`.
    ///
    /// - throws: ``CostMCPError`` `.unknownResource`, or the catalog's error.
    static func read(_ uri: String, context: CostToolContext) async throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        switch uri {
        case priceCatalogURI:
            let catalog = try await context.catalog()
            struct Body: Encodable {
                var providers: [ProviderRow]
                var models: [ModelRow]
            }
            let now = Date()
            let body = Body(
                providers: catalog.providers.map { ProviderRow(id: $0.id, name: $0.name, aliases: $0.aliases, models: $0.models.count + $0.exactModels.count) },
                models: try catalog.models(provider: nil, search: nil).map { ModelRow($0, at: now) })
            return String(decoding: try encoder.encode(body), as: UTF8.self)
        case planCatalogURI:
            return String(decoding: try encoder.encode(PlanCatalogJSON(try await context.plans())), as: UTF8.self)
        default:
            throw CostMCPError(
                code: .unknownResource,
                message: "no resource at '\(uri)'; resources: \(all.map(\.uri).joined(separator: ", "))")
        }
    }
}
