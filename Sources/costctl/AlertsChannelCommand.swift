import ArgumentParser
import CostControl
import Foundation

struct AlertsChannelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channel", abstract: "Add, list, test and remove notification channels (targets sealed, shown masked).",
        subcommands: [AlertsChannelAddCommand.self, AlertsChannelListCommand.self, AlertsChannelTestCommand.self, AlertsChannelRemoveCommand.self])
}

struct AlertsChannelAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add (or replace) a channel. Give the URL, routing key or SMTP URL as '-' to read it from stdin.",
        discussion: """
            A value given on the command line stays in your shell history: prefer '-' and stdin. With \
            --sign, the webhook's signing secret is read from stdin too (the line after the URL when \
            the URL is '-'). SMTP upgrades every session with STARTTLS and verifies the server's \
            certificate (--smtp-ca-file for a private CA); --smtp-insecure allows plain text (see Documentation/Alerts.md).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The channel's name (letters, digits, - _ .).", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("A generic webhook URL (JSON body), or '-' for stdin.", valueName: "url"))
    var webhook: String?

    @Option(help: ArgumentHelp("A Slack incoming-webhook URL, or '-'.", valueName: "url"))
    var slack: String?

    @Option(help: ArgumentHelp("A Discord webhook URL, or '-'.", valueName: "url"))
    var discord: String?

    @Option(help: ArgumentHelp("A Microsoft Teams incoming-webhook (Workflows) URL, or '-'.", valueName: "url"))
    var teams: String?

    @Option(help: ArgumentHelp("A PagerDuty Events API v2 routing key, or '-'.", valueName: "routing-key"))
    var pagerduty: String?

    @Option(help: ArgumentHelp("An SMTP server, smtp://[user:password@]host[:port] (STARTTLS) or smtps://… (implicit TLS, port 465), or '-'.", valueName: "url"))
    var smtp: String?

    @Option(help: ArgumentHelp("An executable that reads the alert as JSON on stdin.", valueName: "path"))
    var command: String?

    @Flag(help: "Webhook: sign each body with HMAC-SHA256 (X-Costctl-Signature: sha256=<hex>); the secret comes from stdin.")
    var sign = false

    @Option(help: ArgumentHelp("SMTP: a recipient; repeatable.", valueName: "address"))
    var to: [String] = []

    @Option(help: ArgumentHelp("SMTP: the sender (default costctl@<server>).", valueName: "address"))
    var from: String?

    @Flag(name: .customLong("smtp-insecure"), help: "SMTP: allow a plain-text session (a local relay or a trusted network only).")
    var smtpInsecure = false

    @Option(name: .customLong("smtp-ca-file"), help: ArgumentHelp("SMTP: a PEM file of the CA that signs the server's certificate (default: the system's trust store).", valueName: "file"))
    var smtpCAFile: String?

    @Option(name: .customLong("pagerduty-url"), help: ArgumentHelp("PagerDuty: the Events API endpoint (default https://events.pagerduty.com/v2/enqueue).", valueName: "url"))
    var pagerdutyURL: String?

    @Option(name: .customLong("min-severity"), help: ArgumentHelp("Only alerts at least this severe reach the channel.", valueName: "severity"))
    var minimumSeverity: AlertSeverity = .info

    @Option(name: .customLong("rate-per-minute"), help: ArgumentHelp("Deliveries per minute at most (0: no limit).", valueName: "n"))
    var ratePerMinute = 30

    @Option(name: .customLong("time-limit"), help: ArgumentHelp("Seconds one delivery may take (default 10; 30 for a command).", valueName: "seconds"))
    var timeLimit: Double?

    func validate() throws {
        let given = [webhook, slack, discord, teams, pagerduty, smtp, command].compactMap { $0 }
        guard given.count == 1 else {
            throw ValidationError("give exactly one of --webhook, --slack, --discord, --teams, --pagerduty, --smtp, --command")
        }
        if sign && webhook == nil { throw ValidationError("--sign is for --webhook channels") }
        if let timeLimit, !(timeLimit > 0 && timeLimit <= 600) { throw ValidationError("--time-limit must be 0-600 seconds") }
    }

    private var chosen: (AlertChannelKind, String) {
        if let webhook { return (.webhook, webhook) }
        if let slack { return (.slack, slack) }
        if let discord { return (.discord, discord) }
        if let teams { return (.teams, teams) }
        if let pagerduty { return (.pagerduty, pagerduty) }
        if let smtp { return (.smtp, smtp) }
        return (.command, command ?? "")
    }

    func run() async throws {
        let (kind, value) = chosen
        let center = try global.openAlerts(withVault: true)
        var values = StdinLines()
        let target: String
        if value == "-" {
            target = try values.next(prompt: "The \(kind) target for channel '\(name)': ")
        } else {
            target = value
            if kind != .command {
                FileHandle.standardError.write(Data("warning: the \(kind) target was given on the command line, so your shell history keeps it; use '--\(kind) -' and stdin instead\n".utf8))
            }
        }
        let signing = sign ? try values.next(prompt: "The signing secret for channel '\(name)': ") : nil
        let options = AlertChannelOptions(
            to: to, from: from, smtpInsecure: smtpInsecure, smtpCAFile: smtpCAFile.map { URL(fileURLWithPath: $0).path }, endpoint: pagerdutyURL,
            timeLimitSeconds: timeLimit)
        let row = try await center.addChannel(AlertChannelSpec(
            name: name, kind: kind, secret: AlertChannelSecret(target: target, signingSecret: signing), options: options,
            minimumSeverity: minimumSeverity, ratePerMinute: ratePerMinute))
        if global.json {
            try Output.json(row, snakeCase: true, isoDates: true)
        } else {
            Output.line("Added channel '\(row.name)' (\(row.kind), \(row.target), \(row.minimumSeverity) and above).")
        }
    }
}

/// Secret values from stdin, one a line (or prompts with echo off at a terminal).
struct StdinLines {
    private var lines: [String]?

    mutating func next(prompt: String) throws -> String {
        if isatty(STDIN_FILENO) != 0 {
            return String(decoding: try SecretInput.read(prompt: prompt), as: UTF8.self)
        }
        if lines == nil {
            let data = try SecretInput.read(prompt: prompt)
            lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        guard let value = lines?.first, !value.isEmpty else { throw ValidationError("stdin ended before the value was read") }
        lines?.removeFirst()
        return value
    }
}

struct AlertsChannelListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List channels (targets masked).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let rows = try await global.openAlerts(withVault: false).channels()
        if global.json {
            try Output.json(rows, snakeCase: true, isoDates: true)
            return
        }
        guard !rows.isEmpty else {
            Output.line("No channels yet. Add one with `costctl alerts channel add ops --slack - < url.txt`.")
            return
        }
        Output.table(
            [.init(title: "NAME"), .init(title: "KIND"), .init(title: "TARGET"), .init(title: "SEVERITY"), .init(title: "RATE/MIN", rightAligned: true)],
            rows.map { [$0.name, $0.kind.rawValue, $0.target + ($0.to.isEmpty ? "" : " → " + $0.to.joined(separator: ", ")), "\($0.minimumSeverity)+", String($0.ratePerMinute)] })
    }
}

struct AlertsChannelTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Send a test alert to one channel now.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The channel.", valueName: "name"))
    var name: String

    func run() async throws {
        let center = try global.openAlerts(withVault: true)
        let alert = try await center.raiseTest(channel: name)
        let report = try await center.deliver()
        let delivery = try await center.store.alert(key: alert.key)?.deliveries.first
        if global.json {
            try Output.json(AlertsTestResult(key: alert.key, report: report, delivery: delivery), snakeCase: true, isoDates: true)
        } else if delivery?.state == .delivered {
            Output.line("Channel '\(name)' accepted the test alert.")
        } else {
            Output.line("Channel '\(name)' did not accept the test alert: \(delivery?.lastError ?? "not attempted (rate limit?)"); it will be retried by `costctl alerts deliver`.")
        }
        if delivery?.state != .delivered { throw ExitCode(1) }
    }
}

struct AlertsTestResult: Encodable {
    var key: String
    var report: AlertDeliveryReport
    var delivery: AlertDelivery?
}

struct AlertsChannelRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a channel (its pending deliveries fail).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The channel.", valueName: "name"))
    var name: String

    func run() async throws {
        try await global.openAlerts(withVault: false).removeChannel(name)
        if global.json { try Output.json(["removed": name]) } else { Output.line("Removed channel '\(name)'.") }
    }
}

// MARK: - Rules

struct AlertsRuleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rule", abstract: "Routing rules: which alerts go to which channels, cool-down, quiet hours, escalation.",
        subcommands: [AlertsRuleAddCommand.self, AlertsRuleListCommand.self, AlertsRuleImportCommand.self, AlertsRuleRemoveCommand.self])
}

struct AlertsRuleAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add (or replace) a rule.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The rule's name.", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("A kind it applies to; repeatable (default: every kind).", valueName: "kind"))
    var kind: [AlertKind] = []

    @Option(help: ArgumentHelp("Only alerts whose scope contains this (team=search).", valueName: "text"))
    var scope: String?

    @Option(name: .customLong("min-severity"), help: ArgumentHelp("Only alerts at least this severe.", valueName: "severity"))
    var minimumSeverity: AlertSeverity = .info

    @Option(help: ArgumentHelp("Only alerts whose value (utilization, …) is at least this.", valueName: "number"))
    var threshold: Double?

    @Option(help: ArgumentHelp("Send with this severity instead of the alert's own.", valueName: "severity"))
    var severity: AlertSeverity?

    @Option(help: ArgumentHelp("A channel; repeatable.", valueName: "name"))
    var channel: [String] = []

    @Option(name: .customLong("cool-down"), help: ArgumentHelp("After an alert of a kind and scope, hold further ones this long (15m, 1h).", valueName: "duration"))
    var coolDown = "0"

    @Option(name: .customLong("quiet-hours"), help: ArgumentHelp("Hold non-critical alerts from hour A to hour B (22-7).", valueName: "A-B"))
    var quietHours: String?

    @Option(name: .customLong("quiet-tz"), help: ArgumentHelp("The quiet hours' time zone (default: --tz, else UTC).", valueName: "zone"))
    var quietZone: String?

    @Flag(name: .customLong("quiet-critical-too"), help: "Hold critical alerts in quiet hours too (by default they go out at once).")
    var quietCritical = false

    @Option(name: .customLong("escalate-after"), help: ArgumentHelp("A critical alert unacknowledged this long also goes to --escalate-to.", valueName: "duration"))
    var escalateAfter: String?

    @Option(name: .customLong("escalate-to"), help: ArgumentHelp("The escalation channel.", valueName: "name"))
    var escalateTo: String?

    func validate() throws {
        if (escalateAfter == nil) != (escalateTo == nil) { throw ValidationError("--escalate-after and --escalate-to go together") }
    }

    func run() async throws {
        var quiet: QuietHours?
        if let quietHours {
            let parts = quietHours.split(separator: "-").map { Int($0) }
            guard parts.count == 2, let start = parts[0], let end = parts[1] else {
                throw ValidationError("--quiet-hours '\(quietHours)' is not A-B in hours (22-7)")
            }
            quiet = QuietHours(startHour: start, endHour: end, timeZone: quietZone ?? global.tz ?? "UTC", criticalBypasses: !quietCritical)
        }
        let escalation = try escalateAfter.map {
            AlertEscalation(afterMinutes: try DurationArgument.seconds($0, option: "--escalate-after") / 60, channel: escalateTo ?? "")
        }
        let rule = AlertRule(
            name: name, kinds: kind, scope: scope, minimumSeverity: minimumSeverity, threshold: threshold, severity: severity, channels: channel,
            coolDownSeconds: try DurationArgument.seconds(coolDown, option: "--cool-down"), quietHours: quiet, escalation: escalation)
        try await global.openAlerts(withVault: false).saveRules([rule])
        if global.json { try Output.json(rule) } else { Output.line("Saved rule '\(name)' → \(channel.joined(separator: ", ")).") }
    }
}

struct AlertsRuleImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Load rules from a JSON file (an array of rules, or {\"rules\": [...]}); all or none.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The rules file, or - for stdin.", valueName: "file"))
    var file: String

    func run() async throws {
        let rules = try AlertCenter.decodeRules(try Output.read(file, option: "rules"))
        try await global.openAlerts(withVault: false).saveRules(rules)
        if global.json { try Output.json(rules) } else { Output.line("Saved \(rules.count) rule(s): \(rules.map(\.name).joined(separator: ", ")).") }
    }
}

struct AlertsRuleListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List rules.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let rules = try await global.openAlerts(withVault: false).rules()
        if global.json {
            try Output.json(rules)
            return
        }
        guard !rules.isEmpty else {
            Output.line("No rules: every channel gets every alert at or above its --min-severity.")
            return
        }
        Output.table(
            [.init(title: "NAME"), .init(title: "WHEN"), .init(title: "CHANNELS"), .init(title: "COOL-DOWN"), .init(title: "QUIET"), .init(title: "ESCALATION")],
            rules.map { rule in
                let kinds = rule.kinds.isEmpty ? "any kind" : rule.kinds.map(\.rawValue).joined(separator: ",")
                let when = "\(kinds), \(rule.minimumSeverity)+" + (rule.scope.map { ", scope~\($0)" } ?? "") + (rule.threshold.map { ", value≥\($0)" } ?? "")
                return [
                    rule.name, when, rule.channels.joined(separator: ","), rule.coolDownSeconds == 0 ? "-" : "\(rule.coolDownSeconds)s",
                    rule.quietHours.map { "\($0.startHour)-\($0.endHour) \($0.timeZone)" } ?? "-",
                    rule.escalation.map { "\($0.afterMinutes)m → \($0.channel)" } ?? "-",
                ]
            })
    }
}

struct AlertsRuleRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a rule.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The rule.", valueName: "name"))
    var name: String

    func run() async throws {
        try await global.openAlerts(withVault: false).removeRule(name)
        if global.json { try Output.json(["removed": name]) } else { Output.line("Removed rule '\(name)'.") }
    }
}
