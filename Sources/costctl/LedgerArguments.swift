public import ArgumentParser
import CostControl
import Foundation

extension TimeBucket: ExpressibleByArgument {}
extension UsageOrder: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}
extension RollupLevel: ExpressibleByArgument {}
extension EventStatus: ExpressibleByArgument {}
extension ImportFormat: ExpressibleByArgument {}
extension ImportCostMode: ExpressibleByArgument {}

/// `--since`, `--until` and `--where`, shared by usage, export and reprice.
struct FilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start: 30d (the last 30 days, today included), 12h, 6w, 3m, today, a date or a date-time.", valueName: "when"))
    var since: String?

    @Option(help: ArgumentHelp("End: a date (inclusive), a date-time (exclusive), today, now.", valueName: "when"))
    var until: String?

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp("Keep rows whose DIMENSION equals VALUE (VALUE may list alternatives: team=search,support); repeatable.", valueName: "dimension=value"))
    var conditions: [String] = []

    func filter(window: UsageWindow, defaultSince: String?) throws -> UsageFilter {
        var filter = UsageFilter()
        if let text = since ?? defaultSince { filter.since = try window.since(text) }
        if let until { filter.until = try window.until(until) }
        if let since = filter.since, let until = filter.until, until <= since {
            throw ValidationError("--until must be after --since")
        }
        filter.equals = try FilterOptions.equals(conditions)
        return filter
    }

    /// `--where DIMENSION=VALUE[,VALUE…]` conditions as the filter's `equals`.
    static func equals(_ conditions: [String]) throws -> [UsageDimension: Set<String>] {
        var equals: [UsageDimension: Set<String>] = [:]
        for condition in conditions {
            guard let sign = condition.firstIndex(of: "="), sign != condition.startIndex else {
                throw ValidationError("--where '\(condition)' is not DIMENSION=VALUE (example: --where user=alice)")
            }
            let dimension = try UsageDimension(parsing: String(condition[..<sign]))
            let values = condition[condition.index(after: sign)...].split(separator: ",", omittingEmptySubsequences: false)
                .map(String.init)
            equals[dimension, default: []].formUnion(values)
        }
        return equals
    }
}

/// Parses `--by model,user,day`: dimensions, plus at most one time bucket.
func parseGrouping(_ items: [String]) throws -> (dimensions: [UsageDimension], bucket: TimeBucket?) {
    var dimensions: [UsageDimension] = []
    var bucket: TimeBucket?
    for item in items.flatMap({ $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }) where !item.isEmpty {
        if let time = TimeBucket(rawValue: item.lowercased()) {
            if bucket != nil { throw ValidationError("--by takes at most one time bucket (hour, day, week or month)") }
            bucket = time
            continue
        }
        let dimension = try UsageDimension(parsing: item)
        if !dimensions.contains(dimension) { dimensions.append(dimension) }
    }
    return (dimensions, bucket)
}

/// `--tag KEY=VALUE` options: checked (`validate`) and turned into a dictionary (the last value of a key wins).
enum TagArguments {
    static func validate(_ tags: [String]) throws {
        for tag in tags where !tag.contains("=") || tag.hasPrefix("=") {
            throw ValidationError("--tag '\(tag)' is not KEY=VALUE (example: --tag env=prod)")
        }
    }

    static func dictionary(_ tags: [String]) -> [String: String] {
        var values: [String: String] = [:]
        for tag in tags {
            let parts = tag.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            values[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return values
    }
}
