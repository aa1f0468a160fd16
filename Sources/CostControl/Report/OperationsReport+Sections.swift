import CostBudget
import CostOptimizer
import CostPricing
import Foundation

/// The formats an ``OperationsReport`` renders to.
public enum ReportFormat: String, Sendable, Hashable, CaseIterable {
    /// Aligned columns for a terminal or a plain-text email.
    case text
    /// Headings and pipe tables for chat channels (Slack, Teams, Discord, Mattermost).
    case markdown
    /// Stable snake_case keys, money as exact decimal strings.
    case json
    /// One self-contained page: inline CSS and SVG charts, no script, no network.
    case html
}

extension OperationsReport {
    /// The report as one string in `format`.
    ///
    /// For example:
    /// ```swift
    /// try report.render(.markdown).write(to: url, atomically: true, encoding: .utf8)
    /// ```
    /// - throws: `EncodingError` from the JSON encoder (only for `.json`).
    public func render(_ format: ReportFormat) throws -> String {
        switch format {
        case .text: renderText()
        case .markdown: renderMarkdown()
        case .json: try renderJSON()
        case .html: renderHTML()
        }
    }
}

/// A table of the report as cells, rendered as aligned text, a Markdown table or an HTML table.
struct ReportTable: Sendable, Hashable {
    struct Column: Sendable, Hashable {
        var title: String
        var rightAligned = false
    }

    var columns: [Column]
    var rows: [[String]]

    /// Aligned columns, two spaces apart, each padded to its widest cell.
    func text(indent: String = "") -> [String] {
        var widths = columns.map(\.title.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func render(_ cells: [String]) -> String {
            let line = cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return columns[i].rightAligned ? pad + cell : cell + pad
            }.joined(separator: "  ")
            return indent + String(line.reversed().drop(while: { $0 == " " }).reversed())
        }
        return [render(columns.map(\.title))] + rows.map(render)
    }

    /// A pipe table; `|` in cells is escaped.
    func markdown() -> [String] {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        var lines = ["| " + columns.map { cell($0.title) }.joined(separator: " | ") + " |"]
        lines.append("|" + columns.map { $0.rightAligned ? "---:|" : "---|" }.joined())
        lines += rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
        return lines
    }
}

/// One section of the text and Markdown forms: a heading, lines of prose, and a table.
struct ReportSection: Sendable, Hashable {
    var heading: String
    var lines: [String] = []
    var table: ReportTable?
}

// MARK: - The sections, shared by the text, Markdown and HTML forms

extension OperationsReport {
    var zoneName: String { UsageReportText.displayName(timeZone) }

    var summaryTable: ReportTable {
        let t = totals
        let p = previousTotals
        return ReportTable(
            columns: [.init(title: ""), .init(title: "THIS PERIOD", rightAligned: true), .init(title: "PREVIOUS", rightAligned: true),
                      .init(title: "CHANGE", rightAligned: true)],
            rows: [
                ["Cost", Self.usd(t.cost), Self.usd(p.cost), Self.signedUSD(change.cost) + (change.costRatio.map { " (\(Self.signedPercent($0)))" } ?? "")],
                ["Requests", Self.count(t.requests), Self.count(p.requests), change.requestsRatio.map(Self.signedPercent) ?? "-"],
                ["Tokens", UsageReportText.compact(t.tokens), UsageReportText.compact(p.tokens), change.tokensRatio.map(Self.signedPercent) ?? "-"],
                ["Cache hit rate", t.cacheHitRate.map(Self.percent) ?? "-", p.cacheHitRate.map(Self.percent) ?? "-",
                 change.cacheHitRateDelta.map { String(format: "%+.1f pts", $0 * 100) } ?? "-"],
                ["Avg per request", t.averageCost.map(Self.average) ?? "-", p.averageCost.map(Self.average) ?? "-", ""],
                ["Errors", Self.count(t.errors), Self.count(p.errors), ""],
                ["Rate-limited", Self.count(t.rateLimited), Self.count(p.rateLimited), ""],
            ])
    }

    func topTable(_ title: String, _ lines: [Line]) -> ReportTable {
        ReportTable(
            columns: [.init(title: title), .init(title: "REQUESTS", rightAligned: true), .init(title: "COST", rightAligned: true),
                      .init(title: "AVG/REQUEST", rightAligned: true), .init(title: "SHARE", rightAligned: true)],
            rows: lines.map { [$0.name, Self.count($0.requests), Self.usd($0.cost), $0.averageCost.map(Self.average) ?? "-", Self.percent($0.share)] })
    }

    var budgetTable: ReportTable {
        ReportTable(
            columns: [.init(title: "BUDGET"), .init(title: "SCOPE"), .init(title: "PERIOD"), .init(title: "USED", rightAligned: true),
                      .init(title: "SPENT", rightAligned: true), .init(title: "LIMIT", rightAligned: true), .init(title: "LEVEL"),
                      .init(title: "PROJECTED", rightAligned: true)],
            rows: budgets.map { b in
                [b.budget.name, b.budget.scope, b.budget.period, Self.percent(b.utilization), Self.amount(b.spent, kind: b.budget.limitKind),
                 b.budget.limitText, b.level ?? "-",
                 b.projection.map { p in p.isRolling ? "-" : "\(Self.units(p.projectedSpend, kind: b.budget.limitKind)) (\(Self.percent(p.projectedUtilization)))" } ?? "-"]
            })
    }

    var anomalyTable: ReportTable {
        let local = LocalTime(timeZone)
        return ReportTable(
            columns: [.init(title: "DAY"), .init(title: "SCOPE"), .init(title: "WHAT"), .init(title: "ACTUAL", rightAligned: true),
                      .init(title: "EXPECTED", rightAligned: true)],
            rows: anomalies.map { a in
                [local.label(.day, a.start), a.scope.description, "\(a.kind.rawValue) \(a.direction)", Self.anomalyValue(a.actual, a.kind),
                 Self.anomalyValue(a.expected, a.kind)]
            })
    }

    var recommendationTable: ReportTable {
        ReportTable(
            columns: [.init(title: "RECOMMENDATION"), .init(title: "SAVING/MONTH", rightAligned: true), .init(title: "CONFIDENCE", rightAligned: true),
                      .init(title: "DIFFICULTY"), .init(title: "ID")],
            rows: recommendations.map { r in
                [r.recommendation.title, Self.usd(r.recommendation.monthlySaving), Self.percent(r.recommendation.confidence.value),
                 r.recommendation.difficulty.rawValue, r.id]
            })
    }

    var outlookTable: ReportTable {
        ReportTable(
            columns: [.init(title: "SCOPE"), .init(title: "BUDGET"), .init(title: "LIMIT", rightAligned: true),
                      .init(title: "PROJECTED", rightAligned: true), .init(title: "95% INTERVAL", rightAligned: true), .init(title: "STATUS"),
                      .init(title: "CHANCE OVER", rightAligned: true)],
            rows: monthOutlooks.map { o in
                [o.scope, o.outlook.budget, Self.usd(o.outlook.limit), Self.usd(o.projected), "\(Self.usd(o.lower)) – \(Self.usd(o.upper))",
                 Self.status(o.outlook.status), Self.percent(o.outlook.overLimitProbability)]
            })
    }

    /// The sections in reading order (empty ones say so in a line).
    var sections: [ReportSection] {
        var out: [ReportSection] = []
        out.append(ReportSection(heading: "Totals", lines: [], table: summaryTable))
        out.append(
            budgets.isEmpty
                ? ReportSection(heading: "Budgets", lines: ["No budgets set (costctl budget set)."])
                : ReportSection(heading: "Budgets", lines: ["As of \(LocalTime.iso8601(generatedAt, in: timeZone))."], table: budgetTable))
        for (title, column, lines) in [("Top models", "MODEL", topModels), ("Top teams", "TEAM", topTeams), ("Top operations", "OPERATION", topOperations)] {
            out.append(lines.isEmpty ? ReportSection(heading: title, lines: ["No usage."]) : ReportSection(heading: title, table: topTable(column, lines)))
        }
        out.append(
            anomalies.isEmpty
                ? ReportSection(heading: "Anomalies", lines: ["None in this period."])
                : ReportSection(heading: "Anomalies", table: anomalyTable))
        let recHeading = "Recommendations"
        if recommendations.isEmpty {
            out.append(ReportSection(heading: recHeading, lines: ["None open (costctl recommend)."]))
        } else {
            out.append(
                ReportSection(
                    heading: recHeading,
                    lines: ["\(openRecommendations) open, \(Self.usd(openMonthlySaving)) a month together; the top \(recommendations.count):"],
                    table: recommendationTable))
        }
        out.append(monthSection)
        return out
    }

    var monthSection: ReportSection {
        let heading = "Month projection"
        guard let f = monthForecast else { return ReportSection(heading: heading, lines: ["No usage to project."]) }
        let label = LocalTime(timeZone).label(.month, f.month.start)
        var lines = ["\(label): spent \(Self.usd(f.spent)) so far"]
        if f.insufficientData {
            lines[0] += "; too little history to project"
        } else if f.daysRemaining > 0 {
            lines[0] += ", projected \(Self.usd(f.projected)) (95% interval \(Self.usd(f.lower)) – \(Self.usd(f.upper))), trend \(f.trend.label.rawValue)"
        }
        if monthOutlooks.isEmpty { lines.append("No monthly money budget to compare with.") }
        return ReportSection(heading: heading, lines: lines, table: monthOutlooks.isEmpty ? nil : outlookTable)
    }

    var headerLines: [String] {
        var lines = ["\(title): \(periodLabel) (\(zoneName))"]
        lines.append("Compared with \(Self.windowLabel(previousPeriod, kind: kind, zone: timeZone)); generated \(LocalTime.iso8601(generatedAt, in: timeZone))")
        return lines
    }

    static func windowLabel(_ w: PeriodWindow, kind: Kind, zone: TimeZone) -> String {
        let local = LocalTime(zone)
        switch kind {
        case .daily: return local.label(.day, w.start)
        case .weekly: return local.label(.week, w.start)
        case .monthly: return local.label(.month, w.start)
        case .range: return "\(local.label(.day, w.start)) – \(local.label(.day, w.end.addingTimeInterval(-1)))"
        }
    }

    // MARK: - Formatting

    /// `$1,234.57`.
    static func usd(_ m: Money) -> String { grouped(m, places: 2) }

    /// The amount rounded to `places` decimals, with a dollar sign and thousands separators.
    static func grouped(_ m: Money, places: Int) -> String {
        let text = m.formatted(places: places)
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        let parts = body.split(separator: ".", maxSplits: 1)
        let whole = String(parts.first ?? "0")
        var grouped = ""
        for (i, c) in whole.enumerated() {
            if i > 0, (whole.count - i) % 3 == 0 { grouped.append(",") }
            grouped.append(c)
        }
        return (negative ? "-$" : "$") + grouped + (parts.count > 1 ? "." + parts[1] : "")
    }

    static func signedUSD(_ m: Money) -> String { m.isNegative ? usd(m) : "+" + usd(m) }

    /// A cost per request with 4 decimals (`$0.0123`, `$4.1250`), so a column of them aligns.
    static func average(_ m: Money) -> String { grouped(m, places: 4) }

    static func percent(_ ratio: Double) -> String { String(format: "%.1f%%", ratio.isFinite ? ratio * 100 : 0) }

    static func signedPercent(_ ratio: Double) -> String { String(format: "%+.1f%%", ratio.isFinite ? ratio * 100 : 0) }

    static func count(_ n: Int) -> String { UsageReportText.count(n) }

    /// A budget amount in its measure: `$12.50` or `1,200 tokens`.
    static func amount(_ decimal: String, kind: String) -> String {
        if kind == "money" { return Money(decimal).map(usd) ?? "$" + decimal }
        return "\(count(Int(decimal) ?? 0)) \(kind)"
    }

    /// A budget's amount in its units (10⁻¹⁸ USD for money, else a count).
    static func units(_ units: Int128, kind: String) -> String {
        kind == "money" ? usd(Money(units: units)) : "\(count(Int(clamping: units))) \(kind)"
    }

    static func status(_ s: BudgetOutlook.Status) -> String {
        switch s {
        case .onTrack: "on track"
        case .atRisk: "at risk"
        case .over: "over"
        }
    }

    static func anomalyValue(_ v: Double, _ kind: CostAnomaly.Kind) -> String {
        switch kind {
        case .cost: String(format: "$%.2f", v)
        case .tokensPerRequest: "\(count(Int(v.rounded()))) tok/req"
        case .errorRate: String(format: "%.1f%%", v * 100)
        }
    }
}
