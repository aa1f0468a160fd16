public import Foundation

/// A report as a table for people: one row per group, a totals row, the share of cost and a bar.
///
/// For example:
/// ```
/// TEAM      MODEL                      REQUESTS  INPUT   OUTPUT  CACHE READ  COST       SHARE
/// platform  claude-sonnet-4-20250514      2,911  90.2M     6.1M       63.2M  $402.11    41.3%  ████████
/// ```
public enum UsageReportText {
    public static func render(_ report: UsageReport, barWidth: Int = 20) -> String {
        let query = report.query
        let local = LocalTime(query.timeZone)
        var header: [String] = []
        if let bucket = query.bucket { header.append(bucket.rawValue.uppercased()) }
        header += query.groupBy.map { $0.name.uppercased() }
        let leading = header.count
        header += ["REQUESTS", "INPUT", "OUTPUT", "CACHE READ", "COST", "SHARE", ""]
        var body: [[String]] = []
        func cells(_ row: UsageRow, label: [String]) -> [String] {
            let t = row.totals
            var cost = t.cost.formatted(places: 2, currencySymbol: true)
            if t.unpriced > 0 { cost += "*" }
            let share = String(format: "%.1f%%", row.costShare * 100)
            let bar = String(repeating: "█", count: max(0, Int((row.costShare * Double(barWidth)).rounded())))
            return label + [
                count(t.usage.requests), compact(t.usage.inputTokens), compact(t.usage.outputTokens),
                compact(t.usage.cacheReadTokens), cost, share, bar,
            ]
        }
        for row in report.rows {
            var label: [String] = []
            if let bucket = query.bucket { label.append(row.bucketStart.map { local.label(bucket, $0) } ?? "") }
            label += row.values.map { $0.isEmpty ? "-" : $0 }
            body.append(cells(row, label: label))
        }
        if let others = report.others {
            var label = Array(repeating: "", count: leading)
            if leading > 0 { label[0] = "(\(report.groupCount - (query.top ?? 0)) others)" }
            body.append(cells(others, label: label))
        }
        var totalLabel = Array(repeating: "", count: leading)
        if leading > 0 { totalLabel[0] = "TOTAL" }
        var totalRow = UsageRow(values: [], totals: report.totals, costShare: report.totals.cost.isZero ? 0 : 1)
        totalRow.costShare = report.totals.cost.isZero ? 0 : 1
        var totals = cells(totalRow, label: totalLabel)
        totals[totals.count - 1] = ""
        let numeric = Set(leading..<(leading + 6))
        var lines = table(header, body + [totals], rightAligned: numeric, separatorBefore: body.count)
        if leading == 0, lines.count > 2 { lines.remove(at: 2) }  // no groups: the totals row repeats the only row
        var out = lines.joined(separator: "\n") + "\n"
        var footer: [String] = []
        let t = report.totals
        footer.append("\(count(t.events)) events, \(count(t.errors)) errors, \(count(t.rateLimited)) rate-limited; cost \(t.cost.formatted(places: 4, currencySymbol: true)) exact \(t.cost.display(maxPlaces: 12))")
        if t.unpriced > 0 {
            footer.append("* \(count(t.unpriced)) events have no price (not in the cost); see `costctl pricing show MODEL`")
        }
        footer.append("read from \(sourceName(report.source)); times in \(displayName(query.timeZone))")
        footer += report.notes.map { "note: \($0)" }
        out += footer.joined(separator: "\n") + "\n"
        return out
    }

    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int>, separatorBefore: Int) -> [String] {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return rightAligned.contains(i) ? pad + cell : (i == cells.count - 1 ? cell : cell + pad)
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var lines = [render(header)]
        for (index, row) in rows.enumerated() {
            if index == separatorBefore, index > 0 {
                lines.append(String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
            }
            lines.append(render(row))
        }
        return lines
    }

    static func sourceName(_ source: ReportSource) -> String {
        switch source {
        case .raw: "raw events"
        case .hourly: "hourly aggregates"
        case .daily: "daily aggregates"
        case .monthly: "monthly aggregates"
        case .dailyByDimension: "daily totals by dimension"
        }
    }

    /// `UTC` for the zero-offset zone (Foundation names it `GMT`), else the IANA name.
    public static func displayName(_ zone: TimeZone) -> String {
        LocalTime.sameRules(zone, TimeZone(secondsFromGMT: 0) ?? zone) ? "UTC" : zone.identifier
    }

    /// `1234567` → `1,234,567`.
    public static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// `1234567` → `1.2M`, `98765` → `98.8K`, `950` → `950`.
    public static func compact(_ n: Int) -> String {
        let value = Double(n)
        switch abs(value) {
        case 1e9...: return String(format: "%.1fG", value / 1e9)
        case 1e6...: return String(format: "%.1fM", value / 1e6)
        case 1e4...: return String(format: "%.1fK", value / 1e3)
        default: return count(n)
        }
    }
}
