public import CostPricing
public import Foundation

/// Imports usage files into a ledger: streaming (bounded memory whatever the file size), batched
/// (one ledger transaction per ``ImportOptions/batchSize`` events), idempotent (each record has a
/// deterministic event id, so a re-run adds nothing), and counted (what was read, skipped and why,
/// added, already stored).
///
/// For example:
/// ```swift
/// let ledger = try LedgerStore.open(paths: ControlPaths())
/// let importer = UsageImporter(ledger: ledger, billedCosts: ledger, engine: ledger.configuration.engine)
/// let summary = try await importer.run(ImportOptions(format: .claudeCode))
/// print(summary.added, summary.skipped)
/// ```
public struct UsageImporter: Sendable {
    public let ledger: any UsageLedger
    /// Where cost reports go (`openai-costs`, `anthropic-costs`); required for those formats.
    public let billedCosts: (any BilledCostStore)?
    /// Prices events the ledger cannot price itself: non-standard service tiers and report buckets.
    public let engine: CostEngine?

    public init(ledger: any UsageLedger, billedCosts: (any BilledCostStore)? = nil, engine: CostEngine? = nil) {
        self.ledger = ledger
        self.billedCosts = billedCosts
        self.engine = engine
    }

    /// Imports every file of `options` once.
    ///
    /// - throws: ``ControlError`` (`.notFound` for a missing path or no default directory, `.io`,
    ///   `.invalidInput` for a cost report without a billed-cost store), or the ledger's error.
    public func run(_ options: ImportOptions, progress: (@Sendable (ImportProgress) -> Void)? = nil) async throws
        -> ImportSummary
    {
        let files = try ImportFiles.discover(options.format, paths: options.paths, environment: options.environment)
        var run = try ImportRun(importer: self, options: options, files: files, progress: progress)
        try await run.importAll()
        return run.summary
    }

    /// Imports once, then keeps reading what is appended to the files (and new files in the
    /// directories) every `pollInterval` seconds until `shouldStop` returns `true`; `onPoll` is called
    /// with the running summary after each poll that found something.
    ///
    /// - throws: ``ControlError`` `.invalidInput` for a format that is not JSON Lines, or what ``run(_:progress:)`` throws.
    public func follow(
        _ options: ImportOptions, pollInterval: TimeInterval = 1, shouldStop: @escaping @Sendable () -> Bool,
        onPoll: (@Sendable (ImportSummary) -> Void)? = nil
    ) async throws -> ImportSummary {
        guard options.format.canFollow else {
            throw ControlError(
                code: .invalidInput,
                message: "--follow tails JSON Lines logs (claude-code, codex, jsonl), not \(options.format.rawValue)")
        }
        let files = try ImportFiles.discover(options.format, paths: options.paths, environment: options.environment)
        var run = try ImportRun(importer: self, options: options, files: files, progress: nil)
        run.following = true
        try await run.importAll()
        onPoll?(run.summary)
        while !shouldStop() {
            let deadline = Date().addingTimeInterval(pollInterval)
            while Date() < deadline, !shouldStop() {
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
            if shouldStop() { break }
            let before = run.summary
            try await run.poll()
            if run.summary != before { onPoll?(run.summary) }
        }
        try await run.flushHeld(force: false)
        return run.summary
    }
}
