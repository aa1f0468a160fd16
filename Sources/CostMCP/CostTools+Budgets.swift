import CostControl
import Foundation
import MCP

// MARK: - Budgets (costctl budget set/list/status, costctl check)

extension CostTools {
    static let budgetTools: [ToolSpec] = [
        ToolSpec(
            name: "list-budgets", title: "List budgets",
            description: "Every budget with its scope, limit (dollars, tokens or requests), period and ladder profile. Same as `costctl budget list --json`.",
            parameters: [],
            handler: { _, context in
                let budgets = try await context.budgets().budgets().map(BudgetSummary.init)
                return try ToolOutput(budgets, snakeCase: true, key: "budgets")
            }),
        ToolSpec(
            name: "set-budget", title: "Set a budget",
            description: """
                Adds a budget, or replaces the one with the same name (its spend in the period is kept unless the period \
                changes). A limit in dollars (limit), tokens or requests; a period (daily, weekly, monthly, quarterly, yearly, \
                rolling 24h/7d, or FIRST..LAST dates) in tz; a scope (global, team=ID, user=ID, project=ID, org=ID, key=ID, \
                tag:KEY=VALUE); and an eight-level ladder profile. Same as `costctl budget set --json`.
                """,
            parameters: [
                .string("name", "The budget's name (unique).", required: true),
                .string("scope", "Whose spend: global (default), org=ID, team=ID, user=ID, project=ID, key=ID or tag:KEY=VALUE."),
                .string("limit", "The limit in US dollars as a decimal string (\"500\", \"0.50\"); or give tokens or requests."),
                .integer("tokens", "A limit in tokens instead (input with cache, plus output).", minimum: 1),
                .integer("requests", "A limit in requests instead.", minimum: 1),
                .string("period", "daily, weekly, monthly (default), quarterly, yearly, a rolling window (24h, 7d) or FIRST..LAST dates."),
                .string("provider", "Count only requests to this provider."),
                .string("model", "Count only requests for this model."),
                .string("profile", "Ladder profile (default standard).", choices: ["standard", "free", "premium", "enterprise"]),
                .list("thresholds", "Move levels: LEVEL=PERCENT items, e.g. [\"hard-stop=150\"]."),
                .list("disabled_levels", "Levels switched off, e.g. [\"throttling\", \"model-downgrade\"]."),
                .integer("first_weekday", "Weekly periods start on this day: 1 = Sunday … 7 = Saturday (default 2, Monday).", minimum: 1, maximum: 7),
                .timeZone,
            ],
            readOnly: false, destructive: true,
            handler: { args, context in
                var definition = BudgetDefinition(name: try args.required("name"), limit: args.string("limit"))
                definition.scope = args.string("scope") ?? "global"
                definition.provider = args.string("provider")
                definition.model = args.string("model")
                definition.tokens = args.int("tokens")
                definition.requests = args.int("requests")
                definition.period = args.string("period") ?? "monthly"
                definition.firstWeekday = args.int("first_weekday") ?? 2
                definition.profile = args.choice("profile") ?? "standard"
                definition.thresholds = args.list("thresholds")
                definition.disabledLevels = args.list("disabled_levels")
                let budget = try definition.budget(timeZone: try args.timeZone(context))
                let store = try await context.budgets()
                let existed = try await store.state(of: budget.name) != nil
                try await store.setBudget(budget)
                struct Result: Encodable {
                    var status: String
                    var budget: BudgetSummary
                }
                return try ToolOutput(Result(status: existed ? "replaced" : "added", budget: BudgetSummary(budget)), snakeCase: true)
            }),
        ToolSpec(
            name: "budget-status", title: "Budget status",
            description: """
                For one budget or all: spend, open holds and what is left in the current period, utilization, the ladder \
                level reached and the next one, the burn rate and the projection to the period's end. Same as \
                `costctl budget status --json`.
                """,
            parameters: [.string("name", "A budget's name (default: every budget).")],
            handler: { args, context in
                let reports = try await BudgetStatusReport.load(
                    store: try await context.budgets(), ledger: try await context.ledger(), names: args.string("name").map { [$0] })
                return try ToolOutput(reports, snakeCase: true, key: "budgets")
            }),
        ToolSpec(
            name: "check-budget", title: "Check a request against budgets",
            description: """
                Asks every budget that counts a request whether it may be sent now: allow, allow on a cheaper model or another \
                provider, throttle, queue or refuse, with the deciding budget, its level and utilization after the request. \
                Nothing is reserved. Same as `costctl check --json` (passes=false is its exit status 3).
                """,
            parameters: [
                .string("model", "Model id.", required: true),
                .string("provider", "Provider id (default: found from the model)."),
                .string("estimate_usd", "The expected cost in US dollars as a decimal string (\"0.02\"); or give token counts."),
                .integer("input_tokens", "Expected input tokens."),
                .integer("output_tokens", "Expected output tokens (max_tokens gives a ceiling)."),
                .string("priority", "Request priority (default normal).", choices: RequestPriority.allCases.map(\.rawValue)),
                .list("permitted_providers", "Providers the request may be switched to."),
                .string("org", "Organization."), .string("team", "Team."), .string("user", "User id."), .string("project", "Project."),
                .string("key_id", "Id of the API key to be used (never the key)."),
                .map("tags", "Free tags, {\"env\": \"prod\"}."),
            ],
            handler: { args, context in
                let model = try args.required("model")
                guard args.has("estimate_usd") || args.has("input_tokens") || args.has("output_tokens") else {
                    throw CostMCPError.invalid("check-budget needs the expected cost (estimate_usd: \"0.02\") or token counts (input_tokens, output_tokens)")
                }
                var amount: Money?
                if let text = args.string("estimate_usd") {
                    guard let money = Money(text) else {
                        throw CostMCPError.invalid("argument 'estimate_usd' of check-budget is not a dollar amount (example: \"0.02\")")
                    }
                    amount = money
                }
                var usage: Usage?
                if args.has("input_tokens") || args.has("output_tokens") {
                    usage = Usage(inputTokens: args.int("input_tokens") ?? 0, outputTokens: args.int("output_tokens") ?? 0)
                }
                var tags: [String: String] = [:]
                for (key, values) in args.map("tags") { tags[key] = values.last ?? "" }
                let request = BudgetCheck.Request(
                    model: model, provider: args.string("provider"),
                    dimensions: UsageDimensions(
                        org: args.string("org"), team: args.string("team"), user: args.string("user"), project: args.string("project"),
                        keyID: args.string("key_id"), tags: tags),
                    estimate: amount, usage: usage, priority: args.choice("priority").flatMap(RequestPriority.init(rawValue:)) ?? .normal,
                    permittedProviders: Set(args.list("permitted_providers")))
                let check = BudgetCheck(store: try await context.budgets(), engine: try await context.engine())
                let decision = try await check.decide(request)
                return try ToolOutput(BudgetDecisionReport(decision, requestedModel: model), snakeCase: true)
            }),
    ]
}
