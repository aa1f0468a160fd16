import CostControl
import Foundation
import MCP

/// One tool: its name, what it does, its parameters (the JSON Schema of its arguments), whether it
/// changes anything, and the handler that calls the same CostControl function as the CLI command.
struct ToolSpec: Sendable {
    typealias Handler = @Sendable (ToolArguments, CostToolContext) async throws -> ToolOutput

    var name: String
    var title: String
    var description: String
    var parameters: [ToolParameter]
    /// Reads only (no store is changed).
    var readOnly = true
    /// May remove or overwrite something (a replaced budget, a disabled key).
    var destructive = false
    /// The arguments that hold secrets: never echoed, and scrubbed from any error message.
    var secretArguments: [String] = []
    var handler: Handler

    var tool: Tool {
        var properties: [String: Value] = [:]
        for parameter in parameters { properties[parameter.name] = parameter.schema }
        let required = parameters.filter(\.required).map { Value.string($0.name) }
        return Tool(
            name: name, title: title, description: description,
            inputSchema: .object([
                "type": "object", "properties": .object(properties), "required": .array(required),
                "additionalProperties": false,
            ]),
            annotations: Tool.Annotations(
                title: title, readOnlyHint: readOnly, destructiveHint: readOnly ? nil : destructive, idempotentHint: nil,
                openWorldHint: false))
    }
}

// MARK: - Arguments shared by several tools

extension ToolParameter {
    static let since = ToolParameter.string(
        "since", "Start: 30d (the last 30 days, today included), 12h, 6w, 3m, today, a date (2026-11-01) or an ISO date-time.")
    static let until = ToolParameter.string("until", "End: a date (inclusive), an ISO date-time (exclusive), today or now (default: now).")
    static let filter = ToolParameter.map(
        "where",
        "Keep only usage whose dimension equals a value: {\"team\": \"search\"} or {\"team\": [\"search\", \"support\"], \"tag.env\": \"prod\"}. Dimensions: provider, model, org, team, user, project, key_id, session, operation, status, tag.KEY.")
    static let timeZone = ToolParameter.string("tz", "IANA time zone for days, weeks and months (Europe/Paris; default UTC or the server's --tz).")
    static let scopeDimension = ToolParameter.string(
        "by", "Split by this dimension (default: all usage together).", choices: ["team", "project", "model", "provider", "user", "org", "operation"])
}

extension ToolArguments {
    /// `tz`, else the server's zone.
    func timeZone(_ context: CostToolContext) throws -> TimeZone {
        guard let name = string("tz") else { return context.configuration.timeZone }
        guard let zone = TimeZone(identifier: name) else {
            throw CostMCPError.invalid("argument 'tz' of \(tool): '\(name)' is not a time zone name (examples: UTC, Europe/Paris, America/Los_Angeles)")
        }
        return zone
    }

    /// `since`, `until` and `where` as a ledger filter, read in `zone`.
    func usageFilter(timeZone zone: TimeZone, defaultSince: String? = "30d") throws -> UsageFilter {
        let window = UsageWindow(timeZone: zone)
        var filter = UsageFilter()
        if let text = string("since") ?? defaultSince { filter.since = try window.since(text) }
        if let text = string("until") { filter.until = try window.until(text) }
        if let since = filter.since, let until = filter.until, until <= since {
            throw CostMCPError.invalid("argument 'until' of \(tool) must be after 'since'")
        }
        filter.equals = try equals("where")
        return filter
    }

    /// A `where`-style map as the filter's dimension → values.
    func equals(_ name: String) throws -> [UsageDimension: Set<String>] {
        var equals: [UsageDimension: Set<String>] = [:]
        for (key, values) in map(name) {
            equals[try UsageDimension(parsing: key), default: []].formUnion(values)
        }
        return equals
    }

    /// A scope dimension (`by` of forecasts and anomaly scans).
    func scopeDimension(_ name: String = "by") throws -> UsageDimension? {
        try string(name).map { try UsageDimension(parsing: $0) }
    }

    /// An ISO 8601 date-time, or a date taken as midnight in `zone`.
    func date(_ name: String, timeZone zone: TimeZone) throws -> Date? {
        guard let text = string(name) else { return nil }
        if text.count == 10, let day = CivilDate(text) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            if let date = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)) { return date }
        }
        guard let date = Timestamp.parseOrNil(text) else {
            throw CostMCPError.invalid(
                "argument '\(name)' of \(tool) is not an ISO 8601 date or date-time (examples: 2026-11-02, 2026-11-02T20:59:00Z)")
        }
        return date
    }
}
