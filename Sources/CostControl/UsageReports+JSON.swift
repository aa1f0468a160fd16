import Foundation

// The JSON of the ccusage-style reports: ccusage's field names and nesting (camelCase), so scripts
// written for `ccusage daily --json` keep working, plus a few fields of our own (documented in
// Documentation/Reports.md): exact costs as decimal strings (`totalCostExact`, `costExact`), event
// and request counts, and the pricing coverage.

typealias JSONKey = AnyKey

extension KeyedEncodingContainer where K == JSONKey {
    mutating func encode<T: Encodable>(_ value: T, _ key: String) throws {
        try encode(value, forKey: JSONKey(key))
    }

    /// `inputTokens` (uncached), `outputTokens`, `cacheCreationTokens`, `cacheReadTokens`,
    /// `totalTokens`, the cost as a number under `costKey` and as an exact decimal string under
    /// `costKey + "Exact"`, then `events`, `requests`, `unpricedEvents`.
    mutating func encodeAmounts(_ amounts: ReportAmounts, costKey: String) throws {
        let t = amounts.tokens
        try encode(t.input, "inputTokens")
        try encode(t.output, "outputTokens")
        try encode(t.cacheCreation, "cacheCreationTokens")
        try encode(t.cacheRead, "cacheReadTokens")
        try encode(t.total, "totalTokens")
        try encode(amounts.costNumber, costKey)
        try encode(amounts.cost, costKey + "Exact")
        try encode(amounts.events, "events")
        try encode(amounts.requests, "requests")
        try encode(amounts.unpricedEvents, "unpricedEvents")
    }

    mutating func encodeModels(_ models: [ModelAmounts]) throws {
        try encode(models.map(\.model), "modelsUsed")
        try encode(models.map(ModelBreakdownJSON.init), "modelBreakdowns")
    }
}

/// `{"modelName", "inputTokens", "outputTokens", "cacheCreationTokens", "cacheReadTokens", "cost", "costExact", …}`.
struct ModelBreakdownJSON: Encodable {
    var model: ModelAmounts

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(model.model, "modelName")
        try c.encodeAmounts(model.amounts, costKey: "cost")
    }
}

extension PeriodReport: Encodable {
    /// `{"daily": [{"date", …token fields…, "totalCost", "modelsUsed", "modelBreakdowns"}], "totals": {…},
    /// "coverage": {…}, "timeZone", "source", "notes"}`; `weekly[].week` and `monthly[].month` likewise.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(rows.map { PeriodRowJSON(row: $0, key: period.rowKey) }, period.rawValue)
        try c.encode(TotalsJSON(amounts: totals), "totals")
        try c.encode(coverage, "coverage")
        try c.encode(timeZone.identifier, "timeZone")
        try c.encode(source.rawValue, "source")
        try c.encode(notes, "notes")
    }

    struct PeriodRowJSON: Encodable {
        var row: PeriodUsage
        var key: String

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(row.period, key)
            try c.encodeAmounts(row.amounts, costKey: "totalCost")
            try c.encodeModels(row.models)
        }
    }
}

/// ccusage's `totals`: the token fields and `totalCost` (plus `totalCostExact` and counts).
struct TotalsJSON: Encodable {
    var amounts: ReportAmounts

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encodeAmounts(amounts, costKey: "totalCost")
    }
}

extension SessionReport: Encodable {
    /// `{"sessions": [{"sessionId", …token fields…, "totalCost", "firstActivity", "lastActivity",
    /// "modelsUsed", "modelBreakdowns", "projectPath"}], "totals": {…}, "coverage": {…}, …}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(sessions.map(SessionRowJSON.init), "sessions")
        try c.encode(TotalsJSON(amounts: totals), "totals")
        try c.encode(coverage, "coverage")
        try c.encode(eventsWithoutSession, "eventsWithoutSession")
        try c.encode(timeZone.identifier, "timeZone")
    }

    struct SessionRowJSON: Encodable {
        var row: SessionUsage

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(row.session, "sessionId")
            try c.encodeAmounts(row.amounts, costKey: "totalCost")
            try c.encode(BlockBuilder.rfc3339(row.firstActivity), "firstActivity")
            try c.encode(BlockBuilder.rfc3339(row.lastActivity), "lastActivity")
            try c.encodeModels(row.models)
            try c.encode(row.project, "projectPath")
        }
    }
}

extension BlocksReport: Encodable {
    /// `{"blocks": [{"id", "startTime", "endTime", "actualEndTime", "isActive", "isGap", "entries",
    /// "tokenCounts": {…}, "totalTokens", "costUSD", "models", "burnRate", "projection",
    /// "tokenLimitStatus"?}], "tokenLimit", "coverage": {…}}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(blocks.map(BlockJSON.init), "blocks")
        try c.encode(tokenLimit, "tokenLimit")
        try c.encode(largestBlockTokens, "largestBlockTokens")
        try c.encode(coverage, "coverage")
        try c.encode(BlockBuilder.rfc3339(now), "now")
    }

    struct BlockJSON: Encodable {
        var block: UsageBlock

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            let b = block
            try c.encode(b.id, "id")
            try c.encode(BlockBuilder.rfc3339(b.start), "startTime")
            try c.encode(BlockBuilder.rfc3339(b.end), "endTime")
            try c.encode(b.lastEvent.map(BlockBuilder.rfc3339), "actualEndTime")
            try c.encode(b.isActive, "isActive")
            try c.encode(b.isGap, "isGap")
            try c.encode(b.amounts.events, "entries")
            var counts = c.nestedContainer(keyedBy: JSONKey.self, forKey: JSONKey("tokenCounts"))
            try counts.encode(b.amounts.tokens.input, "inputTokens")
            try counts.encode(b.amounts.tokens.output, "outputTokens")
            try counts.encode(b.amounts.tokens.cacheCreation, "cacheCreationInputTokens")
            try counts.encode(b.amounts.tokens.cacheRead, "cacheReadInputTokens")
            try c.encode(b.amounts.tokens.total, "totalTokens")
            try c.encode(b.amounts.costNumber, "costUSD")
            try c.encode(b.amounts.cost, "costExact")
            try c.encode(b.amounts.unpricedEvents, "unpricedEvents")
            try c.encode(b.models, "models")
            try c.encode(b.burnRate.map(BurnRateJSON.init), "burnRate")
            try c.encode(b.projection.map(ProjectionJSON.init), "projection")
            if let status = b.tokenLimitStatus {
                var s = c.nestedContainer(keyedBy: JSONKey.self, forKey: JSONKey("tokenLimitStatus"))
                try s.encode(status.limit, "limit")
                try s.encode(status.projectedUsage, "projectedUsage")
                try s.encode(status.percentUsed, "percentUsed")
                try s.encode(status.status.rawValue, "status")
            }
        }
    }

    struct BurnRateJSON: Encodable {
        var rate: BurnRate

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(rate.tokensPerMinute, "tokensPerMinute")
            try c.encode(rate.tokensPerMinuteForIndicator, "tokensPerMinuteForIndicator")
            try c.encode(rate.costPerHour, "costPerHour")
        }
    }

    struct ProjectionJSON: Encodable {
        var projection: BlockProjection

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(projection.totalTokens, "totalTokens")
            try c.encode(projection.totalCost, "totalCost")
            try c.encode(projection.remainingMinutes, "remainingMinutes")
        }
    }
}

extension PricingCoverage: Encodable {
    /// `{"pricedShare", "tokens", "unpricedTokens", "events", "unpricedEvents", "summary",
    /// "unpricedModels": [{"provider", "model", "events", "unpricedEvents", "unpricedTokens",
    /// "tokens": {"input", "output", "cacheCreation", "cacheRead", "total"}, "reason", "pricedNow"}], "notes"}`.
    public func encode(to encoder: any Encoder) throws {
        try CoverageJSON(coverage: self, snakeCase: false).encode(to: encoder)
    }
}

/// `costctl pricing missing --json`: the coverage in the snake_case of costctl's own commands
/// (`priced_share`, `unpriced_models[].unpriced_tokens`, `priced_now`, …).
public struct MissingPricesJSON: Encodable {
    public var coverage: PricingCoverage

    public init(_ coverage: PricingCoverage) {
        self.coverage = coverage
    }

    public func encode(to encoder: any Encoder) throws {
        try CoverageJSON(coverage: coverage, snakeCase: true).encode(to: encoder)
    }
}

/// The coverage's fields, named in camelCase (inside the ccusage-style reports) or snake_case.
struct CoverageJSON: Encodable {
    var coverage: PricingCoverage
    var snakeCase: Bool

    func key(_ camel: String) -> JSONKey {
        guard snakeCase else { return JSONKey(camel) }
        var out = ""
        for character in camel {
            if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
        }
        return JSONKey(out)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(coverage.pricedShare, forKey: key("pricedShare"))
        try c.encode(coverage.tokens, forKey: key("tokens"))
        try c.encode(coverage.unpricedTokens, forKey: key("unpricedTokens"))
        try c.encode(coverage.events, forKey: key("events"))
        try c.encode(coverage.unpricedEvents, forKey: key("unpricedEvents"))
        try c.encode(coverage.summary, forKey: key("summary"))
        var models = c.nestedUnkeyedContainer(forKey: key("unpricedModels"))
        for model in coverage.models {
            var m = models.nestedContainer(keyedBy: JSONKey.self)
            try m.encode(model.provider, forKey: key("provider"))
            try m.encode(model.model, forKey: key("model"))
            try m.encode(model.events, forKey: key("events"))
            try m.encode(model.unpricedEvents, forKey: key("unpricedEvents"))
            try m.encode(model.tokens.total, forKey: key("unpricedTokens"))
            var t = m.nestedContainer(keyedBy: JSONKey.self, forKey: key("tokens"))
            try t.encode(model.tokens.input, forKey: key("input"))
            try t.encode(model.tokens.output, forKey: key("output"))
            try t.encode(model.tokens.cacheCreation, forKey: key("cacheCreation"))
            try t.encode(model.tokens.cacheRead, forKey: key("cacheRead"))
            try t.encode(model.tokens.total, forKey: key("total"))
            try m.encode(model.reason, forKey: key("reason"))
            try m.encode(model.pricedNow, forKey: key("pricedNow"))
        }
        try c.encode(coverage.notes, forKey: key("notes"))
    }
}
