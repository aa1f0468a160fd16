internal import CCostSQLite
public import CostPricing
internal import Foundation

/// The embedded default ``UsageLedger``: one SQLite file (WAL), safe for several processes at once.
///
/// Layout (see Documentation/Ledger.md): events keyed by a time-ordered position (Unix milliseconds
/// shifted left 20 bits, plus a sequence), so time ranges are primary-key ranges; a unique index on
/// the idempotency id; the rolled-up dimensions interned once in `series`; hourly, daily and
/// monthly aggregates keyed by (bucket, series), into which the sums of many batches are folded
/// together (a `rollup_pending` row per batch until then; every report folds first).
///
/// For example:
/// ```swift
/// let ledger = try SQLiteUsageLedger(path: "/var/lib/app/costctl.db",
///                                    configuration: LedgerConfiguration(engine: CostEngine(catalog: try .bundled())))
/// try await ledger.record(contentsOf: events, policy: .skipInvalid)
/// ```
public actor SQLiteUsageLedger: UsageLedger {
    /// How commits are made durable.
    public enum Durability: String, Sendable, CaseIterable {
        /// fsync at every commit: a recorded event survives a process crash and a power loss (default).
        case full
        /// A recorded event survives a process crash (SIGKILL); the last commits may be lost on power loss.
        case processCrash = "process-crash"
    }

    public nonisolated let configuration: LedgerConfiguration
    public nonisolated let path: String
    let db: Connection
    private var seriesIDs: [SeriesKey: Int64] = [:]
    private var seriesGeneration: String?
    private var buckets: RollupBuckets
    /// Rollup deltas of this ledger's batches not yet folded (see ``foldRollups()``).
    var pending = PendingRollups()
    /// Events whose rollup deltas are kept pending before a batch folds them; 0 adds each batch's
    /// deltas to the rollup tables in its own transaction.
    public nonisolated let foldEvents: Int

    /// Opens (creating if needed, with its parent directory) the database at `path`.
    ///
    /// The rollup time zone is fixed when the file is created; an existing file keeps its own.
    /// - parameter foldEvents: how many recorded events may wait before their rollup deltas are
    ///   added to the aggregate tables, coalesced (Documentation/Ledger.md, "Rollups folded across
    ///   batches"); reports fold whatever is pending first, so they never miss an event. 0 adds
    ///   each batch's deltas in the batch's own transaction.
    /// - throws: ``SQLiteError`` (`.cannotOpen`, `.schemaTooNew`, `.corrupt`).
    public init(
        path: String, configuration: LedgerConfiguration = LedgerConfiguration(), durability: Durability = .full,
        foldEvents: Int = SQLiteUsageLedger.defaultFoldEvents
    ) throws {
        try Connection.createParentDirectory(of: path)
        let db = try Connection(path: path, synchronous: durability == .full ? .full : .normal)
        try Migrator.migrate(db)
        // The rollup zone: the stored one wins; a new file stores the configured one.
        var zoneID = configuration.rollupTimeZone.identifier
        if LocalTime.sameRules(configuration.rollupTimeZone, TimeZone(secondsFromGMT: 0) ?? configuration.rollupTimeZone) {
            zoneID = "UTC"  // Foundation on Linux names UTC "GMT"
        }
        try db.writeTransaction {
            if let stored = try SQLiteUsageLedger.meta(db, "rollup_time_zone") {
                zoneID = stored
            } else {
                try SQLiteUsageLedger.setMeta(db, "rollup_time_zone", zoneID)
                try SQLiteUsageLedger.setMeta(db, "series_generation", "0")
            }
        }
        guard let zone = TimeZone(identifier: zoneID) else {
            throw SQLiteError(code: .corrupt, message: "database '\(path)' names an unknown rollup time zone '\(zoneID)'")
        }
        var effective = configuration
        effective.rollupTimeZone = zone
        self.configuration = effective
        self.path = path
        self.db = db
        self.buckets = RollupBuckets(zone: zone)
        self.foldEvents = max(0, foldEvents)
    }

    /// The schema version this build writes.
    public static var schemaVersion: Int { Migrator.version }

    func seriesIDsInvalidated() {
        seriesIDs.removeAll()
        seriesGeneration = nil
    }

    // MARK: - Meta

    static func meta(_ db: Connection, _ key: String) throws -> String? {
        let statement = try db.cached("SELECT value FROM meta WHERE key = ?")
        statement.bind(key, at: 1)
        guard try statement.step() else { return nil }
        return statement.text(0)
    }

    static func setMeta(_ db: Connection, _ key: String, _ value: String) throws {
        let statement = try db.cached(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        statement.bind(key, at: 1)
        statement.bind(value, at: 2)
        try statement.step()
    }

    func horizons() throws -> LedgerHorizons {
        func date(_ key: String) throws -> Date? {
            try SQLiteUsageLedger.meta(db, key).flatMap(Int64.init).map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) }
        }
        return LedgerHorizons(
            raw: try date("raw_horizon_ms"), hourly: try date("hourly_horizon_ms"), daily: try date("daily_horizon_ms"),
            monthly: try date("monthly_horizon_ms"))
    }

    // MARK: - Writing

    public func record(contentsOf events: [UsageEvent], policy: BatchPolicy) async throws -> RecordResult {
        var prepared = try LedgerIngest.prepare(events, configuration: configuration, policy: policy)
        if prepared.events.isEmpty { return prepared.result }
        var cacheSnapshot = seriesIDs
        var generation = seriesGeneration
        var rollupBuckets = buckets
        let db = self.db
        let deferring = foldEvents > 0
        // A deferring batch adds its sums straight into the pending ones (moved out here, so that
        // they are changed in place, not copied): merging a batch's own dictionary afterwards cost
        // as much again. If the transaction fails after the first sum was added, every sum held
        // in memory is dropped; the fold then reads all pending batches back from the events.
        var held = PendingRollups()
        var heldChanged = false
        if deferring {
            swap(&held, &pending)
            // a large batch sizes the dictionary once for a whole fold, instead of growing it
            if held.deltas.isEmpty, prepared.events.count >= 1_000 { held.deltas.reserveCapacity(min(foldEvents, 1 << 16)) }
        }
        let outcome: (statuses: [(Int, Bool)], newSeries: [SeriesKey: Int64], generation: String?, pendingID: Int64?, added: Int)
        do {
            outcome = try db.writeTransaction {
                let current = try SQLiteUsageLedger.meta(db, "series_generation")
                if current != generation {
                    cacheSnapshot.removeAll()
                    generation = current
                }
                var newSeries: [SeriesKey: Int64] = [:]
                var statuses: [(Int, Bool)] = []
                statuses.reserveCapacity(prepared.events.count)
                var nextInMillisecond: [Int64: Int64] = [:]
                // Where in its millisecond an event starts looking for a free position (the low 19
                // of 20 bits, so that writers in other processes rarely meet): seeded by the system
                // once a batch, since a system draw per event cost about a microsecond.
                var spread = SplitMix64(seed: UInt64.random(in: .min ... .max))
                var addedPositions: [Int64] = []
                if deferring { addedPositions.reserveCapacity(prepared.events.count) }
                let insert = try db.cached(SQLiteUsageLedger.insertEventSQL)
                var scratch: [UInt8] = []
                scratch.reserveCapacity(512)
                for (index, event) in prepared.events {
                    let key = SeriesKey(event)
                    let seriesID: Int64
                    if let known = cacheSnapshot[key] ?? newSeries[key] {
                        seriesID = known
                    } else {
                        seriesID = try SQLiteUsageLedger.internSeries(db, key)
                        newSeries[key] = seriesID
                    }
                    let millis = event.unixMilliseconds
                    var position = nextInMillisecond[millis] ?? ((millis << 20) | Int64(spread.next() >> 45))
                    var added = false
                    while true {
                        insert.reset()
                        SQLiteUsageLedger.bind(event, position: position, series: seriesID, to: insert, scratch: &scratch)
                        let rc = insert.run()
                        if rc == SQLITE_DONE {
                            added = db.changes == 1
                            break
                        }
                        if rc == SQLiteUsageLedger.constraintPrimaryKey {
                            position += 1
                            continue
                        }
                        throw db.error(rc, context: "inserting event '\(event.id)'")
                    }
                    nextInMillisecond[millis] = position + 1
                    statuses.append((index, added))
                    guard added else { continue }
                    if deferring { addedPositions.append(position) }
                    let (hour, day, month) = rollupBuckets.buckets(milliseconds: millis)
                    heldChanged = true
                    if held.series[seriesID] == nil { held.series[seriesID] = key }
                    // One sum per (hour, series): the daily and monthly rows are added up from these
                    // when they are written, not per event. A sum that would not fit in 64 bits at
                    // any level refuses the batch (as the upsert of `foldEvents: 0` does).
                    try held.add(UsageTotals(event), to: SlotDelta(hour: hour, day: day, month: month, series: seriesID))
                }
                guard deferring else {
                    try SQLiteUsageLedger.write(held.deltas, series: held.series, db)
                    return (statuses, newSeries, generation, nil, 0)
                }
                // The batch's sums wait in memory; this row makes them recoverable from the events if
                // the process stops before it folds them.
                guard !addedPositions.isEmpty else { return (statuses, newSeries, generation, nil, 0) }
                let marker = try db.cached("INSERT INTO rollup_pending (events, positions) VALUES (?, ?) RETURNING id")
                marker.bind(addedPositions.count, at: 1)
                marker.bind(PendingRollups.pack(addedPositions), at: 2)
                guard try marker.step() else {
                    throw SQLiteError(code: .statement, message: "could not record a pending rollup batch (no id returned)")
                }
                let id = marker.int64(0)
                while try marker.step() {}
                return (statuses, newSeries, generation, id, addedPositions.count)
            }
        } catch {
            // Unchanged (the lock was not taken, say): put back. Changed: dropped (`pending` is empty).
            if deferring, !heldChanged { swap(&held, &pending) }
            throw error
        }
        buckets = rollupBuckets
        if deferring { swap(&held, &pending) }
        if let id = outcome.pendingID {
            pending.ids.insert(id)
            pending.events += outcome.added
            if pending.events >= foldEvents {
                // The batch is recorded whatever happens here. A fold that fails (the lock held
                // past the busy timeout) leaves every batch pending and durable; the next batch or
                // report folds them, and a report that cannot fold reports the error itself.
                try? foldPendingRollups()
            }
        }
        // Drop the snapshot first: while it shares storage with `seriesIDs`, the merge below would
        // copy every cached series (nine strings each) at every batch.
        cacheSnapshot = [:]
        if outcome.generation != seriesGeneration { seriesIDs.removeAll() }
        seriesGeneration = outcome.generation
        seriesIDs.merge(outcome.newSeries) { $1 }
        for (index, added) in outcome.statuses {
            if added {
                prepared.result.added += 1
            } else {
                prepared.result.statuses[index] = .duplicate
                prepared.result.duplicates += 1
            }
        }
        return prepared.result
    }

    /// `SQLITE_CONSTRAINT_PRIMARYKEY`, an extended code Swift cannot import (a macro expression).
    static let constraintPrimaryKey: Int32 = SQLITE_CONSTRAINT | (6 << 8)

    /// The sums of one series in one UTC hour, with the local day and month that hour's events
    /// fall in: what a batch adds up per event (one dictionary update instead of three). An hour
    /// of a zone whose offset is not whole hours falls in two local days, hence the day in the key.
    struct SlotDelta: Hashable {
        var hour: Int64
        var day: Int64
        var month: Int64
        var series: Int64
    }

    /// An aggregate row's key in one rollup table.
    struct RollupKey: Hashable {
        var bucket: Int64
        var series: Int64
    }

    /// Adds the sums of one or more events to `slots` (a fold reading batches back, a repricing).
    /// - throws: ``SQLiteError`` when a sum does not fit in 64 bits (rather than trapping).
    static func add(_ totals: UsageTotals, to slots: inout [SlotDelta: UsageTotals], hour: Int64, day: Int64, month: Int64, series: Int64)
        throws
    {
        try slots[SlotDelta(hour: hour, day: day, month: month, series: series), default: UsageTotals()].addChecked(totals)
    }

    /// Writes the per-hour sums `slots` into the three rollup tables and the per-dimension daily
    /// totals. Each level's rows are made by sorting the slots on (bucket, series), integers only,
    /// and adding up neighbours, then upserted in that key order (15–20 % faster than hash order
    /// for a fold's tens of thousands of rows); dictionaries per level cost three times as much.
    static func write(_ slots: [SlotDelta: UsageTotals], series: [Int64: SeriesKey], _ db: Connection) throws {
        guard !slots.isEmpty else { return }
        let entries = Array(slots)
        try apply(try rows(entries, level: .hourly), level: .hourly, db)
        let daily = try rows(entries, level: .daily)
        try apply(daily, level: .daily, db)
        try apply(try rows(entries, level: .monthly), level: .monthly, db)
        try applyDimensions(try dimensionDeltas(daily, series: series), db)
    }

    /// The aggregate rows of `level`, in key order: `entries` added up per (bucket, series).
    /// - throws: ``SQLiteError`` when a sum does not fit in 64 bits.
    static func rows(_ entries: [(key: SlotDelta, value: UsageTotals)], level: RollupLevel) throws -> [(key: RollupKey, totals: UsageTotals)] {
        var order: [(bucket: Int64, series: Int64, index: Int)] = []
        order.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            let bucket: Int64
            switch level {
            case .hourly: bucket = entry.key.hour
            case .daily: bucket = entry.key.day
            case .monthly: bucket = entry.key.month
            }
            order.append((bucket, entry.key.series, index))
        }
        order.sort { $0.bucket != $1.bucket ? $0.bucket < $1.bucket : $0.series < $1.series }
        var rows: [(key: RollupKey, totals: UsageTotals)] = []
        rows.reserveCapacity(order.count)
        for item in order {
            let key = RollupKey(bucket: item.bucket, series: item.series)
            if let last = rows.indices.last, rows[last].key == key {
                try rows[last].totals.addChecked(entries[item.index].value)
            } else {
                rows.append((key, entries[item.index].value))
            }
        }
        return rows
    }

    static let insertEventSQL = """
        INSERT INTO events (pos, id, series, session, input, output, cache_read, cache_write, cache_write_5m,
            cache_write_1h, reasoning, input_audio, output_audio, requests, other_usage, cost_hi, cost_lo, in_cost_hi,
            in_cost_lo, out_cost_hi, out_cost_lo, priced, cost_detail, latency_ms, tags, metadata)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO NOTHING
        """

    static func internSeries(_ db: Connection, _ key: SeriesKey) throws -> Int64 {
        let statement = try db.cached(
            """
            INSERT INTO series (provider, model, org, team, user, project, key_id, operation, status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET provider = excluded.provider
            RETURNING id
            """)
        for (i, value) in [key.provider, key.model, key.org, key.team, key.user, key.project, key.keyID, key.operation, key.status]
            .enumerated()
        {
            statement.bind(value, at: Int32(i + 1))
        }
        guard try statement.step() else {
            throw SQLiteError(code: .statement, message: "could not intern a series (no id returned)")
        }
        let id = statement.int64(0)
        while try statement.step() {}
        return id
    }

    static func split(_ money: Money) -> (Int64, Int64) {
        let (q, r) = money.units.quotientAndRemainder(dividingBy: 1_000_000_000)
        return (Int64(clamping: q), Int64(r))
    }

    static func join(_ hi: Int64, _ lo: Int64) -> Money {
        Money(units: Int128(hi) * 1_000_000_000 + Int128(lo))
    }

    private static let detailEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func json<T: Encodable>(_ value: T) -> String? {
        guard let data = try? detailEncoder.encode(value) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Binds an event's row. `scratch` is a buffer the caller keeps across events, in which the
    /// JSON columns are written (no String and no allocation per event).
    static func bind(_ event: UsageEvent, position: Int64, series: Int64, to s: Statement, scratch: inout [UInt8]) {
        let u = event.usage
        s.bind(position, at: 1)
        s.bind(event.id, at: 2)
        s.bind(series, at: 3)
        s.bind(event.dimensions.session, at: 4)
        s.bind(u.inputTokens, at: 5)
        s.bind(u.outputTokens, at: 6)
        s.bind(u.cacheReadTokens, at: 7)
        s.bind(u.cacheWriteTokens, at: 8)
        s.bind(u.cacheWrite5mTokens, at: 9)
        s.bind(u.cacheWrite1hTokens, at: 10)
        s.bind(u.reasoningTokens, at: 11)
        s.bind(u.inputAudioTokens, at: 12)
        s.bind(u.outputAudioTokens, at: 13)
        s.bind(u.requests, at: 14)
        if u.other.isEmpty {
            s.bindNull(at: 15)
        } else {
            s.bind(StoredJSON.counts(u.other), at: 15)
        }
        let cost = event.cost ?? .unpriced(reason: "not priced")
        let priced = cost.isPriced
        let (t1, t2) = split(priced ? cost.total : .zero)
        let (i1, i2) = split(priced ? cost.inputTotal : .zero)
        let (o1, o2) = split(priced ? cost.outputTotal : .zero)
        s.bind(t1, at: 16)
        s.bind(t2, at: 17)
        s.bind(i1, at: 18)
        s.bind(i2, at: 19)
        s.bind(o1, at: 20)
        s.bind(o2, at: 21)
        s.bind(priced ? 1 : 0, at: 22)
        scratch.removeAll(keepingCapacity: true)
        if StoredJSON.appendCostDetail(cost, to: &scratch) {
            s.bindText(scratch, at: 23)
        } else {
            s.bindNull(at: 23)
        }
        s.bind(event.latencyMilliseconds, at: 24)
        if event.dimensions.tags.isEmpty {
            s.bindNull(at: 25)
        } else {
            scratch.removeAll(keepingCapacity: true)
            StoredJSON.appendObject(event.dimensions.tags, to: &scratch)
            s.bindText(scratch, at: 25)
        }
        s.bind(event.metadata.flatMap { json($0) }, at: 26)
    }

    /// Upserts `rows` into the rollup table of `level`, in the order given.
    static func apply(_ rows: [(key: RollupKey, totals: UsageTotals)], level: RollupLevel, _ db: Connection) throws {
        guard !rows.isEmpty else { return }
        let statement = try db.cached(upsertSQL[level.rawValue] ?? "")
        for (key, totals) in rows {
            statement.reset()
            statement.bind(key.bucket, at: 1)
            statement.bind(key.series, at: 2)
            bindTotals(totals, to: statement, from: 3)
            try statement.step()
            let u = totals.usage
            for (kind, count) in u.other where count != 0 {
                let other = try db.cached(
                    """
                    INSERT INTO rollup_other (level, bucket, series, kind, count) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT DO UPDATE SET count = count + excluded.count
                    """)
                other.bind(level.rawValue, at: 1)
                other.bind(key.bucket, at: 2)
                other.bind(key.series, at: 3)
                other.bind(kind.rawValue, at: 4)
                other.bind(count, at: 5)
                try other.step()
            }
        }
    }

    /// The `series` columns, in the order of `UsageDimension.rolledUp`.
    static let seriesColumns = ["provider", "model", "org", "team", "user", "project", "key_id", "operation", "status"]

    struct DimensionDelta: Hashable {
        var bucket: Int64
        var dimension: Int
        var value: String
    }

    /// The daily series deltas folded per (day, dimension, value).
    /// - throws: ``SQLiteError`` when a sum does not fit in 64 bits (rather than trapping).
    static func dimensionDeltas(_ daily: [(key: RollupKey, totals: UsageTotals)], series: [Int64: SeriesKey]) throws
        -> [DimensionDelta: UsageTotals]
    {
        var result: [DimensionDelta: UsageTotals] = [:]
        for (key, totals) in daily {
            guard let values = series[key.series] else { continue }
            for (index, dimension) in UsageDimension.rolledUp.enumerated() {
                try result[DimensionDelta(bucket: key.bucket, dimension: index, value: values[dimension] ?? ""), default: UsageTotals()]
                    .addChecked(totals)
            }
        }
        return result
    }

    static func applyDimensions(_ deltas: [DimensionDelta: UsageTotals], _ db: Connection) throws {
        guard !deltas.isEmpty else { return }
        let statement = try db.cached(dimensionUpsertSQL)
        for (key, totals) in deltas {
            statement.reset()
            statement.bind(key.bucket, at: 1)
            statement.bind(key.dimension, at: 2)
            statement.bind(key.value, at: 3)
            bindTotals(totals, to: statement, from: 4)
            try statement.step()
        }
    }

    /// Binds the 14 counts and 3 split amounts of `totals` from column `start`.
    static func bindTotals(_ totals: UsageTotals, to statement: Statement, from start: Int32) {
        let u = totals.usage
        // One bind per column, without building arrays (this runs for every aggregate row of a batch).
        var column = start
        func next(_ value: Int) {
            statement.bind(value, at: column)
            column += 1
        }
        next(totals.events)
        next(u.requests)
        next(totals.errors)
        next(totals.rateLimited)
        next(totals.unpriced)
        next(u.inputTokens)
        next(u.outputTokens)
        next(u.cacheReadTokens)
        next(u.cacheWriteTokens)
        next(u.cacheWrite5mTokens)
        next(u.cacheWrite1hTokens)
        next(u.reasoningTokens)
        next(u.inputAudioTokens)
        next(u.outputAudioTokens)
        func money(_ amount: Money) {
            let (hi, lo) = split(amount)
            statement.bind(hi, at: column)
            statement.bind(lo, at: column + 1)
            column += 2
        }
        money(totals.cost)
        money(totals.inputCost)
        money(totals.outputCost)
    }

    static let dimensionUpsertSQL: String = {
        let columns = countColumns + moneyColumns.flatMap { ["\($0)_hi", "\($0)_lo"] }
        let placeholders = Array(repeating: "?", count: columns.count + 3).joined(separator: ", ")
        return "INSERT INTO rollup_dimension_daily (bucket, dimension, value, \(columns.joined(separator: ", "))) VALUES (\(placeholders)) "
            + "ON CONFLICT(bucket, dimension, value) DO UPDATE SET \(updateList)"
    }()

    static var updateList: String {
        let counts = countColumns.map { "\($0) = \($0) + excluded.\($0)" }
        let money = moneyColumns.flatMap {
            [
                "\($0)_hi = \($0)_hi + excluded.\($0)_hi + (\($0)_lo + excluded.\($0)_lo) / 1000000000",
                "\($0)_lo = (\($0)_lo + excluded.\($0)_lo) % 1000000000",
            ]
        }
        return (counts + money).joined(separator: ", ")
    }

    /// The 20 aggregate columns (counts, then split amounts) as `r.`-qualified names.
    static var rollupColumns: String {
        (countColumns + moneyColumns.flatMap { ["\($0)_hi", "\($0)_lo"] }).map { "r.\($0)" }.joined(separator: ", ")
    }

    static let countColumns = [
        "events", "requests", "errors", "rate_limited", "unpriced", "input", "output", "cache_read", "cache_write",
        "cache_write_5m", "cache_write_1h", "reasoning", "input_audio", "output_audio",
    ]
    static let moneyColumns = ["cost", "in_cost", "out_cost"]

    static let upsertSQL: [String: String] = Dictionary(
        uniqueKeysWithValues: RollupLevel.allCases.map { level in
            let columns = countColumns + moneyColumns.flatMap { ["\($0)_hi", "\($0)_lo"] }
            let placeholders = Array(repeating: "?", count: columns.count + 2).joined(separator: ", ")
            let counts = countColumns.map { "\($0) = \($0) + excluded.\($0)" }
            let money = moneyColumns.flatMap {
                [
                    "\($0)_hi = \($0)_hi + excluded.\($0)_hi + (\($0)_lo + excluded.\($0)_lo) / 1000000000",
                    "\($0)_lo = (\($0)_lo + excluded.\($0)_lo) % 1000000000",
                ]
            }
            return (
                level.rawValue,
                "INSERT INTO rollup_\(level.rawValue) (bucket, series, \(columns.joined(separator: ", "))) VALUES (\(placeholders)) "
                    + "ON CONFLICT(bucket, series) DO UPDATE SET \((counts + money).joined(separator: ", "))"
            )
        })
}
