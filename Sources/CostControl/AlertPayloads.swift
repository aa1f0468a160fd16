public import CostBudget
public import Foundation

/// The message each channel kind receives for an alert, as JSON bytes (or, for SMTP, a subject
/// and a plain-text body). Each follows the receiver's documented format:
///
/// - generic webhook and command hook: ``genericJSON(_:)`` (`key`, `kind`, `severity`, `at`, `scope`,
///   `title`, `message`, `data`, `source`);
/// - Slack incoming webhook: `text` (the fallback) and Block Kit `blocks` (a `section` in `mrkdwn`,
///   a `context`);
/// - Discord webhook: `username`, `content` and one `embed` (`title`, `description`, `color`,
///   `timestamp`, `fields`, `footer`);
/// - Microsoft Teams (incoming webhook / Workflows): a `message` with one Adaptive Card 1.4
///   attachment (`TextBlock`s and a `FactSet`);
/// - PagerDuty Events API v2: `routing_key`, `event_action: trigger`, `dedup_key` (the alert's
///   key) and `payload` (`summary` ≤ 1024 characters, `source`, `severity` critical/warning/info,
///   `timestamp`, `component`, `group`, `class`, `custom_details`).
public enum AlertPayloads {
    /// The alert as the generic webhook and the command hook get it (sorted keys, ISO 8601 time).
    public static func genericJSON(_ alert: Alert) -> Data {
        if alert.kind == .report { return reportJSON(alert) }
        return encode([
            "key": alert.key, "kind": alert.kind.rawValue, "severity": alert.severity.rawValue, "at": timestamp(alert.at),
            "scope": alert.scope, "title": alert.title, "message": alert.message, "data": alert.data, "source": "costctl",
        ])
    }

    /// A Slack incoming-webhook message.
    public static func slack(_ alert: Alert) -> Data {
        if alert.kind == .report { return reportSlack(alert) }
        let headline = "\(emoji(alert.severity)) [\(alert.severity.rawValue.uppercased())] \(alert.title)"
        return encode([
            "text": "\(headline): \(alert.message)",
            "blocks": [
                ["type": "section", "text": ["type": "mrkdwn", "text": "*\(escapeSlack(headline))*\n\(escapeSlack(alert.message))"]],
                [
                    "type": "context",
                    "elements": [["type": "mrkdwn", "text": escapeSlack("\(alert.kind) · \(alert.scope) · \(timestamp(alert.at)) · \(alert.key)")]],
                ],
            ],
        ])
    }

    /// A Discord webhook message with one embed (colour by severity).
    public static func discord(_ alert: Alert) -> Data {
        if alert.kind == .report { return reportDiscord(alert) }
        let color: Int = switch alert.severity {
        case .info: 0x3498DB
        case .warning: 0xF1C40F
        case .critical: 0xE74C3C
        }
        return encode([
            "username": "costctl",
            "content": "[\(alert.severity.rawValue.uppercased())] \(alert.title)".prefixed(2000),
            "allowed_mentions": ["parse": [String]()],
            "embeds": [[
                "title": alert.title.prefixed(256), "description": alert.message.prefixed(4096), "color": color,
                "timestamp": timestamp(alert.at),
                "fields": [
                    ["name": "Severity", "value": alert.severity.rawValue, "inline": true],
                    ["name": "Kind", "value": alert.kind.rawValue, "inline": true],
                    ["name": "Scope", "value": alert.scope.isEmpty ? "-" : alert.scope.prefixed(1024), "inline": false],
                ],
                "footer": ["text": alert.key.prefixed(2048)],
            ]],
        ])
    }

    /// A Microsoft Teams message carrying an Adaptive Card.
    public static func teams(_ alert: Alert) -> Data {
        if alert.kind == .report { return reportTeams(alert) }
        let color = switch alert.severity {
        case .info: "Accent"
        case .warning: "Warning"
        case .critical: "Attention"
        }
        let facts = [("Severity", alert.severity.rawValue), ("Kind", alert.kind.rawValue), ("Scope", alert.scope), ("When", timestamp(alert.at)), ("Key", alert.key)]
        let card: [String: Any] = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
            "body": [
                ["type": "TextBlock", "text": alert.title, "weight": "Bolder", "size": "Medium", "color": color, "wrap": true],
                ["type": "TextBlock", "text": alert.message, "wrap": true],
                ["type": "FactSet", "facts": facts.map { ["title": $0.0, "value": $0.1] }],
            ],
        ]
        return encode([
            "type": "message",
            "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": NSNull(), "content": card]],
        ])
    }

    /// A PagerDuty Events API v2 `trigger` event.
    public static func pagerDuty(_ alert: Alert, routingKey: String) -> Data {
        var details: [String: String] = alert.data
        details["message"] = alert.message
        return encode([
            "routing_key": routingKey, "event_action": "trigger", "dedup_key": alert.key,
            "payload": [
                "summary": "\(alert.title): \(alert.message)".prefixed(1024), "source": "costctl", "severity": alert.severity.rawValue,
                "timestamp": timestamp(alert.at), "component": alert.kind.rawValue, "group": alert.scope, "class": alert.kind.rawValue,
                "custom_details": details,
            ],
        ])
    }

    /// An email's subject and plain-text body.
    public static func email(_ alert: Alert) -> (subject: String, body: String) {
        if alert.kind == .report { return reportEmail(alert) }
        let subject = "[costctl \(alert.severity.rawValue)] \(alert.title)"
        var lines = [alert.message, "", "Kind:     \(alert.kind)", "Severity: \(alert.severity)", "Scope:    \(alert.scope)",
                     "When:     \(timestamp(alert.at))", "Key:      \(alert.key)"]
        if !alert.data.isEmpty {
            lines += ["", "Details:"] + alert.data.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)" }
        }
        return (subject, lines.joined(separator: "\n"))
    }

    // MARK: - Helpers

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func encode(_ object: [String: Any]) -> Data {
        // every value above is a string, number, bool, null, array or dictionary: serialization cannot fail
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    private static func emoji(_ severity: AlertSeverity) -> String {
        switch severity {
        case .info: ":information_source:"
        case .warning: ":warning:"
        case .critical: ":rotating_light:"
        }
    }

    /// Slack's three control characters in mrkdwn text.
    static func escapeSlack(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

extension String {
    func prefixed(_ count: Int) -> String { self.count <= count ? self : String(prefix(count - 1)) + "…" }
}
