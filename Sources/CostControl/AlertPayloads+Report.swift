import CostBudget
import Foundation

/// The messages of a scheduled report (an alert of kind ``AlertKind/report``, raised by the daemon's
/// `report` and `weekly-summary` jobs): each channel gets the rendering it displays best.
///
/// | Channel | What it gets |
/// | --- | --- |
/// | generic webhook, command hook | `{"key", "kind": "report", "at", "scope", "title", "source", "report": <the report's JSON>}` |
/// | Slack | `text` (the title) and `blocks`: the title, then the Markdown in `mrkdwn` sections of at most 3,000 characters |
/// | Discord | `content` (the title) and one embed whose description is the Markdown (at most 4,096 characters) |
/// | Teams | an Adaptive Card: the title, then the Markdown in a `TextBlock` |
/// | email | subject `[costctl] <title>`, the plain text as the body |
/// | PagerDuty | the alert's usual event (reports are not incidents; route them elsewhere) |
extension AlertPayloads {
    static func reportJSON(_ alert: Alert) -> Data {
        let raw = Data((alert.data[Alert.reportJSONKey] ?? "{}").utf8)
        let report = (try? JSONSerialization.jsonObject(with: raw, options: [.fragmentsAllowed])) ?? [String: String]()
        return encode([
            "key": alert.key, "kind": alert.kind.rawValue, "at": timestamp(alert.at), "scope": alert.scope, "title": alert.title,
            "source": "costctl", "report": report,
        ])
    }

    static func reportSlack(_ alert: Alert) -> Data {
        let markdown = escapeSlack(alert.data[Alert.reportMarkdownKey] ?? alert.message)
        var blocks: [[String: Any]] = [["type": "section", "text": ["type": "mrkdwn", "text": "*\(escapeSlack(alert.title))*"]]]
        for chunk in chunks(markdown, size: 3000).prefix(45) {
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": chunk]])
        }
        return encode(["text": alert.title, "blocks": blocks])
    }

    static func reportDiscord(_ alert: Alert) -> Data {
        encode([
            "username": "costctl", "content": alert.title.prefixed(2000), "allowed_mentions": ["parse": [String]()],
            "embeds": [[
                "title": alert.title.prefixed(256), "description": (alert.data[Alert.reportMarkdownKey] ?? alert.message).prefixed(4096),
                "color": 0x3498DB, "timestamp": timestamp(alert.at), "footer": ["text": alert.key.prefixed(2048)],
            ]],
        ])
    }

    static func reportTeams(_ alert: Alert) -> Data {
        let card: [String: Any] = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
            "body": [
                ["type": "TextBlock", "text": alert.title, "weight": "Bolder", "size": "Medium", "wrap": true],
                ["type": "TextBlock", "text": alert.data[Alert.reportMarkdownKey] ?? alert.message, "wrap": true],
            ],
        ]
        return encode([
            "type": "message",
            "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": NSNull(), "content": card]],
        ])
    }

    static func reportEmail(_ alert: Alert) -> (subject: String, body: String) {
        ("[costctl] \(alert.title)", alert.data[Alert.reportTextKey] ?? alert.message)
    }

    /// `text` cut into pieces of at most `size` characters, at line ends where possible.
    static func chunks(_ text: String, size: Int) -> [String] {
        var pieces: [String] = []
        var current = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current.count + line.count + 1 > size, !current.isEmpty {
                pieces.append(current)
                current = ""
            }
            var rest = Substring(line)
            while rest.count > size {
                pieces.append(String(rest.prefix(size)))
                rest = rest.dropFirst(size)
            }
            current += current.isEmpty ? String(rest) : "\n" + rest
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
