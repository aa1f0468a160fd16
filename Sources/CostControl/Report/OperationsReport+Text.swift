import CostPricing
import Foundation

extension OperationsReport {
    /// Plain text: a header, then each section under an upper-case heading with its table in
    /// aligned columns (readable in a terminal and in a plain-text email, monospaced or not).
    func renderText() -> String {
        var lines = headerLines
        for section in sections {
            lines.append("")
            lines.append(section.heading.uppercased())
            lines += section.lines
            if let table = section.table { lines += table.text(indent: "  ") }
        }
        if !notes.isEmpty {
            lines.append("")
            lines += notes.map { "note: \($0)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Markdown for chat channels: a title, a bold summary line, then `###` sections with pipe tables.
    func renderMarkdown() -> String {
        var lines = ["## \(title): \(periodLabel) (\(zoneName))"]
        var summary = "**\(Self.usd(totals.cost))**"
        if let ratio = change.costRatio { summary += " (\(Self.signedPercent(ratio)) vs \(Self.windowLabel(previousPeriod, kind: kind, zone: timeZone)))" }
        summary += " · \(Self.count(totals.requests)) requests"
        if let rate = totals.cacheHitRate { summary += " · cache hit rate \(Self.percent(rate))" }
        if !anomalies.isEmpty { summary += " · ⚠️ \(anomalies.count) anomal\(anomalies.count == 1 ? "y" : "ies")" }
        lines.append(summary)
        for section in sections {
            lines.append("")
            lines.append("### \(section.heading)")
            lines += section.lines
            if let table = section.table {
                if !section.lines.isEmpty { lines.append("") }
                lines += table.markdown()
            }
        }
        if !notes.isEmpty {
            lines.append("")
            lines += notes.map { "_\($0)_" }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
