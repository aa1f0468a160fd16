public import Foundation

/// Reads LiteLLM's price map (`model_prices_and_context_window.json` and its `_backup` copy, or a
/// proxy's custom model list in the same shape) into the costctl price-file format.
///
/// It applies the rules of LiteLLM's own calculator: prices are per token (numbers, or numbers
/// written as strings); a tier key (`_flex`, `_priority`) falls back to the standard key; an absent
/// cache price bills cache tokens at the input rate; `_above_Nk_tokens` thresholds switch every
/// token kind to the threshold rate once the prompt (cache included) exceeds N tokens (xAI: reaches
/// N); `_batches` prices become the batch variant; `tiered_pricing` ranges become tiers;
/// `off_peak_pricing` windows become a time-of-day price. `sample_spec` is skipped.
///
/// For example:
/// ```swift
/// let file = try LiteLLMImporter.convert(data, origin: "litellm.json")
/// let catalog = try PriceCatalog.bundled().overlaying(file, origin: "litellm.json")
/// ```
public enum LiteLLMImporter {
    /// Statistics of a conversion.
    public struct Report: Sendable, Hashable {
        public var models = 0
        public var unpriced = 0
        public var skipped: [String: String] = [:]
    }

    /// Converts LiteLLM JSON to a ``CatalogFile``; entries map to providers by LiteLLM's provider
    /// name (resolved against `catalog` when given, so `bedrock` lands in `aws`).
    ///
    /// - throws: ``PricingError`` `.invalidCatalog` when the data is not a JSON object of entries.
    public static func convert(
        _ data: Data, origin: String, catalog: PriceCatalog? = nil
    ) throws -> (file: CatalogFile, report: Report) {
        let object: JSONValue
        do {
            object = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw PricingError(code: .invalidCatalog, message: "\(origin): not JSON (\(error.localizedDescription))")
        }
        guard let entries = object.object else {
            throw PricingError(
                code: .invalidCatalog,
                message: "\(origin): a LiteLLM price map is a JSON object of model keys (like model_prices_and_context_window.json)")
        }
        var report = Report()
        var byProvider: [String: [CatalogFile.Model]] = [:]
        for key in entries.keys.sorted() where key != "sample_spec" {
            guard let entry = entries[key]?.object else {
                report.skipped[key] = "not an object"
                continue
            }
            let litellmProvider = entry["litellm_provider"]?.string
                ?? key.split(separator: "/", maxSplits: 1).first.map(String.init).flatMap { key.contains("/") ? $0 : nil }
            guard let litellmProvider, !litellmProvider.contains(" ") else {
                report.skipped[key] = "no litellm_provider"
                continue
            }
            let providerId = catalog?.provider(named: litellmProvider)?.id ?? litellmProvider.lowercased()
            let lowerKey = key.lowercased()
            let id = lowerKey.hasPrefix(litellmProvider.lowercased() + "/")
                ? String(key.dropFirst(litellmProvider.count + 1)) : key
            var model = CatalogFile.Model(
                id: id,
                match: id.lowercased() == lowerKey ? .equals(lowerKey) : .or([.equals(id.lowercased()), .equals(lowerKey)]),
                source: "litellm", prices: [])
            model.litellmKey = key
            model.litellmProvider = litellmProvider
            model.mode = entry["mode"]?.string
            if let window = (entry["max_input_tokens"] ?? entry["max_tokens"]).flatMap(number), window > 0 {
                model.contextWindow = Int(truncating: window as NSDecimalNumber)
            }
            let standard = rates(entry, suffix: nil)
            if standard.isEmpty {
                let kinds = entry.keys.filter { $0.contains("cost") }.sorted().prefix(6)
                model.unpricedReason = "LiteLLM lists no supported per-token, per-request or per-unit price"
                    + (kinds.isEmpty ? "" : " (it has: \(kinds.joined(separator: ", ")))")
                report.unpriced += 1
            } else {
                model.prices = [CatalogFile.Conditional(constraint: nil, prices: standard)] + offPeak(entry, standard: standard)
                let variants = variants(entry, standard: standard)
                if !variants.isEmpty { model.variants = variants }
            }
            report.models += 1
            byProvider[providerId, default: []].append(model)
        }
        let providers = byProvider.keys.sorted().map { id in
            CatalogFile.Provider(
                id: id, name: catalog?.provider(named: id)?.name ?? id, source: "litellm", aliases: nil,
                pricingURLs: nil, providerMatch: nil, modelMatch: nil, fallbackProviders: nil, models: nil,
                litellmModels: byProvider[id])
        }
        let file = CatalogFile(
            generatedAt: Timestamp.format(Date()),
            sources: [CatalogFile.Source(name: "litellm", version: nil, licence: "MIT", url: nil, file: origin)],
            providers: providers)
        return (file, report)
    }

    // MARK: - Rates

    static let mtok = Decimal(1_000_000)
    static let thresholdPrefixes = [
        "input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost", "cache_creation_input_token_cost",
    ]
    static let nonStandardSuffixes = ["_flex", "_priority", "_balanced", "_ultrafast", "_batches", "_decisions"]

    /// A JSON value as an exact decimal (numbers through their shortest text, strings parsed).
    static func number(_ value: JSONValue?) -> Decimal? {
        switch value {
        case .number(let d)?:
            return d
        case .string(let s)?:
            return Decimal(string: s.trimmingCharacters(in: .whitespaces))
        default:
            return nil
        }
    }

    /// A per-token price (≥ 0) as a price per million tokens.
    static func perMTok(_ value: JSONValue?) -> Decimal? {
        guard let d = number(value), d >= 0, !d.isNaN else { return nil }
        return d * mtok
    }

    static func money(_ d: Decimal) -> Money? { Money(d.description) }

    /// The prices LiteLLM's calculator applies for a tier (`suffix` nil: standard).
    static func rates(_ e: [String: JSONValue], suffix: String?) -> [String: CatalogFile.Value] {
        func get(_ key: String) -> Decimal? {
            if let suffix, let v = perMTok(e["\(key)_\(suffix)"]) { return v }
            return perMTok(e[key])
        }
        var input = get("input_cost_per_token")
        var output = get("output_cost_per_token")
        if output == nil || output == 0, let image = perMTok(e["output_cost_per_image_token"]) { output = image }
        let cacheRead = get("cache_read_input_token_cost")
        let cacheWrite = get("cache_creation_input_token_cost")
        let cacheWrite1h = perMTok(e["cache_creation_input_token_cost_above_1hr"])
        var result: [String: CatalogFile.Value] = [:]

        // `tiered_pricing`: all-or-nothing ranges chosen by the prompt size
        if let table = e["tiered_pricing"]?.array?.compactMap(\.object), !table.isEmpty,
            let first = table.first, perMTok(first["input_cost_per_token"]) != nil
        {
            func tiers(_ key: String, fallback: String?) -> CatalogFile.Value? {
                var base: Decimal?
                var list: [PriceTier] = []
                for (i, tier) in table.enumerated() {
                    guard let rate = perMTok(tier[key]) ?? fallback.flatMap({ perMTok(tier[$0]) }) else { return nil }
                    if i == 0 {
                        base = rate
                    } else if let range = tier["range"]?.array, let start = number(range.first),
                        let m = money(rate)
                    {
                        list.append(PriceTier(start: Int(truncating: start as NSDecimalNumber), price: m))
                    }
                }
                guard let base, let b = money(base) else { return nil }
                return list.isEmpty ? .flat(b) : .tiered(base: b, tiers: list)
            }
            if let v = tiers("input_cost_per_token", fallback: nil) { result["input_mtok"] = v }
            if let v = tiers("output_cost_per_token", fallback: nil) {
                result["output_mtok"] = v
            } else if let output, let m = money(output) {
                result["output_mtok"] = .flat(m)
            }
            if let v = tiers("cache_read_input_token_cost", fallback: "input_cost_per_token") { result["cache_read_mtok"] = v }
            return result
        }

        // `_above_Nk_tokens` thresholds (standard keys and this tier's keys)
        var thresholds: [Int: [String: Decimal]] = [:]
        for (key, raw) in e {
            var k = key
            if let suffix, key.hasSuffix("_" + suffix) {
                k = String(key.dropLast(suffix.count + 1))
            } else if nonStandardSuffixes.contains(where: key.hasSuffix) {
                continue
            }
            guard let prefix = thresholdPrefixes.first(where: { k.hasPrefix($0 + "_above_") }), k.hasSuffix("_tokens"),
                let v = perMTok(raw)
            else { continue }
            let middle = k.dropFirst(prefix.count + "_above_".count).dropLast("_tokens".count)
            let isK = middle.hasSuffix("k")
            guard let n = Int(isK ? middle.dropLast() : middle) else { continue }
            let threshold = n * (isK ? 1000 : 1)
            if k == key, thresholds[threshold]?[prefix] != nil { continue }  // the tier's own key wins
            thresholds[threshold, default: [:]][prefix] = v
        }
        guard input != nil || output != nil else { return [:] }
        input = input ?? 0
        let inclusive = e["litellm_provider"]?.string == "xai"
        func tiered(_ base: Decimal, _ field: String) -> CatalogFile.Value? {
            guard let b = money(base) else { return nil }
            var tiers: [PriceTier] = []
            var current = base
            var last = base
            for n in thresholds.keys.sorted() {
                if let v = thresholds[n]?[field] { current = v }
                if current != last, let m = money(current) {
                    tiers.append(PriceTier(start: inclusive ? n - 1 : n, price: m))
                    last = current
                }
            }
            return tiers.isEmpty ? .flat(b) : .tiered(base: b, tiers: tiers)
        }
        if let input, let v = tiered(input, "input_cost_per_token") { result["input_mtok"] = v }
        if let output, let v = tiered(output, "output_cost_per_token") { result["output_mtok"] = v }
        if let cacheRead, let v = tiered(cacheRead, "cache_read_input_token_cost") { result["cache_read_mtok"] = v }
        if cacheWrite != nil || cacheWrite1h != nil, let v = tiered(cacheWrite ?? input ?? 0, "cache_creation_input_token_cost") {
            result["cache_write_mtok"] = v
        }
        if let cacheWrite1h, let m = money(cacheWrite1h) { result["cache_write_1h_mtok"] = .flat(m) }

        let extras: [(String, String, Decimal)] = [
            ("input_cost_per_audio_token", "input_audio_mtok", mtok),
            ("output_cost_per_audio_token", "output_audio_mtok", mtok),
            ("output_cost_per_reasoning_token", "output_reasoning_mtok", mtok),
            ("input_cost_per_image_token", "input_image_mtok", mtok),
            ("input_cost_per_character", "input_mchars", mtok),
            ("input_cost_per_request", "requests_kcount", 1000),
            ("input_cost_per_image", "input_images_unit", 1),
            ("output_cost_per_image", "output_images_unit", 1),
            ("input_cost_per_audio_per_second", "input_audio_hours", 3600),
        ]
        for (key, priceKey, scale) in extras {
            let raw = suffix.flatMap { e["\(key)_\($0)"] } ?? e[key]
            guard let v = number(raw), v >= 0, let m = money(v * scale) else { continue }
            result[priceKey] = .flat(m)
        }
        if e["mode"]?.string == "audio_transcription", result["input_audio_hours"] == nil,
            let v = number(e["input_cost_per_second"]), v >= 0, let m = money(v * 3600)
        {
            result["input_audio_hours"] = .flat(m)
        }
        // genai-prices' unit rules: when two overlapping units are priced, their join must be too
        func base(_ v: CatalogFile.Value?) -> Money? {
            switch v {
            case .flat(let m): m
            case .tiered(let b, _): b
            case nil: nil
            }
        }
        if result["input_audio_mtok"] != nil, let read = base(result["cache_read_mtok"]) {
            result["cache_audio_read_mtok"] = .flat(perMTok(e["cache_read_input_audio_token_cost"]).flatMap(money) ?? read)
        }
        if result["input_image_mtok"] != nil, let read = base(result["cache_read_mtok"]) {
            result["cache_image_read_mtok"] = .flat(perMTok(e["cache_read_input_image_token_cost"]).flatMap(money) ?? read)
        }
        return result
    }

    static func variants(_ e: [String: JSONValue], standard: [String: CatalogFile.Value]) -> [CatalogFile.Variant] {
        var result: [CatalogFile.Variant] = []
        for tier in ["flex", "priority"] where e.keys.contains(where: { $0.hasSuffix("_" + tier) }) {
            let prices = rates(e, suffix: tier)
            if !prices.isEmpty, !same(prices, standard) {
                result.append(CatalogFile.Variant(when: ["service_tier": tier], prices: prices, constraint: nil, source: "litellm"))
            }
        }
        var batch: [String: CatalogFile.Value] = [:]
        let keys = [
            ("input_cost_per_token", "input_mtok"), ("output_cost_per_token", "output_mtok"),
            ("cache_read_input_token_cost", "cache_read_mtok"), ("cache_creation_input_token_cost", "cache_write_mtok"),
        ]
        for (key, priceKey) in keys {
            if let v = perMTok(e[key + "_batches"]), let m = money(v) { batch[priceKey] = .flat(m) }
        }
        if !batch.isEmpty {
            result.append(CatalogFile.Variant(when: ["processing": "batch"], prices: batch, constraint: nil, source: "litellm"))
        }
        return result
    }

    static func same(_ a: [String: CatalogFile.Value], _ b: [String: CatalogFile.Value]) -> Bool {
        guard a.count == b.count else { return false }
        return a.allSatisfy { key, value in b[key].map { $0.priceValue == value.priceValue } ?? false }
    }

    static func offPeak(_ e: [String: JSONValue], standard: [String: CatalogFile.Value]) -> [CatalogFile.Conditional] {
        guard let block = e["off_peak_pricing"]?.object else { return [] }
        var spans: [CatalogFile.Window] = []
        func add(_ hours: JSONValue?, weekdays: [Int]?) {
            let list: [String] = hours?.string.map { [$0] } ?? hours?.array?.compactMap(\.string) ?? []
            for window in list {
                let parts = window.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { continue }
                let start = parts[0] + ":00"
                let end = parts[0] == parts[1] ? "24:00:00" : parts[1] + ":00"  // start == end: the whole day
                spans.append(CatalogFile.Window(start: start, end: end, weekdays: weekdays))
            }
        }
        add(block["hours_utc"], weekdays: nil)
        for w in block["windows"]?.array?.compactMap(\.object) ?? [] {
            add(w["hours_utc"], weekdays: w["weekdays"]?.array?.compactMap(\.int))
        }
        guard !spans.isEmpty else { return [] }
        var prices = standard
        let keys = [
            ("input_cost_per_token", "input_mtok"), ("output_cost_per_token", "output_mtok"),
            ("cache_read_input_token_cost", "cache_read_mtok"), ("cache_creation_input_token_cost", "cache_write_mtok"),
        ]
        for (key, priceKey) in keys {
            if let v = perMTok(block[key]), let m = money(v) { prices[priceKey] = .flat(m) }
        }
        return [CatalogFile.Conditional(constraint: CatalogFile.Constraint(startDate: nil, timeOfDay: spans), prices: prices)]
    }
}
