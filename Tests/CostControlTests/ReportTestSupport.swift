import CostControl
import Foundation

/// The ledgers the report tests run on: the real SQLite file (what the CLI uses) and the memory one.
enum ReportLedgerKind: String, CaseIterable, Sendable {
    case sqlite, memory
}

/// A fresh ledger of `kind` holding `events` (SQLite in a temporary directory, removed afterwards),
/// with the clock at `now`.
func withReportLedger(
    _ kind: ReportLedgerKind = .sqlite, events: [UsageEvent], now: Date, engine: CostEngine? = nil,
    _ body: (any UsageLedger) async throws -> Void
) async throws {
    let configuration = LedgerConfiguration(engine: engine, now: { now })
    switch kind {
    case .memory:
        let ledger = MemoryUsageLedger(configuration: configuration)
        try await ledger.record(contentsOf: events)
        try await body(ledger)
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("costctl-report-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try SQLiteUsageLedger(
            path: directory.appendingPathComponent("usage.db").path, configuration: configuration)
        try await ledger.record(contentsOf: events)
        try await body(ledger)
    }
}

enum ReportFixtures {
    static func date(_ text: String) -> Date {
        Timestamp.parseOrNil(text) ?? Date(timeIntervalSince1970: 0)
    }

    static func zone(_ identifier: String) -> TimeZone {
        TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0) ?? .current
    }

    /// `n` micro-dollars, exactly.
    static func micros(_ n: Int) -> Money { Money(units: Int128(n) * 1_000_000_000_000) }

    /// An event with usage counted our way (`input` includes `cacheRead` and `cacheWrite`) and a
    /// stored cost (`nil`: unpriced).
    static func event(
        _ id: String, _ time: String, model: String, provider: String = "test", input: Int, output: Int,
        cacheRead: Int = 0, cacheWrite: Int = 0, micros cost: Int?, session: String? = nil, project: String? = nil
    ) -> UsageEvent {
        let amount = cost.map(micros)
        return UsageEvent(
            id: id, timestamp: date(time), provider: provider, model: model,
            usage: Usage(inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite),
            cost: amount.map { EventCost(total: $0, inputTotal: $0, pricedAs: "\(provider)/\(model)") }
                ?? .unpriced(reason: "test: no price for \(model)"),
            dimensions: UsageDimensions(project: project, session: session))
    }
}
