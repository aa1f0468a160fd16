// `ingest`: events/s of batched SQLiteUsageLedger.record(contentsOf:) into a WAL file database,
// idempotency and rollups included. Events are generated in chunks before each timed section, so
// generation is never timed and memory stays bounded at any event count.
import CostPricing
import CostSQLite
import Foundation

struct IngestSettings {
    var workload: Workload
    var batch: Int
    var durability: SQLiteUsageLedger.Durability
    var path: String
    /// Events generated per untimed chunk (a multiple of `batch`).
    var chunk: Int
    /// After the run, re-record this many of the first events (all duplicates) and time it.
    var replay: Int
    var keep: Bool
    /// No progress lines (when `ceiling` uses an ingest to write its source rows).
    var quiet = false
    /// Events whose rollup deltas the ledger keeps pending before folding them (`--fold-events`;
    /// 0: each batch adds its own in its transaction). Whatever is still pending at the end is
    /// folded inside the timed section, so every event's rollups are paid for.
    var foldEvents = SQLiteUsageLedger.defaultFoldEvents
}

func runIngest(_ s: IngestSettings) async throws -> [String: Any] {
    removeDatabase(s.path)
    let clock = ContinuousClock()
    var catalogMilliseconds = 0.0
    var configuration = LedgerConfiguration()
    if s.workload.pricing == .engine {
        let start = clock.now
        configuration = LedgerConfiguration(engine: CostEngine(catalog: try PriceCatalog.bundled()))
        catalogMilliseconds = (clock.now - start).milliseconds
    }
    var ledger: SQLiteUsageLedger? = try SQLiteUsageLedger(
        path: s.path, configuration: configuration, durability: s.durability, foldEvents: s.foldEvents)
    let chunk = max(s.batch, (s.chunk / s.batch) * s.batch)
    var generator = EventGenerator(s.workload)
    var added = 0
    var duplicates = 0
    var rejected = 0
    var unpriced = 0
    var timed = Duration.zero
    var cpu = 0.0
    var peakAnonymous = 0
    var batchMilliseconds: [Double] = []
    batchMilliseconds.reserveCapacity(s.workload.events / max(1, s.batch) + 1)
    var rssSamples: [[String: Int]] = []
    let rssStart = Memory.current
    var nextReport = max(chunk, s.workload.events / 10)
    let quiet = s.quiet
    func say(_ text: String) { if !quiet { log(text) } }

    say("ingest: \(s.workload.events.grouped) events, batch \(s.batch), fold every \(s.foldEvents.grouped) events, ids \(s.workload.ids.rawValue), durability \(s.durability.rawValue), pricing \(s.workload.pricing.rawValue) -> \(s.path)")
    while generator.produced < s.workload.events {
        // Untimed: generate the chunk and cut it into batches.
        let batches: [[UsageEvent]] = {
            let events = generator.next(chunk)
            return stride(from: 0, to: events.count, by: s.batch).map {
                Array(events[$0..<min($0 + s.batch, events.count)])
            }
        }()
        let cpuStart = cpuSeconds()
        peakAnonymous = max(peakAnonymous, Memory.anonymous)
        for batch in batches {
            let start = clock.now
            let result = try await ledger!.record(contentsOf: batch, policy: .skipInvalid)
            let elapsed = clock.now - start
            timed += elapsed
            batchMilliseconds.append(elapsed.milliseconds)
            added += result.added
            duplicates += result.duplicates
            rejected += result.rejected.count
        }
        cpu += cpuSeconds() - cpuStart
        peakAnonymous = max(peakAnonymous, Memory.anonymous)
        if s.workload.pricing == .engine, generator.produced == chunk {
            // How many of the first chunk the engine left unpriced (unknown models would show here).
            let page = try await ledger!.events(matching: UsageFilter(), after: nil, limit: 2_000)
            unpriced = page.events.filter { !($0.cost?.isPriced ?? false) }.count
        }
        if generator.produced >= nextReport || generator.produced == s.workload.events {
            nextReport += max(chunk, s.workload.events / 10)
            rssSamples.append([
                "events": generator.produced, "rss": Memory.current, "anon": Memory.anonymous, "file": Memory.fileBacked,
            ])
            say(
                "  \(generator.produced.grouped) events  \(Int(Double(added) / timed.seconds).grouped)/s  rss \(mib(Memory.current)) (anon \(mib(Memory.anonymous)), file \(mib(Memory.fileBacked)))  peak \(mib(Memory.peak))")
        }
    }
    // Timed: the rollups of the batches still pending.
    let foldCPU = cpuSeconds()
    let foldStart = clock.now
    try await ledger!.foldRollups()
    let finalFold = clock.now - foldStart
    timed += finalFold
    cpu += cpuSeconds() - foldCPU
    let peakAfterIngest = Memory.peak

    // Idempotency: the same ids again are found and skipped.
    var replayRate = 0.0
    var replayDuplicates = 0
    if s.replay > 0 {
        var again = EventGenerator(s.workload)
        let events = again.next(min(s.replay, s.workload.events))
        let batches = stride(from: 0, to: events.count, by: s.batch).map { Array(events[$0..<min($0 + s.batch, events.count)]) }
        let start = clock.now
        for batch in batches {
            replayDuplicates += try await ledger!.record(contentsOf: batch, policy: .skipInvalid).duplicates
        }
        replayRate = Double(events.count) / (clock.now - start).seconds
        say("  replay of \(events.count.grouped) stored ids: \(Int(replayRate).grouped)/s, \(replayDuplicates.grouped) duplicates")
    }
    let walBytes = fileSize(s.path + "-wal")
    ledger = nil  // closes (and checkpoints) the database

    let raw = try RawDatabase(path: s.path)
    let count = { (sql: String) in Int(try raw.scalar(sql) ?? "0") ?? 0 }
    let stored = try count("SELECT COUNT(*) FROM events")
    let series = try count("SELECT COUNT(*) FROM series")
    let hourly = try count("SELECT COUNT(*) FROM rollup_hourly")
    let daily = try count("SELECT COUNT(*) FROM rollup_daily")
    let monthly = try count("SELECT COUNT(*) FROM rollup_monthly")
    let dbBytes = fileSize(s.path)
    guard stored == s.workload.events, added == s.workload.events else {
        throw BenchError("stored \(stored) and added \(added) events, expected \(s.workload.events) (duplicates \(duplicates), rejected \(rejected))")
    }
    let sorted = batchMilliseconds.sorted()
    func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    let rate = Double(added) / timed.seconds
    say(
        "  => \(Int(rate).grouped) events/s (\(String(format: "%.1f", timed.seconds)) s timed), batch p50 \(String(format: "%.2f", percentile(0.5))) ms p99 \(String(format: "%.2f", percentile(0.99))) ms, CPU \(Int(100 * cpu / timed.seconds))% of wall; peak RSS \(mib(peakAfterIngest)) (anonymous, sampled per chunk: \(mib(peakAnonymous))); \(series.grouped) series, \(daily.grouped) daily / \(hourly.grouped) hourly rollup rows; db \(mib(dbBytes))")
    if !s.keep { removeDatabase(s.path) }
    return [
        "mode": "ingest", "events": s.workload.events, "batch": s.batch, "ids": s.workload.ids.rawValue,
        "durability": s.durability.rawValue, "pricing": s.workload.pricing.rawValue, "seconds": timed.seconds,
        "events_per_second": rate, "cpu_seconds": cpu, "batch_p50_ms": percentile(0.5), "batch_p99_ms": percentile(0.99),
        "batch_max_ms": sorted.last ?? 0, "peak_rss": peakAfterIngest, "peak_anon_sampled": peakAnonymous, "rss_start": rssStart, "rss_samples": rssSamples,
        "chunk": chunk, "replay_events": min(s.replay, s.workload.events), "replay_per_second": replayRate,
        "replay_duplicates": replayDuplicates, "series": series, "rollup_hourly_rows": hourly,
        "rollup_daily_rows": daily, "rollup_monthly_rows": monthly, "db_bytes": dbBytes, "wal_bytes_before_close": walBytes,
        "fold_events": s.foldEvents, "final_fold_ms": finalFold.milliseconds,
        "catalog_load_ms": catalogMilliseconds, "unpriced_in_first_2000": unpriced, "path": s.path,
    ]
}
