// `all`: the default sequence, each step in its own process (so each peak RSS is that step's own),
// then one table with the ratios to the raw-SQLite ceiling and the issue's targets.
import Foundation

struct AllSettings {
    var events: Int
    var batch: Int
    /// Events of the large run (10M for the issue's query and memory figures); 0 skips it.
    var big: Int
    var directory: String
    var replay: Int
    var sweep: Bool
    var keep: Bool
    var repetitions: Int
}

/// This executable, resolved once at start. If it is rebuilt during a long `all` run, the steps
/// after that run the new build (with a warning) instead of failing on a deleted file.
let startedAt = Date()
let stepExecutable: String = {
    var path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    if path.hasSuffix(" (deleted)") { path = String(path.dropLast(" (deleted)".count)) }
    return path
}()

/// Runs this executable with `arguments` and returns its RESULT object (progress goes to stderr).
func runStep(_ arguments: [String]) throws -> [String: Any] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: stepExecutable)
    process.arguments = arguments
    if let now = try? FileManager.default.attributesOfItem(atPath: stepExecutable)[.modificationDate] as? Date,
        now > startedAt
    {
        log("warning: \(stepExecutable) was rebuilt during this run; the next steps run the new build")
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchError("step `\(arguments.joined(separator: " "))` failed with status \(process.terminationStatus)")
    }
    let text = String(decoding: output, as: UTF8.self)
    guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") }),
        let object = try JSONSerialization.jsonObject(with: Data(line.dropFirst(7).utf8)) as? [String: Any]
    else { throw BenchError("step `\(arguments.joined(separator: " "))` printed no RESULT line") }
    return object
}

func runAll(_ s: AllSettings) throws -> [String: Any] {
    _ = (startedAt, stepExecutable)  // fixed now, before the first step
    try FileManager.default.createDirectory(atPath: s.directory, withIntermediateDirectories: true)
    let db = { (name: String) in (s.directory as NSString).appendingPathComponent(name) }
    func ingest(_ events: Int, ids: String, durability: String, pricing: String = "explicit", path: String,
                batch: Int? = nil, replay: Int = 0) throws -> [String: Any] {
        try runStep(
            ["ingest", "--events", String(events), "--batch", String(batch ?? s.batch), "--ids", ids, "--durability", durability,
             "--pricing", pricing, "--db", path, "--replay", String(replay), "--keep"])
    }
    /// The ceiling of the rows an ingest step just stored (its database is the source).
    func ceiling(_ events: Int, ids: String, durability: String, source: String, variants: String = "events,rollups",
                 batch: Int? = nil) throws -> [String: Any] {
        try runStep(
            ["ceiling", "--events", String(events), "--batch", String(batch ?? s.batch), "--ids", ids, "--durability", durability,
             "--variants", variants, "--db", db("ceiling.db"), "--source", source])
    }
    /// Ingest, then the ceiling of the same rows; the database is kept only when `keep`.
    func pair(_ label: String, _ events: Int, ids: String, durability: String, path: String, keep: Bool = false,
              batch: Int? = nil, replay: Int = 0, variants: String = "events,rollups") throws -> IngestCase {
        let stored = try ingest(events, ids: ids, durability: durability, path: path, batch: batch, replay: replay)
        let bare = try ceiling(events, ids: ids, durability: durability, source: path, variants: variants, batch: batch)
        if !keep { removeDatabase(path) }
        return IngestCase(label: label, ingest: stored, ceiling: bare)
    }

    struct IngestCase {
        var label: String
        var ingest: [String: Any]
        var ceiling: [String: Any]?
    }
    var cases: [IngestCase] = []
    let queryDB = db("ordered-full.db")
    cases.append(
        try pair("ordered ids, full, explicit cost", s.events, ids: "ordered", durability: "full", path: queryDB, keep: true,
                 replay: s.replay))
    cases.append(try pair("ordered ids, process-crash, explicit", s.events, ids: "ordered", durability: "process-crash", path: db("ordered-pc.db")))
    cases.append(try pair("random ids, full, explicit cost", s.events, ids: "random", durability: "full", path: db("random-full.db")))
    cases.append(
        try pair("random ids, process-crash, explicit", s.events, ids: "random", durability: "process-crash", path: db("random-pc.db")))
    let engineDB = db("engine.db")
    cases.append(
        IngestCase(
            label: "ordered ids, full, CostEngine pricing",
            ingest: try ingest(s.events, ids: "ordered", durability: "full", pricing: "engine", path: engineDB),
            ceiling: cases[0].ceiling))
    removeDatabase(engineDB)
    if s.sweep {
        for batch in [100, 10_000] {
            cases.append(
                try pair("ordered ids, full, batch \(batch)", s.events, ids: "ordered", durability: "full", path: db("sweep.db"),
                         batch: batch, variants: "events"))
        }
    }
    let breakdown = try runStep(["breakdown", "--events", "100000"])
    let calibration = try runStep(["calibrate", "--dir", s.directory])
    let query = try runStep(["query", "--db", queryDB, "--repeat", String(s.repetitions), "--explain"])
    var bigQuery: [String: Any]?
    if s.big > 0 {
        let bigDB = db("big.db")
        cases.append(
            try pair("\(s.big.grouped) events: ordered, full", s.big, ids: "ordered", durability: "full", path: bigDB, keep: true,
                     variants: "events"))
        bigQuery = try runStep(["query", "--db", bigDB, "--repeat", String(s.repetitions), "--explain"])
        if !s.keep { removeDatabase(bigDB) }
    }
    if !s.keep { removeDatabase(queryDB) }

    // MARK: - The table
    func number(_ value: Any?) -> Double { (value as? NSNumber)?.doubleValue ?? 0 }
    func rate(_ value: Double) -> String { value > 0 ? Int(value.rounded()).grouped : "-" }
    func share(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.0f%%", 100 * a / b) : "-" }
    var out = ""
    func line(_ text: String) { out += text + "\n" }
    line("")
    line("Ingestion: \(s.events.grouped) events per run (big run: \(s.big.grouped)), batch \(s.batch) unless stated; file database, WAL")
    line(
        pad("case", 40) + pad("events/s", 11, right: true) + pad("ceiling r/s", 13, right: true) + pad("share", 7, right: true)
            + pad("ceil+rollups r/s", 18, right: true) + pad("share", 7, right: true) + pad("batch p99", 12, right: true)
            + pad("peak RSS", 10, right: true) + pad("anon", 9, right: true))
    for c in cases {
        let ours = number(c.ingest["events_per_second"])
        let bare = number(c.ceiling?["events_rows_per_second"])
        let rolled = number(c.ceiling?["rollups_rows_per_second"])
        line(
            pad(c.label, 40) + pad(rate(ours), 11, right: true) + pad(rate(bare), 13, right: true)
                + pad(share(ours, bare), 7, right: true) + pad(rate(rolled), 18, right: true)
                + pad(share(ours, rolled), 7, right: true)
                + pad(String(format: "%.1f ms", number(c.ingest["batch_p99_ms"])), 12, right: true)
                + pad(mib(Int(number(c.ingest["peak_rss"]))), 10, right: true)
                + pad(mib(Int(number(c.ingest["peak_anon_sampled"]))), 9, right: true))
    }
    if let replay = cases.first?.ingest, number(replay["replay_per_second"]) > 0 {
        line(
            "replay of \(Int(number(replay["replay_events"])).grouped) stored ids (all duplicates): \(rate(number(replay["replay_per_second"]))) events/s")
    }
    if let first = cases.first?.ingest {
        line(
            "layout after \(s.events.grouped) events: \(Int(number(first["series"])).grouped) series, \(Int(number(first["rollup_hourly_rows"])).grouped) hourly / \(Int(number(first["rollup_daily_rows"])).grouped) daily / \(Int(number(first["rollup_monthly_rows"])).grouped) monthly rollup rows, \(mib(Int(number(first["db_bytes"])))) file")
    }
    line("")
    line("This machine's SQLite on simple rows (reference: ~540k no index, 100-145k indexes, 40-60k random UUID, 85-105k ordered):")
    for layout in (calibration["layouts"] as? [[String: Any]]) ?? [] {
        line("  " + pad(layout["name"] as? String ?? "", 44) + pad(rate(number(layout["rows_per_second"])), 10, right: true) + " rows/s")
    }
    line("")
    line("Swift-side steps of record(), ns per event:")
    for step in (breakdown["steps"] as? [[String: Any]]) ?? [] {
        line("  " + pad(step["name"] as? String ?? "", 54) + String(format: "%8.0f", number(step["ns_per_event"])))
    }
    for (title, result) in [("Queries", Optional(query)), ("Queries (big run)", bigQuery)] {
        guard let result else { continue }
        line("")
        line("\(title): \(Int(number(result["db_events"])).grouped) events; min / median of the runs")
        for q in (result["queries"] as? [[String: Any]]) ?? [] {
            let target = number(q["target_ms"])
            let verdict = target > 0 ? (number(q["median_ms"]) < target ? "ok (< \(Int(target)) ms)" : "OVER \(Int(target)) ms") : ""
            line(
                "  " + pad(q["name"] as? String ?? "", 46) + pad(q["source"] as? String ?? "", 19)
                    + String(format: "%9.2f / %9.2f ms", number(q["min_ms"]), number(q["median_ms"]))
                    + pad(Int(number(q["events"])).grouped, 12, right: true) + " events  " + verdict)
        }
        if let plans = result["plans"] as? [String: Any] {
            line("  bare SQLite on the same file (diagnostics; best of 3):")
            for probe in (plans["probes"] as? [[String: Any]]) ?? [] {
                line("    " + pad(probe["name"] as? String ?? "", 62) + String(format: "%9.2f ms", number(probe["ms"])))
            }
        }
    }
    line("")
    line("Targets: >= 100,000 events/s end to end with ordered ids and >= 50% of the same-layout ceiling;")
    line("30-day grouped summary over 10M events < 20 ms; raw filtered user query < 100 ms; bounded memory for 10M.")
    print(out, terminator: "")
    return [
        "mode": "all", "ingest": cases.map { ["label": $0.label, "ingest": $0.ingest, "ceiling": $0.ceiling ?? [:]] as [String: Any] },
        "breakdown": breakdown, "calibration": calibration, "query": query, "big_query": bigQuery ?? [:],
    ]
}
