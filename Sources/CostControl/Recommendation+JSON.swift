public import CostOptimizer
public import Foundation

// The JSON of `costctl recommend`: snake_case, money as exact decimal strings of dollars, ratios
// rounded to four decimals, times in ISO 8601 UTC. Documented in Documentation/Optimizer.md.

/// One stored recommendation: the finding (saving, confidence with its components, difficulty,
/// risk, priority, actions, evidence) and its lifecycle (status, stale, reason, implemented_at,
/// verification; with `history`, every entry).
public struct RecommendationJSON: Encodable, Sendable {
    public var record: RecommendationRecord
    public var includeHistory: Bool

    public init(_ record: RecommendationRecord, includeHistory: Bool = false) {
        self.record = record
        self.includeHistory = includeHistory
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        let r = record.recommendation
        try c.encode(r.id, forKey: AnyKey("id"))
        try c.encode(r.kind.rawValue, forKey: AnyKey("kind"))
        try c.encode(r.scope, forKey: AnyKey("scope"))
        try c.encode(r.title, forKey: AnyKey("title"))
        try c.encode(r.rationale, forKey: AnyKey("rationale"))
        try c.encode(r.monthlySaving, forKey: AnyKey("monthly_saving"))
        try c.encode(PlanFitJSON.round(r.confidence.value), forKey: AnyKey("confidence"))
        try c.encode(r.confidence.components.mapValues(PlanFitJSON.round), forKey: AnyKey("confidence_components"))
        try c.encode(r.confidence.notes, forKey: AnyKey("confidence_notes"))
        try c.encode(r.difficulty.rawValue, forKey: AnyKey("difficulty"))
        try c.encode(r.risk.rawValue, forKey: AnyKey("risk"))
        try c.encode(PlanFitJSON.round(r.priority), forKey: AnyKey("priority"))
        try c.encode(r.actions.map(ActionJSON.init), forKey: AnyKey("actions"))
        try c.encode(r.evidence, forKey: AnyKey("evidence"))
        try c.encode(r.baselineMonthlySpend, forKey: AnyKey("baseline_monthly_spend"))
        try c.encode(record.baselineDays, forKey: AnyKey("baseline_days"))
        try c.encode(record.status.rawValue, forKey: AnyKey("status"))
        try c.encode(record.isStale, forKey: AnyKey("stale"))
        try c.encode(record.reason, forKey: AnyKey("reason"))
        try c.encode(record.implementedAt.map(Timestamp.format), forKey: AnyKey("implemented_at"))
        try c.encode(record.verification.map(VerificationJSON.init), forKey: AnyKey("verification"))
        try c.encode(Timestamp.format(record.firstSeen), forKey: AnyKey("first_seen"))
        try c.encode(Timestamp.format(record.lastSeen), forKey: AnyKey("last_seen"))
        if includeHistory { try c.encode(record.history.map(EventJSON.init), forKey: AnyKey("history")) }
    }
}

/// `costctl recommend --json`: the window, what the refresh did, and the ranked recommendations.
public struct RecommendationRunJSON: Encodable, Sendable {
    public var run: RecommendationEngine.Run
    public var scope: String?
    public var notices: [AutoExecutionNotice]

    public init(_ run: RecommendationEngine.Run, scope: String?, notices: [AutoExecutionNotice] = []) {
        self.run = run
        self.scope = scope
        self.notices = notices
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(Timestamp.format(run.window.start), forKey: AnyKey("since"))
        try c.encode(Timestamp.format(run.window.end), forKey: AnyKey("until"))
        try c.encode(scope ?? "global", forKey: AnyKey("scope"))
        try c.encode(run.upsert.added, forKey: AnyKey("added"))
        try c.encode(run.upsert.refreshed, forKey: AnyKey("refreshed"))
        try c.encode(run.upsert.stale, forKey: AnyKey("stale"))
        try c.encode(run.records.map { RecommendationJSON($0) }, forKey: AnyKey("recommendations"))
        try c.encode(run.notes, forKey: AnyKey("notes"))
        try c.encode(notices.map(NoticeJSON.init), forKey: AnyKey("auto_actions"))
    }
}

/// An auto-execution notice.
public struct NoticeJSON: Encodable, Sendable {
    public var notice: AutoExecutionNotice

    public init(_ notice: AutoExecutionNotice) { self.notice = notice }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(notice.recommendationID, forKey: AnyKey("id"))
        try c.encode(Timestamp.format(notice.at), forKey: AnyKey("at"))
        try c.encode(notice.succeeded, forKey: AnyKey("succeeded"))
        try c.encode(notice.message, forKey: AnyKey("message"))
    }
}

struct ActionJSON: Encodable {
    var action: RecommendationAction

    func encode(to encoder: any Encoder) throws {
        // the library's Codable shape: `type` plus the action's fields, already snake-free single words
        try action.encode(to: encoder)
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(action.summary, forKey: AnyKey("summary"))
    }
}

struct VerificationJSON: Encodable {
    var verification: RecommendationVerification

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(verification.actualSaving, forKey: AnyKey("actual_saving"))
        try c.encode(verification.afterMonthlySpend, forKey: AnyKey("after_monthly_spend"))
        try c.encode(verification.baselineMonthlySpend, forKey: AnyKey("baseline_monthly_spend"))
        try c.encode(verification.window.map { Timestamp.format($0.start) }, forKey: AnyKey("window_start"))
        try c.encode(verification.window.map { Timestamp.format($0.end) }, forKey: AnyKey("window_end"))
        try c.encode(Timestamp.format(verification.at), forKey: AnyKey("at"))
    }
}

struct EventJSON: Encodable {
    var event: RecommendationEvent

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(Timestamp.format(event.at), forKey: AnyKey("at"))
        try c.encode(event.actor, forKey: AnyKey("actor"))
        try c.encode(event.kind.rawValue, forKey: AnyKey("event"))
        try c.encode(event.from?.rawValue, forKey: AnyKey("from"))
        try c.encode(event.to?.rawValue, forKey: AnyKey("to"))
        try c.encode(event.detail, forKey: AnyKey("detail"))
    }
}

/// The tables of `costctl recommend`.
public enum RecommendationText {
    /// The ranked list: one block per recommendation.
    public static func render(_ records: [RecommendationRecord], timeZone: TimeZone) -> String {
        guard !records.isEmpty else {
            return "No recommendations for this window (record or import more usage, widen --since, or see the notes).\n"
        }
        var text = ""
        for (index, record) in records.enumerated() {
            text += block(record, rank: index + 1)
        }
        return text
    }

    /// One recommendation, with its history when `history`.
    public static func block(_ record: RecommendationRecord, rank: Int? = nil, history: Bool = false, timeZone: TimeZone? = nil) -> String {
        let r = record.recommendation
        var lines: [String] = []
        let status = record.status.rawValue + (record.isStale ? ", stale" : "")
        lines.append("\(rank.map { "\($0). " } ?? "")\(r.title)  [\(r.id), \(status)]")
        lines.append(
            "   saves \(PlansText.dollars(r.monthlySaving))/month · confidence \(String(format: "%.2f", r.confidence.value)) · \(r.difficulty.rawValue) · risk \(r.risk.rawValue) · priority \(String(format: "%.2f", r.priority))")
        let components = r.confidence.components.keys.sorted().map { "\($0) \(String(format: "%.2f", r.confidence.components[$0] ?? 0))" }
        if !components.isEmpty { lines.append("   confidence: " + components.joined(separator: ", ")) }
        lines.append("   kind \(r.kind.rawValue), scope \(r.scope)")
        lines.append("   why: \(r.rationale)")
        for action in r.actions { lines.append("   do: \(action.summary)") }
        lines.append("   evidence: \(r.evidence)")
        for note in r.confidence.notes { lines.append("   note: \(note)") }
        if let reason = record.reason { lines.append("   rejected: \(reason)") }
        if let at = record.implementedAt { lines.append("   implemented: \(Timestamp.format(at))") }
        if let v = record.verification {
            lines.append(
                "   verified: actual saving \(PlansText.dollars(v.actualSaving))/month"
                    + (v.afterMonthlySpend.map { " (after: \(PlansText.dollars($0))/month" } ?? "")
                    + (v.baselineMonthlySpend.map { v.afterMonthlySpend == nil ? "" : " vs baseline \(PlansText.dollars($0))/month)" } ?? (v.afterMonthlySpend == nil ? "" : ")")))
        }
        if history {
            lines.append("   history:")
            for event in record.history {
                let step = event.kind == .transition ? "\(event.from?.rawValue ?? "?") → \(event.to?.rawValue ?? "?")" : event.kind.rawValue
                lines.append("     \(Timestamp.format(event.at))  \(event.actor)  \(step)\(event.detail.map { ": \($0)" } ?? "")")
            }
        }
        return lines.joined(separator: "\n") + "\n\n"
    }
}
