import Foundation

/// Escapes text for HTML and SVG content and attribute values: `&`, `<`, `>`, `"` and `'`.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // control characters other than tab and newline are not allowed in HTML text
                if c.value < 0x20 && c != "\t" && c != "\n" { out += "\u{FFFD}" } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }
}

/// Inline SVG charts drawn from numbers: stacked areas, horizontal bars, gauges and a band with a
/// line. Each chart is an `<svg role="img">` labelled by its `<title>` and `<desc>`; colours and
/// text sizes are chosen for WCAG AA contrast on white. Coordinates are `Double` (display only).
enum SVGChart {
    /// Series colours: dark enough for 3:1 against white as graphics, distinct for common colour blindness.
    static let palette = ["#1f5fa8", "#c05a00", "#1d7a4f", "#7b3fa0", "#a8323e", "#5a6470", "#8a6d00", "#0f7c8c"]
    static let ink = "#1b1f24"
    static let muted = "#4f5a66"
    static let grid = "#d6dbe1"
    static let alert = "#b3261e"

    /// `12.5` → `12.5`, with at most `places` decimals and no trailing zeros (compact SVG numbers).
    static func n(_ v: Double, places: Int = 1) -> String {
        guard v.isFinite else { return "0" }
        var text = String(format: "%.\(places)f", v)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// A round upper bound for an axis and its step (`87` → `100`, step 25).
    static func niceScale(_ maximum: Double, ticks: Int = 4) -> (max: Double, step: Double) {
        guard maximum > 0, maximum.isFinite else { return (1, 0.25) }
        let raw = maximum / Double(ticks)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        return (step * Double(ticks), step)
    }

    /// `$1,250`, `$12.5`, `$0.25`: an axis label.
    static func dollars(_ v: Double) -> String {
        if v >= 1000 { return "$" + UsageReportText.count(Int(v.rounded())) }
        if v >= 10 || v == 0 { return "$" + n(v, places: 0) }
        return "$" + n(v, places: 2)
    }

    static func open(id: String, width: Int, height: Int, title: String, desc: String) -> String {
        let t = HTMLText.escape(title)
        let d = HTMLText.escape(desc)
        return """
            <svg id="\(id)" role="img" aria-labelledby="\(id)-title \(id)-desc" viewBox="0 0 \(width) \(height)" \
            width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif">\
            <title id="\(id)-title">\(t)</title><desc id="\(id)-desc">\(d)</desc>
            """
    }

    static func text(_ x: Double, _ y: Double, _ s: String, size: Int = 12, anchor: String = "start", fill: String = muted, weight: String? = nil) -> String {
        let w = weight.map { " font-weight=\"\($0)\"" } ?? ""
        return "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" fill=\"\(fill)\"\(w)>\(HTMLText.escape(s))</text>"
    }

    /// Horizontal grid lines with dollar labels on a plot area.
    static func yAxis(left: Double, right: Double, top: Double, bottom: Double, scale: (max: Double, step: Double)) -> String {
        var out = ""
        var v = 0.0
        while v <= scale.max + scale.step / 2 {
            let y = bottom - (bottom - top) * v / scale.max
            out += "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(right))\" y2=\"\(n(y))\" stroke=\"\(grid)\" stroke-width=\"1\"/>"
            out += text(left - 8, y + 4, dollars(v), anchor: "end")
            v += scale.step
        }
        return out
    }

    /// One marker on a timeline.
    struct Marker {
        var index: Int
        var label: String
    }

    /// Stacked areas over days: `series[k][i]` is series `k` on day `i`; markers circle days.
    static func stackedArea(
        id: String, title: String, desc: String, days: [String], names: [String], series: [[Double]], markers: [Marker]
    ) -> String {
        let width = 960.0, height = 300.0, left = 64.0, right = 944.0, top = 16.0, bottom = 262.0
        let count = days.count
        var totals = [Double](repeating: 0, count: count)
        for s in series { for i in 0..<min(count, s.count) { totals[i] += s[i] } }
        let scale = niceScale(totals.max() ?? 0)
        func x(_ i: Int) -> Double { count <= 1 ? (left + right) / 2 : left + (right - left) * Double(i) / Double(count - 1) }
        func y(_ v: Double) -> Double { bottom - (bottom - top) * min(v, scale.max) / scale.max }
        var out = open(id: id, width: Int(width), height: Int(height), title: title, desc: desc)
        out += yAxis(left: left, right: right, top: top, bottom: bottom, scale: scale)
        var below = [Double](repeating: 0, count: count)
        for (k, s) in series.enumerated() {
            let above = (0..<count).map { below[$0] + (k < series.count && $0 < s.count ? s[$0] : 0) }
            var points: [String] = []
            if count == 1 {
                points = ["\(n(x(0) - 20)),\(n(y(above[0])))", "\(n(x(0) + 20)),\(n(y(above[0])))",
                          "\(n(x(0) + 20)),\(n(y(below[0])))", "\(n(x(0) - 20)),\(n(y(below[0])))"]
            } else {
                points = (0..<count).map { "\(n(x($0))),\(n(y(above[$0])))" } + (0..<count).reversed().map { "\(n(x($0))),\(n(y(below[$0])))" }
            }
            let color = palette[k % palette.count]
            out += "<polygon points=\"\(points.joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.85\" stroke=\"\(color)\" stroke-width=\"1\"><title>\(HTMLText.escape(names[k]))</title></polygon>"
            below = above
        }
        out += "<line x1=\"\(n(left))\" y1=\"\(n(bottom))\" x2=\"\(n(right))\" y2=\"\(n(bottom))\" stroke=\"\(muted)\" stroke-width=\"1\"/>"
        let every = max(1, Int((Double(count) / 8).rounded(.up)))
        for i in stride(from: 0, to: count, by: every) {
            out += text(x(i), bottom + 20, days[i], anchor: count == 1 ? "middle" : i == 0 ? "start" : "middle")
        }
        for m in markers where m.index < count {
            let cx = x(m.index), cy = max(top + 8, y(totals[m.index]) - 10)
            out += "<g class=\"anomaly\"><title>\(HTMLText.escape(m.label))</title>"
            out += "<line x1=\"\(n(cx))\" y1=\"\(n(cy))\" x2=\"\(n(cx))\" y2=\"\(n(bottom))\" stroke=\"\(alert)\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>"
            out += "<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"7\" fill=\"\(alert)\" stroke=\"#ffffff\" stroke-width=\"2\"/>"
            out += "<text x=\"\(n(cx))\" y=\"\(n(cy + 4))\" font-size=\"11\" font-weight=\"700\" text-anchor=\"middle\" fill=\"#ffffff\">!</text></g>"
        }
        return out + "</svg>"
    }

    /// Horizontal bars with a label left and the value right of each bar.
    static func bars(id: String, title: String, desc: String, labels: [String], values: [Double], valueLabels: [String]) -> String {
        let width = 480.0, labelWidth = 180.0, valueWidth = 120.0, rowHeight = 30.0, top = 8.0
        let height = top * 2 + rowHeight * Double(max(1, labels.count))
        let maxValue = values.max() ?? 0
        var out = open(id: id, width: Int(width), height: Int(height), title: title, desc: desc)
        for (i, label) in labels.enumerated() {
            let y = top + rowHeight * Double(i)
            let shown = label.count > 23 ? String(label.prefix(22)) + "…" : label
            out += "<g><title>\(HTMLText.escape("\(label): \(valueLabels[i])"))</title>"
            out += text(labelWidth - 8, y + 19, shown, size: 13, anchor: "end", fill: ink)
            let span = width - labelWidth - valueWidth
            let w = maxValue > 0 ? max(1, span * values[i] / maxValue) : 1
            out += "<rect x=\"\(n(labelWidth))\" y=\"\(n(y + 5))\" width=\"\(n(w))\" height=\"\(n(rowHeight - 10))\" rx=\"3\" fill=\"\(palette[i % palette.count])\"/>"
            out += text(labelWidth + w + 6, y + 19, valueLabels[i], size: 12, fill: ink) + "</g>"
        }
        return out + "</svg>"
    }

    /// A half-circle gauge: `ratio` of the limit used (the arc stops at 100%, the text does not).
    static func gauge(id: String, title: String, desc: String, ratio: Double, caption: String, detail: String) -> String {
        let width = 220.0, height = 150.0, cx = 110.0, cy = 100.0, r = 78.0
        let used = ratio.isFinite ? max(0, ratio) : 0
        let color = used >= 1 ? alert : used >= 0.75 ? "#8a5300" : "#1d7a4f"
        func point(_ share: Double) -> (Double, Double) {
            let angle = Double.pi * (1 - min(1, share))
            return (cx + r * cos(angle), cy - r * sin(angle))
        }
        var out = open(id: id, width: Int(width), height: Int(height), title: title, desc: desc)
        let (ex, ey) = point(1)
        out += "<path d=\"M \(n(cx - r)) \(n(cy)) A \(n(r)) \(n(r)) 0 0 1 \(n(ex)) \(n(ey))\" fill=\"none\" stroke=\"\(grid)\" stroke-width=\"18\"/>"
        if used > 0 {
            let (vx, vy) = point(used)
            out += "<path d=\"M \(n(cx - r)) \(n(cy)) A \(n(r)) \(n(r)) 0 0 1 \(n(vx)) \(n(vy))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"18\"/>"
        }
        out += text(cx, cy - 8, String(format: "%.0f%%", used * 100), size: 26, anchor: "middle", fill: ink, weight: "700")
        out += text(cx, cy + 22, caption.count > 30 ? String(caption.prefix(29)) + "…" : caption, size: 13, anchor: "middle", fill: ink, weight: "600")
        out += text(cx, cy + 40, detail, size: 12, anchor: "middle")
        return out + "</svg>"
    }

    /// A band (lower…upper) with an expected line, an actual line, and horizontal limit lines.
    static func band(
        id: String, title: String, desc: String, days: [String], actual: [Double?], expected: [Double?], lower: [Double?],
        upper: [Double?], limits: [(label: String, value: Double)]
    ) -> String {
        let width = 960.0, height = 300.0, left = 72.0, right = 944.0, top = 16.0, bottom = 262.0
        let count = days.count
        let highest = (actual + expected + upper).compactMap { $0 }.max() ?? 0
        let scale = niceScale(max(highest, limits.map(\.value).max() ?? 0) * 1.05)
        func x(_ i: Int) -> Double { count <= 1 ? (left + right) / 2 : left + (right - left) * Double(i) / Double(count - 1) }
        func y(_ v: Double) -> Double { bottom - (bottom - top) * min(v, scale.max) / scale.max }
        var out = open(id: id, width: Int(width), height: Int(height), title: title, desc: desc)
        out += yAxis(left: left, right: right, top: top, bottom: bottom, scale: scale)
        let banded = (0..<count).filter { lower[$0] != nil && upper[$0] != nil }
        if !banded.isEmpty {
            let points = banded.map { "\(n(x($0))),\(n(y(upper[$0] ?? 0)))" } + banded.reversed().map { "\(n(x($0))),\(n(y(lower[$0] ?? 0)))" }
            out += "<polygon points=\"\(points.joined(separator: " "))\" fill=\"#1f5fa8\" fill-opacity=\"0.18\" stroke=\"#1f5fa8\" stroke-opacity=\"0.5\" stroke-width=\"1\"><title>95% interval</title></polygon>"
        }
        func polyline(_ values: [Double?], color: String, dash: String?, width: Double) -> String {
            let pts = (0..<count).compactMap { i in values[i].map { "\(n(x(i))),\(n(y($0)))" } }
            guard !pts.isEmpty else { return "" }
            let d = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            return "<polyline points=\"\(pts.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(n(width))\"\(d)/>"
        }
        out += polyline(expected, color: "#1f5fa8", dash: "6 4", width: 2)
        out += polyline(actual, color: ink, dash: nil, width: 2.5)
        for limit in limits {
            let ly = y(limit.value)
            out += "<line x1=\"\(n(left))\" y1=\"\(n(ly))\" x2=\"\(n(right))\" y2=\"\(n(ly))\" stroke=\"\(alert)\" stroke-width=\"1.5\" stroke-dasharray=\"8 4\"/>"
            out += text(right - 4, ly - 6, limit.label, anchor: "end", fill: alert, weight: "600")
        }
        out += "<line x1=\"\(n(left))\" y1=\"\(n(bottom))\" x2=\"\(n(right))\" y2=\"\(n(bottom))\" stroke=\"\(muted)\" stroke-width=\"1\"/>"
        let every = max(1, Int((Double(count) / 8).rounded(.up)))
        for i in stride(from: 0, to: count, by: every) { out += text(x(i), bottom + 20, days[i], anchor: i == 0 ? "start" : "middle") }
        return out + "</svg>"
    }
}
