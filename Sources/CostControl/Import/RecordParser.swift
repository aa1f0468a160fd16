internal import CostPricing
internal import Foundation

/// What parsers hand back: events, billed amounts, and skip reasons.
struct ParseOutput {
    var events: [UsageEvent] = []
    var billed: [BilledCost] = []
    var skipped: [String: Int] = [:]
    var records = 0

    mutating func skip(_ reason: String) {
        skipped[reason, default: 0] += 1
    }

    var pendingCount: Int { events.count + billed.count }
}

/// What every parser knows.
struct ParseContext: Sendable {
    var options: ImportOptions
    var pricing: ImportPricing
}

/// A single-pass parser of one file's lines (every format but Claude Code, which needs a first
/// pass to find the best copy of each message). One instance per file: it may keep state (Codex's
/// current model and running totals, a CSV header).
protocol RecordParser {
    init(path: String, context: ParseContext)
    /// Reads one line (blank lines included).
    mutating func parse(_ line: UnsafeBufferPointer<UInt8>, number: Int, into output: inout ParseOutput)
    /// The end of the file (or of what a follow poll read).
    mutating func finish(into output: inout ParseOutput)
}

extension RecordParser {
    mutating func finish(into output: inout ParseOutput) {}
}

/// Collects the lines of a file that is one pretty-printed JSON document (a saved API page, a JSON
/// array export), up to a limit, for parsers whose records are usually one per line.
struct WholeDocument {
    static let limit = 256 << 20
    var bytes: [UInt8] = []
    var active = false
    var tooLarge = false

    /// Whether the line was taken into the document.
    mutating func take(_ line: UnsafeBufferPointer<UInt8>, firstLine: Bool) -> Bool {
        if !active {
            guard firstLine else { return false }
            active = true
        }
        if bytes.count + line.count > WholeDocument.limit {
            tooLarge = true
            return true
        }
        bytes.append(contentsOf: line)
        bytes.append(10)
        return true
    }

    /// The document parsed, or `nil` (with `tooLarge` telling why).
    func parsed() -> Any? {
        guard active, !tooLarge else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(bytes))
    }
}
