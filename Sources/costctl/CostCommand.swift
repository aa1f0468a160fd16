public import ArgumentParser
import CostControl
import Foundation

extension ServiceTier: ExpressibleByArgument {}

struct CostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Price a request: tokens × the model's price at a time, by category.",
        discussion: """
            --input counts ALL input tokens, cache reads and writes included (as OpenAI and genai-prices
            count them); the breakdown shows the uncached part separately. --output counts all output
            tokens, reasoning included.

            With --batch FILE (JSON Lines, '-' for standard input) every line is priced and one result
            line is printed per request: {"model": "gpt-4o", "usage": {"input_tokens": 1000,
            "output_tokens": 200}, "timestamp": "2026-11-02T10:00:00Z", "tier": "batch"}.

            Examples:
              costctl cost --model gpt-4o --input 12000 --output 800 --cache-read 9000
              costctl cost --provider bedrock --model anthropic.claude-sonnet-4-20250514-v1:0 --input 1000 --output 500 --json
              costctl cost --model gpt-5 --input 1000000 --output 0 --tier flex --at 2026-01-15
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Provider id or alias (openai, anthropic, google, aws, bedrock, vertex_ai, openrouter, …).", valueName: "provider"))
    var provider: String?

    @Option(help: ArgumentHelp("Model id as you call it (gpt-4o, claude-sonnet-4-20250514, openai/gpt-4o, …).", valueName: "model"))
    var model: String?

    @OptionGroup var counts: UsageCountOptions

    @Option(help: ArgumentHelp("Service tier.", valueName: "tier"))
    var tier: ServiceTier = .standard

    @Option(help: ArgumentHelp("When the request ran: ISO 8601 date or date-time (default now); prices in force then apply.", valueName: "time"))
    var at: String?

    @Option(help: ArgumentHelp("Price every request of a JSON Lines file ('-': standard input).", valueName: "file"))
    var batch: String?

    func validate() throws {
        try counts.check(parts: batch == nil)
        if batch == nil {
            guard let model, !model.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--model is required (for example --model gpt-4o), or --batch FILE")
            }
        }
        if let at { _ = try global.parseDate(at, option: "--at") }
    }

    func run() async throws {
        let engine = CostEngine(catalog: try global.catalog())
        let date = try at.map { try global.parseDate($0, option: "--at") } ?? Date()
        if let batch {
            try runBatch(batch, engine: engine, date: date)
            return
        }
        let quote = try CostQuote(engine: engine, model: model ?? "", provider: provider, usage: counts.usage, at: date, tier: tier)
        if global.json {
            try Output.json(quote.report)
            return
        }
        printHuman(quote.breakdown, resolved: quote.resolved, date: date, lines: quote.lines, unpricedKinds: quote.unpricedKinds, note: quote.note)
    }

    private func printHuman(
        _ b: CostBreakdown, resolved: ResolvedModel, date: Date, lines: [CostLine], unpricedKinds: [UsageKind], note: String?
    ) {
        Output.line("Model   \(b.model) (\(b.model.source))" + (b.model.model.lowercased() != model?.lowercased() ? "  ← '\(model ?? "")'" : ""))
        Output.line("Priced  at \(Output.date(date, in: global.timeZone)), \(b.serviceTier) tier")
        if let note { Output.line("Note    \(note)") }
        guard b.isPriced else {
            Output.line("Cost    unpriced: \(b.unpricedReason ?? "no price") (not $0: the cost is unknown)")
            return
        }
        Output.line()
        let rows = lines.filter { $0.count != 0 || $0.amount != .zero }.map { line -> [String] in
            [label(line), Output.count(line.count), Output.rate(PriceValue(base: line.rate), per: line.per) + (line.tiered ? " (tier)" : ""),
             line.amount.display(maxPlaces: 8)]
        }
        Output.table(
            [.init(title: "Usage"), .init(title: "Count", rightAligned: true), .init(title: "Rate"),
             .init(title: "Cost", rightAligned: true)],
            rows + [["Total", "", "", b.total.display(maxPlaces: 8)]])
        if !unpricedKinds.isEmpty {
            Output.line()
            Output.line("Warning: no price covers \(unpricedKinds.map(\.rawValue).joined(separator: ", ")); not billed here.")
        }
    }

    private func label(_ line: CostLine) -> String {
        switch line.kind {
        case .inputTokens: "Input (uncached)"
        case .outputTokens: "Output"
        case .cacheReadTokens: "Cache read"
        case .cacheWriteTokens: "Cache write"
        case .cacheWrite5mTokens: "Cache write (5 min)"
        case .cacheWrite1hTokens: "Cache write (1 hour)"
        case .reasoningTokens: "Reasoning"
        case .requests: "Requests"
        default: line.kind.rawValue.replacingOccurrences(of: "_", with: " ").capitalized
        }
    }

    private func runBatch(_ path: String, engine: CostEngine, date: Date) throws {
        let data = try Output.read(path, option: "--batch")
        let pricer = BatchPricer(engine: engine, defaultDate: date)
        var results: [BatchPricer.Result] = []
        let summary = try pricer.price(jsonLines: data) { r in
            if global.json { try Output.jsonLine(r) } else { results.append(r) }
        }
        if !global.json {
            Output.table(
                [.init(title: "Line", rightAligned: true), .init(title: "Model"), .init(title: "Cost", rightAligned: true),
                 .init(title: "Note")],
                results.map { r in
                    [String(r.line), r.provider.map { "\($0)/\(r.model ?? "")" } ?? "",
                     r.totalUSD.flatMap(Money.init)?.display(maxPlaces: 8) ?? "",
                     r.error ?? (r.priced == false ? "unpriced: \(r.unpricedReason ?? "")" : "")]
                })
            Output.line()
            Output.line("\(summary.lines) requests: \(summary.priced) priced, \(summary.unpriced) unpriced, \(summary.errors) errors; total \(summary.total.display(maxPlaces: 8))")
        }
    }
}
