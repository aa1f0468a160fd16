internal import CCostSQLite
public import CostPricing
internal import Foundation

// MARK: - Reading

extension SQLiteUsageLedger {
    enum Binding {
        case int(Int64)
        case text(String)
    }

    struct Clause {
        var sql: [String] = []
        var bindings: [Binding] = []
    }

    static func bind(_ bindings: [Binding], to statement: Statement, from start: Int32 = 1) {
        for (i, binding) in bindings.enumerated() {
            switch binding {
            case .int(let value): statement.bind(value, at: start + Int32(i))
            case .text(let value): statement.bind(value, at: start + Int32(i))
            }
        }
    }

    /// The SQL expression of a dimension (`e` is events, `s` series), with its bindings.
    static func expression(_ dimension: UsageDimension) -> (String, [Binding]) {
        switch dimension {
        case .provider: ("s.provider", [])
        case .model: ("s.model", [])
        case .org: ("s.org", [])
        case .team: ("s.team", [])
        case .user: ("s.user", [])
        case .project: ("s.project", [])
        case .keyID: ("s.key_id", [])
        case .operation: ("s.operation", [])
        case .status: ("s.status", [])
        case .session: ("COALESCE(e.session, '')", [])
        case .tag(let key) where key.contains("\"") || key.contains("\\"):
            // JSON paths cannot quote these characters: look the key up instead.
            ("COALESCE((SELECT t.value FROM json_each(e.tags) t WHERE t.key = ?), '')", [.text(key)])
        case .tag(let key):
            ("COALESCE(json_extract(e.tags, ?), '')", [.text("$.\"" + key + "\"")])
        }
    }

    static func dimensionClause(_ filter: UsageFilter) -> Clause {
        var clause = Clause()
        for (dimension, values) in filter.equals.sorted(by: { $0.key.name < $1.key.name }) {
            let (expr, bindings) = expression(dimension)
            let sorted = values.sorted()
            // An empty set matches nothing (a bound "\u{0}…" sentinel would be cut at the NUL and match "").
            guard !sorted.isEmpty else {
                clause.sql.append("0")
                continue
            }
            clause.sql.append("\(expr) IN (\(Array(repeating: "?", count: sorted.count).joined(separator: ", ")))")
            clause.bindings += bindings
            clause.bindings += sorted.map { .text($0) }
        }
        return clause
    }

    /// The dimension conditions of a raw-event query, with the rolled-up dimensions turned into a list
    /// of series ids first. With `byBucket`, the time buckets of the range are listed too, so SQLite
    /// seeks the (bucket, series) index for just those series in each bucket instead of reading every
    /// event in the time range (a user's month among ten million events: milliseconds, not seconds).
    /// Sessions and tags stay row conditions.
    static func rawDimensionClause(_ filter: UsageFilter, db: Connection, byBucket: Bool = false) throws -> Clause {
        var rolled = UsageFilter()
        var rest = UsageFilter()
        for (dimension, values) in filter.equals {
            if dimension.isRolledUp { rolled.equals[dimension] = values } else { rest.equals[dimension] = values }
        }
        var clause = dimensionClause(rest)
        guard !rolled.equals.isEmpty else { return clause }
        let conditions = dimensionClause(rolled)
        let select = try db.cached("SELECT s.id FROM series s WHERE " + conditions.sql.joined(separator: " AND "))
        bind(conditions.bindings, to: select)
        var ids: [Int64] = []
        while try select.step() {
            ids.append(select.int64(0))
            if ids.count > 20_000 { break }
        }
        if ids.count > 20_000 {
            // Too many series for a list: let SQLite filter through the join.
            clause.sql += conditions.sql
            clause.bindings += conditions.bindings
        } else if ids.isEmpty {
            clause.sql.append("0")
        } else {
            // Integers, written into the SQL (they come from the database or the clock, never from the caller).
            if byBucket, let buckets = try eventBuckets(filter, db: db) {
                clause.sql.append("(e.pos >> \(eventBucketShift)) IN (\(buckets.map(String.init).joined(separator: ",")))")
            }
            clause.sql.append("e.series IN (\(ids.map(String.init).joined(separator: ",")))")
        }
        return clause
    }

    /// The shift of `pos` that gives an event's time bucket in the `events_bucket_series` index
    /// (2^26 ms, about 18.6 hours; migration `0012-ingest-layout` writes the same constant).
    static let eventBucketShift: Int64 = 46

    /// The time buckets a raw query's range covers (bounded by the stored events when open), or nil
    /// when there are too many to list (SQLite then reads the time range).
    static func eventBuckets(_ filter: UsageFilter, db: Connection) throws -> ClosedRange<Int64>? {
        guard let low = try filter.since.map({ position(at: $0) }) ?? db.scalarInt("SELECT MIN(pos) FROM events"),
            let high = try filter.until.map({ position(at: $0) &- 1 }) ?? db.scalarInt("SELECT MAX(pos) FROM events"),
            low <= high
        else { return nil }
        let buckets = (low >> eventBucketShift)...(high >> eventBucketShift)
        return buckets.count <= 4096 ? buckets : nil
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The first `pos` of the millisecond of `date` (`pos` is milliseconds << 20 plus a counter),
    /// for a time bound: dates beyond what `pos` can hold (before 1691 or after 2248) are clamped
    /// to its ends, so a bound such as `.distantFuture` keeps every event instead of wrapping.
    static func position(at date: Date) -> Int64 {
        let limit = Double(Int64(1) << 43) - 1
        let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard ms.isFinite else { return ms > 0 ? Int64(limit) << 20 : -Int64(limit) << 20 }
        return Int64(min(max(ms, -limit), limit)) << 20
    }

    static func rawTimeClause(_ filter: UsageFilter) -> Clause {
        var clause = Clause()
        if let since = filter.since {
            clause.sql.append("e.pos >= ?")
            clause.bindings.append(.int(position(at: since)))
        }
        if let until = filter.until {
            clause.sql.append("e.pos < ?")
            clause.bindings.append(.int(position(at: until)))
        }
        return clause
    }

    static func rollupTimeClause(_ filter: UsageFilter) -> Clause {
        var clause = Clause()
        if let since = filter.since {
            clause.sql.append("r.bucket >= ?")
            clause.bindings.append(.int(Int64(since.timeIntervalSince1970.rounded(.up))))
        }
        if let until = filter.until {
            clause.sql.append("r.bucket < ?")
            clause.bindings.append(.int(Int64(until.timeIntervalSince1970.rounded(.up))))
        }
        return clause
    }

    static let rawSums = """
        COUNT(*), SUM(e.requests), SUM(s.status = 'error'), SUM(s.status = 'rate_limited'), SUM(1 - e.priced),
        SUM(e.input), SUM(e.output), SUM(e.cache_read), SUM(e.cache_write), SUM(e.cache_write_5m), SUM(e.cache_write_1h),
        SUM(e.reasoning), SUM(e.input_audio), SUM(e.output_audio),
        SUM(e.cost_hi), SUM(e.cost_lo), SUM(e.in_cost_hi), SUM(e.in_cost_lo), SUM(e.out_cost_hi), SUM(e.out_cost_lo)
        """

    static let rollupSums = (countColumns + moneyColumns.flatMap { ["\($0)_hi", "\($0)_lo"] })
        .map { "SUM(r.\($0))" }.joined(separator: ", ")

    /// Reads the 20 sum columns starting at `start`.
    static func totals(_ s: Statement, from start: Int32) -> UsageTotals {
        var t = UsageTotals()
        t.events = s.int(start)
        t.usage.requests = s.int(start + 1)
        t.errors = s.int(start + 2)
        t.rateLimited = s.int(start + 3)
        t.unpriced = s.int(start + 4)
        t.usage.inputTokens = s.int(start + 5)
        t.usage.outputTokens = s.int(start + 6)
        t.usage.cacheReadTokens = s.int(start + 7)
        t.usage.cacheWriteTokens = s.int(start + 8)
        t.usage.cacheWrite5mTokens = s.int(start + 9)
        t.usage.cacheWrite1hTokens = s.int(start + 10)
        t.usage.reasoningTokens = s.int(start + 11)
        t.usage.inputAudioTokens = s.int(start + 12)
        t.usage.outputAudioTokens = s.int(start + 13)
        t.cost = join(s.int64(start + 14), s.int64(start + 15))
        t.inputCost = join(s.int64(start + 16), s.int64(start + 17))
        t.outputCost = join(s.int64(start + 18), s.int64(start + 19))
        return t
    }

    public func query(_ query: UsageQuery) async throws -> UsageReport {
        try foldPendingRollups()
        let db = self.db
        let zone = configuration.rollupTimeZone
        let now = configuration.now()
        return try db.readTransaction {
            let (source, notes) = ReportPlanner.plan(query, rollupZone: zone, horizons: try horizons(), now: now)
            var builder = ReportBuilder(query: query)
            if source == .dailyByDimension {
                try SQLiteUsageLedger.queryByDimension(query, db: db, into: &builder)
                return builder.finish(source: source, notes: notes)
            }
            var groupExpressions: [String] = []
            var groupBindings: [Binding] = []
            for dimension in query.groupBy {
                let (expr, bindings) = SQLiteUsageLedger.expression(dimension)
                groupExpressions.append(expr)
                groupBindings += bindings
            }
            let raw = source == .raw
            let bucketExpression = query.bucket == nil ? "0" : raw ? "((e.pos >> 20) / 900000) * 900" : "r.bucket"
            let time = raw ? SQLiteUsageLedger.rawTimeClause(query.filter) : SQLiteUsageLedger.rollupTimeClause(query.filter)
            let dims =
                raw
                ? try SQLiteUsageLedger.rawDimensionClause(query.filter, db: db, byBucket: true) : SQLiteUsageLedger.dimensionClause(query.filter)
            let whereSQL = (time.sql + dims.sql).isEmpty ? "" : "WHERE " + (time.sql + dims.sql).joined(separator: " AND ")
            if raw, query.groupBy.allSatisfy(\.isRolledUp), !dims.sql.contains(where: { $0.contains("s.") }) {
                try SQLiteUsageLedger.rawBySeries(
                    query, bucket: bucketExpression, whereSQL: whereSQL, bindings: time.bindings + dims.bindings, db: db,
                    into: &builder)
                return builder.finish(source: source, notes: notes)
            }
            let selectList = ([bucketExpression] + groupExpressions).joined(separator: ", ")
            let groupList = (1...(1 + groupExpressions.count)).map(String.init).joined(separator: ", ")
            let table: String
            switch source {
            case .raw: table = "events e JOIN series s ON s.id = e.series"
            case .hourly: table = "rollup_hourly r JOIN series s ON s.id = r.series"
            case .daily: table = "rollup_daily r JOIN series s ON s.id = r.series"
            case .monthly, .dailyByDimension: table = "rollup_monthly r JOIN series s ON s.id = r.series"
            }
            let sums = raw ? SQLiteUsageLedger.rawSums : SQLiteUsageLedger.rollupSums
            let sql = "SELECT \(selectList), \(sums) FROM \(table) \(whereSQL) GROUP BY \(groupList)"
            let statement = try db.cached(sql)
            SQLiteUsageLedger.bind(groupBindings + time.bindings + dims.bindings, to: statement)
            let width = Int32(1 + groupExpressions.count)
            var matched = false
            while try statement.step() {
                matched = true
                let values = (1..<width).map { statement.text($0) ?? "" }
                builder.add(
                    sourceSeconds: statement.int64(0), values: values, totals: SQLiteUsageLedger.totals(statement, from: width))
            }
            // Unit kinds outside the fixed columns (web searches, images, seconds…).
            if raw {
                // No event matched (the conditions may even be constant-false, which SQLite cannot plan
                // with `INDEXED BY`): none has unit counts either.
                guard matched else { return builder.finish(source: source, notes: notes) }
                let otherSQL =
                    "SELECT \(selectList), e.other_usage FROM \(SQLiteUsageLedger.eventsWithUnitCounts) JOIN series s ON s.id = e.series "
                    + (whereSQL.isEmpty ? "WHERE " : whereSQL + " AND ") + "e.other_usage IS NOT NULL"
                let other = try db.cached(otherSQL)
                SQLiteUsageLedger.bind(groupBindings + time.bindings + dims.bindings, to: other)
                while try other.step() {
                    guard let text = other.text(width), let counts = SQLiteUsageLedger.decodeCounts(text) else { continue }
                    var partial = UsageTotals()
                    partial.usage.other = counts
                    builder.add(
                        sourceSeconds: other.int64(0), values: (1..<width).map { other.text($0) ?? "" }, totals: partial)
                }
            } else {
                let levelName = source == .hourly ? "hourly" : source == .daily ? "daily" : "monthly"
                let otherSQL =
                    "SELECT \(selectList), r.kind, SUM(r.count) FROM rollup_other r JOIN series s ON s.id = r.series "
                    + (whereSQL.isEmpty ? "WHERE " : whereSQL + " AND ") + "r.level = ? GROUP BY \(groupList), r.kind"
                let other = try db.cached(otherSQL)
                SQLiteUsageLedger.bind(groupBindings + time.bindings + dims.bindings + [.text(levelName)], to: other)
                while try other.step() {
                    var partial = UsageTotals()
                    partial.usage.other = [UsageKind(rawValue: other.text(width) ?? ""): other.int(width + 1)]
                    builder.add(
                        sourceSeconds: other.int64(0), values: (1..<width).map { other.text($0) ?? "" }, totals: partial)
                }
            }
            return builder.finish(source: source, notes: notes)
        }
    }

    /// The events that have unit counts outside the token columns, read through their partial index
    /// (migration `0003`; the query must say `e.other_usage IS NOT NULL`, and must not be constant-false:
    /// SQLite then answers "no query solution"). Left to itself, SQLite picks
    /// the (time bucket, series) index for a user's events and reads every one of their rows to test
    /// `other_usage`: a second pass over the user's month as long as the first (50 ms of the 160 ms
    /// that the heaviest user's month took).
    static let eventsWithUnitCounts = "events e INDEXED BY events_other_usage"

    /// Raw events summed per (bucket, series) without joining `series` row by row; the series'
    /// dimension values are looked up once per series afterwards.
    ///
    /// The rows are added up here rather than by SQLite's `GROUP BY`: SQLite would sort every matching
    /// row (with its 17 values) into a temporary B-tree before adding, and call an aggregate function per
    /// value; callgrind counted 785M instructions for the heaviest user's month that way, 405M for reading
    /// the same rows and adding them in the caller. The rows arrive in index order, (time bucket, series),
    /// so consecutive rows nearly always belong to the same partial sum.
    static func rawBySeries(
        _ query: UsageQuery, bucket: String, whereSQL: String, bindings: [Binding], db: Connection,
        into builder: inout ReportBuilder
    ) throws {
        let statement = try db.cached("SELECT \(bucket), e.series, \(RawSums.columns) FROM events e \(whereSQL)")
        bind(bindings, to: statement)
        var sums = RawSums()
        while try statement.step() { sums.add(statement) }
        var partials = try sums.partials()
        // No event matched (the conditions may even be constant-false, which SQLite cannot plan with
        // `INDEXED BY`): none has unit counts either.
        guard !partials.isEmpty else { return }
        let other = try db.cached(
            "SELECT \(bucket), e.series, e.other_usage FROM \(eventsWithUnitCounts) "
                + (whereSQL.isEmpty ? "WHERE " : whereSQL + " AND ") + "e.other_usage IS NOT NULL")
        bind(bindings, to: other)
        while try other.step() {
            guard let text = other.text(2), let counts = decodeCounts(text) else { continue }
            var t = UsageTotals()
            t.usage.other = counts
            partials.append((other.int64(0), other.int64(1), t))
        }
        let keys = try seriesKeys(Set(partials.map(\.1)), db: db)
        for (sourceSeconds, series, var totals) in partials {
            guard let key = keys[series] else { continue }
            if totals.events > 0 {
                if key.status == EventStatus.error.rawValue { totals.errors = totals.events }
                if key.status == EventStatus.rateLimited.rawValue { totals.rateLimited = totals.events }
            }
            builder.add(sourceSeconds: sourceSeconds, values: query.groupBy.map { key[$0] ?? "" }, totals: totals)
        }
    }

    /// The dimension values of series ids (integers from the database, written into the SQL).
    static func seriesKeys(_ ids: Set<Int64>, db: Connection) throws -> [Int64: SeriesKey] {
        var keys: [Int64: SeriesKey] = [:]
        let sorted = ids.sorted()
        for start in stride(from: 0, to: sorted.count, by: 5_000) {
            let chunk = sorted[start..<min(sorted.count, start + 5_000)]
            let statement = try db.cached(
                "SELECT id, \(seriesColumns.joined(separator: ", ")) FROM series WHERE id IN (\(chunk.map(String.init).joined(separator: ",")))")
            while try statement.step() {
                keys[statement.int64(0)] = SeriesKey(
                    provider: statement.text(1) ?? "", model: statement.text(2) ?? "", org: statement.text(3) ?? "",
                    team: statement.text(4) ?? "", user: statement.text(5) ?? "", project: statement.text(6) ?? "",
                    keyID: statement.text(7) ?? "", operation: statement.text(8) ?? "", status: statement.text(9) ?? "")
            }
        }
        return keys
    }

    /// A report from the daily totals per dimension value, plus the unit kinds of `rollup_other`.
    static func queryByDimension(_ query: UsageQuery, db: Connection, into builder: inout ReportBuilder) throws {
        let dimension = ReportPlanner.singleDimension(query) ?? .provider
        let index = UsageDimension.rolledUp.firstIndex(of: dimension) ?? 0
        let time = rollupTimeClause(query.filter)
        var conditions = ["r.dimension = ?"] + time.sql
        var bindings: [Binding] = [.int(Int64(index))] + time.bindings
        if let values = query.filter.equals[dimension] {
            let sorted = values.sorted()
            // An empty set matches nothing.
            conditions.append(sorted.isEmpty ? "0" : "r.value IN (\(Array(repeating: "?", count: sorted.count).joined(separator: ", ")))")
            bindings += sorted.map { .text($0) }
        }
        let bucket = query.bucket == nil ? "0" : "r.bucket"
        let grouped = !query.groupBy.isEmpty
        let sql =
            "SELECT \(bucket), \(grouped ? "r.value" : "''"), \(rollupSums) FROM rollup_dimension_daily r WHERE "
            + conditions.joined(separator: " AND ") + " GROUP BY 1, 2"
        let statement = try db.cached(sql)
        bind(bindings, to: statement)
        while try statement.step() {
            builder.add(
                sourceSeconds: statement.int64(0), values: grouped ? [statement.text(1) ?? ""] : [],
                totals: totals(statement, from: 2))
        }
        // Unit kinds outside the fixed columns: few rows, read from the daily series rollup.
        let column = seriesColumns[index]
        let dims = dimensionClause(query.filter)
        let otherConditions = ["r.level = 'daily'"] + time.sql + dims.sql
        let otherSQL =
            "SELECT \(bucket), \(grouped ? "s.\(column)" : "''"), r.kind, SUM(r.count) FROM rollup_other r JOIN series s ON s.id = r.series WHERE "
            + otherConditions.joined(separator: " AND ") + " GROUP BY 1, 2, 3"
        let other = try db.cached(otherSQL)
        bind(time.bindings + dims.bindings, to: other)
        while try other.step() {
            var partial = UsageTotals()
            partial.usage.other = [UsageKind(rawValue: other.text(2) ?? ""): other.int(3)]
            builder.add(sourceSeconds: other.int64(0), values: grouped ? [other.text(1) ?? ""] : [], totals: partial)
        }
    }

    static func decodeCounts(_ text: String) -> [UsageKind: Int]? {
        guard let raw = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Int] else { return nil }
        return Dictionary(uniqueKeysWithValues: raw.map { (UsageKind(rawValue: $0.key), $0.value) })
    }

    static let eventColumns = """
        e.pos, e.id, s.provider, s.model, s.org, s.team, s.user, s.project, s.key_id, s.operation, s.status, e.session,
        e.input, e.output, e.cache_read, e.cache_write, e.cache_write_5m, e.cache_write_1h, e.reasoning, e.input_audio,
        e.output_audio, e.requests, e.other_usage, e.cost_detail, e.latency_ms, e.tags, e.metadata,
        e.cost_hi, e.cost_lo, e.priced, e.in_cost_hi, e.in_cost_lo, e.out_cost_hi, e.out_cost_lo
        """

    /// A row of `eventColumns` as an event; with `.usage`, the JSON columns (tags, metadata, and the
    /// cost detail of priced events) are not decoded.
    static func decodeEvent(_ s: Statement, detail: EventDetail = .full) -> UsageEvent {
        func optional(_ column: Int32) -> String? {
            guard let text = s.text(column), !text.isEmpty else { return nil }
            return text
        }
        var usage = Usage(
            inputTokens: s.int(12), outputTokens: s.int(13), cacheReadTokens: s.int(14), cacheWriteTokens: s.int(15),
            cacheWrite5mTokens: s.int(16), cacheWrite1hTokens: s.int(17), reasoningTokens: s.int(18),
            inputAudioTokens: s.int(19), outputAudioTokens: s.int(20), requests: s.int(21))
        if let other = s.text(22), let counts = decodeCounts(other) { usage.other = counts }
        let full = detail == .full
        let priced = s.int(29) == 1
        let cost = StoredJSON.cost(
            total: join(s.int64(27), s.int64(28)), input: join(s.int64(30), s.int64(31)), output: join(s.int64(32), s.int64(33)),
            priced: priced, detail: full || !priced ? s.text(23) : nil)
        let tags = full ? s.text(25).flatMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: String] } ?? [:] : [:]
        let metadata = full ? s.text(26).flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) } : nil
        return UsageEvent(
            id: s.text(1) ?? "",
            timestamp: Date(timeIntervalSince1970: TimeInterval(s.int64(0) >> 20) / 1000),
            provider: s.text(2) ?? "", model: s.text(3) ?? "", usage: usage, cost: cost,
            dimensions: UsageDimensions(
                org: optional(4), team: optional(5), user: optional(6), project: optional(7), keyID: optional(8),
                session: optional(11), operation: optional(9), tags: tags),
            status: EventStatus(rawValue: s.text(10) ?? "ok") ?? .ok,
            latencyMilliseconds: s.isNull(24) ? nil : s.int(24),
            metadata: metadata)
    }

    public func events(matching filter: UsageFilter, after cursor: EventCursor?, limit: Int) async throws -> EventPage {
        try await events(matching: filter, after: cursor, limit: limit, detail: .full)
    }

    public func events(matching filter: UsageFilter, after cursor: EventCursor?, limit: Int, detail: EventDetail)
        async throws -> EventPage
    {
        try SQLiteUsageLedger.events(in: db, matching: filter, after: cursor, limit: limit, detail: detail)
    }

    /// One page of events from the ledger's tables on `db`, in one read transaction (also read by
    /// `SQLiteBudgetStore` when it rebuilds budget spend from the ledger in its file).
    static func events(in db: Connection, matching filter: UsageFilter, after cursor: EventCursor?, limit: Int, detail: EventDetail)
        throws -> EventPage
    {
        var time = SQLiteUsageLedger.rawTimeClause(filter)
        if let cursor {
            time.sql.append("e.pos > ?")
            time.bindings.append(.int(cursor.position))
        }
        var events: [UsageEvent] = []
        var last: Int64?
        let read = {
            let dims = try SQLiteUsageLedger.rawDimensionClause(filter, db: db)
            let conditions = time.sql + dims.sql
            let sql =
                "SELECT \(SQLiteUsageLedger.eventColumns) FROM events e JOIN series s ON s.id = e.series "
                + (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY e.pos LIMIT ?"
            let statement = try db.cached(sql)
            SQLiteUsageLedger.bind(time.bindings + dims.bindings + [.int(Int64(max(1, limit)))], to: statement)
            while try statement.step() {
                last = statement.int64(0)
                events.append(SQLiteUsageLedger.decodeEvent(statement, detail: detail))
            }
        }
        // inside a caller's transaction (a budget rebuild) the page is read in its snapshot
        if db.isInTransaction { try read() } else { try db.readTransaction(read) }
        let next = events.count >= max(1, limit) ? last.map { EventCursor(position: $0) } : nil
        return EventPage(events: events, next: next)
    }

    public func rollups(_ level: RollupLevel, matching filter: UsageFilter, after cursor: RollupCursor?, limit: Int)
        async throws -> RollupPage
    {
        try foldPendingRollups()
        var time = SQLiteUsageLedger.rollupTimeClause(filter)
        if let cursor {
            time.sql.append("(r.bucket, r.series) > (?, ?)")
            time.bindings += [.int(cursor.bucket), .int(cursor.series)]
        }
        let dims = SQLiteUsageLedger.dimensionClause(filter)
        let conditions = time.sql + dims.sql
        let columns = (SQLiteUsageLedger.countColumns + SQLiteUsageLedger.moneyColumns.flatMap { ["\($0)_hi", "\($0)_lo"] })
            .map { "r.\($0)" }.joined(separator: ", ")
        let sql =
            "SELECT r.bucket, r.series, s.provider, s.model, s.org, s.team, s.user, s.project, s.key_id, s.operation, s.status, \(columns) "
            + "FROM rollup_\(level.rawValue) r JOIN series s ON s.id = r.series "
            + (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY r.bucket, r.series LIMIT ?"
        var records: [RollupRecord] = []
        var seriesOfRecords: [Int64] = []
        let db = self.db
        try db.readTransaction {
        let statement = try db.cached(sql)
        SQLiteUsageLedger.bind(time.bindings + dims.bindings + [.int(Int64(max(1, limit)))], to: statement)
        while try statement.step() {
            let series = SeriesKey(
                provider: statement.text(2) ?? "", model: statement.text(3) ?? "", org: statement.text(4) ?? "",
                team: statement.text(5) ?? "", user: statement.text(6) ?? "", project: statement.text(7) ?? "",
                keyID: statement.text(8) ?? "", operation: statement.text(9) ?? "", status: statement.text(10) ?? "")
            records.append(
                RollupRecord(
                    level: level, bucketStart: Date(timeIntervalSince1970: TimeInterval(statement.int64(0))), series: series,
                    totals: SQLiteUsageLedger.totals(statement, from: 11)))
            seriesOfRecords.append(statement.int64(1))
        }
        let other = try db.cached("SELECT kind, count FROM rollup_other WHERE level = ? AND bucket = ? AND series = ?")
        for index in records.indices {
            other.reset()
            other.bind(level.rawValue, at: 1)
            other.bind(Int64(records[index].bucketStart.timeIntervalSince1970), at: 2)
            other.bind(seriesOfRecords[index], at: 3)
            while try other.step() {
                records[index].totals.usage.other[UsageKind(rawValue: other.text(0) ?? "")] = other.int(1)
            }
        }
        }
        let next =
            records.count >= max(1, limit)
            ? records.last.map { RollupCursor(bucket: Int64($0.bucketStart.timeIntervalSince1970), series: seriesOfRecords.last ?? 0) }
            : nil
        return RollupPage(records: records, next: next)
    }

    public func event(id: String) async throws -> UsageEvent? {
        let db = self.db
        return try db.readTransaction {
            let statement = try db.cached(
                "SELECT \(SQLiteUsageLedger.eventColumns) FROM events e JOIN series s ON s.id = e.series WHERE e.id = ?")
            statement.bind(id, at: 1)
            guard try statement.step() else { return nil }
            return SQLiteUsageLedger.decodeEvent(statement)
        }
    }

    public func info() async throws -> LedgerInfo {
        let db = self.db
        var info = LedgerInfo()
        let horizons = try db.readTransaction { try self.horizons() }
        try db.readTransaction {
            info.events = Int(try db.scalarInt("SELECT COUNT(*) FROM events") ?? 0)
            if let first = try db.scalarInt("SELECT MIN(pos) FROM events") {
                info.earliest = Date(timeIntervalSince1970: TimeInterval(first >> 20) / 1000)
            }
            if let last = try db.scalarInt("SELECT MAX(pos) FROM events") {
                info.latest = Date(timeIntervalSince1970: TimeInterval(last >> 20) / 1000)
            }
        }
        info.rawHorizon = horizons.raw
        info.hourlyHorizon = horizons.hourly
        info.rollupTimeZone = try db.readTransaction { try SQLiteUsageLedger.meta(db, "rollup_time_zone") }
            ?? configuration.rollupTimeZone.identifier
        info.schemaVersion = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
        info.hashesUserIDs = configuration.userHasher != nil
        info.pendingRollupEvents = try await pendingRollupEvents()
        return info
    }

    /// Runs `PRAGMA integrity_check` and returns its first line (`ok` when healthy).
    public func integrityCheck() throws -> String {
        try db.scalarText("PRAGMA integrity_check") ?? "no answer"
    }
}
