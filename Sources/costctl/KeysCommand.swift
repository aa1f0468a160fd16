import ArgumentParser
import CostControl
import Foundation

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Add, list, pick and manage API keys in pools, with quotas and a sealed vault.",
        discussion: """
            Secrets are sealed with AES-256-GCM under a data key kept in the database (--db), wrapped by \
            the master key: COSTCTL_MASTER_KEY (base64 of 32 bytes), COSTCTL_MASTER_KEY_FILE, or \
            master.key in the data directory (permissions 0600). A secret is read from stdin or a prompt \
            with echo off, never from an argument, and is printed only by `keys reveal ID --yes` and \
            `keys pick --reveal` (both audited). See Documentation/Rotation.md.

            Examples:
              export COSTCTL_MASTER_KEY=$(openssl rand -base64 32)
              costctl keys add --provider anthropic --label k3 --tokens-per-30d 50000000 < key.txt
              costctl keys add --provider gemini --label free-1 --requests-per-day 1500 --reset daily@00:00America/Los_Angeles
              costctl keys list
              costctl keys pick --provider anthropic --tokens 12000
              costctl keys stats k3
              costctl keys disable k3 --reason "billing issue"
              costctl keys provisioner set --provider gemini --command ~/bin/new-gemini-key
            """,
        subcommands: [
            KeysAddCommand.self, KeysListCommand.self, KeysStatsCommand.self, KeysPickCommand.self, KeysDisableCommand.self,
            KeysEnableCommand.self, KeysRemoveCommand.self, KeysRotateCommand.self, KeysRevealCommand.self, KeysAuditCommand.self,
            KeysProvisionerCommand.self, KeysMasterCommand.self,
        ]
    )
}

extension GlobalOptions {
    /// The key store and vault at `--db` (the data key is created on first use); provisioning's
    /// events are raised into the alert outbox of the same database.
    func openKeyAdmin() throws -> KeyAdmin {
        let (store, vault) = try KeyVaultFile.open(paths: paths, environment: ProcessInfo.processInfo.environment)
        let database = paths.database.path
        // the alert store is opened only when an event comes (most key commands raise none)
        return KeyAdmin(store: store, sealer: vault, actor: KeyAdmin.cliActor(), settings: store, alert: { event in
            guard let alerts = try? SQLiteAlertStore(path: database) else { return }
            try? await AlertOutboxSink(center: AlertCenter(store: alerts, sealer: vault)).deliver(event)
        })
    }
}

/// Reads a secret: from stdin when it is not a terminal, else at a prompt with echo off.
enum SecretInput {
    static func read(prompt: String) throws -> Data {
        if isatty(STDIN_FILENO) == 0 {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard data.count <= 64 * 1024 else {
                throw ValidationError("stdin holds \(data.count) bytes; an API key is one line")
            }
            return data
        }
        // echo goes off (and earlier typing is discarded) before the prompt shows, so everything
        // typed after the prompt is read and nothing of it is echoed
        var saved = termios()
        let hasTerminal = tcgetattr(STDIN_FILENO, &saved) == 0
        if hasTerminal {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        defer {
            if hasTerminal { _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        return Data((Swift.readLine(strippingNewline: true) ?? "").utf8)
    }
}

struct KeysAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a key: the secret comes from stdin or a prompt (echo off) and is sealed at once.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The provider (anthropic, openai, gemini, …).", valueName: "provider"))
    var provider: String

    @Option(help: ArgumentHelp("A name for people; the id too unless --id is given.", valueName: "label"))
    var label: String

    @Option(help: ArgumentHelp("The key's id (letters, digits, - _ . :).", valueName: "id"))
    var id: String?

    @Option(help: ArgumentHelp("Only pools of this project use the key.", valueName: "project"))
    var project: String?

    @OptionGroup var limits: QuotaOptions

    @Option(help: ArgumentHelp("For the priority strategy: lower goes first.", valueName: "n"))
    var priority: Int = 0

    func run() async throws {
        let quota = try limits.quota(timeZone: global.timeZone)
        let spec = KeySpec(provider: provider, label: label, id: id, project: project, quota: quota, priority: priority)
        let admin = try global.openKeyAdmin()
        let secret = try SecretInput.read(prompt: "Secret for the \(provider) key '\(label)': ")
        let row = try await admin.add(spec, secret: secret)
        if global.json {
            try Output.json(row, snakeCase: true)
        } else {
            Output.line("Added key '\(row.id)' (\(row.provider), \(row.fingerprint))" + (quota.isUnlimited ? ", no quota." : ", quota \(KeysText.quotaPhrase(row))."))
        }
    }
}

struct KeysListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys (masked) with status, utilization and next reset.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Only this provider's keys.", valueName: "provider"))
    var provider: String?

    func run() async throws {
        let rows = try await global.openKeyAdmin().list(provider: provider)
        if global.json {
            try Output.json(rows, snakeCase: true)
            return
        }
        guard !rows.isEmpty else {
            Output.line("No keys yet. Add one with `costctl keys add --provider anthropic --label k1 < key.txt`.")
            return
        }
        Output.table(
            [
                .init(title: "ID"), .init(title: "PROVIDER"), .init(title: "KEY"), .init(title: "STATUS"), .init(title: "QUOTA"),
                .init(title: "USED", rightAligned: true), .init(title: ""), .init(title: "NEXT RESET"), .init(title: "LAST USED"),
            ],
            rows.map { row in
                let fullest = row.fullest
                return [
                    row.id, row.provider + (row.project.map { "/\($0)" } ?? ""), row.fingerprint, KeysText.status(row, global.timeZone),
                    fullest.map { "\($0.used)/\($0.limit) \($0.measure)" } ?? "unlimited",
                    fullest.map { String(format: "%.0f%%", $0.utilization * 100) } ?? "-",
                    fullest.map { BudgetText.bar($0.utilization, width: 12) } ?? "",
                    fullest?.nextReset.map { Output.date($0, in: global.timeZone) } ?? "-",
                    row.lastUsedAt.map { Output.date($0, in: global.timeZone) } ?? "never",
                ]
            })
    }
}

struct KeysStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "One key: quota meters, use over 24 h / 7 d / 30 d by outcome, audit trail.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The key's id.")
    var id: String

    func run() async throws {
        let stats = try await global.openKeyAdmin().stats(id: id)
        if global.json {
            try Output.json(stats, snakeCase: true)
            return
        }
        let row = stats.key
        let zone = global.timeZone
        Output.line("\(row.id)  \(row.provider)\(row.project.map { "/\($0)" } ?? "")  \(row.fingerprint)  \(KeysText.status(row, zone))  label '\(row.label)'")
        Output.line("Quota reset: \(row.reset); priority \(row.priority); added \(Output.date(row.createdAt, in: zone)); last used \(row.lastUsedAt.map { Output.date($0, in: zone) } ?? "never")")
        for meter in row.meters {
            Output.line("  \(KeysText.pad(meter.measure, 20)) \(BudgetText.bar(meter.utilization, width: 20)) \(meter.used)/\(meter.limit)"
                + (meter.pending == "0" || meter.pending == "0.00" ? "" : " (+\(meter.pending) leased)")
                + (meter.nextReset.map { ", frees \(Output.date($0, in: zone))" } ?? ""))
        }
        Output.line()
        Output.table(
            [.init(title: "WINDOW"), .init(title: "REQUESTS", rightAligned: true), .init(title: "TOKENS", rightAligned: true),
             .init(title: "COST", rightAligned: true), .init(title: "OUTCOMES")],
            stats.windows.map { window in
                [window.name, Output.count(window.requests), Output.count(window.tokens), "$" + window.cost,
                 window.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
            })
        Output.line()
        Output.line("Audit:")
        for entry in stats.audit.suffix(20) { Output.line("  " + KeysText.audit(entry, zone)) }
    }
}

struct KeysPickCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pick",
        abstract: "Print the id of the key a pool would use for a request now (the secret only with --reveal).",
        discussion: "Exit code 3 when no key can take the request; the reasons go to stderr (or the JSON).")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The pool's provider.", valueName: "provider"))
    var provider: String

    @Option(help: ArgumentHelp("Only the keys of this project.", valueName: "project"))
    var project: String?

    @Option(help: ArgumentHelp("The request's estimated tokens.", valueName: "n"))
    var tokens: Int = 0

    @Option(help: ArgumentHelp("least-utilized, round-robin, weighted or priority.", valueName: "strategy"))
    var strategy: String = SelectionStrategy.leastUtilized.rawValue

    @Flag(help: "Print the secret too (audited as a reveal).")
    var reveal = false

    func validate() throws {
        guard SelectionStrategy(rawValue: strategy) != nil else {
            throw ValidationError("--strategy '\(strategy)': use \(SelectionStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let pick = try await global.openKeyAdmin().pick(
            provider: provider, project: project, tokens: tokens, strategy: SelectionStrategy(rawValue: strategy) ?? .leastUtilized,
            reveal: reveal)
        if global.json {
            struct Result: Encodable {
                var key: KeyRow?
                var secret: String?
                var reason: String?
                var earliestAvailability: Date?
                var provisioning: [ProvisioningReport]
            }
            try Output.json(
                Result(key: pick.key, secret: pick.secret, reason: pick.key == nil ? pick.selection.summary : nil,
                       earliestAvailability: pick.key == nil ? pick.selection.earliestAvailability : nil,
                       provisioning: pick.provisioning.map(ProvisioningReport.init)),
                snakeCase: true)
        } else if let key = pick.key {
            Output.line(pick.secret ?? key.id)
        } else {
            FileHandle.standardError.write(Data((pick.selection.summary + "\n").utf8))
        }
        if !global.json {
            for outcome in pick.provisioning {
                FileHandle.standardError.write(Data(("pool under pressure: " + KeysText.provisioning(outcome, global.timeZone) + "\n").utf8))
            }
        }
        if pick.key == nil { throw ExitCode(3) }
    }
}

struct KeysDisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Take a key out of its pools (audited).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The key's id.")
    var id: String

    @Option(help: ArgumentHelp("Why (shown in list and the audit log).", valueName: "text"))
    var reason: String?

    func run() async throws {
        let row = try await global.openKeyAdmin().setEnabled(false, id: id, reason: reason)
        try KeysText.changed(row, verb: "Disabled", json: global.json)
    }
}

struct KeysEnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Put a disabled or revoked key back in its pools (audited).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The key's id.")
    var id: String

    func run() async throws {
        let row = try await global.openKeyAdmin().setEnabled(true, id: id)
        try KeysText.changed(row, verb: "Enabled", json: global.json)
    }
}

struct KeysRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a key with its usage log (the audit log keeps the removal).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The key's id.")
    var id: String

    func run() async throws {
        try await global.openKeyAdmin().remove(id: id)
        if global.json {
            struct Result: Encodable { var removed: String }
            try Output.json(Result(removed: id))
        } else {
            Output.line("Removed key '\(id)'.")
        }
    }
}

struct KeysRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate", abstract: "Replace a key's secret (from stdin or a prompt); its quota and usage log stay.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The key's id.")
    var id: String

    func run() async throws {
        let admin = try global.openKeyAdmin()
        let secret = try SecretInput.read(prompt: "New secret for key '\(id)': ")
        let row = try await admin.rotate(id: id, secret: secret)
        try KeysText.changed(row, verb: "Rotated", json: global.json)
    }
}

struct KeysRevealCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reveal", abstract: "Print a key's secret in clear: needs --yes, and is recorded in the audit log.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The key's id.")
    var id: String

    @Flag(help: "Yes, print the secret.")
    var yes = false

    func run() async throws {
        let secret = try await global.openKeyAdmin().reveal(id: id, confirmed: yes)
        if global.json {
            struct Result: Encodable {
                var id: String
                var secret: String
            }
            try Output.json(Result(id: id, secret: secret))
        } else {
            Output.line(secret)
        }
    }
}

struct KeysAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit log of key operations (one key's with an id).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A key's id (default: every key).")
    var id: String?

    func run() async throws {
        let entries = try await global.openKeyAdmin().audit(keyID: id)
        if global.json {
            try Output.json(entries, snakeCase: true)
            return
        }
        guard !entries.isEmpty else {
            Output.line("No key operations yet.")
            return
        }
        for entry in entries { Output.line(KeysText.audit(entry, global.timeZone)) }
    }
}

struct KeysProvisionerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provisioner",
        abstract: "Configure the command that gets a new key when a pool runs short.",
        discussion: """
            When a pool's utilization reaches 80% or its last usable key is in use, costctl runs the \
            pool's command (with a time limit, at most 3 attempts an hour, every attempt audited). The \
            command prints the new key on its first line of stdout (optionally `label: NAME` on a later \
            line); it gets COSTCTL_PROVIDER, COSTCTL_POOL and COSTCTL_PROJECT in its environment. See \
            Documentation/Rotation.md for the full contract and an example script.
            """,
        subcommands: [KeysProvisionerSetCommand.self, KeysProvisionerListCommand.self, KeysProvisionerRemoveCommand.self, KeysProvisionerRunCommand.self]
    )
}

/// A key's quota in words.
struct QuotaOptions: ParsableArguments {
    @Option(name: .customLong("tokens-per-30d"), help: ArgumentHelp("Tokens per quota period (rolling 30 days unless --reset).", valueName: "n"))
    var tokensPer30d: Int?

    @Option(name: .customLong("requests-per-day"), help: ArgumentHelp("Requests per day (reset at midnight in --tz unless --reset).", valueName: "n"))
    var requestsPerDay: Int?

    @Option(name: .customLong("requests-per-minute"), help: ArgumentHelp("Requests per minute.", valueName: "n"))
    var requestsPerMinute: Int?

    @Option(name: .customLong("spend-per-month"), help: ArgumentHelp("Dollars per quota period (calendar month unless --reset).", valueName: "usd"))
    var spendPerMonth: String?

    @Option(help: ArgumentHelp("rolling30, rolling:7, monthly:1[@ZONE] or daily@HH:00[ZONE].", valueName: "schedule"))
    var reset: String?

    func quota(timeZone: TimeZone) throws -> KeyQuota {
        try KeySpec.quota(
            tokensPer30d: tokensPer30d, requestsPerDay: requestsPerDay, requestsPerMinute: requestsPerMinute,
            spendPerMonth: spendPerMonth, reset: reset, timeZone: timeZone)
    }
}

/// `--provider` and `--project`: which pool.
struct PoolOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The pool's provider.", valueName: "provider"))
    var provider: String

    @Option(help: ArgumentHelp("The pool's project (default: the provider's pool).", valueName: "project"))
    var project: String?

    var pool: KeyPool { KeyPool(provider: provider.lowercased(), project: project) }
}

struct KeysProvisionerSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Set (or replace) a pool's provisioner command.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolOptions

    @Option(help: ArgumentHelp("The executable to run (a path, or a name in PATH).", valueName: "path"))
    var command: String

    @Option(name: .customLong("arg"), help: ArgumentHelp("An argument for the command; repeatable.", valueName: "arg"))
    var arguments: [String] = []

    @Option(name: .customLong("time-limit"), help: ArgumentHelp("Seconds before the command is stopped.", valueName: "seconds"))
    var timeLimit: Int = 120

    @OptionGroup(title: "New keys' quota") var limits: QuotaOptions

    @Option(help: ArgumentHelp("New keys' priority (priority strategy).", valueName: "n"))
    var priority: Int = 0

    func validate() throws {
        guard (1...3_600).contains(timeLimit) else { throw ValidationError("--time-limit must be 1 to 3600 seconds, not \(timeLimit)") }
    }

    func run() async throws {
        let quota = try limits.quota(timeZone: global.timeZone)
        let setting = try await global.openKeyAdmin().setProvisioner(ProvisionerSetting(
            pool: pool.pool, command: command, arguments: arguments, timeLimit: .seconds(timeLimit), quota: quota, priority: priority))
        if global.json {
            try Output.json(ProvisionerReport(setting), snakeCase: true)
        } else {
            Output.line("Pool '\(setting.pool.name)' provisions with \(setting.command) (time limit \(timeLimit) s).")
        }
    }
}

struct KeysProvisionerListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the pools' provisioners.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try await global.openKeyAdmin().provisioners()
        if global.json {
            try Output.json(settings.map(ProvisionerReport.init), snakeCase: true)
            return
        }
        guard !settings.isEmpty else {
            Output.line("No provisioners. Set one with `costctl keys provisioner set --provider P --command PATH`.")
            return
        }
        Output.table(
            [.init(title: "POOL"), .init(title: "COMMAND"), .init(title: "TIME LIMIT", rightAligned: true), .init(title: "NEW KEYS' QUOTA")],
            settings.map { setting in
                let report = ProvisionerReport(setting)
                return [report.pool, ([report.command] + report.arguments).joined(separator: " "), "\(report.timeLimitSeconds) s", report.quota]
            })
    }
}

struct KeysProvisionerRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a pool's provisioner.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolOptions

    func run() async throws {
        try await global.openKeyAdmin().removeProvisioner(provider: pool.provider, project: pool.project)
        if global.json {
            struct Result: Encodable { var removed: String }
            try Output.json(Result(removed: pool.pool.name))
        } else {
            Output.line("Removed the provisioner of pool '\(pool.pool.name)'.")
        }
    }
}

struct KeysProvisionerRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pool's provisioner now (within the rate limit); the new key joins the pool.",
        discussion: "Exit code 3 when no key was provisioned (the command failed or the rate limit holds).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var pool: PoolOptions

    func run() async throws {
        let outcome = try await global.openKeyAdmin().provisionNow(provider: pool.provider, project: pool.project)
        if global.json {
            try Output.json(ProvisioningReport(outcome), snakeCase: true)
        } else {
            Output.line(KeysText.provisioning(outcome, global.timeZone))
        }
        if case .provisioned = outcome { return }
        throw ExitCode(3)
    }
}

struct KeysMasterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "master",
        abstract: "Show the vault's keys (ids only) or rotate the master key.",
        subcommands: [KeysMasterShowCommand.self, KeysMasterRotateCommand.self])
}

struct KeysMasterShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "The master key id in use and the data key it opens (ids, never key material).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let master = try KeyVaultFile.masterKey(paths: global.paths, environment: environment)
        let vault = try KeyVaultFile.vault(database: global.paths.database.path, master: master)
        let source: String
        if let value = environment[MasterKey.environmentVariable], !value.isEmpty {
            source = MasterKey.environmentVariable
        } else if let file = environment[MasterKey.keyFileEnvironmentVariable], !file.isEmpty {
            source = file
        } else {
            source = KeyVaultFile.defaultKeyFile(paths: global.paths).path
        }
        if global.json {
            struct Result: Encodable {
                var masterKeyID: String
                var masterKeySource: String
                var dataKeyID: String
                var database: String
            }
            try Output.json(Result(masterKeyID: master.id, masterKeySource: source, dataKeyID: vault.dataKeyID, database: global.paths.database.path), snakeCase: true)
        } else {
            Output.line("Master key \(master.id) (from \(source)) opens data key \(vault.dataKeyID) of \(global.paths.database.path).")
        }
    }
}

struct KeysMasterRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Re-wrap the vault's data key under a new master key (no secret is re-sealed).",
        discussion: """
            The current master key comes from COSTCTL_MASTER_KEY, COSTCTL_MASTER_KEY_FILE or master.key as \
            usual; the new one from --to FILE (a key file with permissions 0600; --create makes it). After \
            the rotation only the new key opens the vault: point COSTCTL_MASTER_KEY_FILE at it (or move it \
            to the data directory's master.key) before the next command.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The new master key file (0600).", valueName: "file"))
    var to: String

    @Flag(help: "Create the new key file (32 random bytes, 0600); it must not exist.")
    var create = false

    func run() async throws {
        let old = try KeyVaultFile.masterKey(paths: global.paths, environment: ProcessInfo.processInfo.environment)
        let new = create ? try MasterKey.createKeyFile(at: to) : try MasterKey(contentsOfKeyFile: to)
        guard new.id != old.id else {
            throw ValidationError("--to \(to) is the master key in use (\(old.id)); give a new one (--create makes it)")
        }
        let wrapped = try KeyVaultFile.rotateMaster(paths: global.paths, from: old, to: new)
        if global.json {
            struct Result: Encodable {
                var oldMasterKeyID: String
                var newMasterKeyID: String
                var dataKeyID: String
                var keyFile: String
            }
            try Output.json(Result(oldMasterKeyID: old.id, newMasterKeyID: new.id, dataKeyID: wrapped.id, keyFile: to), snakeCase: true)
        } else {
            Output.line("Data key \(wrapped.id) is now wrapped by master key \(new.id) (was \(old.id)); no secret was re-sealed.")
            Output.line("Use the new key from now on: export COSTCTL_MASTER_KEY_FILE=\(to)")
        }
    }
}

/// A provisioner setting as the CLI prints it.
struct ProvisionerReport: Encodable {
    var pool: String
    var command: String
    var arguments: [String]
    var timeLimitSeconds: Int64
    var quota: String
    var priority: Int
    var updatedAt: Date

    init(_ setting: ProvisionerSetting) {
        pool = setting.pool.name
        command = setting.command
        arguments = setting.arguments
        timeLimitSeconds = setting.timeLimit.components.seconds
        let limits = [
            setting.quota.tokens.map { "\($0) tokens" }, setting.quota.requestsPerDay.map { "\($0) requests/day" },
            setting.quota.requestsPerMinute.map { "\($0) requests/min" }, setting.quota.spend.map { "$\($0) spend" },
        ].compactMap { $0 }
        quota = limits.isEmpty ? "unlimited" : limits.joined(separator: ", ") + " (\(setting.quota.reset))"
        priority = setting.priority
        updatedAt = setting.updatedAt
    }
}

/// What a provisioning attempt did, for JSON.
struct ProvisioningReport: Encodable {
    var status: String
    var keyID: String?
    var fingerprint: String?
    var attempts: Int?
    var error: String?
    var until: Date?

    init(_ outcome: KeyProvisioning.Outcome) {
        switch outcome {
        case .provisioned(let key):
            status = "provisioned"
            keyID = key.id
            fingerprint = key.fingerprint
        case .failed(let attempts, let error):
            status = "failed"
            self.attempts = attempts
            self.error = error
        case .rateLimited(let until):
            status = "rate-limited"
            self.until = until
        case .noProvisioner(let pool):
            status = "no-provisioner"
            error = "pool '\(pool)' has no provisioner"
        case .notUnderPressure:
            status = "not-under-pressure"
        }
    }
}

/// Words for keys.
enum KeysText {
    static func provisioning(_ outcome: KeyProvisioning.Outcome, _ zone: TimeZone) -> String {
        switch outcome {
        case .provisioned(let key): "provisioned key '\(key.id)' (\(key.fingerprint)); it is in the pool now"
        case .failed(_, let error): "provisioning failed: \(error)"
        case .rateLimited(let until): "provisioning is rate-limited until \(Output.date(until, in: zone))"
        case .noProvisioner(let pool): "pool '\(pool)' has no provisioner"
        case .notUnderPressure: "the pool is not under pressure"
        }
    }

    static func status(_ row: KeyRow, _ zone: TimeZone) -> String {
        if let until = row.statusUntil { return "\(row.status) until \(Output.date(until, in: zone))" }
        if let reason = row.statusReason { return "\(row.status) (\(reason))" }
        return row.status
    }

    static func quotaPhrase(_ row: KeyRow) -> String {
        row.meters.map { "\($0.limit) \($0.measure)" }.joined(separator: ", ") + " (\(row.reset))"
    }

    static func audit(_ entry: KeyAuditEntry, _ zone: TimeZone) -> String {
        "\(Output.date(entry.at, in: zone))  \(pad(entry.operation.rawValue, 16)) \(entry.keyID)  by \(entry.actor)"
            + (entry.detail.map { "  (\($0))" } ?? "")
    }

    /// `text` followed by spaces up to `width` (never cut).
    static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    static func changed(_ row: KeyRow, verb: String, json: Bool) throws {
        if json {
            try Output.json(row, snakeCase: true)
        } else {
            Output.line("\(verb) key '\(row.id)' (\(row.fingerprint)): \(row.status).")
        }
    }
}
