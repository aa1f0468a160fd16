import ArgumentParser
import CostControl
import Foundation

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record usage events in the ledger (priced at their own time; idempotent by id).",
        discussion: """
            One event from options, or JSON Lines on standard input with --stdin, one event a line,
            with the fields of `costctl export --format jsonl`: id, timestamp, provider, model,
            usage {input_tokens, output_tokens, cache_read_tokens, …}, cost {total_usd, …} (optional:
            priced at ingest when absent), org, team, user, project, key_id, session, operation,
            tags {k: v}, status (ok, error, rate_limited), latency_ms, metadata.

            Recording an id that is already stored changes nothing and says so. With --stdin, an
            invalid line makes the whole input rejected (nothing written) unless --skip-invalid;
            all-or-nothing holds the whole input in memory and writes it in one transaction, so for
            very large inputs use --skip-invalid (one transaction per --batch-size events).

            Examples:
              costctl record --model gpt-4o --input 12000 --output 800 --user alice --team search
              costctl record --id req-42 --at 2026-11-02T10:00:00Z --provider anthropic \\
                  --model claude-sonnet-4-20250514 --input 5000 --output 300 --tag env=prod
              costctl export --format jsonl | costctl record --stdin --db other.db
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Idempotency key (default: a new time-ordered id).", valueName: "id"))
    var id: String?

    @Option(help: ArgumentHelp("When it happened (ISO 8601; default now).", valueName: "time"))
    var at: String?

    @Option(help: ArgumentHelp("Provider id (default: inferred from the model).", valueName: "provider"))
    var provider: String?

    @Option(help: ArgumentHelp("Model id.", valueName: "model"))
    var model: String?

    @OptionGroup var counts: UsageCountOptions

    @Option(help: ArgumentHelp("The cost in USD, when you know it (default: priced from the catalog).", valueName: "usd"))
    var cost: String?

    @Option(help: ArgumentHelp("Organization.", valueName: "org")) var org: String?
    @Option(help: ArgumentHelp("Team.", valueName: "team")) var team: String?
    @Option(help: ArgumentHelp("User id (hashed before storage when COSTCTL_USER_SALT is set).", valueName: "user")) var user: String?
    @Option(help: ArgumentHelp("Project.", valueName: "project")) var project: String?
    @Option(name: .customLong("key-id"), help: ArgumentHelp("Id of the API key used (never the key).", valueName: "id")) var keyID: String?
    @Option(help: ArgumentHelp("Session id.", valueName: "id")) var session: String?
    @Option(help: ArgumentHelp("Operation or command name.", valueName: "name")) var operation: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("A free tag; repeatable.", valueName: "key=value"))
    var tags: [String] = []

    @Option(help: ArgumentHelp("ok, error or rate_limited.", valueName: "status"))
    var status: EventStatus = .ok

    @Option(name: .customLong("latency-ms"), help: ArgumentHelp("Latency in milliseconds.", valueName: "ms"))
    var latency: Int?

    @Flag(help: "Read JSON Lines events from standard input.")
    var stdin = false

    @Flag(help: "With --stdin: reject lines with unknown fields.")
    var strict = false

    @Flag(name: .customLong("skip-invalid"), help: "With --stdin: write the valid lines, report the invalid ones (default: reject the whole input).")
    var skipInvalid = false

    @Option(name: .customLong("batch-size"), help: ArgumentHelp("With --stdin --skip-invalid: events per transaction.", valueName: "n"))
    var batchSize: Int = 1_000

    @Flag(help: "With --stdin: print 'added ID' or 'duplicate ID' for each event as soon as its transaction is committed.")
    var ack = false

    func validate() throws {
        if stdin {
            if model != nil || id != nil { throw ValidationError("--stdin reads events from standard input; do not also give --model or --id") }
        } else if model == nil {
            throw ValidationError("give --model (or --stdin to read JSON Lines events)")
        }
        try counts.check(parts: !stdin)
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        try TagArguments.validate(tags)
    }

    func run() async throws {
        let ledger = try global.openLedger()
        if stdin {
            try await recordStandardInput(ledger)
        } else {
            try await recordOne(ledger)
        }
    }

    func recordOne(_ ledger: SQLiteUsageLedger) async throws {
        let usage = counts.usage
        var explicitCost: EventCost?
        if let cost {
            explicitCost = EventCost(total: try Money(parsing: cost))
        }
        let tagValues = TagArguments.dictionary(tags)
        let event = UsageEvent(
            id: id ?? UsageEvent.makeID(), timestamp: try at.map { try global.parseDate($0, option: "--at") } ?? Date(),
            provider: provider ?? "", model: model ?? "", usage: usage, cost: explicitCost,
            dimensions: UsageDimensions(
                org: org, team: team, user: user, project: project, keyID: keyID, session: session, operation: operation,
                tags: tagValues),
            status: status, latencyMilliseconds: latency)
        let outcome = try await ledger.record(event)
        let stored = try await ledger.event(id: event.id)
        struct Result: Encodable {
            var id: String
            var status: String
            var provider: String?
            var model: String?
            var cost_usd: Money?
            var priced: Bool?
            var unpriced_reason: String?
        }
        let result = Result(
            id: event.id, status: outcome == .duplicate ? "duplicate" : "added", provider: stored?.provider,
            model: stored?.model, cost_usd: stored?.cost?.isPriced == true ? stored?.cost?.total : nil,
            priced: stored?.cost?.isPriced, unpriced_reason: stored?.cost?.unpricedReason)
        if global.json {
            try Output.json(result)
            return
        }
        if outcome == .duplicate {
            Output.line("id '\(event.id)' was already recorded; nothing changed")
            return
        }
        var text = "recorded \(event.id): \(stored?.provider ?? "")/\(event.model), \(Output.count(counts.input)) in / \(Output.count(counts.output)) out"
        if let cost = stored?.cost {
            text += cost.isPriced ? ", \(cost.total.display())" : ", unpriced (\(cost.unpricedReason ?? "no price"))"
        }
        Output.line(text)
    }

    struct Summary: Encodable {
        var read = 0
        var added = 0
        var duplicates = 0
        var rejected: [Rejected] = []
        struct Rejected: Encodable {
            var line: Int
            var id: String?
            var message: String
        }
    }

    func recordStandardInput(_ ledger: SQLiteUsageLedger) async throws {
        var summary = Summary()
        var batch: [UsageEvent] = []
        var lines: [Int] = []
        var lineNumber = 0

        func flush() async throws {
            guard !batch.isEmpty else { return }
            let result = try await ledger.record(contentsOf: batch, policy: .skipInvalid)
            summary.added += result.added
            summary.duplicates += result.duplicates
            for reject in result.rejected {
                summary.rejected.append(.init(line: lines[reject.index], id: reject.id, message: reject.message))
            }
            if ack {
                var text = ""
                for (event, status) in zip(batch, result.statuses) {
                    switch status {
                    case .added: text += "added \(event.id)\n"
                    case .duplicate: text += "duplicate \(event.id)\n"
                    case .rejected: break
                    }
                }
                FileHandle.standardOutput.write(Data(text.utf8))
            }
            batch.removeAll(keepingCapacity: true)
            lines.removeAll(keepingCapacity: true)
        }

        var pending: [(Int, UsageEvent)] = []
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            summary.read += 1
            do {
                let event = try UsageEvent.decode(json: Data(line.utf8), strict: strict)
                if skipInvalid {
                    batch.append(event)
                    lines.append(lineNumber)
                    if batch.count >= batchSize { try await flush() }
                } else {
                    try event.validate()
                    pending.append((lineNumber, event))
                }
            } catch let error as PricingError {
                summary.rejected.append(.init(line: lineNumber, id: nil, message: error.message))
            }
        }
        if skipInvalid {
            try await flush()
        } else if summary.rejected.isEmpty {
            // All or nothing: one transaction for the whole input.
            batch = pending.map(\.1)
            lines = pending.map(\.0)
            let result = try await ledger.record(contentsOf: batch, policy: .rejectAll)
            summary.added = result.added
            summary.duplicates = result.duplicates
            if ack {
                var text = ""
                for (event, status) in zip(batch, result.statuses) {
                    if case .added = status { text += "added \(event.id)\n" }
                    if case .duplicate = status { text += "duplicate \(event.id)\n" }
                }
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
        try report(summary)
    }

    func report(_ summary: Summary) throws {
        let rejectedAll = !skipInvalid && !summary.rejected.isEmpty
        if global.json {
            try Output.json(summary)
        } else {
            for reject in summary.rejected.prefix(20) {
                FileHandle.standardError.write(Data("line \(reject.line)\(reject.id.map { " (id '\($0)')" } ?? ""): \(reject.message)\n".utf8))
            }
            if summary.rejected.count > 20 {
                FileHandle.standardError.write(Data("… and \(summary.rejected.count - 20) more invalid lines\n".utf8))
            }
            let message =
                "read \(summary.read), added \(summary.added), already recorded \(summary.duplicates), invalid \(summary.rejected.count)"
            if ack { FileHandle.standardError.write(Data((message + "\n").utf8)) } else { Output.line(message) }
        }
        if rejectedAll {
            throw ControlError(
                code: .invalidInput,
                message: "\(summary.rejected.count) invalid line(s); nothing was written (use --skip-invalid to write the valid lines)")
        }
    }
}
