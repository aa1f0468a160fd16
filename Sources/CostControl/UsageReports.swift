public import Foundation

/// The calendar periods of ``UsageReports/periods(_:matching:startOfWeek:order:)``.
public enum ReportPeriod: String, Sendable, Hashable, CaseIterable {
    case daily, weekly, monthly

    /// The JSON key of the rows and of each row's period (`daily[].date`, `weekly[].week`, `monthly[].month`).
    public var rowKey: String {
        switch self {
        case .daily: "date"
        case .weekly: "week"
        case .monthly: "month"
        }
    }
}

/// The first day of a week (ccusage's `--start-of-week`; Sunday by default, as there).
public enum Weekday: String, Sendable, Hashable, CaseIterable {
    case sunday, monday, tuesday, wednesday, thursday, friday, saturday

    /// 1 for Sunday … 7 for Saturday (`Calendar`'s numbering).
    var calendarNumber: Int { (Weekday.allCases.firstIndex(of: self) ?? 0) + 1 }
}

/// Oldest first or newest first (sessions: cheapest first or most expensive first).
public enum ReportOrder: String, Sendable, Hashable, CaseIterable {
    case asc, desc
}

/// One day, week or month of a ``PeriodReport``.
public struct PeriodUsage: Sendable, Hashable {
    /// `2026-11-02` (a day, or the first day of a week) or `2026-11` (a month), in the report's zone.
    public var period: String
    /// The period's start.
    public var start: Date
    public var amounts: ReportAmounts
    /// Per model, largest cost first.
    public var models: [ModelAmounts]

    public init(period: String, start: Date, amounts: ReportAmounts, models: [ModelAmounts]) {
        self.period = period
        self.start = start
        self.amounts = amounts
        self.models = models
    }
}

/// Usage per day, week or month with per-model breakdowns: what `costctl daily|weekly|monthly` print.
public struct PeriodReport: Sendable, Hashable {
    public var period: ReportPeriod
    public var rows: [PeriodUsage]
    public var totals: ReportAmounts
    public var coverage: PricingCoverage
    public var timeZone: TimeZone
    /// Where the ledger read the numbers from.
    public var source: ReportSource
    public var notes: [String]
}

/// One session of a ``SessionReport`` (events sharing a `session` id).
public struct SessionUsage: Sendable, Hashable {
    public var session: String
    /// The session's project (the last one seen), if any.
    public var project: String?
    public var firstActivity: Date
    public var lastActivity: Date
    public var amounts: ReportAmounts
    public var models: [ModelAmounts]

    public init(
        session: String, project: String?, firstActivity: Date, lastActivity: Date, amounts: ReportAmounts,
        models: [ModelAmounts]
    ) {
        self.session = session
        self.project = project
        self.firstActivity = firstActivity
        self.lastActivity = lastActivity
        self.amounts = amounts
        self.models = models
    }
}

/// Usage per session: what `costctl session` prints.
public struct SessionReport: Sendable, Hashable {
    public var sessions: [SessionUsage]
    /// The sum of the sessions listed.
    public var totals: ReportAmounts
    /// Events in the range without a session id (not in any row nor in ``totals``).
    public var eventsWithoutSession: Int
    /// Coverage of every event in the range.
    public var coverage: PricingCoverage
    public var timeZone: TimeZone
}

/// ccusage-style reports over any ``UsageLedger``: days, weeks, months, sessions, 5-hour blocks,
/// and how much of the usage has a price.
///
/// Days, weeks and months come from one grouped query (by model and day or month, in
/// ``timeZone``), which the ledger answers from its aggregates whenever that is exact; sessions and
/// blocks need event times and read raw events, page by page.
///
/// For example:
/// ```swift
/// let reports = UsageReports(ledger: ledger, timeZone: TimeZone(identifier: "Europe/Berlin") ?? .current)
/// let daily = try await reports.periods(.daily, matching: UsageFilter(since: start))
/// print(daily.totals.cost, daily.coverage.summary ?? "all priced")
/// ```
public struct UsageReports: Sendable {
    public var ledger: any UsageLedger
    /// The zone days, weeks and months are cut in.
    public var timeZone: TimeZone

    public init(ledger: any UsageLedger, timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current) {
        self.ledger = ledger
        self.timeZone = timeZone
    }

    // MARK: - Days, weeks, months

    /// Usage per day, week (starting on `startOfWeek`) or month, with per-model breakdowns.
    ///
    /// - throws: the ledger's errors.
    public func periods(
        _ period: ReportPeriod, matching filter: UsageFilter = UsageFilter(), startOfWeek: Weekday = .sunday,
        order: ReportOrder = .asc
    ) async throws -> PeriodReport {
        let query = UsageQuery(
            filter: filter, groupBy: [.model], bucket: period == .monthly ? .month : .day, timeZone: timeZone,
            order: .time)
        let report = try await ledger.query(query)
        let local = LocalTime(timeZone)
        var groups: [Date: ModelTally] = [:]
        for row in report.rows {
            guard let start = row.bucketStart else { continue }
            let key = period == .weekly ? weekStart(of: start, startingOn: startOfWeek, local) : start
            groups[key, default: ModelTally()].add(row.values.first ?? "", ReportAmounts(row.totals))
        }
        var rows = groups.map { start, tally in
            let label = LocalTime.iso8601(start, in: timeZone)
            return PeriodUsage(
                period: String(label.prefix(period == .monthly ? 7 : 10)), start: start, amounts: tally.total,
                models: tally.breakdown)
        }
        rows.sort { order == .asc ? $0.start < $1.start : $0.start > $1.start }
        let coverage =
            report.totals.unpriced == 0
            ? PricingCoverage(tokens: ReportTokens(report.totals.usage).total, events: report.totals.events)
            : try await self.coverage(matching: filter)
        return PeriodReport(
            period: period, rows: rows, totals: ReportAmounts(report.totals), coverage: coverage, timeZone: timeZone,
            source: report.source, notes: report.notes)
    }

    /// Local midnight of the week's first day, for a day's start.
    func weekStart(of day: Date, startingOn first: Weekday, _ local: LocalTime) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let shift = (calendar.component(.weekday, from: day) - first.calendarNumber + 7) % 7
        return shift == 0 ? day : local.startOfDay(day, minusDays: shift)
    }

    // MARK: - Sessions

    /// Usage per session id, with first and last activity and per-model breakdowns, sorted by cost
    /// (`.desc`: most expensive first, as ccusage does).
    ///
    /// - throws: the ledger's errors.
    public func sessions(matching filter: UsageFilter = UsageFilter(), order: ReportOrder = .desc) async throws
        -> SessionReport
    {
        struct Accumulator {
            var first: Date
            var last: Date
            var project: String?
            var tally = ModelTally()
        }
        var sessions: [String: Accumulator] = [:]
        var coverage = CoverageTally()
        var withoutSession = 0
        try await forEachEvent(matching: filter) { event in
            coverage.add(event)
            guard let id = event.dimensions.session, !id.isEmpty else {
                withoutSession += 1
                return
            }
            var session = sessions[id] ?? Accumulator(first: event.timestamp, last: event.timestamp)
            session.first = min(session.first, event.timestamp)
            session.last = max(session.last, event.timestamp)
            if let project = event.dimensions.project, !project.isEmpty { session.project = project }
            session.tally.add(event.model, ReportAmounts(event))
            sessions[id] = session
        }
        var rows = sessions.map { id, session in
            SessionUsage(
                session: id, project: session.project, firstActivity: session.first, lastActivity: session.last,
                amounts: session.tally.total, models: session.tally.breakdown)
        }
        rows.sort { a, b in
            if a.amounts.cost != b.amounts.cost { return order == .asc ? a.amounts.cost < b.amounts.cost : a.amounts.cost > b.amounts.cost }
            return a.session < b.session
        }
        var totals = ReportAmounts()
        for row in rows { totals.add(row.amounts) }
        return SessionReport(
            sessions: rows, totals: totals, eventsWithoutSession: withoutSession, coverage: coverage.result,
            timeZone: timeZone)
    }

    /// Calls `body` with every matching raw event in time order, page by page, read with
    /// ``EventDetail/usage`` (no tags, metadata or cost categories: faster on large ranges).
    func forEachEvent(matching filter: UsageFilter, _ body: (UsageEvent) throws -> Void) async throws {
        var cursor: EventCursor?
        repeat {
            let page = try await ledger.events(matching: filter, after: cursor, limit: 5_000, detail: .usage)
            for event in page.events { try body(event) }
            cursor = page.next
        } while cursor != nil
    }

    // MARK: - Pricing coverage

    /// How much of the usage in the range has a price, and which models have none.
    ///
    /// Reads one report grouped by provider and model (from the aggregates when the range allows);
    /// the unpriced token volume of a model that is only partly unpriced is summed from its raw events.
    ///
    /// - throws: the ledger's errors.
    public func coverage(matching filter: UsageFilter = UsageFilter()) async throws -> PricingCoverage {
        let report = try await ledger.query(UsageQuery(filter: filter, groupBy: [.provider, .model], timeZone: timeZone))
        var coverage = PricingCoverage(
            tokens: ReportTokens(report.totals.usage).total, events: report.totals.events,
            unpricedEvents: report.totals.unpriced)
        for row in report.rows where row.totals.unpriced > 0 {
            let provider = row.values.first ?? ""
            let model = row.values.count > 1 ? row.values[1] : ""
            var modelFilter = filter
            modelFilter.equals[.provider] = [provider]
            modelFilter.equals[.model] = [model]
            var entry = UnpricedModel(
                provider: provider, model: model, events: row.totals.events, unpricedEvents: row.totals.unpriced,
                tokens: ReportTokens())
            if row.totals.unpriced == row.totals.events {
                // Every event of the model is unpriced: the aggregates hold its volume.
                entry.tokens = ReportTokens(row.totals.usage)
                let sample = try await ledger.events(matching: modelFilter, after: nil, limit: 1).events.first
                entry.reason = sample?.cost?.unpricedReason
            } else {
                var found = 0
                try await forEachEvent(matching: modelFilter) { event in
                    guard !(event.cost?.isPriced ?? false) else { return }
                    found += 1
                    entry.tokens += ReportTokens(event.usage)
                    if entry.reason == nil { entry.reason = event.cost?.unpricedReason }
                }
                if found < row.totals.unpriced {
                    coverage.notes.append(
                        "\(model): \(row.totals.unpriced - found) of its \(row.totals.unpriced) unpriced events were compacted away; their tokens are not in the unpriced volume")
                }
            }
            coverage.unpricedTokens += entry.tokens.total
            coverage.models.append(entry)
        }
        coverage.models.sort(by: UnpricedModel.byVolume)
        return coverage
    }

    /// ``coverage(matching:)`` with, for each unpriced model, whether `engine` (the current catalog
    /// with your overrides) prices it now: what `costctl pricing missing` lists.
    ///
    /// - throws: the ledger's errors.
    public func missingPrices(
        matching filter: UsageFilter = UsageFilter(), engine: CostEngine, at date: Date = Date()
    ) async throws -> PricingCoverage {
        var coverage = try await coverage(matching: filter)
        for index in coverage.models.indices {
            let model = coverage.models[index]
            let breakdown = try? engine.cost(
                Usage(inputTokens: 1_000, outputTokens: 1_000), model: model.model,
                provider: LedgerRepricing.catalogProvider(model.provider), at: date, unknownModel: .unpriced)
            coverage.models[index].pricedNow = breakdown?.isPriced ?? false
        }
        return coverage
    }
}
