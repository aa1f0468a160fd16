import ArgumentParser
import CostControl
import Foundation

struct BudgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract: "Set, list, inspect and remove spending budgets.",
        discussion: """
            Budgets live in the same database as the usage ledger (--db). Each has a scope, a limit in
            dollars, tokens or requests, a period, and an eight-level ladder (warning, notification,
            throttling, model downgrade, provider switch, request queue, emergency, hard stop); see
            Documentation/Budgets.md.

            Examples:
              costctl budget set growth --scope team=growth --limit 500 --period monthly --tz Europe/Berlin --profile premium
              costctl budget set ana-daily --scope user=ana --limit 5 --period daily --threshold hard-stop=150
              costctl budget set prod-tokens --scope tag:env=prod --tokens 20000000 --period rolling-7d
              costctl budget list
              costctl budget status growth
              costctl budget sync                # count usage recorded or imported outside the Meter
              costctl budget rm growth
              costctl budget live memory         # reservations and commits in /dev/shm, rebuilt from the ledger after a reboot
            """,
        subcommands: [
            BudgetSetCommand.self, BudgetListCommand.self, BudgetStatusCommand.self, BudgetSyncCommand.self, BudgetRemoveCommand.self,
            BudgetLiveCommand.self,
        ]
    )
}

struct BudgetSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Add a budget, or replace the one with the same name (its spend in the period is kept unless the period changes).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The budget's name (unique).")
    var name: String

    @Option(help: ArgumentHelp("Whose spend: global, org=ID, team=ID, user=ID, project=ID, key=ID or tag:KEY=VALUE.", valueName: "scope"))
    var scope: String = "global"

    @Option(help: ArgumentHelp("Count only requests to this provider.", valueName: "provider"))
    var provider: String?

    @Option(help: ArgumentHelp("Count only requests for this model.", valueName: "model"))
    var model: String?

    @Option(help: ArgumentHelp("The limit in US dollars (500, 0.50).", valueName: "usd"))
    var limit: String?

    @Option(help: ArgumentHelp("A limit in tokens instead (input with cache, plus output).", valueName: "n"))
    var tokens: Int?

    @Option(help: ArgumentHelp("A limit in requests instead.", valueName: "n"))
    var requests: Int?

    @Option(help: ArgumentHelp("daily, weekly, monthly, quarterly, yearly, a rolling window (24h, 7d) or FIRST..LAST dates; calendar periods follow --tz.", valueName: "period"))
    var period: String = "monthly"

    @Option(name: .customLong("first-weekday"), help: ArgumentHelp("Weekly periods start on this day: 1 = Sunday … 7 = Saturday.", valueName: "n"))
    var firstWeekday: Int = 2

    @Option(help: ArgumentHelp("Ladder profile: standard, free, premium or enterprise.", valueName: "profile"))
    var profile: String = "standard"

    @Option(name: .customLong("threshold"), help: ArgumentHelp("Move a level: LEVEL=PERCENT (hard-stop=150); repeatable.", valueName: "level=percent"))
    var thresholds: [String] = []

    @Option(name: .customLong("off"), help: ArgumentHelp("Switch a level off (throttling, model-downgrade, …); repeatable.", valueName: "level"))
    var disabled: [String] = []

    @Option(help: ArgumentHelp("The throttling level's rate: N/s, N/min or N/h, with ,burst=B (default 1/s,burst=5).", valueName: "rate"))
    var throttle: String?

    @Option(name: .customLong("queue-retry-after"), help: ArgumentHelp("Seconds a deferred request is told to wait.", valueName: "seconds"))
    var queueRetryAfter: Int = 60

    func run() async throws {
        var definition = BudgetDefinition(name: name, limit: limit)
        definition.scope = scope
        definition.provider = provider
        definition.model = model
        definition.tokens = tokens
        definition.requests = requests
        definition.period = period
        definition.firstWeekday = firstWeekday
        definition.profile = profile
        definition.thresholds = thresholds
        definition.disabledLevels = disabled
        definition.throttle = throttle
        definition.queueRetryAfterSeconds = queueRetryAfter
        let budget = try definition.budget(timeZone: global.timeZone)
        let store = try global.openBudgets()
        let existed = try await store.state(of: budget.name) != nil
        try await store.setBudget(budget)
        let summary = BudgetSummary(budget)
        if global.json {
            struct Result: Encodable {
                var status: String
                var budget: BudgetSummary
            }
            try Output.json(Result(status: existed ? "replaced" : "added", budget: summary), snakeCase: true)
        } else {
            Output.line("\(existed ? "Replaced" : "Added") budget '\(budget.name)': \(summary.limitText) \(BudgetText.periodPhrase(summary)) for \(BudgetText.scopePhrase(summary)), ladder \(budget.profile).")
        }
    }
}

struct BudgetListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List budgets with their limits, periods and ladders.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let budgets = try await global.openBudgets().budgets().map(BudgetSummary.init)
        if global.json {
            try Output.json(budgets, snakeCase: true)
            return
        }
        guard !budgets.isEmpty else {
            Output.line("No budgets yet. Add one with `costctl budget set NAME --limit 500 --period monthly`.")
            return
        }
        Output.table(
            [.init(title: "BUDGET"), .init(title: "SCOPE"), .init(title: "LIMIT", rightAligned: true), .init(title: "PERIOD"), .init(title: "PROFILE")],
            budgets.map { [$0.name, BudgetText.scopePhrase($0), $0.limitText, BudgetText.periodPhrase($0), $0.profile] })
    }
}

struct BudgetStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Spend, holds, what is left, the ladder level and the projection of one budget or all.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A budget's name (default: every budget).")
    var name: String?

    func run() async throws {
        let reports = try await BudgetStatusReport.load(
            store: try global.openBudgets(), ledger: try global.openLedger(), names: name.map { [$0] })
        if global.json {
            try Output.json(name == nil ? AnyEncodable(reports) : AnyEncodable(reports[0]), snakeCase: true)
            return
        }
        guard !reports.isEmpty else {
            Output.line("No budgets yet. Add one with `costctl budget set NAME --limit 500 --period monthly`.")
            return
        }
        for (i, report) in reports.enumerated() {
            if i > 0 { Output.line() }
            for line in BudgetText.status(report, timeZone: global.timeZone) { Output.line(line) }
        }
    }
}

struct BudgetSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Recount budgets' spend in their current periods from the usage ledger.",
        discussion: """
            Budgets count what the Meter commits. Usage that reaches the ledger another way
            (`costctl record`, `costctl import`, a service writing events itself) counts once the
            budgets are synced: each budget's spend becomes the ledger's total for its scope and
            current period. Open holds are kept. Run it while no metered call is between recording
            its event and settling its hold on this database (such a call would be counted twice).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Budgets to sync (default: every budget).")
    var names: [String] = []

    func run() async throws {
        let store = try global.openBudgets()
        let known = Set(try await store.budgets().map(\.name))
        for name in names where !known.contains(name) {
            throw ControlError(code: .notFound, message: "no budget named '\(name)'" + Suggest.didYouMean(name, in: known))
        }
        let ledger = try global.openLedger()
        let results = try await BudgetLedgerSync(ledger: ledger).rebuild(store, only: names.isEmpty ? nil : Set(names))
        let budgets = Dictionary(uniqueKeysWithValues: try await store.budgets().map { ($0.name, $0) })
        struct Row: Encodable {
            var budget: String
            var periodStart: String
            var periodEnd: String
            var before: String
            var after: String
            var changed: Bool
            var kind: String
        }
        let rows = results.compactMap { r -> Row? in
            guard let limit = budgets[r.budget]?.limit else { return nil }
            return Row(
                budget: r.budget, periodStart: Timestamp.format(r.window.start), periodEnd: Timestamp.format(r.window.end),
                before: BudgetText.exact(limit.measure(r.before), limit), after: BudgetText.exact(limit.measure(r.after), limit),
                changed: !r.wasConsistent, kind: BudgetSummary.kind(limit))
        }
        if global.json {
            try Output.json(rows, snakeCase: true)
            return
        }
        guard !rows.isEmpty else {
            Output.line(known.isEmpty ? "No budgets yet." : "No budget applies now (custom ranges outside their dates).")
            return
        }
        Output.table(
            [.init(title: "BUDGET"), .init(title: "BEFORE", rightAligned: true), .init(title: "LEDGER", rightAligned: true), .init(title: "")],
            rows.map {
                [$0.budget, BudgetText.amount($0.before, kind: $0.kind), BudgetText.amount($0.after, kind: $0.kind), $0.changed ? "updated" : "already in step"]
            })
    }
}

struct BudgetRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a budget and its spend counters (the usage ledger is not touched).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The budget's name.")
    var name: String

    func run() async throws {
        let removed = try await global.openBudgets().removeBudget(named: name)
        guard removed else {
            throw ControlError(code: .notFound, message: "no budget named '\(name)'; see `costctl budget list`")
        }
        if global.json {
            struct Result: Encodable {
                var status = "removed"
                var name: String
            }
            try Output.json(Result(name: name))
        } else {
            Output.line("Removed budget '\(name)'.")
        }
    }
}

struct BudgetLiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Show or move where budgets keep their live state (spend, holds): the database or a memory-backed file.",
        discussion: """
            Without an argument, prints where the accounts, open holds and rolling charges are.
            `memory` moves them into a file in a RAM-backed directory (--dir, default /dev/shm), so
            that no reservation or commit waits for the disk; the file is rebuilt from the usage
            ledger whenever it is missing or older than the machine's last boot, and open holds do
            not survive a reboot. `database` moves them back into the database file. Either move
            rebuilds each budget's spend from the ledger and drops open holds; processes that have
            the budgets open refuse to go on until they open them again. Every process follows the
            database's choice. See Documentation/Budgets.md, "Live state in memory".
            """)

    enum Place: String, ExpressibleByArgument, CaseIterable {
        case memory, database
    }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Where to move the live state: memory or database (default: only show it).")
    var place: Place?

    @Option(help: "The directory of the memory-backed file (with `memory`; default /dev/shm where it exists).")
    var dir: String?

    func validate() throws {
        if dir != nil && place != .memory { throw ValidationError("--dir goes with `costctl budget live memory`") }
    }

    func run() async throws {
        let liveState: SQLiteBudgetStore.LiveState
        switch place {
        case nil: liveState = .asConfigured
        case .database: liveState = .inDatabase
        case .memory: liveState = .memoryBacked(directory: dir ?? SQLiteBudgetStore.defaultMemoryDirectory)
        }
        let store = try BudgetStoreFile.open(paths: global.paths, liveState: liveState)
        struct Result: Encodable {
            var placement: String
            var file: String?
            var rebuilt: Bool
            var budgets: Int
        }
        let result = Result(
            placement: store.liveStatePath == nil ? "database" : "memory", file: store.liveStatePath,
            rebuilt: store.rebuiltLiveState, budgets: try await store.budgets().count)
        if global.json {
            try Output.json(result)
            return
        }
        if let file = result.file {
            Output.line("Budgets' live state: memory-backed file \(file)")
        } else {
            Output.line("Budgets' live state: in the database \(global.paths.database.path)")
        }
        if result.rebuilt {
            Output.line("Rebuilt from the usage ledger: \(result.budgets) budget(s); open holds were dropped. Restart processes that had the budgets open.")
        }
    }
}

/// Type erasure for printing one report or a list as JSON.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// Words and bars for budgets.
enum BudgetText {
    static func scopePhrase(_ s: BudgetSummary) -> String {
        var text = s.scope
        if let p = s.provider { text += ", provider \(p)" }
        if let m = s.model { text += ", model \(m)" }
        return text
    }

    static func periodPhrase(_ s: BudgetSummary) -> String {
        switch s.period {
        case "custom": "from \(s.customStart ?? "?") to \(s.customEnd ?? "?")"
        default: s.timeZone.map { "\(s.period) (\($0))" } ?? s.period
        }
    }

    /// `[████████░░░░]` for a utilization; full past 100%.
    static func bar(_ utilization: Double, width: Int = 24) -> String {
        let filled = max(0, min(width, Int((utilization * Double(width)).rounded(.down))))
        return "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]"
    }

    static func percent(_ share: Double) -> String {
        String(format: "%.1f%%", share * 100)
    }

    static func amount(_ text: String, kind: String) -> String {
        switch kind {
        case "money": (Money(text)?.display(maxPlaces: 6)) ?? text
        default: "\(UsageReportText.count(Int(text) ?? 0)) \(kind)"
        }
    }

    /// An amount of a budget's measure, exactly: dollars as a decimal string, counts as integers.
    static func exact(_ units: Int128, _ limit: BudgetLimit) -> String {
        switch limit {
        case .money: Money(units: units).decimalString
        case .tokens, .requests: String(units)
        }
    }

    static func status(_ r: BudgetStatusReport, timeZone: TimeZone) -> [String] {
        let kind = r.budget.limitKind
        var lines = ["\(r.budget.name)  \(scopePhrase(r.budget))  \(periodPhrase(r.budget))  profile \(r.budget.profile)"]
        lines.append("  \(bar(r.utilization)) \(percent(r.utilization)) of \(r.budget.limitText)" + (r.level.map { "  level: \($0)" } ?? ""))
        lines.append("  spent \(amount(r.spent, kind: kind)), held \(amount(r.held, kind: kind)), remaining \(amount(r.remaining, kind: kind))")
        if let start = r.windowStart, let end = r.windowEnd {
            lines.append("  period \(local(start, timeZone)) → \(local(end, timeZone))")
        } else {
            lines.append("  outside its date range: the budget does not apply now")
        }
        if let next = r.nextLevel, let at = r.nextLevelAt {
            lines.append("  next level: \(next) at \(percent(at))")
        }
        if let p = r.projection {
            var text = "  burn \(p.formatRounded(p.burnRatePerDay))/day over the last \(BudgetText.days(p.rateWindow.duration)); "
            if p.isRolling {
                text += "\(p.formatRounded(p.projectedSpend)) per window at this rate"
            } else {
                text += "projected \(p.formatRounded(p.projectedSpend)) (\(percent(p.projectedUtilization))) at the period's end"
            }
            lines.append(text)
            if p.isExhausted {
                lines.append("  exhausted" + (p.periodDaysLeft.map { "; the period ends in \(BudgetText.days($0 * 86_400))" } ?? ""))
            } else if let out = p.projectedExhaustion {
                lines.append("  runs out \(LocalTime.iso8601(out, in: timeZone)) (in \(BudgetText.days(out.timeIntervalSince(p.at)))) — \(p.isOnTrack ? "on track" : "over budget at this rate")")
            } else {
                lines.append("  on track: not expected to run out this period")
            }
        }
        return lines
    }

    /// `3.5 days`, `5 hours`.
    static func days(_ seconds: TimeInterval) -> String {
        if seconds < 86_400 { return String(format: "%.0f hours", (seconds / 3600).rounded()) }
        let d = seconds / 86_400
        return d == d.rounded() ? String(format: "%.0f days", d) : String(format: "%.1f days", d)
    }

    static func local(_ iso: String, _ timeZone: TimeZone) -> String {
        guard let date = Timestamp.parseOrNil(iso) else { return iso }
        return LocalTime.iso8601(date, in: timeZone)
    }
}
