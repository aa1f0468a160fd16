internal import Foundation

extension ImportSummary {
    /// The summary as people read it: what was read, added, already stored, and skipped by reason.
    ///
    /// For example:
    /// ```
    /// claude-code: 3 files, 1,204 lines read
    ///   added 310 events (2 rate-limited); already recorded 0; 96 copies of a response collapsed
    ///   skipped 798:
    ///        790  no usage (not an assistant response)
    ///          8  synthetic model (<synthetic>)
    /// ```
    public var text: String {
        let n = UsageReportText.count
        var lines = ["\(format): \(n(files)) file\(files == 1 ? "" : "s"), \(n(records)) record\(records == 1 ? "" : "s") read"]
        if let billed {
            lines.append("  billed costs: added \(n(billed.added)), updated \(n(billed.updated)), unchanged \(n(billed.unchanged))")
        }
        if billed == nil || events > 0 {
            var line = "  added \(n(added)) event\(added == 1 ? "" : "s")"
            if rateLimited > 0 { line += " (\(n(rateLimited)) rate-limited)" }
            line += "; already recorded \(n(alreadyStored))"
            if duplicateCopies > 0 { line += "; \(n(duplicateCopies)) cop\(duplicateCopies == 1 ? "y" : "ies") of a response collapsed" }
            lines.append(line)
        }
        if largerCopiesKept > 0 {
            lines.append(
                "  \(n(largerCopiesKept)) response\(largerCopiesKept == 1 ? " was" : "s were") recorded while still streaming: a later copy has more tokens (the recorded copy is kept; see Documentation/Import.md)")
        }
        if rejected > 0 {
            lines.append("  rejected \(n(rejected)) (invalid):")
            for sample in rejectedSamples.prefix(5) { lines.append("    \(sample)") }
        }
        if skippedTotal > 0 {
            lines.append("  skipped \(n(skippedTotal)):")
            let width = skipped.values.map { n($0).count }.max() ?? 1
            for (reason, count) in skipped.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
                let c = n(count)
                lines.append("    " + String(repeating: " ", count: max(0, width - c.count)) + c + "  " + reason)
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension ImportProgress {
    /// One line of a progress bar: `[#########.........]  48%  512.0 MB / 1.1 GB  1,234,567 records  scanning`
    /// (records read while scanning, events added while importing).
    public func bar(width: Int = 24) -> String {
        let fraction = bytesTotal > 0 ? min(1, Double(bytesRead) / Double(bytesTotal)) : 0
        let filled = Int((fraction * Double(width)).rounded(.down))
        let percent = Int((fraction * 100).rounded(.down))
        func size(_ bytes: Int64) -> String {
            let b = Double(bytes)
            if b >= 1e9 { return String(format: "%.1f GB", b / 1e9) }
            if b >= 1e6 { return String(format: "%.1f MB", b / 1e6) }
            return String(format: "%.0f KB", b / 1e3)
        }
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            + String(repeating: " ", count: max(0, 3 - String(percent).count)) + "\(percent)%  \(size(bytesRead)) / \(size(bytesTotal))  "
            + (phase == "scanning" ? "\(UsageReportText.count(records)) records" : "\(UsageReportText.count(added)) added") + "  \(phase)"
    }
}
