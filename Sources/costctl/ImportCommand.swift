import ArgumentParser
import CostControl
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import usage logs and provider reports into the ledger (streaming, incremental, idempotent).",
        discussion: """
            Formats: claude-code (no path: ~/.config/claude/projects and ~/.claude/projects, or each
            directory of CLAUDE_CONFIG_DIR, comma-separated), codex (no path: $CODEX_HOME/sessions or
            ~/.codex/sessions), openai-usage, openai-costs, anthropic-usage, anthropic-costs (saved API
            pages), litellm (SpendLogs as CSV, JSON or JSON Lines), csv and jsonl (with --map).

            Every record gets a deterministic id, so running an import again adds nothing new. Claude
            Code's copies of one response (streaming, resumed sessions, sidechains) are collapsed to
            the largest. Cost reports (openai-costs, anthropic-costs) are stored as billed amounts
            for reconciliation, not as usage. See Documentation/Import.md.

            Examples:
              costctl import claude-code
              costctl import claude-code ~/backup/claude-projects --cost-mode calculate --json
              costctl import codex --follow
              costctl import anthropic-usage usage-pages/ && costctl import anthropic-costs cost-pages/
              costctl import csv calls.csv --map input=prompt_tokens,output=completion_tokens,timestamp=created_at
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The format to read.", valueName: "format"))
    var format: ImportFormat

    @Argument(help: ArgumentHelp("Files or directories (searched recursively); default: the format's own directories.", valueName: "path"))
    var paths: [String] = []

    @Option(name: .customLong("cost-mode"), help: ArgumentHelp("auto (a cost the file reports, else the catalog's), calculate (always the catalog) or display (only reported costs; others unpriced).", valueName: "mode"))
    var costMode: ImportCostMode = .auto

    @Option(name: .customLong("map"), help: ArgumentHelp("csv/jsonl: TARGET=SOURCE pairs, comma-separated (input, uncached_input, output, cache_read, cache_write, cache_write_5m, cache_write_1h, reasoning, requests, cost, id, timestamp, provider, model, org, team, user, project, key_id, session, operation, status, tag.NAME).", valueName: "pairs"))
    var map: [String] = []

    @Option(help: ArgumentHelp("csv/jsonl: provider of records that name none (default: inferred from the model).", valueName: "provider"))
    var provider: String?

    @Option(name: .customLong("batch-size"), help: ArgumentHelp("Events per ledger transaction.", valueName: "n"))
    var batchSize = 1_000

    @Option(help: ArgumentHelp("claude-code: seconds a response must be left unchanged before it is recorded (it may still be streaming).", valueName: "seconds"))
    var settle: Double = 120

    @Flag(help: "Keep reading what is appended to the files (claude-code, codex, jsonl) until interrupted (Ctrl-C).")
    var follow = false

    @Option(name: .customLong("poll-interval"), help: ArgumentHelp("--follow: seconds between checks.", valueName: "seconds"))
    var pollInterval: Double = 1

    @Flag(name: .customLong("no-progress"), help: "No progress bar (it is shown only when standard error is a terminal).")
    var noProgress = false

    func validate() throws {
        if batchSize < 1 || batchSize > 100_000 { throw ValidationError("--batch-size must be between 1 and 100000") }
        if settle < 0 { throw ValidationError("--settle must be 0 or more seconds") }
        if pollInterval <= 0 { throw ValidationError("--poll-interval must be more than 0 seconds") }
        if follow && !format.canFollow {
            throw ValidationError("--follow tails JSON Lines logs (claude-code, codex, jsonl), not \(format.rawValue)")
        }
        if !map.isEmpty && format != .csv && format != .jsonl {
            throw ValidationError("--map applies to csv and jsonl only")
        }
    }

    func run() async throws {
        var options = ImportOptions(format: format, paths: paths)
        options.costMode = costMode
        options.mapping = try FieldMapping(parsing: map)
        options.defaultProvider = provider
        options.batchSize = batchSize
        options.settleInterval = settle
        let ledger = try global.openLedger()
        let importer = UsageImporter(ledger: ledger, billedCosts: ledger, engine: ledger.configuration.engine)
        let bar = !noProgress && isatty(STDERR_FILENO) == 1 ? ProgressLine() : nil
        let summary: ImportSummary
        if follow {
            let stop = StopFlag()
            signal(SIGINT, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            source.setEventHandler { stop.set() }
            source.resume()
            let json = global.json
            summary = try await importer.follow(
                options, pollInterval: pollInterval, shouldStop: { stop.isSet },
                onPoll: { summary in
                    if json {
                        try? Output.jsonLine(summary)
                    } else {
                        FileHandle.standardError.write(Data((summary.followLine + "\n").utf8))
                    }
                })
            source.cancel()
        } else {
            var progress: (@Sendable (ImportProgress) -> Void)?
            if let bar { progress = { bar.show($0) } }
            summary = try await importer.run(options, progress: progress)
            bar?.clear()
        }
        if global.json {
            try Output.json(summary)
        } else {
            Output.line(summary.text)
        }
    }
}

extension ImportSummary {
    /// One line per `--follow` poll.
    var followLine: String {
        "\(Timestamp.format(Date())) read \(UsageReportText.count(records)), added \(UsageReportText.count(added)), already recorded \(UsageReportText.count(alreadyStored)), skipped \(UsageReportText.count(skippedTotal))"
    }
}

/// A progress line redrawn on standard error, at most ten times a second.
final class ProgressLine: Sendable {
    private let state = NSLock()
    // Guarded by `state`: the time of the last redraw.
    nonisolated(unsafe) private var last = Date.distantPast

    func show(_ progress: ImportProgress) {
        state.lock()
        defer { state.unlock() }
        guard Date().timeIntervalSince(last) >= 0.1 else { return }
        last = Date()
        FileHandle.standardError.write(Data(("\r" + progress.bar() + "\u{1B}[K").utf8))
    }

    func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// Set once by the SIGINT handler, read by the follow loop.
final class StopFlag: Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    nonisolated(unsafe) private var value = false

    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
