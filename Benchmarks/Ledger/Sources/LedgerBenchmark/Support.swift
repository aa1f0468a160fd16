// Timing, memory, options and the one-line JSON result every subcommand prints.
import Foundation

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}

/// Resident memory of this process, from /proc/self/status (Linux), in bytes.
enum Memory {
    static func field(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }
    /// Peak resident set size (VmHWM).
    static var peak: Int { field("VmHWM") ?? 0 }
    /// Current resident set size (VmRSS).
    static var current: Int { field("VmRSS") ?? 0 }
    /// Anonymous resident memory (heap, SQLite's page cache): what the process itself holds.
    static var anonymous: Int { field("RssAnon") ?? 0 }
    /// File-backed resident pages (the database mapped by `PRAGMA mmap_size`, libraries): the
    /// kernel can drop them under pressure, but VmRSS and VmHWM count them.
    static var fileBacked: Int { field("RssFile") ?? 0 }
}

/// User + system CPU time of this process so far (all threads), in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

func mib(_ bytes: Int) -> String { String(format: "%.0f MiB", Double(bytes) / 1_048_576) }

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

/// Removes a database and its WAL/SHM files.
func removeDatabase(_ path: String) {
    for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

func log(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Prints the machine-readable result of a subcommand (`all` collects these lines).
func emit(_ result: [String: Any]) {
    let data = (try? JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])) ?? Data("{}".utf8)
    print("RESULT " + String(decoding: data, as: UTF8.self))
}

/// `--key value` and `--flag` options after the subcommand.
struct Options {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    init(_ arguments: ArraySlice<String>, flags known: Set<String> = []) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard argument.hasPrefix("--") else { throw BenchError("unexpected argument '\(argument)'") }
            let name = String(argument.dropFirst(2))
            if let eq = name.firstIndex(of: "=") {
                values[String(name[..<eq])] = String(name[name.index(after: eq)...])
            } else if known.contains(name) {
                flags.insert(name)
            } else {
                guard let value = iterator.next() else { throw BenchError("--\(name) needs a value") }
                values[name] = value
            }
        }
    }

    func string(_ name: String, _ fallback: String) -> String { values[name] ?? fallback }
    func optional(_ name: String) -> String? { values[name] }
    func flag(_ name: String) -> Bool { flags.contains(name) }

    func int(_ name: String, _ fallback: Int) throws -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), value >= 0 else {
            throw BenchError("--\(name) wants a non-negative integer, got '\(text)'")
        }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ fallback: T) throws -> T where T.RawValue == String {
        guard let text = values[name] else { return fallback }
        guard let value = T(rawValue: text) else {
            throw BenchError("--\(name) is one of \(T.allCases.map(\.rawValue).joined(separator: "|")), got '\(text)'")
        }
        return value
    }
}

extension Int {
    /// 1234567 -> "1,234,567".
    var grouped: String {
        let s = String(Swift.abs(self))
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (self < 0 ? "-" : "") + out
    }
}

/// `text` padded with spaces (or cut) to `width` characters.
func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    if text.count >= width { return String(text.prefix(width)) }
    let spaces = String(repeating: " ", count: width - text.count)
    return right ? spaces + text : text + spaces
}
