import CostControl
import Foundation
import MCP

// MARK: - API keys (costctl keys list/add/stats/disable)

extension CostTools {
    static let keyTools: [ToolSpec] = [
        ToolSpec(
            name: "list-keys", title: "List API keys",
            description: """
                The API keys in the pools, masked (a fingerprint such as sk-ant-…9f2c, never the secret), with status, quota \
                meters (used, limit, utilization, next reset) and last use. Same as `costctl keys list --json`. Needs the \
                server's master key (COSTCTL_MASTER_KEY or COSTCTL_MASTER_KEY_FILE).
                """,
            parameters: [.string("provider", "Only this provider's keys.")],
            handler: { args, context in
                let rows = try await context.keys().list(provider: args.string("provider"))
                return try ToolOutput(rows, snakeCase: true, isoDates: true, key: "keys")
            }),
        ToolSpec(
            name: "add-key", title: "Add an API key",
            description: """
                Adds an API key to its provider's pool: the secret is checked for the provider's key shape and sealed at once \
                (AES-256-GCM under the vault's data key); it is never echoed back, logged or put in an error. Optional quotas: \
                tokens per rolling 30 days, requests per day or minute, spend per month, with a reset schedule. Returns the \
                masked key. Same as `costctl keys add --json`.
                """,
            parameters: [
                .string("provider", "The provider (anthropic, openai, gemini, …).", required: true),
                .string("label", "A name for people; the id too unless id is given.", required: true),
                .string("secret", "The API key itself. Sealed immediately; never returned.", required: true),
                .string("id", "The key's id (letters, digits, - _ . :)."),
                .string("project", "Only pools of this project use the key."),
                .integer("tokens_per_30d", "Token quota over a rolling 30 days.", minimum: 1),
                .integer("requests_per_day", "Requests per day.", minimum: 1),
                .integer("requests_per_minute", "Requests per minute.", minimum: 1),
                .string("spend_per_month", "Spend quota in dollars per month, as a decimal string (\"50\")."),
                .string("reset", "Reset schedule: rolling30, monthly:DAY or daily@HH:MM[ZONE] (default from the quotas)."),
                .integer("priority", "For the priority strategy: lower goes first.", minimum: nil),
                .timeZone,
            ],
            readOnly: false,
            secretArguments: ["secret"],
            handler: { args, context in
                let quota = try KeySpec.quota(
                    tokensPer30d: args.int("tokens_per_30d"), requestsPerDay: args.int("requests_per_day"),
                    requestsPerMinute: args.int("requests_per_minute"), spendPerMonth: args.string("spend_per_month"),
                    reset: args.string("reset"), timeZone: try args.timeZone(context))
                let spec = KeySpec(
                    provider: try args.required("provider"), label: try args.required("label"), id: args.string("id"),
                    project: args.string("project"), quota: quota, priority: args.int("priority") ?? 0)
                let secret = Data(try args.required("secret").utf8)
                let row = try await context.keys().add(spec, secret: secret)
                return try ToolOutput(row, snakeCase: true, isoDates: true)
            }),
        ToolSpec(
            name: "key-stats", title: "API key statistics",
            description: """
                One key (masked): its quota meters, use over 24 hours, 7 and 30 days by outcome (ok, rate-limited, errors), \
                and its audit trail. Same as `costctl keys stats ID --json`.
                """,
            parameters: [.string("id", "The key's id (see list-keys).", required: true)],
            handler: { args, context in
                try ToolOutput(try await context.keys().stats(id: try args.required("id")), snakeCase: true, isoDates: true)
            }),
        ToolSpec(
            name: "disable-key", title: "Disable an API key",
            description: "Takes a key out of its pools (audited, with the reason); the key stays stored, masked. Same as `costctl keys disable ID --json`.",
            parameters: [
                .string("id", "The key's id (see list-keys).", required: true),
                .string("reason", "Why (shown in list-keys and the audit log)."),
            ],
            readOnly: false, destructive: true,
            handler: { args, context in
                let row = try await context.keys().setEnabled(false, id: try args.required("id"), reason: args.string("reason"))
                return try ToolOutput(row, snakeCase: true, isoDates: true)
            }),
    ]
}
