public import ArgumentParser
import CostControl
import Foundation

struct RecommendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Ways to pay less, ranked, with their saving and confidence; and their lifecycle.",
        discussion: """
            Without a subcommand: reads the last --since of usage, runs every recommender (the
            subscription-plan fit, and the model, caching, batching, provider, off-peak and budget
            recommenders), ranks the findings (priority = 50% saving normalized by the largest, 30%
            confidence, 20% ease) and stores them in the database, keeping the status of those
            found before. Each has a lifecycle: pending → accepted or rejected (with a reason) →
            implemented → verified (the spend after implementation against the baseline). See
            Documentation/Optimizer.md.

            Examples:
              costctl recommend --since 30d
              costctl recommend --scope team=support --json
              costctl recommend accept rec-0123456789ab
              costctl recommend reject rec-0123456789ab --reason "quality matters more here"
              costctl recommend implemented rec-0123456789ab --at 2026-11-02T09:00Z
              costctl recommend verify rec-0123456789ab
              costctl recommend show rec-0123456789ab
              costctl recommend auto --enable route-model --run
            """,
        subcommands: [
            RecommendListCommand.self, RecommendShowCommand.self, RecommendAcceptCommand.self, RecommendRejectCommand.self,
            RecommendImplementedCommand.self, RecommendVerifyCommand.self, RecommendAutoCommand.self,
        ],
        defaultSubcommand: RecommendListCommand.self
    )

    static func openStore(_ global: GlobalOptions) throws -> SQLiteRecommendationStore {
        try RecommendationStoreFile.open(paths: global.paths)
    }

    static func print(_ record: RecommendationRecord, global: GlobalOptions) throws {
        if global.json { return try Output.json(RecommendationJSON(record, includeHistory: true)) }
        FileHandle.standardOutput.write(Data(RecommendationText.block(record, history: true).utf8))
    }

    static func print(_ notice: AutoExecutionNotice) {
        FileHandle.standardError.write(Data("auto: \(notice.succeeded ? "" : "FAILED ")\(notice.message)\n".utf8))
    }
}

struct RecommendListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Refresh the recommendations from the recent usage and list them, ranked (the default).")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Usage to read: 30d (the last 30 days, today included), 6w, a date or a date-time.", valueName: "when"))
    var since = "30d"

    @Option(help: ArgumentHelp("End of the usage read (default now): a date-time, or a date taken as midnight in --tz.", valueName: "when"))
    var until: String?

    @Option(help: ArgumentHelp("Whose usage: global, team=ID, project=ID, user=ID, org=ID, key=ID or tag:KEY=VALUE.", valueName: "scope"))
    var scope: String?

    @Option(help: ArgumentHelp("The subscription plan you are on (claude-max-20x, chatgpt-plus, …); default: the API, pay as you go.", valueName: "plan-id"))
    var current: String?

    @Option(name: .customLong("status"), help: ArgumentHelp("Show only these statuses (pending, accepted, rejected, implemented, verified); repeatable.", valueName: "status"))
    var statuses: [Recommendation.Status] = []

    @Flag(help: "Also show recommendations the last refresh no longer found (stale).")
    var all = false

    @Flag(name: .customLong("no-auto"), help: "Do not carry out opted-in recommendations (costctl recommend auto) after the refresh.")
    var noAuto = false

    func validate() throws {
        if let scope {
            do { _ = try RecommendationScope.budgetScope(scope) } catch let error as ControlError { throw ValidationError(error.message) }
        }
    }

    func run() async throws {
        let end = try until.map { try global.parseDate($0, option: "--until") } ?? Date()
        let start = try UsageWindow(timeZone: global.timeZone, now: end).since(since)
        guard start < end else { throw ValidationError("--since must be before --until") }
        let plans = try PlanAdvisor.catalog(paths: global.paths)
        if let current { _ = try plans.plan(id: current) }
        let store = try RecommendCommand.openStore(global)
        let engine = RecommendationEngine(
            ledger: try global.openLedger(), store: store, catalog: try global.catalog(), plans: plans, currentPlanID: current,
            budgets: try await global.openBudgets().budgets(), timeZone: global.timeZone)
        var run = try await engine.run(since: start, until: end, scope: scope, actor: KeyAdmin.cliActor())
        var notices: [AutoExecutionNotice] = []
        if !noAuto {
            notices = try await RecommendationAutopilot(store: store, notify: { RecommendCommand.print($0) }).run()
            if !notices.isEmpty {
                run.records = try await store.recommendations(matching: RecommendationFilter(scope: scope.map(RecommendationScope.normalized)))
            }
        }
        run.records = run.records.filter { record in
            (all || !record.isStale) && (statuses.isEmpty || statuses.contains(record.status))
        }
        if global.json { return try Output.json(RecommendationRunJSON(run, scope: scope.map(RecommendationScope.normalized), notices: notices)) }
        Output.line(
            "Recommendations from \(Output.date(run.window.start, in: global.timeZone)) to \(Output.date(run.window.end, in: global.timeZone))"
                + " (\(scope.map(RecommendationScope.normalized) ?? "global")): \(run.upsert.added) new, \(run.upsert.refreshed) found again, \(run.upsert.stale) now stale")
        Output.line()
        FileHandle.standardOutput.write(Data(RecommendationText.render(run.records, timeZone: global.timeZone).utf8))
        for note in run.notes { Output.line("note: \(note)") }
    }
}

struct RecommendShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One recommendation with its full history.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recommendation's id (rec-…).")
    var id: String

    func run() async throws {
        guard let record = try await RecommendCommand.openStore(global).recommendation(id: id) else {
            throw OptimizerError(code: .notFound, message: "no recommendation '\(id)'; list them with costctl recommend")
        }
        try RecommendCommand.print(record, global: global)
    }
}

struct RecommendAcceptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accept", abstract: "Accept a pending (or rejected) recommendation.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recommendation's id (rec-…).")
    var id: String

    @Option(help: ArgumentHelp("A note for the history.", valueName: "text"))
    var note: String?

    func run() async throws {
        let record = try await RecommendCommand.openStore(global).transition(id: id, .accept, actor: KeyAdmin.cliActor(), note: note)
        try RecommendCommand.print(record, global: global)
    }
}

struct RecommendRejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject a pending or accepted recommendation, with a reason.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recommendation's id (rec-…).")
    var id: String

    @Option(help: ArgumentHelp("Why (kept in its history).", valueName: "text"))
    var reason: String

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--reason must not be empty") }
    }

    func run() async throws {
        let record = try await RecommendCommand.openStore(global).transition(
            id: id, .reject(reason: reason), actor: KeyAdmin.cliActor(), note: nil)
        try RecommendCommand.print(record, global: global)
    }
}

struct RecommendImplementedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "implemented", abstract: "Mark an accepted recommendation implemented (the after-window of verify starts then).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recommendation's id (rec-…).")
    var id: String

    @Option(help: ArgumentHelp("When the change took effect (default now): a date-time, or a date taken as midnight in --tz.", valueName: "when"))
    var at: String?

    @Option(help: ArgumentHelp("A note for the history.", valueName: "text"))
    var note: String?

    func run() async throws {
        let when = try at.map { try global.parseDate($0, option: "--at") } ?? Date()
        if when > Date().addingTimeInterval(60) { throw ValidationError("--at must not be in the future") }
        let record = try await RecommendCommand.openStore(global).transition(
            id: id, .implement(at: when), actor: KeyAdmin.cliActor(), note: note)
        try RecommendCommand.print(record, global: global)
    }
}

struct RecommendVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Measure what an implemented recommendation saved: the spend after it (same length as the baseline, per 30 days) against the baseline.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The recommendation's id (rec-…).")
    var id: String

    @Option(help: ArgumentHelp("The monthly saving measured elsewhere (your invoices; required for a plan change), in dollars; may be negative.", valueName: "amount"))
    var saving: String?

    func validate() throws {
        if let saving, Money(saving) == nil { throw ValidationError("--saving '\(saving)' is not a dollar amount (examples: 100, -12.50)") }
    }

    func run() async throws {
        let verifier = RecommendationVerifier(ledger: try global.openLedger(), store: try RecommendCommand.openStore(global))
        let record: RecommendationRecord
        if let saving, let amount = Money(saving) {
            record = try await verifier.verify(id: id, actualSaving: amount, actor: KeyAdmin.cliActor())
        } else {
            record = try await verifier.verify(id: id, actor: KeyAdmin.cliActor())
        }
        try RecommendCommand.print(record, global: global)
    }
}

struct RecommendAutoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auto",
        abstract: "Opt action kinds into auto-execution (confidence ≥ 0.95 only), list them, or run it now.",
        discussion: """
            route-model stores a model route the Meter applies (requests of the scope for the old
            model go to the new one); change-plan runs your --hook command as
            HOOK FROM-PLAN TO-PLAN RECOMMENDATION-ID. Every action is recorded in the
            recommendation's history with actor auto and printed as a notice. --remove-route ID
            undoes a routing change (the routes are listed here).
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Opt this action kind in (route-model, change-plan); repeatable.", valueName: "kind"))
    var enable: [RecommendationAction.Kind] = []

    @Option(help: ArgumentHelp("Opt this action kind out; repeatable.", valueName: "kind"))
    var disable: [RecommendationAction.Kind] = []

    @Option(help: ArgumentHelp("For change-plan: the executable to run (an absolute path).", valueName: "path"))
    var hook: String?

    @Option(name: .customLong("remove-route"), help: ArgumentHelp("Remove a model route (undo an applied routing change); repeatable.", valueName: "route-id"))
    var removeRoutes: [String] = []

    @Flag(help: "Carry out every eligible stored recommendation now.")
    var run = false

    func validate() throws {
        for kind in enable where !RecommendationAction.Kind.automatable.contains(kind) {
            throw ValidationError("\(kind.rawValue) cannot be carried out automatically; use route-model or change-plan")
        }
        if enable.contains(.changePlan) {
            guard let hook else { throw ValidationError("--enable change-plan needs --hook PATH: the command that changes your plan") }
            guard hook.hasPrefix("/"), FileManager.default.isExecutableFile(atPath: hook) else {
                throw ValidationError("--hook \(hook) is not an executable file given by an absolute path")
            }
        } else if hook != nil {
            throw ValidationError("--hook goes with --enable change-plan")
        }
        if !Set(enable).isDisjoint(with: disable) { throw ValidationError("a kind cannot be both enabled and disabled") }
    }

    func run() async throws {
        let store = try RecommendCommand.openStore(global)
        for kind in enable {
            try await store.setAutoExecution(
                kind, AutoExecutionSetting(action: kind, command: kind == .changePlan ? hook : nil, enabledAt: Date(), actor: KeyAdmin.cliActor()))
        }
        for kind in disable { try await store.setAutoExecution(kind, nil) }
        for id in removeRoutes where try await !store.removeModelRoute(id: id) {
            throw OptimizerError(code: .notFound, message: "no model route '\(id)'; list them with costctl recommend auto")
        }
        var notices: [AutoExecutionNotice] = []
        if run {
            notices = try await RecommendationAutopilot(store: store, notify: { notice in
                if !global.json { RecommendCommand.print(notice) }
            }).run()
        }
        let settings = try await store.autoExecution()
        let routes = try await store.modelRoutes()
        if global.json {
            struct Setting: Encodable {
                var action: String
                var command: String?
                var enabled_at: String
                var actor: String
            }
            struct Route: Encodable {
                var id: String
                var from: String
                var to: String
                var scope: String
                var recommendation: String?
                var created_at: String
            }
            struct Body: Encodable {
                var enabled: [Setting]
                var threshold: Double
                var routes: [Route]
                var auto_actions: [NoticeJSON]
            }
            return try Output.json(
                Body(
                    enabled: settings.map {
                        Setting(action: $0.action.rawValue, command: $0.command, enabled_at: Timestamp.format($0.enabledAt), actor: $0.actor)
                    },
                    threshold: RecommendationAutopilot.threshold,
                    routes: routes.map {
                        Route(id: $0.id, from: $0.from, to: $0.to, scope: $0.scope.description, recommendation: $0.recommendationID,
                              created_at: Timestamp.format($0.createdAt))
                    },
                    auto_actions: notices.map(NoticeJSON.init)))
        }
        Output.line(
            settings.isEmpty
                ? "Auto-execution: off (enable with --enable route-model or --enable change-plan --hook PATH)"
                : "Auto-execution at confidence ≥ \(RecommendationAutopilot.threshold) for: "
                    + settings.map { $0.action.rawValue + ($0.command.map { " (hook \($0))" } ?? "") }.joined(separator: ", "))
        if !routes.isEmpty {
            Output.line("Model routes the Meter applies:")
            for route in routes { Output.line("  \(route.id)  \(route.from) → \(route.to) for \(route.scope)") }
        }
        if run && notices.isEmpty { Output.line("Nothing eligible to carry out.") }
    }
}

extension Recommendation.Status: ExpressibleByArgument {}
extension RecommendationAction.Kind: ExpressibleByArgument {}
