import CostControl
import Foundation
import MCP

// MARK: - Usage, forecasts, anomalies, import (costctl usage, forecast, anomalies, import)

extension CostTools {
    static let usageTools: [ToolSpec] = [
        ToolSpec(
            name: "get-usage-summary", title: "Usage summary",
            description: """
                Recorded LLM usage over a period: requests, tokens by kind, errors and exact cost (USD as decimal strings), \
                totals plus the top rows by model (or another dimension). Same report as `costctl usage --json`.
                """,
            parameters: [
                .since, .until, .filter, .timeZone,
                .list("by", "Dimensions to group by (default [\"model\"]): provider, model, org, team, user, project, key_id, session, operation, status, tag.KEY."),
                .integer("top", "Show the first N rows and fold the rest into one 'others' row (default 10).", minimum: 1, maximum: 1_000),
            ],
            handler: { args, context in
                let zone = try args.timeZone(context)
                var dimensions: [UsageDimension] = []
                for name in args.list("by").isEmpty ? ["model"] : args.list("by") {
                    let dimension = try UsageDimension(parsing: name)
                    if !dimensions.contains(dimension) { dimensions.append(dimension) }
                }
                let query = UsageQuery(
                    filter: try args.usageFilter(timeZone: zone), groupBy: dimensions, timeZone: zone, order: .cost, top: args.int("top") ?? 10)
                return try ToolOutput(try await context.ledger().query(query))
            }),
        ToolSpec(
            name: "get-cost-breakdown", title: "Cost breakdown",
            description: """
                Cost and usage grouped by any dimensions (provider, model, org, team, user, project, key_id, session, operation, \
                status, tag.KEY) and/or one time bucket (hour, day, week, month) in a time zone, with filters, order and pages. \
                Same report as `costctl usage --by … --json`.
                """,
            parameters: [
                .list("by", "Dimensions to group by, e.g. [\"team\", \"model\"] (may be empty when a bucket is given).", required: true),
                .string("bucket", "A time bucket for each row: hour, day, week (ISO, Monday) or month, in tz.", choices: TimeBucket.allCases.map(\.rawValue)),
                .since, .until, .filter, .timeZone,
                .string("order", "Sort rows by cost (default), requests, tokens, events, key or time.", choices: UsageOrder.allCases.map(\.rawValue)),
                .integer("top", "Show the first N rows and fold the rest into one 'others' row.", minimum: 1, maximum: 100_000),
                .integer("offset", "Skip the first N rows (pages)."),
                .integer("limit", "At most N rows (pages).", minimum: 1, maximum: 100_000),
            ],
            handler: { args, context in
                let zone = try args.timeZone(context)
                var dimensions: [UsageDimension] = []
                var bucket = args.choice("bucket").flatMap(TimeBucket.init(rawValue:))
                for item in args.list("by") {
                    if let time = TimeBucket(rawValue: item.lowercased()) {
                        if let bucket, bucket != time {
                            throw CostMCPError.invalid("get-cost-breakdown takes at most one time bucket (hour, day, week or month)")
                        }
                        bucket = time
                        continue
                    }
                    let dimension = try UsageDimension(parsing: item)
                    if !dimensions.contains(dimension) { dimensions.append(dimension) }
                }
                if dimensions.isEmpty && bucket == nil {
                    throw CostMCPError.invalid("get-cost-breakdown needs a dimension in 'by' (e.g. [\"model\"]) or a 'bucket' (day)")
                }
                let order = args.choice("order").flatMap(UsageOrder.init(rawValue:)) ?? (bucket != nil && dimensions.isEmpty ? .time : .cost)
                let query = UsageQuery(
                    filter: try args.usageFilter(timeZone: zone), groupBy: dimensions, bucket: bucket, timeZone: zone, order: order,
                    top: args.int("top"), offset: args.int("offset") ?? 0, limit: args.int("limit"))
                return try ToolOutput(try await context.ledger().query(query))
            }),
        ToolSpec(
            name: "forecast-monthly-cost", title: "Monthly cost forecast",
            description: """
                This month's cost forecast (or another month's): spent so far, the projected month total with its 95% \
                interval, the trend per week, and each monthly budget's outlook (on track, at risk, over). Fitted on the \
                last weeks of daily cost. Same as `costctl forecast --json`.
                """,
            parameters: [
                .scopeDimension,
                .string("month", "The month to forecast, YYYY-MM (default: the current month in tz)."),
                .integer("history_days", "Days of history the model is fitted on (default 56).", minimum: 7, maximum: 366),
                .timeZone,
            ],
            handler: { args, context in
                let ledger = try await context.ledger()
                let report = try await CostForecasts.monthly(
                    ledger: ledger, budgets: try await context.budgets(), by: try args.scopeDimension(), month: args.string("month"),
                    timeZone: try args.timeZone(context), historyDays: args.int("history_days") ?? 56,
                    userHasher: ledger.configuration.userHasher)
                return try ToolOutput(report)
            }),
        ToolSpec(
            name: "detect-anomalies", title: "Detect cost anomalies",
            description: """
                Unusual days (or hours): cost spikes and drops, tokens-per-request spikes and error-rate jumps, each with \
                the actual and expected value and its scores, against the weeks before with the weekly pattern removed. \
                Same as `costctl anomalies --json`.
                """,
            parameters: [
                .string("since", "Scan from here: 14d (the default), 72h, a date or an ISO date-time."),
                .scopeDimension,
                .boolean("hourly", "Scan hours instead of days."),
                .timeZone,
            ],
            handler: { args, context in
                let zone = try args.timeZone(context)
                let report = try await CostAnomalyReports.scan(
                    ledger: try await context.ledger(), by: try args.scopeDimension(),
                    since: try UsageWindow(timeZone: zone).since(args.string("since") ?? "14d"),
                    granularity: args.bool("hourly") == true ? .hour : .day, timeZone: zone)
                return try ToolOutput(report)
            }),
        ToolSpec(
            name: "import-usage", title: "Import usage",
            description: """
                Imports a usage log or provider report into the ledger: idempotent (every record gets a deterministic id, so \
                importing again adds nothing) and all-or-nothing per batch. Formats: claude-code, codex (no path: their \
                default log folders), openai-usage, openai-costs, anthropic-usage, anthropic-costs (saved API pages), \
                litellm, csv and jsonl (with map). Cost reports are stored as billed amounts for reconciliation. Same as \
                `costctl import FORMAT PATH --json`.
                """,
            parameters: [
                .string("format", "The file's format.", required: true, choices: ImportFormat.allCases.map(\.rawValue)),
                .list("path", "A file or folder (searched recursively), or several; required except for claude-code and codex."),
                .string(
                    "cost_mode", "auto (a cost the file reports, else the catalog's; default), calculate (always the catalog) or display (only reported costs).",
                    choices: ImportCostMode.allCases.map(\.rawValue)),
                .list("map", "csv/jsonl: TARGET=SOURCE pairs, e.g. [\"input=prompt_tokens\", \"output=completion_tokens\", \"timestamp=created_at\"]."),
                .string("provider", "csv/jsonl: the provider of records that name none (default: inferred from the model)."),
            ],
            readOnly: false,
            handler: { args, context in
                guard let format = args.choice("format").flatMap(ImportFormat.init(rawValue:)) else {
                    throw CostMCPError.invalid("argument 'format' of import-usage is required")
                }
                let paths = args.list("path")
                if paths.isEmpty && format != .claudeCode && format != .codex {
                    throw CostMCPError.invalid("import-usage of \(format.rawValue) needs a 'path' (a file or a folder)")
                }
                for path in paths where !FileManager.default.fileExists(atPath: path) {
                    throw CostMCPError.invalid("import-usage: no file or folder at '\(path)' (paths are read on the server's machine)")
                }
                if !args.list("map").isEmpty && format != .csv && format != .jsonl {
                    throw CostMCPError.invalid("argument 'map' of import-usage applies to csv and jsonl only")
                }
                var options = ImportOptions(format: format, paths: paths)
                options.costMode = args.choice("cost_mode").flatMap(ImportCostMode.init(rawValue:)) ?? .auto
                options.mapping = try FieldMapping(parsing: args.list("map"))
                options.defaultProvider = args.string("provider")
                let ledger = try await context.ledger()
                let importer = UsageImporter(ledger: ledger, billedCosts: ledger, engine: ledger.configuration.engine)
                return try ToolOutput(try await importer.run(options))
            }),
    ]
}
