import CostControl
import Foundation
import MCP

// MARK: - Alerts (costctl alerts list/ack)

extension CostTools {
    static let alertTools: [ToolSpec] = [
        ToolSpec(
            name: "list-alerts", title: "List alerts",
            description: """
                Stored alerts, newest first: budget levels, key exhaustion, anomalies…, each with its key, severity, title, \
                body, who acknowledged it and its deliveries per channel. Same as `costctl alerts list --json`.
                """,
            parameters: [
                .boolean("unacknowledged_only", "Only alerts nobody acknowledged."),
                .string("min_severity", "Only alerts at least this severe.", choices: AlertSeverity.allCases.map(\.rawValue)),
                .integer("limit", "At most this many (default 50).", minimum: 1, maximum: 10_000),
            ],
            handler: { args, context in
                let rows = try await context.alerts().alerts(
                    unacknowledgedOnly: args.bool("unacknowledged_only") ?? false,
                    minimumSeverity: args.choice("min_severity").flatMap(AlertSeverity.init(rawValue:)), limit: args.int("limit") ?? 50)
                return try ToolOutput(rows, snakeCase: true, isoDates: true, key: "alerts")
            }),
        ToolSpec(
            name: "acknowledge-alert", title: "Acknowledge an alert",
            description: "Acknowledges an alert by its key (from list-alerts), which stops its escalation. Same as `costctl alerts ack KEY --json`.",
            parameters: [.string("key", "The alert's key (see list-alerts).", required: true)],
            readOnly: false,
            handler: { args, context in
                let key = try args.required("key")
                let actor = context.configuration.actor
                try await context.alerts().acknowledge(key, by: actor)
                return ToolOutput(object: ["key": .string(key), "acknowledged_by": .string(actor)])
            }),
    ]
}
