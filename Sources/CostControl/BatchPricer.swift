public import Foundation

/// Prices a stream of requests given as JSON lines, one result line per request, in order.
///
/// Input line: `{"model": "gpt-4o", "provider": "openai", "usage": {"input_tokens": 1000,
/// "output_tokens": 200, "cache_read_tokens": 100}, "timestamp": "2026-11-02T10:00:00Z",
/// "tier": "batch", "id": "req-1"}` (`provider`, `timestamp`, `tier` and `id` optional; `usage`
/// uses genai-prices' keys, `input_tokens` counting cache reads and writes).
///
/// Output line: `{"id": …, "line": N, "provider": …, "model": …, "priced": true,
/// "input_usd": "…", "output_usd": "…", "total_usd": "…"}`, or `{"line": N, "error": "…"}` for a
/// line that could not be priced (the batch goes on).
public struct BatchPricer: Sendable {
    public let engine: CostEngine
    /// When a timestamp is missing.
    public let defaultDate: Date

    public init(engine: CostEngine, defaultDate: Date = Date()) {
        self.engine = engine
        self.defaultDate = defaultDate
    }

    struct Request: Decodable {
        var id: JSONValue?
        var model: String
        var provider: String?
        var usage: Usage
        var timestamp: String?
        var tier: ServiceTier?
    }

    /// One priced line.
    public struct Result: Encodable, Sendable {
        public var line: Int
        public var id: JSONValue?
        public var provider: String?
        public var model: String?
        public var source: String?
        public var priced: Bool?
        public var unpricedReason: String?
        public var serviceTier: String?
        public var inputUSD: String?
        public var outputUSD: String?
        public var totalUSD: String?
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case line, id, provider, model, source, priced, error
            case unpricedReason = "unpriced_reason"
            case serviceTier = "service_tier"
            case inputUSD = "input_usd"
            case outputUSD = "output_usd"
            case totalUSD = "total_usd"
        }
    }

    /// Prices one line of JSON text (`number` is the 1-based line number used in messages).
    public func price(line text: Substring, number: Int) -> Result {
        var result = Result(line: number)
        let request: Request
        do {
            request = try JSONDecoder().decode(Request.self, from: Data(text.utf8))
        } catch let error as DecodingError {
            result.error = "line \(number): \(CatalogFile.describe(error))"
            return result
        } catch {
            result.error = "line \(number): \(error)"
            return result
        }
        result.id = request.id
        do {
            try request.usage.validate()
            let date = try request.timestamp.map { try Timestamp.parse($0) } ?? defaultDate
            let b = try engine.cost(request.usage, model: request.model, provider: request.provider, at: date,
                                    tier: request.tier ?? .standard)
            result.provider = b.model.provider
            result.model = b.model.model
            result.source = b.model.source
            result.priced = b.isPriced
            result.unpricedReason = b.unpricedReason
            result.serviceTier = b.serviceTier.rawValue
            if b.isPriced {
                result.inputUSD = b.inputTotal.decimalString
                result.outputUSD = b.outputTotal.decimalString
                result.totalUSD = b.total.decimalString
            }
        } catch {
            result.error = "line \(number): \(error)"
        }
        return result
    }

    /// Prices every non-empty line of `data`, calling `emit` with each result and returning the totals.
    public func price(jsonLines data: Data, emit: (Result) throws -> Void) rethrows -> Summary {
        var summary = Summary()
        let text = String(decoding: data, as: UTF8.self)
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let r = price(line: Substring(trimmed), number: number)
            summary.record(r)
            try emit(r)
        }
        return summary
    }

    /// Totals over a batch.
    public struct Summary: Sendable, Encodable {
        public var lines = 0
        public var priced = 0
        public var unpriced = 0
        public var errors = 0
        public var total = Money.zero

        mutating func record(_ r: Result) {
            lines += 1
            if r.error != nil {
                errors += 1
            } else if r.priced == true, let t = r.totalUSD.flatMap(Money.init) {
                priced += 1
                total += t
            } else {
                unpriced += 1
            }
        }

        enum CodingKeys: String, CodingKey {
            case lines, priced, unpriced, errors
            case total = "total_usd"
        }
    }
}


