internal import CostPricing
internal import Foundation

/// Claude Code's copies of one response, collapsed.
///
/// Claude Code writes a response several times: once per content block while it streams (the
/// early copies carry partial output counts), again when a session is resumed or compacted (into
/// the new session's file), and in a sub-agent's sidechain. All copies share `message.id` and
/// `requestId`. The whole import is scanned first to find, for each key, the copy with the largest
/// token total (a main-chain copy winning a tie, then the first read); only that copy is recorded.
struct ClaudeDedup {
    struct Best {
        var score: UInt64
        var file: Int32
        var line: Int32
        /// The newest copy's time (Unix milliseconds).
        var newest: Int64
        var emitted: Bool
    }

    struct Held {
        var event: UsageEvent
        var score: UInt64
        var lastSeen: Date
    }

    var best: [StableKey: Best] = [:]
    /// `--follow`: messages still streaming, emitted once no new copy arrived for the settle interval.
    var held: [StableKey: Held] = [:]
}

extension ImportRun {
    static let reasonInProgress = "in progress (written in the last moments; imported by the next run)"

    mutating func importClaudeCode() async throws {
        // Pass 1: the best copy of every message.
        phase = "scanning"
        var candidates = 0
        for (index, path) in files.enumerated() {
            let project = ImportFiles.claudeProject(of: path)
            var reader = try LineReader(path: path)
            defer { reader.closeFile() }
            reader.includePartialLastLine = !following
            var lastModel: String?
            var records = 0
            var skipped: [String: Int] = [:]
            var best = claude.best
            claude.best = [:]
            let pricing = context.pricing
            let fileIndex = Int32(clamping: index)
            var lastProgress = Date()
            let report = progress
            let total = bytesTotal
            let before = bytesRead
            let added = summary.added
            try reader.forEachLine { line, number in
                records += 1
                switch ClaudeCodeLine.read(
                    line, path: path, project: project, pricing: pricing, lastModel: &lastModel, scanOnly: true)
                {
                case .skip(let reason):
                    if reason != "blank line" { skipped[reason, default: 0] += 1 } else { records -= 1 }
                case .candidate(let c):
                    candidates += 1
                    let millis = c.millis
                    if var existing = best[c.key] {
                        existing.newest = max(existing.newest, millis)
                        if c.score > existing.score {
                            existing.score = c.score
                            existing.file = fileIndex
                            existing.line = Int32(clamping: number)
                        }
                        best[c.key] = existing
                    } else {
                        best[c.key] = ClaudeDedup.Best(
                            score: c.score, file: fileIndex, line: Int32(clamping: number), newest: c.isRateLimit ? 0 : millis,
                            emitted: false)
                    }
                }
                if let report, number % 65_536 == 0, Date().timeIntervalSince(lastProgress) > 0.1 {
                    lastProgress = Date()
                    report(ImportProgress(bytesRead: before, bytesTotal: total, records: records, added: added, phase: "scanning"))
                }
                return true
            }
            claude.best = best
            summary.records += records
            for (reason, count) in skipped { summary.skip(reason, count: count) }
            bytesRead += reader.offset
            positions[path] = (reader.offset, reader.lineNumber)
            progress?(ImportProgress(bytesRead: bytesRead, bytesTotal: bytesTotal, records: summary.records, added: summary.added, phase: phase))
        }
        summary.duplicateCopies += candidates - claude.best.count

        // Which line of which file to record, and which messages are too young.
        let cutoff = Int64(((options.now().timeIntervalSince1970 - options.settleInterval) * 1000).rounded(.down))
        var chosen: [Int32: [(line: Int32, deferred: Bool)]] = [:]
        for (_, b) in claude.best {
            let deferred = options.settleInterval > 0 && b.newest > cutoff
            if deferred && !following { summary.skip(ImportRun.reasonInProgress) }
            chosen[b.file, default: []].append((b.line, deferred))
        }

        // Pass 2: record the chosen copies (a file is read up to its last chosen line).
        phase = "importing"
        bytesRead = 0
        var finishedBytes: Int64 = 0
        for (index, path) in files.enumerated() {
            defer {
                finishedBytes += ImportFiles.size(path)
                bytesRead = finishedBytes
            }
            guard var lines = chosen[Int32(clamping: index)] else { continue }
            lines.sort { $0.line < $1.line }
            let project = ImportFiles.claudeProject(of: path)
            var reader = try LineReader(path: path)
            defer { reader.closeFile() }
            var next = 0
            var lastModel: String?
            let pricing = context.pricing
            let now = options.now()
            while next < lines.count {
                var local = output
                var held = claude.held
                var emittedKeys: [StableKey] = []
                var changed = 0
                let batch = options.batchSize
                let isFollowing = following
                try reader.forEachLine { line, number in
                    // The model of a rate-limit line is the last real model before it.
                    let wanted = Int32(clamping: number) == lines[next].line
                    if !wanted, !LineBytes.contains(line, ClaudeCodeLine.usageBytes) { return true }
                    let outcome = ClaudeCodeLine.read(
                        line, path: path, project: project, pricing: pricing, lastModel: &lastModel, scanOnly: !wanted)
                    guard wanted else { return true }
                    let deferred = lines[next].deferred
                    next += 1
                    guard case .candidate(let c) = outcome, let event = c.event else {
                        changed += 1
                        return next < lines.count
                    }
                    if deferred {
                        if isFollowing { held[c.key] = ClaudeDedup.Held(event: event, score: c.score, lastSeen: now) }
                    } else {
                        local.events.append(event)
                        emittedKeys.append(c.key)
                    }
                    return next < lines.count && local.events.count < batch
                }
                output = local
                claude.held = held
                for key in emittedKeys { claude.best[key]?.emitted = true }
                if changed > 0 { summary.skip("line changed during the import (read again next run)", count: changed) }
                bytesRead = finishedBytes + reader.offset
                try await flush()
                if reader.offset >= ImportFiles.size(path) && next < lines.count {
                    summary.skip("line changed during the import (read again next run)", count: lines.count - next)
                    break
                }
            }
        }
    }

    /// `--follow`: new lines of one Claude Code file.
    mutating func followClaudeCode(_ path: String) async throws {
        let start = positions[path] ?? (0, 0)
        let project = ImportFiles.claudeProject(of: path)
        var reader = try LineReader(path: path, startingAt: start.offset, firstLineNumber: start.line)
        defer { reader.closeFile() }
        reader.includePartialLastLine = false
        var lastModel: String?
        var records = 0
        var skipped: [String: Int] = [:]
        var held = claude.held
        let best = claude.best
        var copies = 0
        var larger = 0
        let now = options.now()
        let pricing = context.pricing
        try reader.forEachLine { line, _ in
            records += 1
            switch ClaudeCodeLine.read(line, path: path, project: project, pricing: pricing, lastModel: &lastModel) {
            case .skip(let reason):
                if reason != "blank line" { skipped[reason, default: 0] += 1 } else { records -= 1 }
            case .candidate(let c):
                guard let event = c.event else { return true }
                if let stored = best[c.key], stored.emitted {
                    copies += 1
                    if c.score > stored.score { larger += 1 }
                } else if var existing = held[c.key] {
                    copies += 1
                    if c.score > existing.score {
                        existing.event = event
                        existing.score = c.score
                    }
                    existing.lastSeen = now
                    held[c.key] = existing
                } else {
                    held[c.key] = ClaudeDedup.Held(event: event, score: c.score, lastSeen: now)
                }
            }
            return true
        }
        claude.held = held
        summary.records += records
        summary.duplicateCopies += copies
        summary.largerCopiesKept += larger
        for (reason, count) in skipped { summary.skip(reason, count: count) }
        positions[path] = (reader.offset, reader.lineNumber)
    }

    /// `--follow`: records the held messages that stopped changing (all of them with `force`).
    mutating func flushHeld(force: Bool) async throws {
        let now = options.now()
        var ready: [(StableKey, ClaudeDedup.Held)] = []
        for (key, h) in claude.held where force || now.timeIntervalSince(h.lastSeen) >= options.settleInterval {
            ready.append((key, h))
        }
        guard !ready.isEmpty else { return }
        ready.sort { $0.1.event.timestamp < $1.1.event.timestamp }
        for (key, h) in ready {
            claude.held[key] = nil
            output.events.append(h.event)
            claude.best[key] = ClaudeDedup.Best(score: h.score, file: -1, line: -1, newest: h.event.unixMilliseconds, emitted: true)
        }
        try await flush()
    }
}
