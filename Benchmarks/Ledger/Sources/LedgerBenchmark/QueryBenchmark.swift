// `query`: latency of SQLiteUsageLedger.query on a database `ingest --keep` wrote. Each query runs
// `repeat` times on one open ledger (statement cache and page cache warm after the first run);
// min, median and the first run are reported, with the `report.source` the planner picked.
import CBenchSQLite
import CostPricing
import CostSQLite
import Foundation

struct QuerySettings {
    var path: String
    var repetitions: Int
    var explain: Bool
    /// Only the queries whose name contains this text (for profiling one query).
    var only: String?
}

struct NamedQuery {
    var name: String
    var query: UsageQuery
    /// The target (ms) the issue sets for this kind of query, if any.
    var target: Double?
    var repetitions: Int?
}

func runQueries(_ s: QuerySettings) async throws -> [String: Any] {
    guard FileManager.default.fileExists(atPath: s.path) else {
        throw BenchError("no database at \(s.path); run `ingest --keep --db \(s.path)` first")
    }
    let ledger = try SQLiteUsageLedger(path: s.path)
    let info = try await ledger.info()
    guard let latest = info.latest else { throw BenchError("\(s.path) holds no events") }
    // The range the workload covers: the 30 days before the UTC midnight after the last event.
    let end = Workload.todayUTCMidnight(latest).addingTimeInterval(86_400)
    let since30 = end.addingTimeInterval(-30 * 86_400)
    let odd = 1_234.567  // seconds: neither day- nor hour-aligned, so only raw events answer exactly
    let heavy = Workload.userName(0)
    let median = Workload.userName(100)
    let rawRange = UsageFilter(since: since30.addingTimeInterval(odd), until: end.addingTimeInterval(-odd))
    func filtered(_ base: UsageFilter, _ equals: [UsageDimension: Set<String>]) -> UsageFilter {
        var f = base
        f.equals = equals
        return f
    }
    let queries: [NamedQuery] = [
        NamedQuery(
            name: "30d summary by model", query: UsageQuery(filter: UsageFilter(since: since30), groupBy: [.model]),
            target: 20),
        NamedQuery(
            name: "30d summary by user", query: UsageQuery(filter: UsageFilter(since: since30), groupBy: [.user]),
            target: 20),
        NamedQuery(
            name: "30d by model, team=search (2 dims)",
            query: UsageQuery(filter: UsageFilter(since: since30, equals: [.team: ["search"]]), groupBy: [.model]),
            target: nil),
        NamedQuery(
            name: "30d by model, per day",
            query: UsageQuery(filter: UsageFilter(since: since30), groupBy: [.model], bucket: .day), target: nil),
        NamedQuery(
            name: "30d by team, hour-aligned",
            query: UsageQuery(filter: UsageFilter(since: since30.addingTimeInterval(3_600)), groupBy: [.team]),
            target: nil),
        NamedQuery(
            name: "raw: \(heavy) by model, unaligned 30d",
            query: UsageQuery(filter: filtered(rawRange, [.user: [heavy]]), groupBy: [.model]), target: 100),
        NamedQuery(
            name: "raw: \(median) by model, unaligned 30d",
            query: UsageQuery(filter: filtered(rawRange, [.user: [median]]), groupBy: [.model]), target: 100),
        NamedQuery(
            name: "raw: \(heavy) tag env=prod, day-aligned 30d",
            query: UsageQuery(
                filter: filtered(UsageFilter(since: since30, until: end), [.user: [heavy], .tag("env"): ["prod"]]),
                groupBy: [.model]), target: 100),
        NamedQuery(
            name: "raw: all users by model, unaligned 30d",
            query: UsageQuery(filter: rawRange, groupBy: [.model]), target: nil, repetitions: 3),
    ]
    log("query: \(s.path) (\(info.events.grouped) events, \(Timestamp.format(info.earliest ?? latest)) … \(Timestamp.format(latest)))")
    let clock = ContinuousClock()
    var results: [[String: Any]] = []
    for named in queries where s.only.map({ named.name.contains($0) }) ?? true {
        var times: [Double] = []
        var report: UsageReport?
        var runs = named.repetitions ?? s.repetitions
        while times.count < runs {
            let start = clock.now
            report = try await ledger.query(named.query)
            times.append((clock.now - start).milliseconds)
            if times.count == 1, times[0] > 1_000 { runs = min(runs, 3) }  // slow ones: 3 runs are enough
        }
        guard let report else { continue }
        let first = times[0]
        let sorted = times.sorted()
        let medianTime = sorted[sorted.count / 2]
        let line =
            "  " + pad(named.name, 46) + pad(report.source.rawValue, 19)
            + String(format: "min %8.2f ms  median %8.2f ms  first %8.2f ms  %4d groups  ", sorted[0], medianTime, first, report.groupCount)
            + "\(report.totals.events.grouped) events"
        log(line)
        var entry: [String: Any] = [
            "name": named.name, "source": report.source.rawValue, "min_ms": sorted[0], "median_ms": medianTime,
            "first_ms": first, "groups": report.groupCount, "events": report.totals.events, "runs": times.count,
        ]
        if let target = named.target { entry["target_ms"] = target }
        results.append(entry)
    }
    var out: [String: Any] = [
        "mode": "query", "db_events": info.events, "queries": results, "peak_rss": Memory.peak, "path": s.path,
    ]
    if s.explain { out["plans"] = try explainPlans(s.path, since: since30, rawRange: rawRange, users: [heavy, median]) }
    return out
}

/// Diagnostics in bare SQLite on the same file: EXPLAIN QUERY PLAN and timings of the statement
/// shapes behind the 30-day summary and the raw user query (written after
/// SQLiteUsageLedger+Query.swift; the ledger may run any of them), with alternatives side by side.
func explainPlans(_ path: String, since: Date, rawRange: UsageFilter, users: [String]) throws -> [String: Any] {
    let db = try RawDatabase(path: path)
    let rawSums = """
        COUNT(*), SUM(e.requests), SUM(s.status = 'error'), SUM(s.status = 'rate_limited'), SUM(1 - e.priced),
        SUM(e.input), SUM(e.output), SUM(e.cache_read), SUM(e.cache_write), SUM(e.cache_write_5m), SUM(e.cache_write_1h),
        SUM(e.reasoning), SUM(e.input_audio), SUM(e.output_audio),
        SUM(e.cost_hi), SUM(e.cost_lo), SUM(e.in_cost_hi), SUM(e.in_cost_lo), SUM(e.out_cost_hi), SUM(e.out_cost_lo)
        """
    let rollupColumns = [
        "events", "requests", "errors", "rate_limited", "unpriced", "input", "output", "cache_read", "cache_write",
        "cache_write_5m", "cache_write_1h", "reasoning", "input_audio", "output_audio", "cost_hi", "cost_lo",
        "in_cost_hi", "in_cost_lo", "out_cost_hi", "out_cost_lo",
    ]
    let rollupSums = rollupColumns.map { "SUM(r.\($0))" }.joined(separator: ", ")
    let bucket = Int64(since.timeIntervalSince1970)
    let lo = Int64((rawRange.since ?? since).timeIntervalSince1970 * 1000) << 20
    let hi = Int64((rawRange.until ?? Date()).timeIntervalSince1970 * 1000) << 20

    // The time buckets of the (time bucket, series) index (pos >> 46) that the range covers.
    let bucketList = ((lo >> 46)...((hi - 1) >> 46)).map(String.init).joined(separator: ",")

    struct Probe {
        var name: String
        var sql: String
        var ints: [(Int32, Int64)]
        var texts: [(Int32, String)]
    }
    let hasDimensions = (try db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'rollup_dimension_daily'")) == "1"
    var probes = [
        Probe(
            name: "rollup_daily by model: series join + SQLite GROUP BY",
            sql: "SELECT 0, s.model, \(rollupSums) FROM rollup_daily r JOIN series s ON s.id = r.series WHERE r.bucket >= ? GROUP BY 1, 2",
            ints: [(1, bucket)], texts: [])
    ]
    if hasDimensions {
        probes.append(
            Probe(
                name: "rollup_dimension_daily by model",
                sql: "SELECT 0, r.value, \(rollupSums) FROM rollup_dimension_daily r WHERE r.dimension = 1 AND r.bucket >= ? GROUP BY 1, 2",
                ints: [(1, bucket)], texts: []))
    }
    probes += users.flatMap { user in
        [
            Probe(
                name: "raw \(user): time-range scan, user via series join",
                sql: "SELECT 0, s.model, \(rawSums) FROM events e JOIN series s ON s.id = e.series WHERE e.pos >= ? AND e.pos < ? AND s.user IN (?) GROUP BY 1, 2",
                ints: [(1, lo), (2, hi)], texts: [(3, user)]),
            Probe(
                name: "raw \(user): other_usage pass, time-range scan",
                sql: "SELECT 0, s.model, e.other_usage FROM events e JOIN series s ON s.id = e.series WHERE e.pos >= ? AND e.pos < ? AND s.user IN (?) AND e.other_usage IS NOT NULL",
                ints: [(1, lo), (2, hi)], texts: [(3, user)]),
            Probe(
                name: "raw \(user): buckets and series ids first",
                sql: "SELECT 0, s.model, \(rawSums) FROM events e JOIN series s ON s.id = e.series WHERE (e.pos >> 46) IN (\(bucketList)) AND e.series IN (SELECT id FROM series WHERE user IN (?)) AND e.pos >= ? AND e.pos < ? GROUP BY 1, 2",
                ints: [(2, lo), (3, hi)], texts: [(1, user)]),
            Probe(
                name: "raw \(user): series ids first (no bucket list)",
                sql: "SELECT 0, s.model, \(rawSums) FROM events e JOIN series s ON s.id = e.series WHERE e.series IN (SELECT id FROM series WHERE user IN (?)) AND e.pos >= ? AND e.pos < ? GROUP BY 1, 2",
                ints: [(2, lo), (3, hi)], texts: [(1, user)]),
            Probe(
                name: "raw \(user): other_usage pass, series ids first",
                sql: "SELECT 0, s.model, e.other_usage FROM events e JOIN series s ON s.id = e.series WHERE e.series IN (SELECT id FROM series WHERE user IN (?)) AND e.pos >= ? AND e.pos < ? AND e.other_usage IS NOT NULL",
                ints: [(2, lo), (3, hi)], texts: [(1, user)]),
        ]
    }
    func time(_ repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            try body()
            best = min(best, (ContinuousClock.now - start).milliseconds)
        }
        return best
    }
    var results: [[String: Any]] = []
    for probe in probes {
        let plan = try db.rows("EXPLAIN QUERY PLAN " + probe.sql).map { $0.last ?? "" }
        let statement = try db.prepare(probe.sql)
        var rows = 0
        let ms = time(3) {
            for (index, value) in probe.ints { statement.bind(value, index) }
            for (index, value) in probe.texts { statement.bind(value, index) }
            rows = 0
            while statement.step() == SQLITE_ROW { rows += 1 }
            statement.reset()
        }
        results.append(["name": probe.name, "plan": plan, "ms": ms, "rows": rows])
        log("  [sqlite] " + pad(probe.name, 62) + String(format: "%9.2f ms  ", ms) + plan.joined(separator: " | "))
    }
    // The proposal for summaries: read the rollup rows and add them up in Swift (series ids are
    // dense), then fold series into the requested dimension.
    let series = try db.rows("SELECT id, model FROM series")
    var modelOf: [Int: String] = [:]
    for row in series { modelOf[Int(row[0]) ?? 0] = row[1] }
    let width = rollupColumns.count
    let scanSQL = "SELECT r.series, \(rollupColumns.map { "r.\($0)" }.joined(separator: ", ")) FROM rollup_daily r WHERE r.bucket >= ?"
    let scan = try db.prepare(scanSQL)
    var groups = 0
    var scanned = 0
    let swiftMs = time(3) {
        var sums = [Int64](repeating: 0, count: (series.count + 2) * width)
        scan.bind(bucket, 1)
        scanned = 0
        while scan.step() == SQLITE_ROW {
            let id = Int(sqlite3_column_int64(scan.handle, 0))
            guard id >= 0, id <= series.count + 1 else { continue }
            let base = id * width
            for c in 0..<width { sums[base + c] &+= sqlite3_column_int64(scan.handle, Int32(c + 1)) }
            scanned += 1
        }
        scan.reset()
        var byModel: [String: [Int64]] = [:]
        for (id, model) in modelOf {
            let base = id * width
            guard base + width <= sums.count, sums[base] != 0 else { continue }
            byModel[model, default: [Int64](repeating: 0, count: width)].withUnsafeMutableBufferPointer { out in
                for c in 0..<width { out[c] &+= sums[base + c] }
            }
        }
        groups = byModel.count
    }
    results.append([
        "name": "rollup_daily by model: plain scan + Swift aggregation", "ms": swiftMs, "rows": groups, "rollup_rows": scanned,
    ])
    log("  [sqlite] " + pad("rollup_daily by model: plain scan + Swift aggregation", 62) + String(format: "%9.2f ms  ", swiftMs) + "\(scanned.grouped) rollup rows -> \(groups) models")
    return ["probes": results]
}
