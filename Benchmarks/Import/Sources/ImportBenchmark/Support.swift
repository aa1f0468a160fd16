import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Samples /proc/self/status every 50 ms and keeps the peak anonymous RSS (heap, not the SQLite
/// file pages the kernel maps and can drop), beside the kernel's own VmHWM (everything).
final class MemorySampler: @unchecked Sendable {
    // Both fields are only touched under `lock`, so the sampler thread and the caller never race.
    private let lock = NSLock()
    private var peak = 0
    private var running = false

    static func field(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    var peakAnonymous: Int {
        lock.lock()
        defer { lock.unlock() }
        return peak
    }

    func start() {
        lock.lock()
        running = true
        lock.unlock()
        Thread.detachNewThread { [self] in
            while true {
                let anon = MemorySampler.field("RssAnon")
                lock.lock()
                peak = max(peak, anon)
                let go = running
                lock.unlock()
                if !go { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    func stop() {
        lock.lock()
        running = false
        lock.unlock()
    }
}

/// A small, fast, reproducible random generator (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Writes a synthetic Claude Code projects directory: sessions of user turns, tool results and
/// assistant responses, with the copies real logs have (streaming partials with smaller output,
/// sidechain copies, resumed sessions that repeat earlier responses), summaries and the odd
/// synthetic or malformed line.
struct LogGenerator {
    let directory: String
    var random: SplitMix

    struct Stats {
        var files = 0
        var lines = 0
        var bytes: Int64 = 0
        var messages = 0
        var copies = 0
        var usageLines = 0
    }

    init(directory: String, seed: UInt64) {
        self.directory = directory
        self.random = SplitMix(state: seed)
    }

    static let words = """
        the cart service returns a discount field when the user applies a coupon and the total changes \
        we should add a test for the rounding of prices in the checkout flow then run the suite again \
        reading the file shows the handler calls the repository twice so caching the result would help \
        function struct return let var import async await throws error value array dictionary string
        """.split(separator: " ").map(String.init)
    static let models = ["claude-sonnet-4-5-20250929", "claude-sonnet-4-20250514", "claude-opus-4-1-20250805", "claude-3-5-haiku-20241022"]

    mutating func text(_ count: Int) -> String {
        var parts: [String] = []
        parts.reserveCapacity(count)
        for _ in 0..<count { parts.append(LogGenerator.words[Int(random.next() % UInt64(LogGenerator.words.count))]) }
        return parts.joined(separator: " ")
    }

    mutating func uuid() -> String {
        let a = random.next()
        let b = random.next()
        func hex(_ v: UInt64, _ n: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        let h = hex(a, 16) + hex(b, 16)
        let c = Array(h)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }

    static func timestamp(_ seconds: Double) -> String {
        let date = Date(timeIntervalSince1970: seconds)
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    mutating func generate(bytes target: Int64) throws -> Stats {
        var stats = Stats()
        let base = 1_789_000_000.0  // 2026-09-10
        var recent: [String] = []  // assistant lines a resumed session repeats
        var project = 0
        while stats.bytes < target {
            project += 1
            let projectDir = "\(directory)/projects/-home-dev-src-project\(project % 40)"
            try FileManager.default.createDirectory(atPath: projectDir, withIntermediateDirectories: true)
            let session = uuid()
            let path = "\(projectDir)/\(session).jsonl"
            var out = ""
            out.reserveCapacity(1 << 22)
            var time = base + Double(random.next() % 5_000_000)
            let turns = 20 + Int(random.next() % 200)
            let cwd = "/home/dev/src/project\(project % 40)"
            let head = #"{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"\#(cwd)","sessionId":"\#(session)","version":"2.0.31","gitBranch":"main","#
            // A resumed session starts with copies of responses from an earlier one.
            if !recent.isEmpty, random.next() % 4 == 0 {
                for line in recent.suffix(Int(random.next() % 20)) {
                    out += line
                    stats.lines += 1
                    stats.copies += 1
                    stats.usageLines += 1
                }
            }
            recent.removeAll(keepingCapacity: true)
            for _ in 0..<turns {
                time += Double(5 + random.next() % 120)
                out += head + #""type":"user","message":{"role":"user","content":"\#(text(20 + Int(random.next() % 150)))"},"uuid":"\#(uuid())","timestamp":"\#(LogGenerator.timestamp(time))"}"# + "\n"
                stats.lines += 1
                if random.next() % 3 == 0 {
                    // A tool result: long, no usage.
                    out += head + #""type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_\#(uuid())","type":"tool_result","content":"\#(text(200 + Int(random.next() % 1500)))"}]},"uuid":"\#(uuid())","timestamp":"\#(LogGenerator.timestamp(time + 1))"}"# + "\n"
                    stats.lines += 1
                }
                let model = LogGenerator.models[Int(random.next() % UInt64(LogGenerator.models.count))]
                let messageID = "msg_01" + uuid().replacingOccurrences(of: "-", with: "").prefix(22)
                let requestID = "req_011" + uuid().replacingOccurrences(of: "-", with: "").prefix(21)
                let input = 1 + Int(random.next() % 50)
                let read = Int(random.next() % 150_000)
                let create = Int(random.next() % 8_000)
                let output = 20 + Int(random.next() % 3_000)
                let copies = 1 + Int(random.next() % 3)
                stats.messages += 1
                for copy in 0..<copies {
                    let out1 = copy == copies - 1 ? output : max(1, output / (4 - copy))
                    let sidechain = copy == 1 && random.next() % 5 == 0
                    let line = #"{"parentUuid":"\#(uuid())","isSidechain":\#(sidechain),"userType":"external","cwd":"\#(cwd)","sessionId":"\#(session)","version":"2.0.31","gitBranch":"main","message":{"id":"\#(messageID)","type":"message","role":"assistant","model":"\#(model)","content":[{"type":"text","text":"\#(text(10 + Int(random.next() % 120)))"}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":\#(input),"cache_creation_input_tokens":\#(create),"cache_read_input_tokens":\#(read),"cache_creation":{"ephemeral_5m_input_tokens":\#(create),"ephemeral_1h_input_tokens":0},"output_tokens":\#(out1),"service_tier":"standard"}},"requestId":"\#(requestID)","type":"assistant","uuid":"\#(uuid())","timestamp":"\#(LogGenerator.timestamp(time + 2 + Double(copy)))"}"# + "\n"
                    out += line
                    stats.lines += 1
                    stats.usageLines += 1
                    if copy > 0 { stats.copies += 1 }
                    if copy == copies - 1, recent.count < 40 { recent.append(line) }
                }
                if random.next() % 500 == 0 {
                    out += #"{"type":"assistant","message":{"id":"msg_01trunc"# + "\n"
                    stats.lines += 1
                }
            }
            out += #"{"type":"summary","summary":"\#(text(6))","leafUuid":"\#(uuid())"}"# + "\n"
            stats.lines += 1
            let data = Data(out.utf8)
            try data.write(to: URL(fileURLWithPath: path))
            stats.bytes += Int64(data.count)
            stats.files += 1
        }
        return stats
    }
}
