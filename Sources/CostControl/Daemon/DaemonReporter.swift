public import CostBudget
public import CostOptimizer
public import CostPricing
public import Foundation

/// Which report a job asks for.
public struct DaemonReportRequest: Sendable, Hashable {
    public enum Period: String, Sendable, Hashable, Codable {
        case daily
        case weekly
    }

    public var period: Period
    /// The first local day of the period, `YYYY-MM-DD`.
    public var date: String
    /// The period's bounds: local midnight to local midnight, `[start, end)`.
    public var start: Date
    public var end: Date
    public var timeZone: TimeZone

    public init(period: Period, date: String, start: Date, end: Date, timeZone: TimeZone) {
        self.period = period
        self.date = date
        self.start = start
        self.end = end
        self.timeZone = timeZone
    }

    /// The outbox idempotency key: `report:daily:2026-11-20`, `report:weekly:2026-11-16`.
    public var key: String { "report:\(period.rawValue):\(date)" }

    /// The request for the period before the one containing `slot`: yesterday for `.daily`, last
    /// week (Monday to Sunday) for `.weekly`, in `timeZone`.
    public static func previous(_ period: Period, before slot: Date, in timeZone: TimeZone) -> DaemonReportRequest {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let today = calendar.startOfDay(for: slot)
        let start: Date
        let end: Date
        switch period {
        case .daily:
            end = today
            start = calendar.date(byAdding: .day, value: -1, to: today) ?? today.addingTimeInterval(-86_400)
        case .weekly:
            let sinceMonday = (calendar.component(.weekday, from: today) + 5) % 7
            end = calendar.date(byAdding: .day, value: -sinceMonday, to: today) ?? today
            start = calendar.date(byAdding: .day, value: -7, to: end) ?? end.addingTimeInterval(-7 * 86_400)
        }
        return DaemonReportRequest(period: period, date: localDate(start, in: timeZone), start: start, end: end, timeZone: timeZone)
    }

    /// `instant`'s local date in `timeZone`, `YYYY-MM-DD`.
    public static func localDate(_ instant: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return CivilDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1).description
    }
}

/// A rendered report: what the channels get.
public struct DaemonReport: Sendable, Hashable {
    /// One line (a subject, a chat headline).
    public var title: String
    /// Plain text, aligned (email, terminal).
    public var text: String
    /// Markdown (Slack, Discord, Teams).
    public var markdown: String
    /// JSON (the generic webhook, the command hook).
    public var json: Data

    public init(title: String, text: String, markdown: String, json: Data) {
        self.title = title
        self.text = text
        self.markdown = markdown
        self.json = json
    }

    /// The report as an outbox alert of kind ``AlertKind/report`` under `request`'s key.
    public func alert(for request: DaemonReportRequest, at instant: Date) -> Alert {
        Alert(
            key: request.key, kind: .report, severity: .info, at: instant, scope: "report=\(request.period.rawValue)", title: title,
            message: text,
            data: [
                Alert.reportTextKey: text, Alert.reportMarkdownKey: markdown, Alert.reportJSONKey: String(decoding: json, as: UTF8.self),
                "period": request.period.rawValue, "date": request.date,
            ])
    }
}

/// Makes the reports the `report` and `weekly-summary` jobs send. The daemon does not build
/// report content itself: whoever starts it injects the reporter (the CLI passes
/// ``operations(ledger:budgets:recommendations:userHasher:now:)``).
///
/// For example:
/// ```swift
/// let reporter = DaemonReporter { request in
///     DaemonReport(title: "usage \(request.date)", text: "…", markdown: "…", json: Data("{}".utf8))
/// }
/// ```
public struct DaemonReporter: Sendable {
    public let make: @Sendable (DaemonReportRequest) async throws -> DaemonReport

    public init(_ make: @escaping @Sendable (DaemonReportRequest) async throws -> DaemonReport) {
        self.make = make
    }

    /// The operations report (``OperationsReport``: totals and the change against the period
    /// before, budget status, top models, teams and operations, cache hit rate, anomalies, open
    /// recommendations, the month projection) of the request's day or week, rendered as text,
    /// Markdown and JSON. Budgets and recommendations are read as they stand when the job runs.
    ///
    /// - parameters:
    ///   - budgets, recommendations: the stores shown (`nil`: that section is left out).
    ///   - now: the clock the budgets' projections and the month forecast are taken at.
    public static func operations(
        ledger: some UsageLedger, budgets: (any BudgetStore)?, recommendations: (any RecommendationStore)?,
        userHasher: (any IdentifierHasher)? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) -> DaemonReporter {
        DaemonReporter { request in
            let kind: OperationsReport.Kind = request.period == .daily ? .daily : .weekly
            let report = try await OperationsReport.build(
                ledger: ledger, budgets: budgets, recommendations: recommendations, kind: kind, date: request.start,
                timeZone: request.timeZone, at: now(), userHasher: userHasher)
            let title = "\(report.title) \(report.periodLabel): \(report.totals.cost.formatted(places: 2, currencySymbol: true))"
            return DaemonReport(
                title: title, text: try report.render(.text), markdown: try report.render(.markdown),
                json: Data(try report.render(.json).utf8))
        }
    }
}
