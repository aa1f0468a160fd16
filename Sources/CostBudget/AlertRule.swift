public import Foundation

/// A rule that routes alerts to channels: a condition (kinds, scope, minimum severity, a
/// threshold on the alert's value), an optional severity override, the channels, a cool-down,
/// quiet hours and an escalation. Rules are data: stored in the database, added by
/// `costctl alerts rule add` or loaded from a JSON file (an array of rules in this shape).
///
/// For example:
/// ```swift
/// let rule = AlertRule(name: "budgets", kinds: [.budgetLevel, .budgetForecast], channels: ["ops-slack"],
///                      coolDownSeconds: 3600,
///                      quietHours: QuietHours(startHour: 22, endHour: 7, timeZone: "Europe/Paris"),
///                      escalation: AlertEscalation(afterMinutes: 30, channel: "oncall-pagerduty"))
/// rule.matches(alert)  // kind, scope, severity and threshold
/// ```
public struct AlertRule: Sendable, Hashable, Codable {
    /// Letters, digits, `-`, `_`, `.`; unique.
    public var name: String
    /// The kinds it applies to; empty means every kind.
    public var kinds: [AlertKind]
    /// Applies only to alerts whose scope contains this text (`team=search`); `nil` means any scope.
    public var scope: String?
    /// Applies only to alerts at least this severe.
    public var minimumSeverity: AlertSeverity
    /// Applies only to alerts whose `data["value"]` (or `data["utilization"]`) is at least this.
    public var threshold: Double?
    /// The severity the routed alert carries instead of its own (`nil`: its own).
    public var severity: AlertSeverity?
    /// Channel names, in order; the escalation channel is separate.
    public var channels: [String]
    /// After an alert of the same kind and scope went to a channel through this rule, further
    /// ones wait this long (0: no cool-down).
    public var coolDownSeconds: Int
    public var quietHours: QuietHours?
    public var escalation: AlertEscalation?

    public init(
        name: String, kinds: [AlertKind] = [], scope: String? = nil, minimumSeverity: AlertSeverity = .info,
        threshold: Double? = nil, severity: AlertSeverity? = nil, channels: [String], coolDownSeconds: Int = 0,
        quietHours: QuietHours? = nil, escalation: AlertEscalation? = nil
    ) {
        self.name = name
        self.kinds = kinds
        self.scope = scope
        self.minimumSeverity = minimumSeverity
        self.threshold = threshold
        self.severity = severity
        self.channels = channels
        self.coolDownSeconds = coolDownSeconds
        self.quietHours = quietHours
        self.escalation = escalation
    }

    private enum CodingKeys: String, CodingKey {
        case name, kinds, scope, threshold, severity, channels, escalation
        case minimumSeverity = "minimum_severity"
        case coolDownSeconds = "cool_down_seconds"
        case quietHours = "quiet_hours"
    }

    /// Decodes with defaults for everything but `name` and `channels` (rule files stay short).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name), kinds: try c.decodeIfPresent([AlertKind].self, forKey: .kinds) ?? [],
            scope: try c.decodeIfPresent(String.self, forKey: .scope),
            minimumSeverity: try c.decodeIfPresent(AlertSeverity.self, forKey: .minimumSeverity) ?? .info,
            threshold: try c.decodeIfPresent(Double.self, forKey: .threshold),
            severity: try c.decodeIfPresent(AlertSeverity.self, forKey: .severity),
            channels: try c.decode([String].self, forKey: .channels),
            coolDownSeconds: try c.decodeIfPresent(Int.self, forKey: .coolDownSeconds) ?? 0,
            quietHours: try c.decodeIfPresent(QuietHours.self, forKey: .quietHours),
            escalation: try c.decodeIfPresent(AlertEscalation.self, forKey: .escalation))
    }

    /// Whether the rule applies to `alert`.
    public func matches(_ alert: Alert) -> Bool {
        if !kinds.isEmpty, !kinds.contains(alert.kind) { return false }
        if let scope, !alert.scope.contains(scope) { return false }
        if alert.severity < minimumSeverity { return false }
        if let threshold {
            guard let value = (alert.data["value"] ?? alert.data["utilization"]).flatMap(Double.init), value >= threshold else {
                return false
            }
        }
        return true
    }

    /// The problems that make the rule unusable, as sentences (empty when it is valid); channel
    /// names are checked against `knownChannels`.
    public func problems(knownChannels: Set<String>) -> [String] {
        var problems: [String] = []
        if name.isEmpty || !name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }) {
            problems.append("rule name '\(name)' must be letters, digits, '-', '_' or '.'")
        }
        if channels.isEmpty { problems.append("rule '\(name)' names no channel") }
        for channel in channels + [escalation?.channel].compactMap({ $0 }) where !knownChannels.contains(channel) {
            problems.append("rule '\(name)' names channel '\(channel)', which does not exist (add it with `costctl alerts channel add \(channel) …`)")
        }
        if coolDownSeconds < 0 { problems.append("rule '\(name)': the cool-down cannot be negative") }
        if let quietHours { problems += quietHours.problems.map { "rule '\(name)': \($0)" } }
        if let escalation, escalation.afterMinutes < 1 {
            problems.append("rule '\(name)': escalation must wait at least 1 minute")
        }
        return problems
    }
}

/// Hours when a rule's alerts wait: from `startHour` to `endHour` (exclusive) in `timeZone`,
/// across midnight when `startHour > endHour`. A critical alert goes out at once anyway unless
/// `criticalBypasses` is false; other alerts are held until the quiet hours end.
public struct QuietHours: Sendable, Hashable, Codable {
    public var startHour: Int
    public var endHour: Int
    /// An IANA zone name (`Europe/Paris`).
    public var timeZone: String
    public var criticalBypasses: Bool

    public init(startHour: Int, endHour: Int, timeZone: String, criticalBypasses: Bool = true) {
        self.startHour = startHour
        self.endHour = endHour
        self.timeZone = timeZone
        self.criticalBypasses = criticalBypasses
    }

    private enum CodingKeys: String, CodingKey {
        case startHour = "start_hour"
        case endHour = "end_hour"
        case timeZone = "time_zone"
        case criticalBypasses = "critical_bypasses"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            startHour: try c.decode(Int.self, forKey: .startHour), endHour: try c.decode(Int.self, forKey: .endHour),
            timeZone: try c.decodeIfPresent(String.self, forKey: .timeZone) ?? "UTC",
            criticalBypasses: try c.decodeIfPresent(Bool.self, forKey: .criticalBypasses) ?? true)
    }

    var problems: [String] {
        var problems: [String] = []
        if !(0...23).contains(startHour) || !(0...23).contains(endHour) { problems.append("quiet hours must be hours 0-23") }
        if startHour == endHour { problems.append("quiet hours start and end at the same hour") }
        if TimeZone(identifier: timeZone) == nil { problems.append("'\(timeZone)' is not a time zone name") }
        return problems
    }

    /// When an alert of `severity` seen at `instant` may be sent: `instant` itself outside the
    /// quiet hours (or for a critical alert that bypasses them), else the end of the quiet hours.
    public func release(_ severity: AlertSeverity, at instant: Date) -> Date {
        if severity == .critical && criticalBypasses { return instant }
        guard let zone = TimeZone(identifier: timeZone) else { return instant }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let hour = calendar.component(.hour, from: instant)
        let quiet = startHour < endHour ? (hour >= startHour && hour < endHour) : (hour >= startHour || hour < endHour)
        guard quiet else { return instant }
        let end = calendar.nextDate(after: instant, matching: DateComponents(hour: endHour, minute: 0, second: 0), matchingPolicy: .nextTime)
        return end ?? instant
    }
}

/// A critical alert nobody acknowledged within `afterMinutes` goes to `channel` too.
public struct AlertEscalation: Sendable, Hashable, Codable {
    public var afterMinutes: Int
    public var channel: String

    public init(afterMinutes: Int, channel: String) {
        self.afterMinutes = afterMinutes
        self.channel = channel
    }

    private enum CodingKeys: String, CodingKey {
        case channel
        case afterMinutes = "after_minutes"
    }
}

/// One delivery an alert needs: a channel, the earliest time (quiet hours), the cool-down to
/// check, and why (the rule's name, or `escalation:<rule>`).
public struct AlertRoute: Sendable, Hashable {
    public var channel: String
    public var notBefore: Date
    public var coolDownSeconds: Int
    public var reason: String

    public init(channel: String, notBefore: Date, coolDownSeconds: Int, reason: String) {
        self.channel = channel
        self.notBefore = notBefore
        self.coolDownSeconds = coolDownSeconds
        self.reason = reason
    }
}

extension Alert {
    /// Where `rules` send this alert, and the alert as routed (a rule's severity override
    /// applies; the most severe override wins). With no rule at all, every channel in `fallback`
    /// whose minimum severity the alert reaches gets it (routing by severity alone).
    public func routed(
        by rules: [AlertRule], fallback: [(channel: String, minimumSeverity: AlertSeverity)]
    ) -> (alert: Alert, routes: [AlertRoute]) {
        guard !rules.isEmpty else {
            let routes = fallback.filter { severity >= $0.minimumSeverity }.map {
                AlertRoute(channel: $0.channel, notBefore: at, coolDownSeconds: 0, reason: "severity")
            }
            return (self, routes)
        }
        let matching = rules.filter { $0.matches(self) }
        var routed = self
        if let override = matching.compactMap(\.severity).max() { routed.severity = override }
        var routes: [AlertRoute] = []
        var seen: Set<String> = []
        for rule in matching {
            let notBefore = rule.quietHours?.release(routed.severity, at: at) ?? at
            for channel in rule.channels where seen.insert(channel).inserted {
                routes.append(AlertRoute(channel: channel, notBefore: notBefore, coolDownSeconds: rule.coolDownSeconds, reason: rule.name))
            }
        }
        let minimums = Dictionary(fallback.map { ($0.channel, $0.minimumSeverity) }, uniquingKeysWith: { first, _ in first })
        routes.removeAll { route in minimums[route.channel].map { routed.severity < $0 } ?? false }
        return (routed, routes)
    }
}
