internal import CostPricing
internal import Foundation

/// One import in progress: the files, the counters, the pending batch, and (for `--follow`) where
/// each file was read up to.
struct ImportRun {
    let importer: UsageImporter
    let options: ImportOptions
    let context: ParseContext
    let progress: (@Sendable (ImportProgress) -> Void)?
    var files: [String]
    var summary: ImportSummary
    var output = ParseOutput()
    var bytesRead: Int64 = 0
    var bytesTotal: Int64 = 0
    var phase = "importing"
    var following = false
    /// Where each file was read to (byte offset, line number), for `--follow`.
    var positions: [String: (offset: Int64, line: Int)] = [:]
    /// Per-file parsers kept between polls (Codex's model and running totals).
    var parsers: [String: any RecordParser] = [:]
    /// Claude Code: the best copy seen of each message, and whether it was handed to the ledger.
    var claude = ClaudeDedup()

    init(importer: UsageImporter, options: ImportOptions, files: [String], progress: (@Sendable (ImportProgress) -> Void)?) throws {
        if options.format.isBilledCost, importer.billedCosts == nil {
            throw ControlError(code: .invalidInput, message: "\(options.format.rawValue) holds billed costs; this store cannot keep them")
        }
        self.importer = importer
        self.options = options
        self.context = ParseContext(options: options, pricing: ImportPricing(mode: options.costMode, engine: importer.engine))
        self.progress = progress
        self.files = files
        self.summary = ImportSummary(format: options.format)
        summary.files = files.count
        bytesTotal = files.reduce(0) { $0 + ImportFiles.size($1) }
    }

    // MARK: - One pass over everything

    mutating func importAll() async throws {
        if options.format == .claudeCode {
            try await importClaudeCode()
        } else {
            for file in files { try await readFile(file) }
        }
        try await flush()
        progress?(ImportProgress(bytesRead: bytesRead, bytesTotal: bytesTotal, records: summary.records, added: summary.added, phase: phase))
    }

    static func makeParser(_ format: ImportFormat, path: String, context: ParseContext) -> any RecordParser {
        switch format {
        case .codex: CodexLogParser(path: path, context: context)
        case .openAIUsage, .openAICosts, .anthropicUsage, .anthropicCosts: ReportPageParser(path: path, context: context)
        case .liteLLM: LiteLLMSpendParser(path: path, context: context)
        case .csv, .jsonl, .claudeCode: MappedRecordParser(path: path, context: context)
        }
    }

    /// Reads a single-pass format's file from where it was left (the start, or the last poll).
    mutating func readFile(_ path: String) async throws {
        let start = positions[path] ?? (0, 0)
        var parser = parsers[path] ?? ImportRun.makeParser(options.format, path: path, context: context)
        var reader = try LineReader(path: path, startingAt: start.offset, firstLineNumber: start.line)
        defer { reader.closeFile() }
        reader.includePartialLastLine = !following
        let batch = options.batchSize
        var finished = false
        while !finished {
            var stopped = false
            var local = output
            try reader.forEachLine { line, number in
                parser.parse(line, number: number, into: &local)
                if local.pendingCount >= batch {
                    stopped = true
                    return false
                }
                return true
            }
            output = local
            bytesRead += reader.offset - (positions[path]?.offset ?? start.offset)
            positions[path] = (reader.offset, reader.lineNumber)
            if stopped {
                try await flush()
            } else {
                finished = true
            }
        }
        if !following { parser.finish(into: &output) }
        parsers[path] = following ? parser : nil
        try await flushIfFull()
    }

    // MARK: - Writing

    mutating func flushIfFull() async throws {
        if output.pendingCount >= options.batchSize { try await flush() }
    }

    /// Hands the pending events and billed amounts to the stores and folds the counts in.
    mutating func flush() async throws {
        summary.records += output.records
        for (reason, count) in output.skipped { summary.skip(reason, count: count) }
        output.records = 0
        output.skipped.removeAll()
        if !output.events.isEmpty {
            let events = output.events
            output.events.removeAll(keepingCapacity: true)
            let result = try await importer.ledger.record(contentsOf: events, policy: .skipInvalid)
            summary.events += events.count
            summary.added += result.added
            summary.alreadyStored += result.duplicates
            summary.rejected += result.rejected.count
            for reject in result.rejected where summary.rejectedSamples.count < 20 {
                summary.rejectedSamples.append("\(reject.id): \(reject.message)")
            }
            for (event, status) in zip(events, result.statuses) where event.status == .rateLimited {
                if case .added = status { summary.rateLimited += 1 }
            }
            if options.format == .claudeCode { try await compareRecentDuplicates(events, result.statuses) }
        }
        if !output.billed.isEmpty, let store = importer.billedCosts {
            let billed = output.billed
            output.billed.removeAll(keepingCapacity: true)
            var result = summary.billed ?? BilledCostResult()
            result.merge(try await store.recordBilledCosts(billed))
            summary.billed = result
        }
        progress?(ImportProgress(bytesRead: bytesRead, bytesTotal: bytesTotal, records: summary.records, added: summary.added, phase: phase))
    }

    /// Claude Code: a response recorded by an earlier run may have been a copy written while it
    /// still streamed (a response can stream for longer than the settle window). The stored copy is
    /// kept (Import.md explains why); recent ones are compared so that a larger copy is counted, not
    /// silent. Only responses of the last day are looked up, so a re-import of old logs stays cheap.
    mutating func compareRecentDuplicates(_ events: [UsageEvent], _ statuses: [RecordStatus]) async throws {
        let horizon = options.now().addingTimeInterval(-86_400)
        for (event, status) in zip(events, statuses) where event.timestamp >= horizon && event.status == .ok {
            guard case .duplicate = status, let stored = try await importer.ledger.event(id: event.id) else { continue }
            if ImportRun.tokenTotal(event.usage) > ImportRun.tokenTotal(stored.usage) { summary.largerCopiesKept += 1 }
        }
    }

    static func tokenTotal(_ usage: Usage) -> Int { usage.inputTokens + usage.outputTokens }

    // MARK: - Follow

    /// Reads what was appended since the last poll, and files that appeared.
    mutating func poll() async throws {
        if options.paths.isEmpty || options.paths.contains(where: ImportFiles.directoryExists) {
            let now = (try? ImportFiles.discover(options.format, paths: options.paths, environment: options.environment)) ?? files
            for file in now where !files.contains(file) {
                files.append(file)
                summary.files += 1
            }
        }
        for file in files {
            let size = ImportFiles.size(file)
            let known = positions[file]?.offset ?? 0
            if size < known {
                // Truncated or replaced: start over (ids keep the ledger from counting anything twice).
                positions[file] = nil
                parsers[file] = nil
            } else if size == known {
                continue
            }
            if options.format == .claudeCode {
                try await followClaudeCode(file)
            } else {
                try await readFile(file)
            }
        }
        if options.format == .claudeCode { try await flushHeld(force: false) }
        try await flush()
    }
}
