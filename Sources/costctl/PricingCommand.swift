public import ArgumentParser
import CostControl
import Foundation

extension PriceFileFormat: ExpressibleByArgument {}

struct PricingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pricing",
        abstract: "Browse the price catalog and add your own prices.",
        subcommands: [List.self, Show.self, Import.self, Remove.self, Missing.self]
    )

    struct Missing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the models of recorded usage that have no price, with their token volume.",
            discussion: """
                Events whose model the catalog did not price are stored unpriced (never as $0). This
                lists those models with their unpriced events and tokens, and whether the current
                catalog with your overrides prices them now. To fix history: add a price
                (costctl pricing import FILE), then costctl reprice --where model=MODEL.

                Examples:
                  costctl pricing missing
                  costctl pricing missing --since 30d --json
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var filterOptions: FilterOptions

        func run() async throws {
            let engine = CostEngine(catalog: try global.catalog())
            let ledger = try global.openLedger()
            let coverage = try await UsageReports(ledger: ledger, timeZone: global.timeZone).missingPrices(
                matching: try filterOptions.filter(window: global.window, defaultSince: nil), engine: engine)
            if global.json { return try Output.json(MissingPricesJSON(coverage)) }
            FileHandle.standardOutput.write(Data(UsageReportsText.render(missing: coverage).utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List models with their current prices.",
            discussion: "Examples:\n  costctl pricing list --provider anthropic\n  costctl pricing list --search flash --json")

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Only this provider (id or alias).", valueName: "provider"))
        var provider: String?

        @Option(help: ArgumentHelp("Only models whose id or name contains this text.", valueName: "text"))
        var search: String?

        @Option(help: ArgumentHelp("Show at most this many rows (0: all).", valueName: "n"))
        var limit: Int = 0

        @Flag(help: "List providers (with model counts) instead of models.")
        var providers = false

        func validate() throws {
            if limit < 0 { throw ValidationError("--limit must be 0 or more (got \(limit))") }
        }

        func run() async throws {
            let catalog = try global.catalog()
            if providers {
                let rows = catalog.providers.map { p in
                    ProviderRow(id: p.id, name: p.name, aliases: p.aliases, models: p.models.count + p.exactModels.count)
                }
                if global.json { return try Output.json(rows) }
                Output.table(
                    [.init(title: "Provider"), .init(title: "Models", rightAligned: true), .init(title: "Also known as")],
                    rows.map { [$0.id, String($0.models), $0.aliases.joined(separator: ", ")] })
                return
            }
            var models = try catalog.models(provider: provider, search: search)
            let total = models.count
            if limit > 0 { models = Array(models.prefix(limit)) }
            let now = Date()
            let rows = models.map { ModelRow($0, at: now) }
            if global.json { return try Output.json(rows) }
            Output.table(
                [.init(title: "Provider"), .init(title: "Model"), .init(title: "Input/MTok", rightAligned: true),
                 .init(title: "Output/MTok", rightAligned: true), .init(title: "Cache read", rightAligned: true),
                 .init(title: "Context", rightAligned: true), .init(title: "Source")],
                rows.map {
                    [$0.provider, $0.model, $0.inputPerMTok.map(money) ?? "–", $0.outputPerMTok.map(money) ?? "–",
                     $0.cacheReadPerMTok.map(money) ?? "–", $0.contextWindow.map(Output.count) ?? "",
                     $0.priced ? $0.source : "\($0.source), unpriced"]
                })
            Output.line()
            Output.line(models.count < total ? "\(models.count) of \(total) models (--limit 0 shows all)" : "\(total) models")
        }

        func money(_ text: String) -> String { Money(text)?.display(maxPlaces: 6) ?? text }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one model: how ids match it, its prices over time and its variants.",
            discussion: "Examples:\n  costctl pricing show claude-sonnet-4-20250514\n  costctl pricing show gpt-4o --at 2024-06-01 --json")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Model id as you call it.", valueName: "model"))
        var model: String

        @Option(help: ArgumentHelp("Provider id or alias.", valueName: "provider"))
        var provider: String?

        @Option(help: ArgumentHelp("Show the price in force at this date or date-time (default now).", valueName: "date"))
        var at: String?

        func validate() throws {
            if let at { _ = try global.parseDate(at, option: "--at") }
        }

        func run() async throws {
            let catalog = try global.catalog()
            let resolved = try catalog.resolve(model: model, provider: provider)
            let m = resolved.model
            let date = try at.map { try global.parseDate($0, option: "--at") } ?? Date()
            let detail = ModelDetail(m, resolved: resolved, at: date)
            if global.json { return try Output.json(detail) }
            Output.line("\(m.provider)/\(m.id)" + (m.name.map { "  \($0)" } ?? ""))
            Output.line("source          \(m.source)" + (m.litellmKey.map { " (LiteLLM key \($0))" } ?? ""))
            if resolved.viaFallback { Output.line("priced for      \(resolved.pricedFor ?? "") through its fallback provider \(m.provider)") }
            if let c = m.contextWindow { Output.line("context window  \(Output.count(c)) tokens") }
            if m.deprecated { Output.line("deprecated      yes") }
            Output.line("matches         \(detail.matches)")
            guard m.isPriced else {
                Output.line("price           unpriced: \(m.unpricedReason ?? "no price")")
                return
            }
            Output.line()
            Output.line("Price in force at \(Output.date(date, in: global.timeZone)):")
            if let price = m.standardPrice(at: date) { printPrice(price) }
            if m.prices.count > 1 {
                Output.line()
                Output.line("History and time-of-day prices (the last that applies wins):")
                for (i, p) in m.prices.enumerated() {
                    Output.line("  \(i + 1). \(describe(p.constraint)): " + Self.ordered(p.price.lines).map { "\($0.unit.priceKey) \(Output.rate($0.value, per: $0.unit.per))" }.joined(separator: ", "))
                }
            }
            if !m.variants.isEmpty {
                Output.line()
                Output.line("Variants (by request context):")
                for v in m.variants {
                    let when = v.when.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                    let since = v.constraint.map { " [\(describe($0))]" } ?? ""
                    Output.line("  \(when)\(since) (\(v.source)): " + Self.ordered(v.prices.lines).map { "\($0.unit.priceKey) \(Output.rate($0.value, per: $0.unit.per))" }.joined(separator: ", "))
                }
            }
        }

        func printPrice(_ price: ModelPrice) {
            Output.table(
                [.init(title: "  Price key"), .init(title: "Rate")],
                Self.ordered(price.lines).map { ["  " + $0.unit.priceKey, Output.rate($0.value, per: $0.unit.per)] })
        }

        /// Lines in reading order: input, cache, output, reasoning, units, fees.
        static func ordered(_ lines: [ModelPrice.Line]) -> [ModelPrice.Line] {
            let order = Dictionary(uniqueKeysWithValues: CostCategory.allCases.enumerated().map { ($1, $0) })
            return lines.sorted {
                (order[$0.unit.category] ?? 0, $0.unit.priceKey) < (order[$1.unit.category] ?? 0, $1.unit.priceKey)
            }
        }

        func describe(_ c: PriceConstraint?) -> String {
            switch c {
            case nil: "always"
            case .startDate: "from \(c?.startDateString ?? "")"
            case .timeOfDay(let windows):
                windows.map { w in
                    func hm(_ s: Int) -> String { String(format: "%02d:%02d", s / 3600, s / 60 % 60) }
                    return "\(hm(w.start))-\(hm(w.end)) UTC" + (w.weekdays.map { " on ISO days \($0.map(String.init).joined(separator: ","))" } ?? "")
                }.joined(separator: " and ")
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a price file (negotiated rates, private or local models) that wins over bundled prices.",
            discussion: """
                The file is validated whole, converted to costctl's format and stored in the prices
                directory (COSTCTL_PRICES_DIR, default ~/.local/share/costctl/prices/) as NAME.json;
                later names win. Nothing is written if any entry is invalid.

                Examples:
                  costctl pricing import model_prices_and_context_window.json --format litellm
                  costctl pricing import negotiated.json --format costctl --name acme-contract
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The price file.", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp("The file's format.", valueName: "format"))
        var format: PriceFileFormat

        @Option(help: ArgumentHelp("Name to store it under (default: the file's name).", valueName: "name"))
        var name: String?

        func validate() throws {
            guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("\(file): no such file") }
        }

        func run() async throws {
            let report = try PriceOverrides.importFile(
                URL(fileURLWithPath: file), format: format, name: name, into: global.paths.pricesDirectory)
            if global.json { return try Output.json(report) }
            Output.line("Imported \(report.models) models (\(report.unpricedModels) without a price) over \(report.providers) providers from \(file)")
            Output.line("Stored as \(report.destination); these prices now win over the bundled catalog.")
            if !report.skipped.isEmpty {
                Output.line("Skipped \(report.skipped.count):")
                for (key, why) in report.skipped.sorted(by: { $0.key < $1.key }).prefix(20) { Output.line("  \(key): \(why)") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an imported price file by name.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The name it was imported as.", valueName: "name"))
        var name: String

        func run() async throws {
            try PriceOverrides.remove(name: name, from: global.paths.pricesDirectory)
            if global.json { return try Output.json(["removed": name]) }
            Output.line("Removed price override '\(name)'.")
        }
    }
}

/// `pricing show --json`.
struct ModelDetail: Encodable {
    var provider: String
    var model: String
    var name: String?
    var source: String
    var litellmKey: String?
    var matches: String
    var contextWindow: Int?
    var deprecated: Bool
    var priced: Bool
    var unpricedReason: String?
    var at: String
    var price: [String: CatalogFile.Value]?
    var history: [CatalogFile.Conditional]
    var variants: [CatalogFile.Variant]

    init(_ m: CatalogModel, resolved: ResolvedModel, at date: Date) {
        provider = resolved.identity.provider
        model = m.id
        name = m.name
        source = m.source
        litellmKey = m.litellmKey
        matches = m.match.summary
        contextWindow = m.contextWindow
        deprecated = m.deprecated
        priced = m.isPriced
        unpricedReason = m.unpricedReason
        at = Timestamp.format(date)
        price = m.standardPrice(at: date).map { $0.prices.mapValues(CatalogFile.Value.init) }
        history = m.prices.map { CatalogFile.Conditional(constraint: $0.constraint.map(CatalogFile.Constraint.init), prices: $0.price.prices.mapValues(CatalogFile.Value.init)) }
        variants = m.variants.map {
            CatalogFile.Variant(when: $0.when, prices: $0.prices.prices.mapValues(CatalogFile.Value.init),
                                constraint: $0.constraint.map(CatalogFile.Constraint.init), source: $0.source)
        }
    }

    enum CodingKeys: String, CodingKey {
        case provider, model, name, source, matches, deprecated, priced, at, price, history, variants
        case litellmKey = "litellm_key"
        case contextWindow = "context_window"
        case unpricedReason = "unpriced_reason"
    }
}
