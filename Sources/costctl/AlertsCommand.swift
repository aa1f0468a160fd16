public import ArgumentParser
import CostControl
import Foundation

extension AlertSeverity: ExpressibleByArgument {}
extension AlertKind: ExpressibleByArgument {}

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alert channels, routing rules, the outbox and its delivery, acknowledgements and history.",
        discussion: """
            Alerts are stored in the database (--db) with an idempotency key and queued in an outbox; \
            `costctl alerts deliver` (or the daemon) sends them: retries with backoff, at most \
            --rate-per-minute per channel, every attempt kept for `alerts history`. Channel URLs, \
            routing keys and SMTP credentials are sealed in the vault (needs COSTCTL_MASTER_KEY or \
            COSTCTL_MASTER_KEY_FILE) and shown masked. See Documentation/Alerts.md.

            Examples:
              costctl alerts channel add ops --slack - < slack-url.txt
              printf '%s\\n%s\\n' "$HOOK_URL" "$HOOK_SECRET" | costctl alerts channel add hook --webhook - --sign
              costctl alerts channel add oncall --pagerduty - --min-severity critical < routing-key.txt
              costctl alerts channel add mail --smtp - --to ops@example.com <<< smtp://alerts:PASSWORD@mail.example.com:587
              costctl alerts rule add budgets --kind budget-level --channel ops --cool-down 1h --quiet-hours 22-7 --quiet-tz Europe/Paris
              costctl alerts rule add pages --min-severity critical --channel ops --escalate-after 30m --escalate-to oncall
              costctl alerts deliver
              costctl alerts list --unacked
              costctl alerts ack 'budget-level/team-search/hard-stop/1764547200000'
            """,
        subcommands: [
            AlertsListCommand.self, AlertsAckCommand.self, AlertsHistoryCommand.self, AlertsDeliverCommand.self,
            AlertsRaiseCommand.self, AlertsChannelCommand.self, AlertsRuleCommand.self,
        ]
    )
}

extension GlobalOptions {
    /// The alert store at `--db`; with `withVault`, the vault that seals channel secrets.
    func openAlerts(withVault: Bool) throws -> AlertCenter {
        try AlertCenter.open(paths: paths, environment: ProcessInfo.processInfo.environment, withVault: withVault)
    }
}

/// Durations written as `90s`, `15m`, `2h`, `1d` (a bare number is seconds).
enum DurationArgument {
    static func seconds(_ text: String, option: String) throws -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let unit = trimmed.last.flatMap { units[$0] }
        let number = unit == nil ? trimmed : String(trimmed.dropLast())
        guard let value = Int(number), value >= 0, value <= 365 * 86400 else {
            throw ValidationError("\(option) '\(text)' is not a duration (examples: 90s, 15m, 2h, 1d)")
        }
        return value * (unit ?? 1)
    }
}

// MARK: - alerts list | ack | history | deliver | raise

struct AlertsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List stored alerts, newest first, with their deliveries.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Only alerts nobody acknowledged.")
    var unacked = false

    @Option(help: ArgumentHelp("Only alerts at least this severe.", valueName: "severity"))
    var severity: AlertSeverity?

    @Option(help: ArgumentHelp("At most this many.", valueName: "n"))
    var limit = 50

    func run() async throws {
        let rows = try await global.openAlerts(withVault: false).alerts(unacknowledgedOnly: unacked, minimumSeverity: severity, limit: limit)
        if global.json {
            try Output.json(rows, snakeCase: true, isoDates: true)
            return
        }
        guard !rows.isEmpty else {
            Output.line("No alerts.")
            return
        }
        Output.table(
            [.init(title: "WHEN"), .init(title: "SEVERITY"), .init(title: "KIND"), .init(title: "TITLE"), .init(title: "DELIVERIES"), .init(title: "ACK"), .init(title: "KEY")],
            rows.map { row in
                [
                    Output.date(row.alert.at, in: global.timeZone), row.alert.severity.rawValue, row.alert.kind.rawValue, row.alert.title,
                    row.deliveries.isEmpty ? "-" : row.deliveries.map { "\($0.channel):\($0.state.rawValue)" }.joined(separator: " "),
                    row.acknowledgedBy ?? "-", row.alert.key,
                ]
            })
    }
}

struct AlertsAckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an alert (stops its escalation).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The alert's key (see `alerts list`).", valueName: "key"))
    var key: String

    func run() async throws {
        let actor = KeyAdmin.cliActor()
        try await global.openAlerts(withVault: false).acknowledge(key, by: actor)
        if global.json {
            try Output.json(["key": key, "acknowledged_by": actor])
        } else {
            Output.line("Acknowledged '\(key)'.")
        }
    }
}

struct AlertsHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Delivery attempts, newest first: successes, failures and retries.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("At most this many.", valueName: "n"))
    var limit = 50

    func run() async throws {
        let attempts = try await global.openAlerts(withVault: false).history(limit: limit)
        if global.json {
            try Output.json(attempts, snakeCase: true, isoDates: true)
            return
        }
        guard !attempts.isEmpty else {
            Output.line("No delivery attempts yet. Queue alerts, then run `costctl alerts deliver`.")
            return
        }
        Output.table(
            [.init(title: "WHEN"), .init(title: "CHANNEL"), .init(title: "ATTEMPT", rightAligned: true), .init(title: "RESULT"), .init(title: "DETAIL"), .init(title: "KEY")],
            attempts.map {
                [Output.date($0.at, in: global.timeZone), $0.channel, String($0.attempt), $0.succeeded ? "delivered" : "failed", $0.detail ?? "", $0.alertKey]
            })
    }
}

struct AlertsDeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver", abstract: "Drain the outbox once: escalations, then every due delivery (retries with backoff).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let report = try await global.openAlerts(withVault: true).deliver()
        if global.json {
            try Output.json(report, snakeCase: true)
        } else {
            Output.line(
                "Delivered \(report.delivered) of \(report.attempted) attempts; \(report.retrying) to retry, \(report.failed) failed, "
                    + "\(report.rateLimited) held by rate limits, \(report.escalated) escalated.")
        }
    }
}

struct AlertsRaiseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raise", abstract: "Raise an alert by hand (scripts, cron jobs): routed by the rules and queued.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The kind.", valueName: "kind"))
    var kind: AlertKind = .manual

    @Option(help: ArgumentHelp("The severity.", valueName: "severity"))
    var severity: AlertSeverity = .info

    @Option(help: ArgumentHelp("One short line.", valueName: "text"))
    var title: String

    @Option(help: ArgumentHelp("The message (default: the title).", valueName: "text"))
    var message: String?

    @Option(help: ArgumentHelp("What it is about (team=search).", valueName: "scope"))
    var scope = ""

    @Option(help: ArgumentHelp("The idempotency key (default: a new one): raising a key again does nothing.", valueName: "key"))
    var key: String?

    @Option(help: ArgumentHelp("A detail, name=value; repeatable (value=N is what rule thresholds compare).", valueName: "name=value"))
    var data: [String] = []

    func run() async throws {
        var details: [String: String] = [:]
        for pair in data {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--data '\(pair)' is not name=value")
            }
            details[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        let alert = Alert(
            key: key ?? "manual/\(UUID().uuidString.lowercased())", kind: kind, severity: severity, at: Date(), scope: scope, title: title,
            message: message ?? title, data: details)
        let result = try await global.openAlerts(withVault: false).raise(alert)
        if global.json {
            try Output.json(["key": alert.key, "new": result.isNew ? "true" : "false", "queued": result.queued.joined(separator: ",")])
        } else {
            Output.line(
                (result.isNew ? "Raised '\(alert.key)'" : "'\(alert.key)' was raised already")
                    + (result.queued.isEmpty ? "; no channel queued." : "; queued for \(result.queued.joined(separator: ", ")).")
                    + (result.coolingDown.isEmpty ? "" : " Cooling down: \(result.coolingDown.joined(separator: ", ")).")
            )
        }
    }
}
