import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// Retention, forgetting, repricing, and the export pages.
@Suite("Usage ledger contract: maintenance and export")
struct LedgerMaintenanceTests {
    // MARK: - Compaction

    /// About 1,360 events over the 400 days before ``Fixtures/now``.
    static let longHistory = SampleData.events(
        count: 1_360, from: Fixtures.now.addingTimeInterval(-400 * 86_400), spacing: 25_391.5, idPrefix: "long")

    @Test("compaction applies retention and keeps every total the aggregates cover", arguments: LedgerKind.allCases)
    func compaction(kind: LedgerKind) async throws {
        let events = Self.longHistory
        let now = Fixtures.now
        let utc = LocalTime(Fixtures.utc)
        try await withLedger(kind) { ledger in
            #expect(try await ledger.record(contentsOf: events).added == events.count)

            // Questions the aggregates answer: month- and day-aligned, and hour-aligned inside the
            // hourly level's year.
            var queries: [UsageQuery] = [UsageQuery(), UsageQuery(groupBy: [.user, .model], bucket: .month)]
            var month = utc.bucketStart(.month, containing: now.addingTimeInterval(-400 * 86_400))
            while month < now {
                let next = utc.nextBucketStart(.month, after: month)
                queries.append(UsageQuery(filter: UsageFilter(since: month, until: next), groupBy: [.team]))
                queries.append(UsageQuery(filter: UsageFilter(since: month, until: next), groupBy: [.team, .user]))
                month = next
            }
            let dayStart = utc.startOfDay(now, minusDays: 200)
            queries.append(
                UsageQuery(
                    filter: UsageFilter(since: dayStart, until: utc.startOfDay(now, minusDays: 100)), groupBy: [.model],
                    bucket: .day))
            queries.append(
                UsageQuery(
                    filter: UsageFilter(since: dayStart, until: utc.startOfDay(now, minusDays: 100)), groupBy: [.model, .team],
                    bucket: .day))
            queries.append(UsageQuery(filter: UsageFilter(since: dayStart), groupBy: [.status], bucket: .week))
            queries.append(
                UsageQuery(
                    filter: UsageFilter(since: dayStart.addingTimeInterval(-50 * 86_400 + 5 * 3600), until: dayStart.addingTimeInterval(7 * 3600)),
                    groupBy: [.user]))

            var before: [UsageReport] = []
            for query in queries {
                let report = try await ledger.query(query)
                #expect(report.source != .raw)
                #expect(report.totals == totals(of: events.filter(query.filter.matches)))
                before.append(report)
            }
            #expect(before[0].totals.events == events.count)
            #expect(Set(before.map(\.source)) == [.dailyByDimension, .monthly, .daily, .hourly])
            let hourlyBefore = try await exportRollups(ledger, .hourly, pageSize: 500)

            let result = try await ledger.compact(now: now)
            let rawCutoff = now.addingTimeInterval(-90 * 86_400)
            let kept = events.filter { $0.timestamp >= rawCutoff }
            #expect(result.rawEventsDeleted == events.count - kept.count)
            #expect(result.rawEventsDeleted > 0)
            #expect(result.hourlyRowsDeleted > 0)
            #expect(result.dailyRowsDeleted == 0)
            #expect(result.monthlyRowsDeleted == 0)
            #expect(result.rawHorizon.map { abs($0.timeIntervalSince(rawCutoff)) < 0.002 } == true)
            let hourlyHorizon = try #require(result.hourlyHorizon)
            #expect(hourlyHorizon <= now.addingTimeInterval(-366 * 86_400))
            #expect(hourlyHorizon > now.addingTimeInterval(-367 * 86_400))

            // The same questions, the same answers, from the same levels.
            for (query, old) in zip(queries, before) {
                let new = try await ledger.query(query)
                #expect(new.source == old.source)
                #expect(new.totals == old.totals)
                #expect(new.rows == old.rows)
                #expect(new.notes.isEmpty)
            }

            // Raw events older than 90 days are gone; the rest remain.
            #expect(try await exportAll(ledger, matching: UsageFilter(until: rawCutoff)).isEmpty)
            #expect(try await exportAll(ledger).map(\.id) == kept.map(\.id))
            #expect(try await ledger.info().events == kept.count)
            #expect(try await ledger.event(id: events[0].id) == nil)
            // Hourly rows older than a year are gone.
            let hourlyAfter = try await exportRollups(ledger, .hourly, pageSize: 500)
            #expect(hourlyAfter.allSatisfy { $0.bucketStart >= hourlyHorizon })
            #expect(hourlyBefore.count - hourlyAfter.count == result.hourlyRowsDeleted)

            // Unaligned ranges before the raw horizon read what is left, and say so.
            let partly = try await ledger.query(UsageQuery(filter: UsageFilter(since: dayStart.addingTimeInterval(0.001))))
            #expect(partly.source == .raw)
            #expect(partly.notes.count == 1)
            #expect(partly.notes.first?.contains("compacted") == true)
            #expect(partly.totals == totals(of: kept))
            let gone = try await ledger.query(
                UsageQuery(filter: UsageFilter(since: dayStart.addingTimeInterval(0.001), until: dayStart.addingTimeInterval(86_400))))
            #expect(gone.totals.events == 0)
            #expect(gone.notes.first?.contains("no raw events") == true)
            // An hour-aligned range before the hourly horizon can no longer read hourly rows.
            let old = try await ledger.query(
                UsageQuery(filter: UsageFilter(since: hourlyHorizon.addingTimeInterval(-5 * 3600), until: dayStart)))
            #expect(old.source == .raw)
            #expect(!old.notes.isEmpty)

            // Compacting again changes nothing.
            let again = try await ledger.compact(now: now)
            #expect(again.rawEventsDeleted == 0)
            #expect(again.hourlyRowsDeleted == 0)
            #expect(try await ledger.query(UsageQuery()).totals == before[0].totals)
            let info = try await ledger.info()
            #expect(info.rawHorizon != nil)
            #expect(info.hourlyHorizon != nil)
        }
    }

    @Test("repricing after compaction says which events it could not reach", arguments: LedgerKind.allCases)
    func repriceAfterCompaction(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            try await ledger.record(contentsOf: Array(Self.longHistory.prefix(200)) + Array(Self.longHistory.suffix(50)))
            _ = try await ledger.compact(now: Fixtures.now)
            let result = try await ledger.reprice(matching: UsageFilter()) { _ in nil }
            #expect(result.examined == 50)
            #expect(result.changed == 0)
            #expect(result.costBefore == result.costAfter)
            #expect(result.notes.count == 1)
            #expect(result.notes.first?.contains("compacted") == true)
        }
    }

    // MARK: - Forget

    @Test("forget a user removes their events and aggregates and leaves everyone else's totals", arguments: LedgerKind.allCases)
    func forgetUser(kind: LedgerKind) async throws {
        let events = SampleData.standard
        try await withLedger(kind) { ledger in
            try await ledger.record(contentsOf: events)
            // By user alone (daily totals per dimension), by user and team (series daily rollup), raw.
            let queries: [(UsageQuery, ReportSource)] = [
                (UsageQuery(groupBy: [.user], bucket: .day), .dailyByDimension),
                (UsageQuery(groupBy: [.user, .team], bucket: .day), .daily),
                (UsageQuery(filter: UsageFilter(equals: [.tag("all"): ["yes"]]), groupBy: [.user], bucket: .day), .raw),
            ]
            var before: [[RowKey: UsageTotals]] = []
            for (query, _) in queries { before.append(rowsByKey(try await ledger.query(query))) }

            let result = try await ledger.forget(.user, value: "alice")
            let aliceEvents = events.filter { $0.dimensions.user == "alice" }
            #expect(result.eventsDeleted == aliceEvents.count)
            #expect(result.aggregateRowsDeleted > 0)

            let remaining = events.filter { $0.dimensions.user != "alice" }
            for ((query, source), old) in zip(queries, before) {
                let report = try await ledger.query(query)
                #expect(report.source == source)
                #expect(!report.rows.contains { $0.values.first == "alice" })
                #expect(report.totals == totals(of: remaining))
                #expect(rowsByKey(report) == old.filter { $0.key.values.first != "alice" })
                #expect(rowsByKey(report) == expectedRows(remaining, query))
            }
            #expect(try await ledger.query(UsageQuery(filter: UsageFilter(equals: [.user: ["alice"]]))).totals.events == 0)
            #expect(try await exportAll(ledger, matching: UsageFilter(equals: [.user: ["alice"]])).isEmpty)
            for level in RollupLevel.allCases {
                let rows = try await exportRollups(ledger, level, pageSize: 200)
                #expect(!rows.isEmpty)
                #expect(!rows.contains { $0.series.user == "alice" })
            }
            #expect(try await ledger.event(id: aliceEvents[0].id) == nil)
            #expect(try await ledger.info().events == remaining.count)

            // Recording for the forgotten user again works (new series rows).
            try await ledger.record(makeEvent("alice-again", dimensions: UsageDimensions(user: "alice")))
            let again = try await ledger.query(UsageQuery(filter: UsageFilter(equals: [.user: ["alice"]])))
            #expect(again.totals.events == 1)

            // Forgetting something that is not there deletes nothing.
            #expect(try await ledger.forget(.user, value: "nobody") == ForgetResult())
        }
    }

    @Test("forget a team or a project; other dimensions are refused", arguments: LedgerKind.allCases)
    func forgetTeamAndProject(kind: LedgerKind) async throws {
        let events = SampleData.standard
        try await withLedger(kind) { ledger in
            try await ledger.record(contentsOf: events)
            let team = try await ledger.forget(.team, value: "ads")
            #expect(team.eventsDeleted == events.filter { $0.dimensions.team == "ads" }.count)
            let project = try await ledger.forget(.project, value: "apollo")
            let left = events.filter { $0.dimensions.team != "ads" && $0.dimensions.project != "apollo" }
            #expect(project.eventsDeleted == events.filter { $0.dimensions.team != "ads" && $0.dimensions.project == "apollo" }.count)
            #expect(try await ledger.query(UsageQuery(groupBy: [.team])).totals == totals(of: left))
            #expect(try await ledger.query(UsageQuery(filter: UsageFilter(equals: [.session: ["s1"]]))).totals == totals(of: left.filter { $0.dimensions.session == "s1" }))

            let error = await #expect(throws: PricingError.self) { try await ledger.forget(.tag("env"), value: "dev") }
            #expect(error?.code == .invalidQuery)
            #expect(try await ledger.query(UsageQuery()).totals == totals(of: left))
        }
    }

    @Test("with a user hasher, ids are stored as pseudonyms and forget takes the clear-text id", arguments: LedgerKind.allCases)
    func hashedUsers(kind: LedgerKind) async throws {
        let hasher = TestHasher()
        let configuration = Fixtures.configuration(userHasher: hasher)
        try await withLedger(kind, configuration: configuration) { ledger in
            let events = (0..<30).map { i in
                makeEvent(
                    "h-\(i)", at: Fixtures.now.addingTimeInterval(Double(-i * 3_000)), cost: micros(i + 1),
                    dimensions: UsageDimensions(user: i % 3 == 0 ? "alice@example.com" : "bob@example.com", session: "x"))
            }
            try await ledger.record(contentsOf: events)
            let alice = hasher.pseudonym(for: "alice@example.com")
            let stored = try #require(try await ledger.event(id: "h-0"))
            #expect(stored.dimensions.user == alice)
            #expect(try await ledger.info().hashesUserIDs)

            let byUser = try await ledger.query(UsageQuery(groupBy: [.user]))
            #expect(Set(byUser.rows.map { $0.values[0] }) == [alice, hasher.pseudonym(for: "bob@example.com")])
            #expect(!byUser.rows.contains { $0.values[0].contains("@") })

            let bobTotals = totals(of: events.filter { $0.dimensions.user == "bob@example.com" })
            let forgot = try await ledger.forget(.user, value: "alice@example.com")
            #expect(forgot.eventsDeleted == 10)
            #expect(try await ledger.query(UsageQuery()).totals.cost == bobTotals.cost)
            let raw = try await ledger.query(UsageQuery(filter: UsageFilter(equals: [.session: ["x"]])))
            #expect(raw.totals.cost == bobTotals.cost)
            #expect(raw.totals.events == 20)
        }
    }

    // MARK: - Reprice

    @Test("reprice changes stored costs and the rollups follow", arguments: LedgerKind.allCases)
    func reprice(kind: LedgerKind) async throws {
        let events = SampleData.standard
        try await withLedger(kind) { ledger in
            try await ledger.record(contentsOf: events)
            let target = UsageFilter(equals: [.model: ["gpt-4o-mini"]])
            @Sendable func newCost(_ event: UsageEvent) -> EventCost {
                let old = event.cost?.isPriced == true ? event.cost?.total ?? .zero : .zero
                let total = Money(units: old.units * 3 + 1_234_567_891)
                return EventCost(total: total, inputTotal: total, pricedAs: "test/repriced")
            }
            let result = try await ledger.reprice(matching: target) { newCost($0) }
            let affected = events.filter(target.matches)
            #expect(result.examined == affected.count)
            #expect(result.changed == affected.count)
            #expect(result.costBefore == totals(of: affected).cost)
            #expect(result.costAfter == affected.reduce(Money.zero) { $0 + newCost($1).total })
            #expect(result.notes.isEmpty)

            let expectedEvents = events.map { event in
                guard target.matches(event) else { return event }
                var changed = event
                changed.cost = newCost(event)
                return changed
            }
            let dayAligned = UsageFilter(since: Fixtures.date("2026-01-15T00:00:00Z"), until: Fixtures.date("2026-03-12T00:00:00Z"))
            var tagged = dayAligned
            tagged.equals[.tag("all")] = ["yes"]
            for (filter, source) in [(dayAligned, ReportSource.daily), (tagged, .raw), (UsageFilter(), .monthly)] {
                for bucket in [TimeBucket?.none, .day] {
                    let query = UsageQuery(filter: filter, groupBy: [.model, .status], bucket: bucket)
                    let report = try await ledger.query(query)
                    #expect(report.source == (bucket == .day && source == .monthly ? .daily : source))
                    #expect(report.totals == totals(of: expectedEvents.filter(filter.matches)))
                    #expect(rowsByKey(report) == expectedRows(expectedEvents, query))
                }
            }
            for level in RollupLevel.allCases {
                var sum = UsageTotals()
                for record in try await exportRollups(ledger, level, pageSize: 250) { sum.add(record.totals) }
                #expect(sum == totals(of: expectedEvents), "\(level)")
            }
            let sample = try #require(affected.first)
            #expect(try await ledger.event(id: sample.id)?.cost == newCost(sample))

            // Returning nil (or the same cost) changes nothing.
            let unchanged = try await ledger.reprice(matching: UsageFilter()) { _ in nil }
            #expect(unchanged.examined == events.count)
            #expect(unchanged.changed == 0)
            let same = try await ledger.reprice(matching: target) { $0.cost }
            #expect(same.changed == 0)
        }
    }

    struct PriceFailure: Error {}

    @Test("a reprice whose price function throws changes nothing", arguments: LedgerKind.allCases)
    func repriceThrows(kind: LedgerKind) async throws {
        let events = SampleData.standard
        try await withLedger(kind) { ledger in
            try await ledger.record(contentsOf: events)
            let before = try await ledger.query(UsageQuery(groupBy: [.model], bucket: .day))
            await #expect(throws: PriceFailure.self) {
                try await ledger.reprice(matching: UsageFilter()) { event in
                    if event.id == "ev-300" { throw PriceFailure() }
                    return EventCost(total: micros(1))
                }
            }
            let after = try await ledger.query(UsageQuery(groupBy: [.model], bucket: .day))
            #expect(after == before)
            #expect(try await exportAll(ledger, pageSize: 1_000) == events)
        }
    }

    @Test("reprice with the catalog fixes events recorded with a wrong price", arguments: LedgerKind.allCases)
    func repriceWithCatalog(kind: LedgerKind) async throws {
        let engine = try Fixtures.engine()
        try await withLedger(kind, configuration: Fixtures.configuration(engine: engine)) { ledger in
            let events = (0..<40).map { i in
                UsageEvent(
                    id: "p-\(i)", timestamp: Fixtures.date("2026-03-01T00:00:01Z").addingTimeInterval(Double(i) * 20_000),
                    provider: "openai", model: i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini",
                    usage: Usage(inputTokens: 1_000 + i * 17, outputTokens: 100 + i),
                    cost: i % 4 == 0 ? EventCost(total: micros(1)) : nil)
            }
            try await ledger.record(contentsOf: events)
            @Sendable func price(_ event: UsageEvent) throws -> EventCost {
                EventCost(try engine.cost(event.usage, model: event.model, provider: event.provider, at: event.timestamp))
            }
            let result = try await ledger.reprice(matching: UsageFilter()) { try price($0) }
            // Only the events recorded with a made-up cost change: the others were priced the same way
            // at ingest (and their stored cost reads back equal).
            #expect(result.examined == 40)
            #expect(result.changed == 10)
            var expected = Money.zero
            for event in events { expected += try price(event).total }
            #expect(result.costAfter == expected)
            let march = UsageFilter(since: Fixtures.date("2026-03-01T00:00:00Z"))
            let report = try await ledger.query(UsageQuery(filter: march, groupBy: [.provider, .model]))
            #expect(report.source == .monthly)
            #expect(report.totals.cost == expected)
            let byModel = try await ledger.query(UsageQuery(filter: march, groupBy: [.model]))
            #expect(byModel.source == .dailyByDimension)
            #expect(byModel.totals.cost == expected)
            for row in byModel.rows {
                var modelCost = Money.zero
                for event in events where event.model == row.values[0] { modelCost += try price(event).total }
                #expect(row.totals.cost == modelCost, "\(row.values)")
            }
            let raw = try await ledger.query(UsageQuery(filter: UsageFilter(since: Fixtures.date("2026-03-01T00:00:00.001Z"))))
            #expect(raw.source == .raw)
            #expect(raw.totals.cost == expected)
        }
    }

    @Test("reprice downwards over more than one internal page keeps rollups exact", arguments: LedgerKind.allCases)
    func repriceManyEvents(kind: LedgerKind) async throws {
        let start = Fixtures.now.addingTimeInterval(-3 * 86_400)
        let events = (0..<2_300).map { (i: Int) -> UsageEvent in
            let dollars: Int128 = Int128(i % 97 + 1) * 1_000_000_000_000_000
            let odd: Int128 = Int128(i) * 999_999_937
            return makeEvent(
                "m-\(i)", at: start.addingTimeInterval(Double(i) * 97.25), model: i % 3 == 0 ? "gpt-4o" : "gpt-4o-mini",
                cost: Money(units: dollars + odd), dimensions: UsageDimensions(user: "u\(i % 5)"))
        }
        try await withLedger(kind) { ledger in
            try await ledger.record(contentsOf: events)
            @Sendable func cheaper(_ event: UsageEvent) -> EventCost {
                let total = Money(units: (event.cost?.total.units ?? 0) / 3)
                return EventCost(total: total, inputTotal: total, pricedAs: "test/cheaper")
            }
            let result = try await ledger.reprice(matching: UsageFilter(since: start)) { cheaper($0) }
            #expect(result.examined == events.count)
            #expect(result.changed == events.count)
            let expected = events.map { event in
                var changed = event
                changed.cost = cheaper(event)
                return changed
            }
            #expect(result.costAfter == totals(of: expected).cost)
            let day = LocalTime(Fixtures.utc).startOfDay(start)
            var sources: Set<ReportSource> = []
            for query in [
                UsageQuery(filter: UsageFilter(since: day), groupBy: [.user, .model], bucket: .hour),
                UsageQuery(filter: UsageFilter(since: day), groupBy: [.user], bucket: .day),
                UsageQuery(groupBy: [.model], bucket: .month),
                UsageQuery(groupBy: [.model, .user], bucket: .month),
                UsageQuery(filter: UsageFilter(since: day), groupBy: [.model, .user], bucket: .day),
                UsageQuery(filter: UsageFilter(equals: [.session: [""]]), groupBy: [.user], bucket: .day),
            ] {
                let report = try await ledger.query(query)
                sources.insert(report.source)
                #expect(report.totals == totals(of: expected), "\(report.source)")
                #expect(rowsByKey(report) == expectedRows(expected, query), "\(report.source)")
            }
            #expect(sources == [.hourly, .daily, .monthly, .dailyByDimension, .raw])
        }
    }

    // MARK: - Export pages

    @Test("event pages return every event once, in time order", arguments: LedgerKind.allCases, [3, 64, 600, 1_000])
    func eventPages(kind: LedgerKind, pageSize: Int) async throws {
        let events = SampleData.standard
        try await withLedger(kind) { ledger in
            // Recorded out of order, in several batches.
            let shuffled = events.enumerated().sorted { ($0.offset * 7_919) % 601 < ($1.offset * 7_919) % 601 }.map(\.element)
            for start in stride(from: 0, to: shuffled.count, by: 150) {
                try await ledger.record(contentsOf: Array(shuffled[start..<min(start + 150, shuffled.count)]))
            }
            let exported = try await exportAll(ledger, pageSize: pageSize)
            #expect(exported.count == events.count)
            #expect(Set(exported.map(\.id)).count == events.count)
            #expect(zip(exported, exported.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })
            #expect(exported.map(\.id) == events.map(\.id))
            #expect(exported == events)

            let filter = UsageFilter(
                since: Fixtures.date("2026-02-01T00:00:00Z"), until: Fixtures.date("2026-03-01T00:00:00Z"),
                equals: [.user: ["bob"], .tag("env"): ["prod"]])
            let filtered = try await exportAll(ledger, matching: filter, pageSize: pageSize)
            #expect(filtered.map(\.id) == events.filter(filter.matches).map(\.id))
            #expect(!filtered.isEmpty)

            var streamed: [String] = []
            for try await event in ledger.allEvents(matching: UsageFilter(equals: [.session: ["s5"]]), pageSize: pageSize) {
                streamed.append(event.id)
            }
            #expect(streamed == events.filter { $0.dimensions.session == "s5" }.map(\.id))
        }
    }

    @Test("usage-detail pages carry every field reports read, for the same events", arguments: LedgerKind.allCases, [7, 1_000])
    func usageDetailPages(kind: LedgerKind, pageSize: Int) async throws {
        let events = SampleData.standard
        /// The fields ``EventDetail/usage`` promises; the rest may be left out.
        func reportFields(_ event: UsageEvent) -> UsageEvent {
            var e = event
            e.dimensions.tags = [:]
            e.metadata = nil
            e.latencyMilliseconds = nil
            if let cost = e.cost {
                e.cost = EventCost(
                    total: cost.total, inputTotal: cost.inputTotal, outputTotal: cost.outputTotal, isPriced: cost.isPriced,
                    unpricedReason: cost.isPriced ? nil : cost.unpricedReason)
            }
            return e
        }
        try await withLedger(kind) { ledger in
            try await ledger.record(contentsOf: events)
            let filter = UsageFilter(since: Fixtures.date("2026-02-01T00:00:00Z"), equals: [.team: ["ads"]])
            var light: [UsageEvent] = []
            var cursor: EventCursor?
            repeat {
                let page = try await ledger.events(matching: filter, after: cursor, limit: pageSize, detail: .usage)
                light += page.events
                cursor = page.next
            } while cursor != nil
            let expected = events.filter(filter.matches)
            #expect(!expected.isEmpty)
            #expect(light.map(reportFields) == expected.map(reportFields))
            #expect(light.contains { $0.cost?.isPriced == false && $0.cost?.unpricedReason == "test: no price" })
        }
    }

    @Test("pages of one event, events in the same millisecond, across batches", arguments: LedgerKind.allCases)
    func singleEventPages(kind: LedgerKind) async throws {
        let instant = Fixtures.date("2026-03-14T09:00:00.250Z")
        try await withLedger(kind) { ledger in
            var ids: [String] = []
            for batch in 0..<3 {
                let events = (0..<6).map { makeEvent("same-\(batch)-\($0)", at: instant, cost: micros(1)) }
                ids += events.map(\.id)
                try await ledger.record(contentsOf: events)
            }
            try await ledger.record(makeEvent("earlier", at: instant.addingTimeInterval(-0.001)))
            try await ledger.record(makeEvent("later", at: instant.addingTimeInterval(0.001)))
            let exported = try await exportAll(ledger, pageSize: 1)
            #expect(exported.count == 20)
            #expect(exported.first?.id == "earlier")
            #expect(exported.last?.id == "later")
            #expect(Set(exported.dropFirst().dropLast().map(\.id)) == Set(ids))
            #expect(exported.dropFirst().dropLast().allSatisfy { $0.timestamp == instant })
            // The millisecond itself is a range of its own.
            let within = try await ledger.query(
                UsageQuery(filter: UsageFilter(since: instant, until: instant.addingTimeInterval(0.001))))
            #expect(within.totals.events == 18)
            #expect(try await ledger.record(contentsOf: []) == RecordResult())
        }
    }

    @Test("rollup pages return every aggregate row once, in bucket order", arguments: LedgerKind.allCases)
    func rollupPages(kind: LedgerKind) async throws {
        let events = SampleData.standard
        try await withLedger(kind) { ledger in
            try await ledger.record(contentsOf: events)
            let all = totals(of: events)
            for level in RollupLevel.allCases {
                for pageSize in level == .monthly ? [1, 10_000] : [50, 10_000] {
                    let records = try await exportRollups(ledger, level, pageSize: pageSize)
                    var sum = UsageTotals()
                    for record in records { sum.add(record.totals) }
                    #expect(sum == all, "\(level) by \(pageSize)")
                    #expect(records.allSatisfy { $0.level == level })
                    let keys = records.map { "\($0.bucketStart.timeIntervalSince1970)|\($0.series)" }
                    #expect(Set(keys).count == records.count, "\(level) by \(pageSize): a row came twice")
                    #expect(zip(records, records.dropFirst()).allSatisfy { $0.bucketStart <= $1.bucketStart })
                }
            }
            let daily = try await exportRollups(ledger, .daily)
            let time = LocalTime(Fixtures.utc)
            #expect(daily.allSatisfy { time.isBucketStart(.day, $0.bucketStart) })
            let monthly = try await exportRollups(ledger, .monthly)
            #expect(Set(monthly.map(\.bucketStart)).count == 3)

            // A filtered, ranged export.
            let filter = UsageFilter(
                since: Fixtures.date("2026-02-01T00:00:00Z"), until: Fixtures.date("2026-02-15T00:00:00Z"),
                equals: [.team: ["infra"]])
            let part = try await exportRollups(ledger, .daily, matching: filter, pageSize: 4)
            var sum = UsageTotals()
            for record in part { sum.add(record.totals) }
            #expect(sum == totals(of: events.filter(filter.matches)))
            #expect(part.allSatisfy { $0.series.team == "infra" })
        }
    }
}
