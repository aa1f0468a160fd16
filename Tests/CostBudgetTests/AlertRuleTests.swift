import CostBudget
import Foundation
import Testing

@Suite("Alert rules")
struct AlertRuleTests {
    static func alert(_ kind: AlertKind = .costAnomaly, _ severity: AlertSeverity = .warning, at: String = "2026-11-18T12:00:00Z", value: String? = nil) -> Alert {
        Alert(
            key: "k", kind: kind, severity: severity, at: ISO8601DateFormatter().date(from: at) ?? Date(), scope: "team=search provider=openai",
            title: "t", message: "m", data: value.map { ["value": $0] } ?? [:])
    }

    @Test("conditions: kinds, scope text, minimum severity, threshold on the value")
    func matching() {
        let rule = AlertRule(name: "r", kinds: [.costAnomaly, .usageSpike], scope: "team=search", minimumSeverity: .warning, threshold: 0.9, channels: ["c"])
        #expect(rule.matches(Self.alert(value: "0.95")))
        #expect(!rule.matches(Self.alert(value: "0.5")))
        #expect(!rule.matches(Self.alert()))  // no value to compare
        #expect(!rule.matches(Self.alert(.keyInvalid, value: "1")))
        #expect(!rule.matches(Self.alert(.costAnomaly, .info, value: "1")))
        #expect(AlertRule(name: "any", channels: ["c"]).matches(Self.alert(.manual, .info)))
    }

    @Test("quiet hours across midnight in a zone: held until their end; critical bypasses unless told not to", arguments: [
        ("2026-11-18T22:30:00Z", AlertSeverity.warning, "2026-11-19T06:00:00Z"),  // 23:30 Paris → 07:00 Paris
        ("2026-11-19T05:59:00Z", .info, "2026-11-19T06:00:00Z"),
        ("2026-11-19T06:00:00Z", .warning, "2026-11-19T06:00:00Z"),  // 07:00 Paris: quiet hours are over
        ("2026-11-18T20:59:00Z", .warning, "2026-11-18T20:59:00Z"),  // 21:59 Paris: not yet
        ("2026-11-18T22:30:00Z", .critical, "2026-11-18T22:30:00Z"),
    ])
    func quietHours(at: String, severity: AlertSeverity, release: String) throws {
        let quiet = QuietHours(startHour: 22, endHour: 7, timeZone: "Europe/Paris")
        let formatter = ISO8601DateFormatter()
        let instant = try #require(formatter.date(from: at))
        #expect(formatter.string(from: quiet.release(severity, at: instant)) == release)
        let strict = QuietHours(startHour: 22, endHour: 7, timeZone: "Europe/Paris", criticalBypasses: false)
        #expect(formatter.string(from: strict.release(.critical, at: try #require(formatter.date(from: "2026-11-18T22:30:00Z")))) == "2026-11-19T06:00:00Z")
    }

    @Test("routing: rules pick channels once each, a severity override applies, channel minimums filter; no rules → by severity alone")
    func routing() {
        let channels: [(channel: String, minimumSeverity: AlertSeverity)] = [("chat", .info), ("pager", .critical)]
        let rules = [
            AlertRule(name: "a", channels: ["chat"]),
            AlertRule(name: "b", kinds: [.keyInvalid], severity: .critical, channels: ["chat", "pager"]),
        ]
        let (routed, routes) = Self.alert(.keyInvalid, .warning).routed(by: rules, fallback: channels)
        #expect(routed.severity == .critical && routes.map(\.channel) == ["chat", "pager"] && routes.map(\.reason) == ["a", "b"])
        let (_, ordinary) = Self.alert(.costAnomaly, .warning).routed(by: rules + [AlertRule(name: "c", channels: ["pager"])], fallback: channels)
        #expect(ordinary.map(\.channel) == ["chat"])  // pager takes critical only
        #expect(Self.alert(.manual, .warning).routed(by: [], fallback: channels).routes.map(\.channel) == ["chat"])
        #expect(Self.alert(.manual, .critical).routed(by: [], fallback: channels).routes.map(\.channel) == ["chat", "pager"])
    }

    @Test("rule problems: names, unknown channels, bad quiet hours, escalation")
    func problems() throws {
        let rule = AlertRule(
            name: "bad name", channels: ["x"], quietHours: QuietHours(startHour: 3, endHour: 3, timeZone: "Mars/Olympus"),
            escalation: AlertEscalation(afterMinutes: 0, channel: "y"))
        let problems = rule.problems(knownChannels: ["x"])
        #expect(problems.count == 5)
        #expect(problems.contains { $0.contains("channel 'y'") })
        let decoded = try JSONDecoder().decode(AlertRule.self, from: Data(#"{"name":"n","channels":["x"],"quiet_hours":{"start_hour":22,"end_hour":7}}"#.utf8))
        #expect(decoded.quietHours?.timeZone == "UTC" && decoded.minimumSeverity == .info && decoded.problems(knownChannels: ["x"]).isEmpty)
    }
}
