import CostControl
import Foundation
import MCP

// MARK: - Plans and recommendations (costctl plans --fit, costctl recommend …)

extension CostTools {
    static let planFitParameters: [ToolParameter] = [
        .string("current", "The subscription plan you are on (claude-max-20x, chatgpt-plus, …): the baseline of the saving."),
        .integer("days", "Days of usage to replay (default 30).", minimum: 1, maximum: 366),
        .string("until", "End of the replayed days (default now): an ISO date-time, or a date taken as midnight in tz."),
        .map("where", "Count only usage whose dimension equals a value; {\"tag.source\": \"claude-code\"} keeps API traffic out."),
        .list("meters", "Readings of your plan's usage meter, KIND=PERCENT%@TIME, e.g. [\"session=12%@2026-11-21T16:40Z\"]; need current."),
        .timeZone,
    ]

    /// Replays the usage against the plans as `costctl plans --fit` does.
    static func planFit(_ args: ToolArguments, _ context: CostToolContext) async throws -> PlanFitReport {
        let meters = try args.list("meters").map(MeterReading.init(parsing:))
        let current = args.string("current")
        if !meters.isEmpty && current == nil {
            throw CostMCPError.invalid("'meters' needs 'current': the plan whose meter you read (for example claude-max-20x)")
        }
        let catalog = try await context.plans()
        if let current { _ = try catalog.plan(id: current) }
        let end = try args.date("until", timeZone: try args.timeZone(context)) ?? Date()
        let days = args.int("days") ?? 30
        let advisor = PlanAdvisor(ledger: try await context.ledger(), catalog: catalog, options: PlanFitOptions().with { $0.days = days })
        return try await advisor.fit(until: end, currentPlanID: current, meters: meters, filter: UsageFilter(equals: try args.equals("where")))
    }

    static let optimizerTools: [ToolSpec] = [
        ToolSpec(
            name: "analyze-subscription-usage", title: "Analyze subscription usage",
            description: """
                Replays the last days of usage window by window (Claude's 5-hour sessions and weeks, Gemini's days) against \
                each subscription plan of the family used (Claude Pro/Max, ChatGPT, Gemini tiers, or the API): windows over the \
                limit, peak and p95 utilization, monthly cost, and the cheapest plan that would have cut you off in no window, \
                with its saving and confidence. Same as `costctl plans --fit --json`.
                """,
            parameters: planFitParameters,
            handler: { args, context in try ToolOutput(PlanFitJSON(try await planFit(args, context))) }),
        ToolSpec(
            name: "recommend-tier-change", title: "Recommend a plan tier change",
            description: """
                The tier decision alone: switch (to the recommended plan, with the monthly saving and the confidence), stay \
                (the current plan is the right one) or none (no plan of the family fits), with the reasons. The same replay \
                as analyze-subscription-usage.
                """,
            parameters: planFitParameters,
            handler: { args, context in try ToolOutput(PlanTierChangeJSON(try await planFit(args, context))) }),
        ToolSpec(
            name: "list-recommendations", title: "List savings recommendations",
            description: """
                Ranked ways to pay less (plan fit, cheaper models, caching, batching, providers, off-peak, budgets), each with \
                its monthly saving, confidence, priority and status. By default refreshes them from the recent usage first \
                (stored, keeping the status of those found before), as `costctl recommend --json --no-auto` does; \
                refresh=false lists the stored ones only.
                """,
            parameters: [
                .boolean("refresh", "Run the recommenders on the recent usage first (default true)."),
                .string("since", "Usage to read: 30d (default), 6w, a date or an ISO date-time."),
                .string("until", "End of the usage read (default now)."),
                .string("scope", "Whose usage: global (default), team=ID, project=ID, user=ID, org=ID, key=ID or tag:KEY=VALUE."),
                .string("current", "The subscription plan you are on (default: the API, pay as you go)."),
                .list("status", "Only these statuses.", choices: Recommendation.Status.allCases.map(\.rawValue)),
                .boolean("all", "Also list recommendations the last refresh no longer found (stale)."),
                .timeZone,
            ],
            readOnly: false,
            handler: { args, context in
                let zone = try args.timeZone(context)
                let statuses = Set(args.list("status").compactMap { Recommendation.Status(rawValue: $0.lowercased()) })
                let scope = try args.string("scope").map { text -> String in
                    _ = try RecommendationScope.budgetScope(text)
                    return RecommendationScope.normalized(text)
                }
                let store = try await context.recommendations()
                func keep(_ record: RecommendationRecord) -> Bool {
                    (args.bool("all") == true || !record.isStale) && (statuses.isEmpty || statuses.contains(record.status))
                }
                guard args.bool("refresh") ?? true else {
                    let records = try await store.recommendations(matching: RecommendationFilter(scope: scope)).filter(keep)
                    return try ToolOutput(records.map { RecommendationJSON($0) }, key: "recommendations")
                }
                let end = try args.date("until", timeZone: zone) ?? Date()
                let start = try UsageWindow(timeZone: zone, now: end).since(args.string("since") ?? "30d")
                guard start < end else { throw CostMCPError.invalid("argument 'since' of list-recommendations must be before 'until'") }
                let plans = try await context.plans()
                let current = args.string("current")
                if let current { _ = try plans.plan(id: current) }
                let engine = RecommendationEngine(
                    ledger: try await context.ledger(), store: store, catalog: try await context.catalog(), plans: plans,
                    currentPlanID: current, budgets: try await context.budgets().budgets(), timeZone: zone)
                var run = try await engine.run(since: start, until: end, scope: scope, actor: context.configuration.actor)
                run.records = run.records.filter(keep)
                return try ToolOutput(RecommendationRunJSON(run, scope: scope))
            }),
        ToolSpec(
            name: "update-recommendation-status", title: "Update a recommendation's status",
            description: """
                Moves a recommendation through its lifecycle: accepted, rejected (with a reason), implemented (at a time; the \
                after-window of verification starts then) or verified (the spend after it against the baseline; a plan change \
                needs the measured saving). Returns the recommendation with its history. Same as `costctl recommend \
                accept|reject|implemented|verify ID --json`.
                """,
            parameters: [
                .string("id", "The recommendation's id (rec-…; see list-recommendations).", required: true),
                .string("status", "The new status.", required: true, choices: ["accepted", "rejected", "implemented", "verified"]),
                .string("reason", "Why (required for rejected)."),
                .string("note", "A note for the history."),
                .string("at", "implemented: when the change took effect (default now)."),
                .string("saving", "verified: the monthly saving measured elsewhere, in dollars (\"100\", \"-12.50\")."),
                .timeZone,
            ],
            readOnly: false,
            handler: { args, context in
                let id = try args.required("id")
                let store = try await context.recommendations()
                let actor = context.configuration.actor
                let record: RecommendationRecord
                switch args.choice("status") {
                case "accepted":
                    record = try await store.transition(id: id, .accept, actor: actor, note: args.string("note"))
                case "rejected":
                    guard let reason = args.string("reason"), !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                        throw CostMCPError.invalid("update-recommendation-status to rejected needs a 'reason'")
                    }
                    record = try await store.transition(id: id, .reject(reason: reason), actor: actor, note: args.string("note"))
                case "implemented":
                    let when = try args.date("at", timeZone: try args.timeZone(context)) ?? Date()
                    if when > Date().addingTimeInterval(60) { throw CostMCPError.invalid("argument 'at' must not be in the future") }
                    record = try await store.transition(id: id, .implement(at: when), actor: actor, note: args.string("note"))
                default:
                    let verifier = RecommendationVerifier(ledger: try await context.ledger(), store: store)
                    if let text = args.string("saving") {
                        guard let amount = Money(text) else {
                            throw CostMCPError.invalid("argument 'saving' is not a dollar amount (examples: \"100\", \"-12.50\")")
                        }
                        record = try await verifier.verify(id: id, actualSaving: amount, actor: actor)
                    } else {
                        record = try await verifier.verify(id: id, actor: actor)
                    }
                }
                return try ToolOutput(RecommendationJSON(record, includeHistory: true))
            }),
    ]
}
