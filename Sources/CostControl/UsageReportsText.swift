import Foundation

/// The ccusage-style reports as tables for people.
///
/// For example (`costctl daily --breakdown`):
/// ```
/// DATE        MODELS          INPUT   OUTPUT  CACHE CREATE  CACHE READ  TOTAL TOKENS    COST
/// 2026-11-20  gpt-4o          3,000      800             0       9,000        12,800   $0.03
///   └ gpt-4o                  3,000      800             0       9,000        12,800   $0.03
/// ```
public enum UsageReportsText {
    static let tokenHeader = ["INPUT", "OUTPUT", "CACHE CREATE", "CACHE READ", "TOTAL TOKENS", "COST"]

    static func tokenCells(_ a: ReportAmounts) -> [String] {
        let t = a.tokens
        var cost = a.cost.formatted(places: 2, currencySymbol: true)
        if a.unpricedEvents > 0 { cost += "*" }
        return [count(t.input), count(t.output), count(t.cacheCreation), count(t.cacheRead), count(t.total), cost]
    }

    static func count(_ n: Int) -> String { UsageReportText.count(n) }

    /// A day, week or month table, with one line per model under each row when `breakdown` is set.
    public static func render(_ report: PeriodReport, breakdown: Bool = false) -> String {
        let first = report.period == .weekly ? "WEEK OF" : report.period == .monthly ? "MONTH" : "DATE"
        var body: [[String]] = []
        for row in report.rows {
            body.append([row.period, modelsCell(row.models.map(\.model))] + tokenCells(row.amounts))
            if breakdown {
                for model in row.models { body.append(["  └ " + model.model, ""] + tokenCells(model.amounts)) }
            }
        }
        body.append(["TOTAL", ""] + tokenCells(report.totals))
        var out = tableText([first, "MODELS"] + tokenHeader, body, numericFrom: 2)
        out += footer(coverage: report.coverage, zone: report.timeZone, notes: report.notes)
        return out
    }

    /// One row per session, most expensive first.
    public static func render(_ report: SessionReport, breakdown: Bool = false) -> String {
        var body: [[String]] = []
        let local = LocalTime(report.timeZone)
        for row in report.sessions {
            body.append(
                [row.session, row.project ?? "-", modelsCell(row.models.map(\.model))] + tokenCells(row.amounts)
                    + [local.label(.hour, row.lastActivity)])
            if breakdown {
                for model in row.models { body.append(["  └ " + model.model, "", ""] + tokenCells(model.amounts) + [""]) }
            }
        }
        body.append(["TOTAL", "", ""] + tokenCells(report.totals) + [""])
        var out = tableText(["SESSION", "PROJECT", "MODELS"] + tokenHeader + ["LAST ACTIVITY"], body, numericFrom: 3, numericCount: 6)
        var notes: [String] = []
        if report.eventsWithoutSession > 0 {
            notes.append("\(count(report.eventsWithoutSession)) events without a session id are not listed")
        }
        out += footer(coverage: report.coverage, zone: report.timeZone, notes: notes)
        return out
    }

    /// One row per block (gaps included), then the active block's burn rate and projection.
    public static func render(_ report: BlocksReport) -> String {
        let local = LocalTime(report.timeZone)
        var header = ["BLOCK START", "DURATION/STATUS", "MODELS", "TOKENS"]
        if report.tokenLimit != nil { header.append("% OF LIMIT") }
        header.append("COST")
        var body: [[String]] = []
        for block in report.blocks {
            let start = local.label(.hour, block.start)
            if block.isGap {
                let hours = Int(block.end.timeIntervalSince(block.start) / 3600)
                var row = [start, "(\(hours)h gap)", "-", "-"]
                if report.tokenLimit != nil { row.append("-") }
                body.append(row + ["-"])
                continue
            }
            let status: String
            if block.isActive {
                let elapsed = Int(report.now.timeIntervalSince(block.start) / 60)
                let remaining = Int(block.end.timeIntervalSince(report.now) / 60)
                status = "ACTIVE (\(duration(elapsed)) elapsed, \(duration(remaining)) left)"
            } else {
                status = duration(Int((block.lastEvent ?? block.start).timeIntervalSince(block.start) / 60))
            }
            var row = [start, status, modelsCell(block.models), count(block.amounts.tokens.total)]
            if let limit = report.tokenLimit {
                row.append(String(format: "%.1f%%", Double(block.amounts.tokens.total) / Double(limit) * 100))
            }
            var cost = block.amounts.cost.formatted(places: 2, currencySymbol: true)
            if block.amounts.unpricedEvents > 0 { cost += "*" }
            body.append(row + [cost])
        }
        let numeric = Set(3..<header.count)
        var out = UsageReportText.table(header, body, rightAligned: numeric, separatorBefore: body.count)
            .joined(separator: "\n") + "\n"
        var lines: [String] = []
        if let active = report.active {
            if let rate = active.burnRate {
                lines.append(
                    "burn rate: \(count(Int(rate.tokensPerMinute.rounded()))) tokens/min, \(String(format: "$%.2f", rate.costPerHour))/h")
            }
            if let projection = active.projection {
                lines.append(
                    "projected by \(local.label(.hour, active.end)): \(count(projection.totalTokens)) tokens, \(String(format: "$%.2f", projection.totalCost)) (\(duration(projection.remainingMinutes)) left)")
            }
            if let status = active.tokenLimitStatus {
                lines.append(
                    "limit \(count(status.limit)) tokens: \(count(active.amounts.tokens.total)) used, projected \(String(format: "%.1f%%", status.percentUsed)) (\(status.status.rawValue))")
            }
        }
        if report.tokenLimit == nil, report.largestBlockTokens > 0 {
            lines.append("largest finished block: \(count(report.largestBlockTokens)) tokens (--token-limit max measures against it)")
        }
        out += lines.map { $0 + "\n" }.joined()
        out += footer(coverage: report.coverage, zone: report.timeZone, notes: [])
        return out
    }

    /// `unpriced` models as a table: what `costctl pricing missing` prints.
    public static func render(missing coverage: PricingCoverage) -> String {
        guard !coverage.models.isEmpty else {
            return "Every event in the range has a price (\(count(coverage.events)) events, \(count(coverage.tokens)) tokens).\n"
        }
        let header = ["PROVIDER", "MODEL", "UNPRICED EVENTS", "OF EVENTS", "UNPRICED TOKENS", "STATUS"]
        let body = coverage.models.map { m in
            let status: String =
                switch m.pricedNow {
                case true?: "priced now: costctl reprice --where model=\(m.model)"
                case false?: m.reason ?? "no price"
                case nil: m.reason ?? ""
                }
            return [m.provider, m.model, count(m.unpricedEvents), count(m.events), count(m.tokens.total), status]
        }
        var out = UsageReportText.table(header, body, rightAligned: [2, 3, 4], separatorBefore: body.count)
            .joined(separator: "\n") + "\n"
        if let summary = coverage.summary { out += summary + "\n" }
        if coverage.models.contains(where: { $0.pricedNow == false }) {
            out += "add a price with `costctl pricing import FILE` (or --prices FILE), then `costctl reprice` fixes the history\n"
        }
        out += coverage.notes.map { "note: \($0)\n" }.joined()
        return out
    }

    /// The first three models (dated snapshot suffixes dropped), then how many more.
    static func modelsCell(_ models: [String]) -> String {
        let short = models.map { name in
            name.replacingOccurrences(of: "-20[0-9]{6}$", with: "", options: .regularExpression)
        }
        let shown = short.prefix(3).joined(separator: ", ")
        return short.count > 3 ? shown + " +\(short.count - 3)" : shown
    }

    static func duration(_ minutes: Int) -> String {
        let m = max(0, minutes)
        return m >= 60 ? "\(m / 60)h \(m % 60)m" : "\(m)m"
    }

    static func tableText(_ header: [String], _ body: [[String]], numericFrom: Int, numericCount: Int? = nil) -> String {
        let numeric = Set(numericFrom..<(numericFrom + (numericCount ?? (header.count - numericFrom))))
        return UsageReportText.table(header, body, rightAligned: numeric, separatorBefore: body.count - 1)
            .joined(separator: "\n") + "\n"
    }

    static func footer(coverage: PricingCoverage, zone: TimeZone, notes: [String]) -> String {
        var lines: [String] = []
        if let summary = coverage.summary {
            lines.append("* \(summary) (not in the cost; `costctl pricing missing` lists them)")
        }
        lines += coverage.notes.map { "note: \($0)" }
        lines.append("times in \(UsageReportText.displayName(zone))")
        lines += notes.map { "note: \($0)" }
        return lines.map { $0 + "\n" }.joined()
    }
}
