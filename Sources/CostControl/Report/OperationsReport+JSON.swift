import CostBudget
import CostOptimizer
import CostPricing
import Foundation

// The report's JSON: snake_case keys, stable across versions (new keys may be added), money as
// exact decimal strings, instants as ISO 8601 in the report's zone, ratios as numbers.

extension OperationsReport {
    func renderJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(ReportJSON(self)), as: UTF8.self) + "\n"
    }
}

/// A finite number or nothing (JSON has no NaN).
private func finite(_ v: Double?) -> Double? {
    guard let v, v.isFinite else { return nil }
    return (v * 1_000_000).rounded() / 1_000_000
}

struct ReportJSON: Encodable {
    struct Window: Encodable {
        var start: String
        var end: String
        init(_ w: PeriodWindow, _ zone: TimeZone) {
            start = LocalTime.iso8601(w.start, in: zone)
            end = LocalTime.iso8601(w.end, in: zone)
        }
    }

    struct Totals: Encodable {
        var costUsd: Money
        var requests: Int
        var events: Int
        var tokens: Int
        var inputTokens: Int
        var outputTokens: Int
        var cacheReadTokens: Int
        var cacheHitRate: Double?
        var averageCostUsd: Money?
        var errors: Int
        var rateLimited: Int
        var unpriced: Int
        init(_ t: OperationsReport.Totals) {
            costUsd = t.cost
            requests = t.requests
            events = t.events
            tokens = t.tokens
            inputTokens = t.inputTokens
            outputTokens = t.outputTokens
            cacheReadTokens = t.cacheReadTokens
            cacheHitRate = finite(t.cacheHitRate)
            averageCostUsd = t.averageCost
            errors = t.errors
            rateLimited = t.rateLimited
            unpriced = t.unpriced
        }
    }

    struct Change: Encodable {
        var costUsd: Money
        /// The relative change of cost (a ratio, not money), under the JSON key `cost`.
        var costRatio: Double?
        var requests: Double?
        var tokens: Double?
        var cacheHitRatePoints: Double?

        enum CodingKeys: String, CodingKey {
            case costUsd, costRatio = "cost", requests, tokens, cacheHitRatePoints
        }
    }

    struct Line: Encodable {
        var name: String
        var requests: Int
        var tokens: Int
        var costUsd: Money
        var averageCostUsd: Money?
        var share: Double?
        init(_ l: OperationsReport.Line) {
            name = l.name
            requests = l.requests
            tokens = l.tokens
            costUsd = l.cost
            averageCostUsd = l.averageCost
            share = finite(l.share)
        }
    }

    struct Budget: Encodable {
        var name: String
        var scope: String
        var period: String
        var limitKind: String
        var limit: String
        var spent: String
        var held: String
        var remaining: String
        var utilization: Double?
        var level: String?
        var projected: String?
        var projectedUtilization: Double?
        var onTrack: Bool?
        init(_ b: BudgetStatusReport) {
            name = b.budget.name
            scope = b.budget.scope
            period = b.budget.period
            limitKind = b.budget.limitKind
            limit = b.budget.limit
            spent = b.spent
            held = b.held
            remaining = b.remaining
            utilization = finite(b.utilization)
            level = b.level
            if let p = b.projection, !p.isRolling {
                projected = b.budget.limitKind == "money" ? Money(units: p.projectedSpend).decimalString : String(p.projectedSpend)
                projectedUtilization = finite(p.projectedUtilization)
                onTrack = p.isOnTrack
            }
        }
    }

    struct Anomaly: Encodable {
        var day: String
        var scope: String
        var kind: String
        var direction: String
        var actual: Double?
        var expected: Double?
        var zScore: Double?
        var costUsd: Money
        init(_ a: CostAnomaly, _ zone: TimeZone) {
            day = LocalTime(zone).label(.day, a.start)
            scope = a.scope.description
            kind = a.kind.rawValue
            direction = a.direction
            actual = finite(a.actual)
            expected = finite(a.expected)
            zScore = finite(a.zScore)
            costUsd = a.cost
        }
    }

    struct Recommendation: Encodable {
        var id: String
        var kind: String
        var scope: String
        var title: String
        var status: String
        var monthlySavingUsd: Money
        var confidence: Double?
        var difficulty: String
        var risk: String
        init(_ r: RecommendationRecord) {
            id = r.id
            kind = r.recommendation.kind.rawValue
            scope = r.recommendation.scope
            title = r.recommendation.title
            status = r.status.rawValue
            monthlySavingUsd = r.recommendation.monthlySaving
            confidence = finite(r.recommendation.confidence.value)
            difficulty = r.recommendation.difficulty.rawValue
            risk = r.recommendation.risk.rawValue
        }
    }

    struct Recommendations: Encodable {
        var open: Int
        var monthlySavingUsd: Money
        var top: [Recommendation]
    }

    struct Outlook: Encodable {
        var scope: String
        var budget: String
        var limitUsd: Money
        var projectedUsd: Money
        var lowerUsd: Money
        var upperUsd: Money
        var status: String
        var overLimitProbability: Double?
    }

    struct Month: Encodable {
        var month: String
        var spentUsd: Money
        var projectedUsd: Money?
        var lowerUsd: Money?
        var upperUsd: Money?
        var trend: String
        var daysRemaining: Double?
        var budgets: [Outlook]
    }

    struct Day: Encodable {
        var day: String
        var totalUsd: Money
        var byProvider: [ProviderCost]
    }

    struct ProviderCost: Encodable {
        var provider: String
        var costUsd: Money
    }

    var kind: String
    var period: Window
    var previousPeriod: Window
    var label: String
    var timeZone: String
    var generatedAt: String
    var complete: Bool
    var totals: Totals
    var previousTotals: Totals
    var change: Change
    var budgets: [Budget]
    var topModels: [Line]
    var topTeams: [Line]
    var topOperations: [Line]
    var anomalies: [Anomaly]
    var recommendations: Recommendations
    var monthProjection: Month?
    var timeline: [Day]
    var notes: [String]

    init(_ r: OperationsReport) {
        let zone = r.timeZone
        kind = r.kind.rawValue
        period = Window(r.period, zone)
        previousPeriod = Window(r.previousPeriod, zone)
        label = r.periodLabel
        timeZone = r.zoneName
        generatedAt = LocalTime.iso8601(r.generatedAt, in: zone)
        complete = r.isComplete
        totals = Totals(r.totals)
        previousTotals = Totals(r.previousTotals)
        change = Change(
            costUsd: r.change.cost, costRatio: finite(r.change.costRatio), requests: finite(r.change.requestsRatio),
            tokens: finite(r.change.tokensRatio), cacheHitRatePoints: finite(r.change.cacheHitRateDelta.map { $0 * 100 }))
        budgets = r.budgets.map(Budget.init)
        topModels = r.topModels.map(Line.init)
        topTeams = r.topTeams.map(Line.init)
        topOperations = r.topOperations.map(Line.init)
        anomalies = r.anomalies.map { Anomaly($0, zone) }
        recommendations = Recommendations(
            open: r.openRecommendations, monthlySavingUsd: r.openMonthlySaving, top: r.recommendations.map(Recommendation.init))
        monthProjection = r.monthForecast.map { f in
            let projected = !f.insufficientData
            return Month(
                month: LocalTime(zone).label(.month, f.month.start), spentUsd: f.spent, projectedUsd: projected ? f.projected : nil,
                lowerUsd: projected ? f.lower : nil, upperUsd: projected ? f.upper : nil, trend: f.trend.label.rawValue,
                daysRemaining: finite(f.daysRemaining),
                budgets: r.monthOutlooks.map { o in
                    Outlook(
                        scope: o.scope, budget: o.outlook.budget, limitUsd: o.outlook.limit, projectedUsd: o.projected, lowerUsd: o.lower,
                        upperUsd: o.upper, status: o.outlook.status.rawValue, overLimitProbability: finite(o.outlook.overLimitProbability))
                })
        }
        let providers = r.timeline.providers
        timeline = r.timeline.days.map { d in
            Day(
                day: LocalTime(zone).label(.day, d.day), totalUsd: d.total,
                byProvider: zip(providers, d.costs).map { ProviderCost(provider: $0, costUsd: $1) })
        }
        notes = r.notes
    }
}
