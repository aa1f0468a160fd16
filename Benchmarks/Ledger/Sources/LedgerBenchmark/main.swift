// ledger-benchmark: ingestion, query and memory figures for CostSQLite's SQLiteUsageLedger, beside
// the raw-INSERT ceiling of the same libsqlite3. See Benchmarks/Ledger/README.md.
import CostSQLite
import Foundation

let usageText = """
    usage: ledger-benchmark COMMAND [options]

      ingest    time SQLiteUsageLedger.record(contentsOf:) batches
                --events N (1000000) --batch B (1000) --ids ordered|random --durability full|process-crash
                --pricing explicit|engine --db PATH [--chunk C (100000)] [--replay R] [--keep] [--seed S] [--users U] [--fold-events F (16384; 0: per batch)]
      ceiling   the same rows as bare prepared INSERTs into the same schema, same transaction sizes
                (same options as ingest) [--variants events,rollups] [--source DB written by `ingest --keep`
                with the same options; without it the ledger writes one first, untimed]
                exploration only: [--levels hourly,daily,monthly] [--drop INDEX,…] [--create-index "CREATE INDEX …;…"] [--cache-kib K]
      query     time summary and raw queries on a database `ingest --keep` wrote
                --db PATH [--repeat K (9)] [--explain] [--only TEXT (queries whose name contains TEXT)]
      breakdown time the Swift-side steps of record() per event   [--events N (100000)]
      calibrate this machine's SQLite on simple layouts (no index, 2 indexes, random/ordered UUID key)
                [--rows N (500000)] [--dir DIR]
      all       the default sequence in child processes, then a table
                [--events N (1000000)] [--batch B] [--big N (0; 10000000 for the issue's figures)]
                [--dir DIR] [--replay R (100000)] [--sweep] [--keep] [--repeat K]

    Every command prints progress on stderr and one `RESULT {json}` line on stdout.

    """

func workload(_ options: Options) throws -> Workload {
    var w = Workload(events: try options.int("events", 1_000_000))
    w.seed = UInt64(try options.int("seed", 42))
    w.users = max(1, try options.int("users", 200))
    w.ids = try options.choice("ids", IDKind.ordered)
    w.pricing = try options.choice("pricing", Pricing.explicit)
    return w
}

let arguments = CommandLine.arguments
guard arguments.count >= 2, !["-h", "--help", "help"].contains(arguments[1]) else {
    print(usageText, terminator: "")
    exit(arguments.count >= 2 ? 0 : 2)
}
let defaultDirectory = (NSTemporaryDirectory() as NSString).appendingPathComponent("ledger-benchmark")
do {
    let options = try Options(arguments.dropFirst(2), flags: ["keep", "explain", "sweep"])
    let batch = max(1, try options.int("batch", 1_000))
    let durability = try options.choice("durability", SQLiteUsageLedger.Durability.full)
    let chunk = try options.int("chunk", 100_000)
    switch arguments[1] {
    case "ingest":
        emit(
            try await runIngest(
                IngestSettings(
                    workload: try workload(options), batch: batch, durability: durability,
                    path: options.string("db", (defaultDirectory as NSString).appendingPathComponent("ingest.db")),
                    chunk: chunk, replay: try options.int("replay", 0), keep: options.flag("keep"),
                    foldEvents: try options.int("fold-events", SQLiteUsageLedger.defaultFoldEvents))))
    case "ceiling":
        let variants = try options.string("variants", "events,rollups").split(separator: ",").map { name in
            guard let variant = CeilingVariant(rawValue: String(name)) else {
                throw BenchError("--variants takes events,rollups; got '\(name)'")
            }
            return variant
        }
        emit(
            try await runCeiling(
                CeilingSettings(
                    workload: try workload(options), batch: batch, durability: durability,
                    path: options.string("db", (defaultDirectory as NSString).appendingPathComponent("ceiling.db")),
                    chunk: chunk, variants: variants, keep: options.flag("keep"), source: options.optional("source"),
                    levels: Set(
                        try options.string("levels", "hourly,daily,monthly").split(separator: ",").map { name in
                            guard let level = ["hourly", "daily", "monthly"].firstIndex(of: String(name)) else {
                                throw BenchError("--levels takes hourly,daily,monthly; got '\(name)'")
                            }
                            return level
                        }),
                    dropIndexes: options.optional("drop").map { $0.split(separator: ",").map(String.init) } ?? [],
                    createIndexes: options.optional("create-index").map { $0.split(separator: ";").map(String.init) } ?? [],
                    cacheKiB: options.optional("cache-kib").flatMap { Int($0) })))
    case "query":
        guard let path = options.optional("db") else { throw BenchError("query needs --db PATH") }
        emit(
            try await runQueries(
                QuerySettings(
                    path: path, repetitions: max(1, try options.int("repeat", 9)), explain: options.flag("explain"),
                    only: options.optional("only"))))
    case "breakdown":
        emit(try runBreakdown(events: max(1, try options.int("events", 100_000)), seed: UInt64(try options.int("seed", 42))))
    case "calibrate":
        log("calibrate: simple rows, WAL, synchronous NORMAL, 10,000 rows per transaction")
        emit(try runCalibrate(rows: max(10_000, try options.int("rows", 500_000)), directory: options.string("dir", defaultDirectory)))
    case "all":
        emit(
            try runAll(
                AllSettings(
                    events: try options.int("events", 1_000_000), batch: batch, big: try options.int("big", 0),
                    directory: options.string("dir", defaultDirectory), replay: try options.int("replay", 100_000),
                    sweep: options.flag("sweep"), keep: options.flag("keep"), repetitions: max(1, try options.int("repeat", 9)))))
    default:
        throw BenchError("unknown command '\(arguments[1])'\n\n\(usageText)")
    }
} catch {
    log("ledger-benchmark: \(error)")
    exit(1)
}
