import CostControl
import Foundation

#if canImport(Glibc)
import Glibc
#endif

// import-benchmark generate --dir DIR --megabytes N [--seed S]
// import-benchmark run --dir DIR [--db FILE] [--batch N]

let arguments = Array(CommandLine.arguments.dropFirst())

func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

switch arguments.first {
case "generate":
    guard let dir = option("--dir") else { fail("generate needs --dir DIR") }
    let megabytes = Int(option("--megabytes") ?? "256") ?? 256
    let seed = UInt64(option("--seed") ?? "42") ?? 42
    let started = Date()
    var generator = LogGenerator(directory: dir, seed: seed)
    let stats = try generator.generate(bytes: Int64(megabytes) << 20)
    let seconds = Date().timeIntervalSince(started)
    print(
        "generated \(stats.files) files, \(stats.lines) lines, \(stats.bytes >> 20) MB in \(String(format: "%.1f", seconds)) s: "
            + "\(stats.messages) responses, \(stats.copies) extra copies (streaming, sidechain, resumed), \(stats.usageLines) usage lines")
case "run":
    guard let dir = option("--dir") else { fail("run needs --dir DIR") }
    let db = option("--db") ?? (NSTemporaryDirectory() + "/import-benchmark-\(getpid()).db")
    let batch = Int(option("--batch") ?? "1000") ?? 1000
    let keep = arguments.contains("--keep")
    let sampler = MemorySampler()
    sampler.start()
    let ledger = try LedgerStore.open(paths: ControlPaths(database: db, environment: [:]), environment: [:])
    let importer = UsageImporter(ledger: ledger, billedCosts: ledger, engine: ledger.configuration.engine)
    print("ledger open, catalog loaded: RSS \(MemorySampler.field("VmRSS") / 1024) MB (anonymous \(MemorySampler.field("RssAnon") / 1024) MB)")
    var options = ImportOptions(format: .claudeCode, paths: [dir])
    options.batchSize = batch
    options.settleInterval = 0
    options.environment = [:]
    for pass in ["first import", "re-import"] {
        let started = Date()
        let summary = try await importer.run(options)
        let seconds = Date().timeIntervalSince(started)
        let bytes = summary.files > 0 ? try directoryBytes(dir) : 0
        print(
            "\(pass): \(summary.records) lines, \(bytes >> 20) MB in \(String(format: "%.2f", seconds)) s = "
                + "\(Int(Double(summary.records) / seconds)) lines/s, \(String(format: "%.1f", Double(bytes) / 1_048_576 / seconds)) MB/s; "
                + "added \(summary.added), already stored \(summary.alreadyStored), copies collapsed \(summary.duplicateCopies), "
                + "skipped \(summary.skippedTotal)")
        print(
            "  peak RSS so far \(MemorySampler.field("VmHWM") / 1024) MB (anonymous peak \(sampler.peakAnonymous / 1024) MB); "
                + "SQLite heap now \(sqliteMemory() >> 20) MB")
    }
    sampler.stop()
    if !keep {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
    }
default:
    fail("usage: import-benchmark generate --dir DIR [--megabytes N] | run --dir DIR [--db FILE] [--batch N] [--keep]")
}

/// The heap SQLite holds (its page cache included).
func sqliteMemory() -> Int64 { SystemInfo.sqliteMemoryUsed }

func directoryBytes(_ dir: String) throws -> Int64 {
    var total: Int64 = 0
    guard let e = FileManager.default.enumerator(atPath: dir) else { return 0 }
    while let path = e.nextObject() as? String {
        guard path.hasSuffix(".jsonl") else { continue }
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/" + path)
        total += (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }
    return total
}
