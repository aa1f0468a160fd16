public import Foundation

/// Export formats.
public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, json, jsonl
}

/// A buffered writer to a file handle (standard output, a file).
public final class ExportSink: @unchecked Sendable {
    // @unchecked: used by one task at a time (an export runs sequentially); the buffer is never
    // shared across concurrent calls.
    private let handle: FileHandle
    private var buffer = Data()

    public init(handle: FileHandle) {
        self.handle = handle
        buffer.reserveCapacity(1 << 16)
    }

    public func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    public func write(_ data: Data) {
        buffer.append(data)
        if buffer.count >= 1 << 16 { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Streams events, aggregates and reports out of a ledger as CSV, JSON or JSON Lines, page by
/// page (constant memory, whatever the size of the ledger).
///
/// The JSON fields of an event are the ones `costctl record --stdin` reads, so an export can be
/// recorded into another database.
public enum UsageExport {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static let eventColumns = [
        "id", "timestamp", "provider", "model", "org", "team", "user", "project", "key_id", "session", "operation", "status",
    ] + UsageTotals.reportedKinds.map(\.rawValue) + [
        "requests", "other_usage", "cost_usd", "input_cost_usd", "output_cost_usd", "priced", "priced_as", "service_tier",
        "latency_ms", "tags",
    ]

    /// Writes every matching raw event; returns how many were written.
    @discardableResult
    public static func events(
        from ledger: any UsageLedger, matching filter: UsageFilter, format: ExportFormat, to sink: ExportSink,
        pageSize: Int = 5_000
    ) async throws -> Int {
        var written = 0
        switch format {
        case .csv: sink.write(eventColumns.map(csvField).joined(separator: ",") + "\n")
        case .json: sink.write("[")
        case .jsonl: break
        }
        var cursor: EventCursor?
        repeat {
            let page = try await ledger.events(matching: filter, after: cursor, limit: pageSize)
            for event in page.events {
                switch format {
                case .csv: sink.write(csvRow(event) + "\n")
                case .json:
                    sink.write(written == 0 ? "\n" : ",\n")
                    sink.write(try encoder.encode(event))
                case .jsonl:
                    sink.write(try encoder.encode(event))
                    sink.write("\n")
                }
                written += 1
            }
            cursor = page.next
        } while cursor != nil
        if format == .json { sink.write(written == 0 ? "]\n" : "\n]\n") }
        sink.flush()
        return written
    }

    /// Writes every matching aggregate row of a level; returns how many were written.
    @discardableResult
    public static func rollups(
        from ledger: any UsageLedger, level: RollupLevel, matching filter: UsageFilter, timeZone: TimeZone,
        format: ExportFormat, to sink: ExportSink, pageSize: Int = 5_000
    ) async throws -> Int {
        let dimensions = UsageDimension.rolledUp
        let header = ["level", "bucket_start"] + dimensions.map(\.name)
        var written = 0
        var totalsColumns: [String] = []
        var cursor: RollupCursor?
        if format == .json { sink.write("[") }
        repeat {
            let page = try await ledger.rollups(level, matching: filter, after: cursor, limit: pageSize)
            for record in page.records {
                let values = dimensions.map { record.series[$0] ?? "" }
                let start = LocalTime.iso8601(record.bucketStart, in: timeZone)
                let totals = try totalsDictionary(record.totals)
                switch format {
                case .csv:
                    if written == 0 {
                        totalsColumns = fixedTotalsColumns
                        sink.write((header + totalsColumns + ["other_usage"]).map(csvField).joined(separator: ",") + "\n")
                    }
                    var cells = [level.rawValue, start] + values
                    cells += totalsColumns.map { totals[$0].map(jsonScalarText) ?? "" }
                    cells.append(otherUsageText(record.totals.usage))
                    sink.write(cells.map(csvField).joined(separator: ",") + "\n")
                case .json, .jsonl:
                    var object: [String: JSONValue] = ["level": .string(level.rawValue), "bucket_start": .string(start)]
                    for (dimension, value) in zip(dimensions, values) { object[dimension.name] = .string(value) }
                    for (key, value) in totals { object[key] = value }
                    let data = try encoder.encode(JSONValue.object(object))
                    if format == .json { sink.write(written == 0 ? "\n" : ",\n") }
                    sink.write(data)
                    if format == .jsonl { sink.write("\n") }
                }
                written += 1
            }
            cursor = page.next
        } while cursor != nil
        if format == .csv, written == 0 {
            sink.write((header + fixedTotalsColumns + ["other_usage"]).map(csvField).joined(separator: ",") + "\n")
        }
        if format == .json { sink.write(written == 0 ? "]\n" : "\n]\n") }
        sink.flush()
        return written
    }

    /// Writes a report's rows (and its others row) as CSV, JSON (the `--json` report) or JSON Lines.
    public static func report(_ report: UsageReport, format: ExportFormat, to sink: ExportSink) throws {
        let query = report.query
        switch format {
        case .json:
            let pretty = JSONEncoder()
            pretty.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            sink.write(try pretty.encode(report))
            sink.write("\n")
        case .csv, .jsonl:
            let header = (query.bucket == nil ? [] : ["bucket_start"]) + query.groupBy.map(\.name) + fixedTotalsColumns
                + ["share"]
            if format == .csv { sink.write(header.map(csvField).joined(separator: ",") + "\n") }
            var rows = report.rows
            if let others = report.others { rows.append(others) }
            for (index, row) in rows.enumerated() {
                let isOthers = report.others != nil && index == rows.count - 1
                var object: [String: JSONValue] = try totalsDictionary(row.totals)
                if let start = row.bucketStart { object["bucket_start"] = .string(LocalTime.iso8601(start, in: query.timeZone)) }
                for (dimension, value) in zip(query.groupBy, row.values) {
                    object[dimension.name] = .string(isOthers ? "(others)" : value)
                }
                object["share"] = .number(Decimal(row.costShare))
                if format == .csv {
                    sink.write(header.map { object[$0].map(jsonScalarText) ?? "" }.map(csvField).joined(separator: ",") + "\n")
                } else {
                    sink.write(try encoder.encode(JSONValue.object(object)))
                    sink.write("\n")
                }
            }
        }
        sink.flush()
    }

    static let fixedTotalsColumns = ["events", "requests"] + UsageTotals.reportedKinds.map(\.rawValue) + [
        "errors", "rate_limited", "unpriced", "cost_usd", "input_cost_usd", "output_cost_usd",
    ]

    static func totalsDictionary(_ totals: UsageTotals) throws -> [String: JSONValue] {
        let data = try encoder.encode(totals)
        return try JSONDecoder().decode([String: JSONValue].self, from: data)
    }

    static func jsonScalarText(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .number(let n): return "\(n)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return ""
        default:
            return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
    }

    static func otherUsageText(_ usage: Usage) -> String {
        guard !usage.other.isEmpty else { return "" }
        let object = Dictionary(uniqueKeysWithValues: usage.other.map { ($0.key.rawValue, $0.value) })
        return (try? encoder.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func csvRow(_ event: UsageEvent) -> String {
        let d = event.dimensions
        let cost = event.cost
        var cells = [
            event.id, Timestamp.formatMilliseconds(event.timestamp), event.provider, event.model, d.org ?? "", d.team ?? "",
            d.user ?? "", d.project ?? "", d.keyID ?? "", d.session ?? "", d.operation ?? "", event.status.rawValue,
        ]
        cells += UsageTotals.reportedKinds.map { String(event.usage[$0]) }
        cells.append(String(event.usage.requests))
        cells.append(otherUsageText(event.usage))
        let priced = cost?.isPriced ?? false
        cells += [
            priced ? cost?.total.decimalString ?? "" : "", priced ? cost?.inputTotal.decimalString ?? "" : "",
            priced ? cost?.outputTotal.decimalString ?? "" : "", priced ? "true" : "false", cost?.pricedAs ?? "",
            cost?.serviceTier.rawValue ?? "", event.latencyMilliseconds.map(String.init) ?? "",
            d.tags.isEmpty ? "" : (try? encoder.encode(d.tags)).map { String(decoding: $0, as: UTF8.self) } ?? "",
        ]
        return cells.map(csvField).joined(separator: ",")
    }

    /// RFC 4180 quoting.
    public static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
