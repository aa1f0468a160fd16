import CostBudget
import CostOptimizer
import CostPricing
import Foundation

extension ReportTable {
    /// An HTML table; every cell escaped, numeric columns right-aligned.
    func html(caption: String? = nil) -> String {
        var out = "<table>"
        if let caption { out += "<caption>\(HTMLText.escape(caption))</caption>" }
        out += "<thead><tr>"
        for c in columns { out += "<th scope=\"col\"\(c.rightAligned ? " class=\"num\"" : "")>\(HTMLText.escape(c.title))</th>" }
        out += "</tr></thead><tbody>"
        for row in rows {
            out += "<tr>"
            for (i, cell) in row.enumerated() {
                let numeric = i < columns.count && columns[i].rightAligned
                out += i == 0 ? "<th scope=\"row\">\(HTMLText.escape(cell))</th>" : "<td\(numeric ? " class=\"num\"" : "")>\(HTMLText.escape(cell))</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    /// The table as a chart's text alternative, folded under "Data table".
    func details(_ summary: String) -> String {
        "<details><summary>\(HTMLText.escape(summary))</summary>\(html())</details>"
    }
}

extension OperationsReport {
    /// One self-contained HTML page: inline CSS, inline SVG charts, no script and no network.
    /// Every chart is an `<svg role="img">` with a title and a description, followed by its data
    /// as a table; every string from the data is escaped.
    func renderHTML() -> String {
        let local = LocalTime(timeZone)
        var body = "<header><h1>\(HTMLText.escape(title))</h1>"
        body += "<p class=\"sub\">\(HTMLText.escape(periodLabel)) · \(HTMLText.escape(zoneName)) · compared with \(HTMLText.escape(Self.windowLabel(previousPeriod, kind: kind, zone: timeZone))) · generated \(HTMLText.escape(LocalTime.iso8601(generatedAt, in: timeZone)))</p></header>"
        body += kpis()

        // daily cost by provider, with the anomalies
        let days = timeline.days.map { String(local.label(.day, $0.day).dropFirst(5)) }
        let series = timeline.providers.indices.map { k in timeline.days.map { $0.costs[k].approximateDollars } }
        var markers: [SVGChart.Marker] = []
        var byDay: [Date: [CostAnomaly]] = [:]
        for a in timeline.anomalies { byDay[local.startOfDay(a.start), default: []].append(a) }
        for (i, d) in timeline.days.enumerated() {
            if let list = byDay[d.day] {
                markers.append(SVGChart.Marker(index: i, label: "\(local.label(.day, d.day)): " + list.map(Self.anomalyPhrase).joined(separator: "; ")))
            }
        }
        let firstDay = timeline.days.first.map { local.label(.day, $0.day) } ?? ""
        let lastDay = timeline.days.last.map { local.label(.day, $0.day) } ?? ""
        body += "<section><h2>Daily cost by provider</h2>"
        body += SVGChart.stackedArea(
            id: "chart-daily-providers", title: "Daily cost by provider, \(firstDay) to \(lastDay)",
            desc: "Stacked areas of each day's cost for \(timeline.providers.joined(separator: ", ")); \(timeline.anomalies.count) anomal\(timeline.anomalies.count == 1 ? "y" : "ies") marked with a red circle. The table below lists the values.",
            days: days, names: timeline.providers, series: series, markers: markers)
        body += legend(timeline.providers) + (markers.isEmpty ? "" : "<p class=\"muted\"><span class=\"dot\" aria-hidden=\"true\">!</span> marks a day with an anomaly (hover for details).</p>")
        if let last = timeline.days.last, generatedAt < timeline.window.end {
            body += "<p class=\"muted\">\(HTMLText.escape(local.label(.day, last.day))) is not over: its cost is up to \(HTMLText.escape(LocalTime.iso8601(generatedAt, in: timeZone))).</p>"
        }
        body += ReportTable(
            columns: [.init(title: "DAY")] + timeline.providers.map { .init(title: $0, rightAligned: true) } + [.init(title: "TOTAL", rightAligned: true), .init(title: "ANOMALIES")],
            rows: timeline.days.map { d in
                [local.label(.day, d.day)] + d.costs.map(Self.usd) + [Self.usd(d.total), (byDay[d.day] ?? []).map(Self.anomalyPhrase).joined(separator: "; ")]
            }
        ).details("Data table: daily cost by provider")
        body += "</section>"

        // cost by model and by team
        body += "<div class=\"grid\">"
        for (name, id, lines) in [("model", "chart-models", topModels), ("team", "chart-teams", topTeams)] {
            body += "<section><h2>Cost by \(name)</h2>"
            if lines.isEmpty {
                body += "<p>No usage in this period.</p>"
            } else {
                body += SVGChart.bars(
                    id: id, title: "Cost by \(name), \(periodLabel)",
                    desc: "Horizontal bars, largest first: " + lines.map { "\($0.name) \(Self.usd($0.cost))" }.joined(separator: ", ") + ".",
                    labels: lines.map(\.name), values: lines.map { $0.cost.approximateDollars },
                    valueLabels: lines.map { "\(Self.usd($0.cost)) · \(Self.percent($0.share))" })
                body += topTable(name.uppercased(), lines).details("Data table: cost by \(name)")
            }
            body += "</section>"
        }
        body += "</div>"

        body += budgetSection()
        body += forecastSection()

        body += "<section><h2>Anomalies in this period</h2>"
        body += anomalies.isEmpty ? "<p>None in this period.</p>" : anomalyTable.html()
        body += "</section>"

        body += recommendationSection()

        body += "<section><h2>Top operations</h2>"
        body += topOperations.isEmpty ? "<p>No usage in this period.</p>" : topTable("OPERATION", topOperations).html()
        body += "</section>"

        if !notes.isEmpty {
            body += "<footer><ul>" + notes.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul></footer>"
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape("\(title): \(periodLabel)"))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <main>
            \(body)
            </main>
            </body>
            </html>

            """
    }

    static func anomalyPhrase(_ a: CostAnomaly) -> String {
        "\(a.scope) \(a.kind.rawValue) \(a.direction) (\(anomalyValue(a.actual, a.kind)), expected \(anomalyValue(a.expected, a.kind)))"
    }

    func legend(_ names: [String]) -> String {
        "<ul class=\"legend\">" + names.enumerated().map { i, name in
            "<li><span class=\"swatch\" style=\"background:\(SVGChart.palette[i % SVGChart.palette.count])\" aria-hidden=\"true\"></span>\(HTMLText.escape(name))</li>"
        }.joined() + "</ul>"
    }

    func kpis() -> String {
        func card(_ label: String, _ value: String, _ detail: String, tone: String = "") -> String {
            "<div class=\"kpi\"><div class=\"kpi-label\">\(HTMLText.escape(label))</div><div class=\"kpi-value\">\(HTMLText.escape(value))</div><div class=\"kpi-detail \(tone)\">\(HTMLText.escape(detail))</div></div>"
        }
        var cards = card(
            "Cost", Self.usd(totals.cost),
            change.costRatio.map { "\(Self.signedPercent($0)) vs previous (\(Self.usd(previousTotals.cost)))" } ?? "previous: \(Self.usd(previousTotals.cost))",
            tone: change.cost.isNegative ? "good" : (change.costRatio ?? 0) > 0.1 ? "bad" : "")
        cards += card("Requests", Self.count(totals.requests), "avg \(totals.averageCost.map(Self.average) ?? "-") per request")
        cards += card("Cache hit rate", totals.cacheHitRate.map(Self.percent) ?? "-", "cache reads / input tokens")
        if let f = monthForecast, !f.insufficientData {
            cards += card("Month projection", Self.usd(f.projected), "95%: \(Self.usd(f.lower)) – \(Self.usd(f.upper))")
        } else {
            cards += card("Month projection", "-", "too little history")
        }
        cards += card("Open recommendations", Self.usd(openMonthlySaving), "a month, \(openRecommendations) open")
        return "<section class=\"kpis\" aria-label=\"Key figures\">\(cards)</section>"
    }

    func budgetSection() -> String {
        var out = "<section><h2>Budgets</h2>"
        guard !budgets.isEmpty else { return out + "<p>No budgets set.</p></section>" }
        out += "<div class=\"gauges\">"
        for (i, b) in budgets.enumerated() {
            let detail = "\(Self.amount(b.spent, kind: b.budget.limitKind)) of \(b.budget.limitText)"
            out += "<figure class=\"gauge\">" + SVGChart.gauge(
                id: "chart-budget-\(i + 1)", title: "Budget \(b.budget.name): \(Self.percent(b.utilization)) used",
                desc: "\(b.budget.scope), \(b.budget.period): \(detail)" + (b.level.map { ", level \($0)" } ?? ""),
                ratio: b.utilization, caption: b.budget.name, detail: detail) + "</figure>"
        }
        out += "</div>"
        return out + budgetTable.details("Data table: budgets") + "</section>"
    }

    func forecastSection() -> String {
        var out = "<section><h2>Month forecast</h2>"
        guard let f = monthForecast, !forecastPath.isEmpty else { return out + "<p>No usage to project.</p></section>" }
        let local = LocalTime(timeZone)
        let label = local.label(.month, f.month.start)
        let limits = monthOutlooks.filter { $0.scope == "all" }.map { (label: "budget \($0.outlook.budget) \(Self.usd($0.outlook.limit))", value: $0.outlook.limit.approximateDollars) }
        let p = forecastPath
        out += SVGChart.band(
            id: "chart-forecast", title: "Cumulative cost in \(label): actual and forecast with its 95% interval",
            desc: f.insufficientData
                ? "Spent \(Self.usd(f.spent)) so far; too little history to forecast."
                : "Spent \(Self.usd(f.spent)) so far; projected \(Self.usd(f.projected)) at the month's end, 95% interval \(Self.usd(f.lower)) to \(Self.usd(f.upper)).",
            days: p.map { String(local.label(.day, $0.day).dropFirst(5)) }, actual: p.map { $0.actual?.approximateDollars },
            expected: p.map { $0.expected?.approximateDollars }, lower: p.map { $0.lower?.approximateDollars },
            upper: p.map { $0.upper?.approximateDollars }, limits: limits)
        out += "<ul class=\"legend\"><li><span class=\"swatch\" style=\"background:\(SVGChart.ink)\" aria-hidden=\"true\"></span>spent so far</li><li><span class=\"swatch dashed\" aria-hidden=\"true\"></span>forecast</li><li><span class=\"swatch band\" aria-hidden=\"true\"></span>95% interval</li>\(limits.isEmpty ? "" : "<li><span class=\"swatch\" style=\"background:\(SVGChart.alert)\" aria-hidden=\"true\"></span>budget</li>")</ul>"
        out += ReportTable(
            columns: [.init(title: "DAY"), .init(title: "SPENT SO FAR", rightAligned: true), .init(title: "FORECAST", rightAligned: true),
                      .init(title: "95% INTERVAL", rightAligned: true)],
            rows: p.map { point in
                [local.label(.day, point.day), point.actual.map(Self.usd) ?? "", point.expected.map(Self.usd) ?? "",
                 point.lower.flatMap { l in point.upper.map { "\(Self.usd(l)) – \(Self.usd($0))" } } ?? ""]
            }
        ).details("Data table: cumulative cost and forecast")
        if !monthOutlooks.isEmpty { out += outlookTable.html(caption: "Monthly budgets against their scope's projection") }
        return out + "</section>"
    }

    func recommendationSection() -> String {
        var out = "<section><h2>Recommendations</h2>"
        guard !recommendations.isEmpty else { return out + "<p>None open.</p></section>" }
        out += "<p>\(openRecommendations) open, \(HTMLText.escape(Self.usd(openMonthlySaving))) a month together.</p><div class=\"cards\">"
        for r in recommendations {
            let rec = r.recommendation
            out += "<article class=\"card\"><h3>\(HTMLText.escape(rec.title))</h3>"
            out += "<p class=\"saving\">\(HTMLText.escape(Self.usd(rec.monthlySaving)))<span> a month</span></p>"
            out += "<dl><dt>Confidence</dt><dd>\(HTMLText.escape(Self.percent(rec.confidence.value)))</dd><dt>Difficulty</dt><dd>\(HTMLText.escape(rec.difficulty.rawValue))</dd><dt>Risk</dt><dd>\(HTMLText.escape(rec.risk.rawValue))</dd><dt>Scope</dt><dd>\(HTMLText.escape(rec.scope))</dd></dl>"
            out += "<p class=\"muted\">\(HTMLText.escape(rec.rationale))</p><p class=\"id\">\(HTMLText.escape(r.id)) · \(HTMLText.escape(r.status.rawValue))</p></article>"
        }
        return out + "</div></section>"
    }

    /// Screen and print styles; text colours have at least 4.5:1 contrast on their background.
    static let css = """
        :root{color-scheme:light;--ink:#1b1f24;--muted:#4f5a66;--line:#d6dbe1;--bg:#f4f6f8;--card:#ffffff;--accent:#1f5fa8;--bad:#b3261e;--good:#1d6b3a}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        main{max-width:1040px;margin:0 auto;padding:24px 20px 40px}
        h1{font-size:26px;margin:0 0 4px}h2{font-size:18px;margin:0 0 12px}h3{font-size:15px;margin:0 0 6px}
        .sub,.muted{color:var(--muted)}.sub{margin:0 0 18px}
        section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:0 0 16px}
        .kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;background:none;border:0;padding:0}
        .kpi{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
        .kpi-label{color:var(--muted);font-size:13px}.kpi-value{font-size:24px;font-weight:700}.kpi-detail{font-size:13px;color:var(--muted)}
        .kpi-detail.bad{color:var(--bad)}.kpi-detail.good{color:var(--good)}
        .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}.grid section{margin:0 0 16px}
        svg{display:block;max-width:100%;height:auto}
        .legend{list-style:none;display:flex;flex-wrap:wrap;gap:6px 16px;padding:0;margin:8px 0;font-size:13px}
        .swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
        .swatch.dashed{background:repeating-linear-gradient(90deg,#1f5fa8 0 5px,transparent 5px 8px);height:4px;vertical-align:3px}
        .swatch.band{background:rgba(31,95,168,.25);border:1px solid rgba(31,95,168,.6)}
        .dot{display:inline-block;width:16px;height:16px;border-radius:50%;background:var(--bad);color:#fff;font-size:11px;font-weight:700;text-align:center;line-height:16px}
        .gauges{display:flex;flex-wrap:wrap;gap:12px}.gauge{margin:0;width:220px}
        table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
        caption{text-align:left;font-weight:600;padding:4px 0}
        th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
        thead th{color:var(--muted);font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
        details{margin-top:8px}summary{cursor:pointer;color:var(--accent);font-size:13px}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:12px}
        .card{border:1px solid var(--line);border-left:4px solid var(--accent);border-radius:6px;padding:12px;overflow-wrap:anywhere}
        .saving{font-size:22px;font-weight:700;margin:4px 0}.saving span{font-size:13px;font-weight:400;color:var(--muted)}
        dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:6px 0;font-size:13px}dt{color:var(--muted)}dd{margin:0}
        .id{font-size:12px;color:var(--muted);margin:4px 0 0;word-break:break-all}
        footer{color:var(--muted);font-size:13px}
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        @media print{
        @page{margin:12mm}
        *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
        body{background:#fff;font-size:11pt}main{max-width:none;padding:0}
        section,.kpi,.card{break-inside:avoid;box-shadow:none}
        .grid{grid-template-columns:1fr 1fr}
        details{display:none}
        }
        """
}
