import CostPricing
import Foundation

/// The frame `costctl watch` draws: a pure function of a ``DashboardSnapshot`` and the terminal's
/// size, so it is tested without a terminal.
///
/// Every line fits `width` columns and there are never more than `height` lines; the last line is
/// the footer. Bars and name columns grow with the width; when the height is short, the longest
/// lists lose rows first (each cut list ends with "… N more").
///
/// For example (80 columns):
/// ```
/// costctl watch · all teams · 2026-11-23 10:41:07 UTC
/// ────────────────────────────────────────────────────────────────────────────────
/// TODAY  $42.17 spent · 1,204 requests · 9.8M tokens
///
/// BUDGETS
///   demo-platform-monthly  ███████████████░░░░░░░░░░  61.2%  $612.40 of $1,000.00  monthly
/// ```
public enum DashboardLayout {
    /// The lines of one frame. `footer` replaces the default last line (`q quit`).
    public static func frame(_ snapshot: DashboardSnapshot, width: Int, height: Int, footer: String? = nil) -> [String] {
        let width = max(20, width)
        let height = max(3, height)
        let showBars = width >= 50
        let zone = snapshot.timeZone

        var head: [String] = []
        let who = snapshot.team.map { "team \($0)" } ?? "all teams"
        head.append(fit("costctl watch · \(who) · \(localTime(snapshot.at, zone)) \(UsageReportText.displayName(zone))", width))
        head.append(String(repeating: "─", count: width))
        head.append(
            fit(
                "TODAY  \(dollars(snapshot.todayCost)) spent · \(UsageReportText.count(snapshot.todayRequests)) requests · "
                    + "\(UsageReportText.compact(snapshot.todayTokens)) tokens", width))

        // budgets
        let budgetNames = snapshot.budgets.map(\.budget.name)
        let budgetRows: [String] = snapshot.budgets.map { report in
            let name = pad(report.budget.name, column(budgetNames, width: width))
            let amount: String
            if report.budget.limitKind == "money" {
                amount = "\(dollars(report.spent, report.held)) of \(dollars(report.budget.limit))"
            } else {
                amount = "\(UsageReportText.compact(Int(report.spent) ?? 0)) of \(UsageReportText.compact(Int(report.budget.limit) ?? 0)) \(report.budget.limitKind)"
            }
            let level = report.level.map { "  \($0)" } ?? ""
            return fit(
                "  \(name)  \(showBars ? bar(report.utilization, barWidth(width, name: name, others: 62)) + "  " : "")\(percent(report.utilization))  \(amount)  \(report.budget.period)\(level)",
                width)
        }
        // models
        let modelNames = snapshot.models.map(\.model)
        let largest = snapshot.models.map(\.share).max() ?? 0
        let modelRows: [String] = snapshot.models.map { spend in
            let name = pad(spend.model, column(modelNames, width: width))
            let relative = largest > 0 ? spend.share / largest : 0
            return fit(
                "  \(name)  \(showBars ? bar(relative, barWidth(width, name: name, others: 40)) + "  " : "")\(pad(dollars(spend.cost), 10, right: true))  \(percent(spend.share))  \(UsageReportText.count(spend.requests)) req",
                width)
        }
        // keys
        let keyNames = snapshot.keys.map(\.id)
        let keyRows: [String] = snapshot.keys.map { row in
            let name = pad(row.id, column(keyNames, width: width))
            let pool = row.provider + (row.project.map { "/\($0)" } ?? "")
            guard let meter = row.fullest else {
                return fit("  \(name)  \(pool)  \(row.status)  no quota", width)
            }
            let reset = meter.nextReset.map { "resets \(localTime($0, zone))" } ?? (meter.rolling ? "rolling window" : "")
            let status = row.status == "active" ? "" : "  \(row.status)"
            return fit(
                "  \(name)  \(showBars ? bar(meter.utilization, barWidth(width, name: name, others: 66)) + "  " : "")\(percent(meter.utilization)) \(meter.measure)  \(pool)  \(reset)\(status)",
                width)
        }
        // alerts
        let alertRows: [String] = snapshot.alerts.map { alert in
            fit("  \(pad(alert.severity.uppercased(), 8)) \(localTime(alert.at, zone))  \(alert.title)", width)
        }
        // month
        var monthLines: [String] = []
        if let month = snapshot.month {
            monthLines.append(fit("MONTH \(month.month)", width))
            var line = "  spent \(dollars(month.spent)) · projected \(dollars(month.projected)) (95%: \(dollars(month.lower))–\(dollars(month.upper))) · trend \(month.trend)"
            if month.insufficientData { line += " · little history" }
            monthLines.append(fit(line, width))
            if let budget = month.budget, let limit = month.limit, let status = month.status {
                monthLines.append(fit("  budget \(budget) \(dollars(limit)): \(status.replacingOccurrences(of: "_", with: " "))", width))
            }
        }

        var sections: [Section] = [
            Section(title: "BUDGETS", rows: budgetRows, empty: "  no budgets (costctl budget set NAME --limit 500)"),
            Section(title: "SPEND BY MODEL (TODAY)", rows: modelRows, empty: "  no usage today"),
            Section(title: "KEYS", rows: keyRows, empty: "  no keys (costctl keys add)"),
            Section(
                title: snapshot.alertCount == 0 ? "ALERTS" : "ALERTS (\(snapshot.alertCount) unacknowledged)", rows: alertRows,
                empty: "  no unacknowledged alerts", hidden: max(0, snapshot.alertCount - alertRows.count)),
        ]
        let foot = fit(footer ?? "q quit", width)
        // fixed lines: the head, a blank and a title before each section, the month, the footer
        let fixed = head.count + sections.count * 2 + (monthLines.isEmpty ? 0 : monthLines.count + 1) + 1
        shrink(&sections, toFit: height - fixed)

        var lines = head
        for section in sections {
            lines.append("")
            lines.append(fit(section.title, width))
            lines += section.lines(width: width)
        }
        if !monthLines.isEmpty {
            lines.append("")
            lines += monthLines
        }
        if lines.count > height - 1 { lines = Array(lines.prefix(height - 1)) }
        lines.append(foot)
        return lines
    }

    // MARK: - Sections

    struct Section {
        var title: String
        var rows: [String]
        var empty: String
        /// Rows not in `rows` at all (alerts beyond the snapshot's list).
        var hidden = 0
        /// Rows shown.
        var shown: Int?

        var visible: Int { shown ?? rows.count }
        var more: Int { rows.count - visible + hidden }
        /// Lines the body takes: the rows shown, or the empty line, plus "… N more".
        var height: Int { rows.isEmpty && hidden == 0 ? 1 : visible + (more > 0 ? 1 : 0) }

        func lines(width: Int) -> [String] {
            if rows.isEmpty, hidden == 0 { return [fit(empty, width)] }
            var out = Array(rows.prefix(visible))
            if more > 0 { out.append(fit("  … \(more) more", width)) }
            return out
        }
    }

    /// Takes rows from the longest lists until the bodies fit in `available` lines.
    static func shrink(_ sections: inout [Section], toFit available: Int) {
        while sections.map(\.height).reduce(0, +) > available {
            guard let i = sections.indices.filter({ sections[$0].visible > 0 }).max(by: { sections[$0].visible < sections[$1].visible }) else { return }
            sections[i].shown = sections[i].visible - 1
        }
    }

    // MARK: - Cells

    /// `██████░░░░` for a fraction (full past 1).
    public static func bar(_ fraction: Double, _ width: Int) -> String {
        guard width > 0 else { return "" }
        let clamped = fraction.isFinite ? max(0, min(1, fraction)) : 0
        let filled = Int((clamped * Double(width)).rounded(.down))
        return String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    }

    /// The bar's width in a row whose name column is `name` and whose other cells take about
    /// `others` columns: what is left, 5…60.
    static func barWidth(_ width: Int, name: String, others: Int) -> Int {
        max(5, min(60, width - name.count - others))
    }

    /// The width of a name column: the longest name, at most a quarter of the line (8 at least).
    static func column(_ names: [String], width: Int) -> Int {
        min(names.map(\.count).max() ?? 0, max(8, width / 4))
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        if text.count > width { return width > 1 ? String(text.prefix(width - 1)) + "…" : String(text.prefix(width)) }
        let padding = String(repeating: " ", count: width - text.count)
        return right ? padding + text : text + padding
    }

    /// The line cut to `width` columns.
    static func fit(_ line: String, _ width: Int) -> String {
        line.count <= width ? line : String(line.prefix(max(0, width - 1))) + "…"
    }

    static func percent(_ fraction: Double) -> String { String(format: "%5.1f%%", fraction * 100) }

    /// `$1,234.56`; below a dollar up to four decimals (`$0.0042`), so small spend does not show as `$0.00`.
    static func dollars(_ money: Money) -> String {
        let oneDollar = Money(units: 1_000_000_000_000_000_000)
        var text = money.formatted(places: money < oneDollar && -money < oneDollar ? 4 : 2)
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 { text.removeLast() }
        let negative = text.hasPrefix("-")
        let parts = text.drop(while: { $0 == "-" }).split(separator: ".", maxSplits: 1)
        let whole = UsageReportText.count(Int(parts.first ?? "0") ?? 0)
        return (negative ? "-$" : "$") + whole + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// Spent plus held, from a status report's decimal strings.
    static func dollars(_ spent: String, _ held: String) -> String {
        dollars((Money(spent) ?? .zero) + (Money(held) ?? .zero))
    }

    static func dollars(_ decimal: String) -> String { dollars(Money(decimal) ?? .zero) }

    /// `2026-11-23 10:41:07` in `zone`.
    static func localTime(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}
