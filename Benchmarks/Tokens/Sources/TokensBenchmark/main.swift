// Measures CostTokens throughput on a corpus file:
//   tokens-benchmark CORPUS [--repeat N] [--only cl100k_base|o200k_base|estimators]
// Single-thread encode and count over the whole corpus (one string), count over many small
// documents (the corpus split into ~1 KiB pieces at line ends), and count(batch:) on all cores;
// then the calibrated estimators (TokenEstimator for Claude and Gemini) on one thread.
// Each figure is the best of N runs (default 3). Lines starting with "RESULT" are for compare.sh.

import CostTokens
import Foundation

func now() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}

func best(_ runs: Int, _ body: () -> Int) -> (seconds: Double, value: Int) {
    var bestTime = Double.infinity
    var value = 0
    for _ in 0..<runs {
        let start = now()
        value = body()
        bestTime = min(bestTime, now() - start)
    }
    return (bestTime, value)
}

/// Splits `text` into documents of about `size` bytes, cut after a newline.
func documents(of text: String, size: Int) -> [String] {
    var out: [String] = []
    var current = ""
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        current += line
        current += "\n"
        if current.utf8.count >= size {
            out.append(current)
            current = ""
        }
    }
    if !current.isEmpty { out.append(current) }
    return out
}

var arguments = Array(CommandLine.arguments.dropFirst())
var runs = 3
var only: String?
if let index = arguments.firstIndex(of: "--repeat"), index + 1 < arguments.count {
    runs = Int(arguments[index + 1]) ?? 3
    arguments.removeSubrange(index...(index + 1))
}
if let index = arguments.firstIndex(of: "--only"), index + 1 < arguments.count {
    only = arguments[index + 1]
    arguments.removeSubrange(index...(index + 1))
}
guard let path = arguments.first else {
    FileHandle.standardError.write(Data("usage: tokens-benchmark CORPUS [--repeat N] [--only ENCODING]\n".utf8))
    exit(2)
}
guard let data = FileManager.default.contents(atPath: path), let corpus = String(data: data, encoding: .utf8) else {
    FileHandle.standardError.write(Data("error: cannot read \(path) as UTF-8\n".utf8))
    exit(1)
}
let megabytes = Double(data.count) / 1e6
let smallDocuments = documents(of: corpus, size: 1024)
print("corpus: \(path), " + String(format: "%.2f MB", megabytes) + ", \(smallDocuments.count) small documents; "
    + "cores: \(ProcessInfo.processInfo.activeProcessorCount); best of \(runs) runs")

func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func report(_ name: String, _ encoding: TokenEncodingName, _ seconds: Double, _ tokens: Int) {
    report(name, label: encoding.rawValue, seconds, tokens)
}

func report(_ name: String, label: String, _ seconds: Double, _ tokens: Int) {
    let mbps = megabytes / seconds
    let tps = Double(tokens) / seconds
    print(padded(name, 32) + padded(label, 16)
        + String(format: "%8.2f MB/s %12.0f tokens/s  (%d tokens, %.3f s)", mbps, tps, tokens, seconds))
    print("RESULT \(name.replacingOccurrences(of: " ", with: "_")) \(label) "
        + String(format: "%.4f %.1f %d", mbps, tps, tokens))
}

/// The same checksum as reference_bench.py: sum of id * (index % 1000003 + 1), wrapping at 2^64.
func checksum(_ ids: [Int]) -> UInt64 {
    var sum: UInt64 = 0
    for (index, id) in ids.enumerated() { sum &+= UInt64(id) &* UInt64(index % 1_000_003 + 1) }
    return sum
}

for encoding in TokenEncodingName.allCases where only == nil || only == encoding.rawValue {
    let loadStart = now()
    guard let tokenizer = try? BPETokenizer(encoding: encoding) else {
        print("error: cannot load \(encoding.rawValue)")
        exit(1)
    }
    _ = tokenizer.count("warm up")
    print(padded("load (first use)", 32) + padded(encoding.rawValue, 16)
        + String(format: "%8.1f ms", (now() - loadStart) * 1000))
    print("IDS \(encoding.rawValue) \(checksum(tokenizer.encode(corpus)))")

    let encode = best(runs) { tokenizer.encode(corpus).count }
    report("encode (1 thread)", encoding, encode.seconds, encode.value)
    let count = best(runs) { tokenizer.count(corpus) }
    report("count (1 thread)", encoding, count.seconds, count.value)
    let small = best(runs) {
        var total = 0
        for document in smallDocuments { total += tokenizer.count(document) }
        return total
    }
    report("count small docs (1 thread)", encoding, small.seconds, small.value)
    let batch = best(runs) { tokenizer.count(batch: smallDocuments).reduce(0, +) }
    report("count(batch:) all cores", encoding, batch.seconds, batch.value)
    let encodeBatch = best(runs) { tokenizer.encode(batch: smallDocuments).reduce(0) { $0 + $1.count } }
    report("encode(batch:) all cores", encoding, encodeBatch.seconds, encodeBatch.value)
}

// The calibrated estimators: o200k_base counts of each script run plus a scan of the text.
for model in ["claude-sonnet-4-5", "gemini-2.5-pro"] where only == nil || only == "estimators" {
    guard let estimator = try? TokenEstimator(model: model) else {
        print("error: cannot load the estimator for \(model)")
        exit(1)
    }
    let whole = best(runs) { estimator.estimate(corpus).count }
    report("estimate (1 thread)", label: estimator.method, whole.seconds, whole.value)
    let small = best(runs) { smallDocuments.reduce(0) { $0 + estimator.estimate($1).count } }
    report("estimate small docs (1 thread)", label: estimator.method, small.seconds, small.value)
}
