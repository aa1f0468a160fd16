internal import CCostSQLite
internal import CostPricing
internal import Foundation

// MARK: - Rollups folded across batches

/// The rollup deltas of batches recorded by this ledger and not yet folded into the aggregate
/// tables, with the `rollup_pending` rows that stand for them.
///
/// Each batch commits its events and one `rollup_pending` row (the positions of the events it
/// added) in one transaction; the deltas stay in memory. A fold adds them to the rollup tables,
/// coalesced over many batches, and deletes the pending rows in one transaction. Pending rows whose
/// deltas this ledger does not hold (another process's, or a process killed before it folded) are
/// read back from the events they name. See Documentation/Ledger.md, "Rollups folded across batches".
struct PendingRollups {
    /// Sums per (hour, series), as the batches added them up (``SQLiteUsageLedger/SlotDelta``).
    var deltas: [SQLiteUsageLedger.SlotDelta: UsageTotals] = [:]
    var series: [Int64: SeriesKey] = [:]
    /// The `rollup_pending` ids whose deltas are in ``deltas``.
    var ids: Set<Int64> = []
    /// Events in ``deltas``.
    var events = 0
    /// The sum of every event in ``deltas``. Every count of a recorded event is non-negative, so
    /// while this fits in 64 bits so does every aggregate row the fold makes of the pending sums:
    /// hourly, daily, monthly and per dimension.
    var total = UsageTotals()
    /// Exact sums per (month, series), kept only once ``total`` no longer fits (nil until then):
    /// a month's row bounds its days and hours.
    var monthly: [SQLiteUsageLedger.RollupKey: UsageTotals]?

    /// Adds one recorded event's totals to its per-hour sum.
    /// - throws: ``SQLiteError`` when the sum of its series in its hour, day or month would not
    ///   fit in 64 bits (nothing is added to ``deltas`` then; the caller drops the batch).
    mutating func add(_ totals: UsageTotals, to slot: SQLiteUsageLedger.SlotDelta) throws {
        if monthly == nil {
            if total.fitsAdding(totals) {
                total.add(totals)
                // the hour's sum is part of the total, which fits: no check needed
                deltas[slot, default: UsageTotals()].add(totals)
                return
            }
            var exact: [SQLiteUsageLedger.RollupKey: UsageTotals] = [:]
            for (key, sums) in deltas {
                try exact[SQLiteUsageLedger.RollupKey(bucket: key.month, series: key.series), default: UsageTotals()].addChecked(sums)
            }
            monthly = exact
        }
        try monthly?[SQLiteUsageLedger.RollupKey(bucket: slot.month, series: slot.series), default: UsageTotals()].addChecked(totals)
        try deltas[slot, default: UsageTotals()].addChecked(totals)
    }

    mutating func removeAll() {
        self = PendingRollups()
    }

    /// Positions, sorted, as LEB128 varints of the first and of each difference to the one before
    /// (about 4 bytes a position for time-ordered events, instead of 8).
    static func pack(_ positions: [Int64]) -> Data {
        var out: [UInt8] = []  // appending to Data byte by byte cost about a microsecond an event
        out.reserveCapacity(positions.count * 5)
        var previous: Int64 = 0
        for (index, position) in positions.sorted().enumerated() {
            var value = UInt64(bitPattern: index == 0 ? position : position &- previous)
            previous = position
            while value >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: value) | 0x80)
                value >>= 7
            }
            out.append(UInt8(value))
        }
        return Data(out)
    }

    /// The positions `pack` wrote; nil when the bytes are not a whole number of varints.
    static func unpack(_ data: Data) -> [Int64]? {
        var positions: [Int64] = []
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var previous: Int64 = 0
        for byte in data {
            guard shift < 64 else { return nil }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 != 0 {
                shift += 7
                continue
            }
            let number = Int64(bitPattern: value)
            let position = positions.isEmpty ? number : previous &+ number
            positions.append(position)
            previous = position
            value = 0
            shift = 0
        }
        return shift == 0 ? positions : nil
    }
}

extension SQLiteUsageLedger {
    /// Events whose rollup deltas a ledger keeps pending, by default: past this many, the batch that
    /// reaches it folds them.
    public static let defaultFoldEvents = 16_384

    /// Adds every pending batch to the rollup tables now (this process's and any other's), in one
    /// transaction.
    ///
    /// Reports call it themselves before reading the rollups, and `record` does once
    /// ``foldEvents`` events are pending, so a caller needs it only to pay the cost at a time of its
    /// choosing (a benchmark's timed section, before going idle). Pending batches are durable: a
    /// process that stops without folding loses nothing; the next fold reads them back.
    public func foldRollups() async throws {
        try foldPendingRollups()
    }

    /// Events recorded whose rollups are not yet folded, in every process (`rollup_pending`).
    public func pendingRollupEvents() async throws -> Int {
        Int(try db.scalarInt("SELECT COALESCE(SUM(events), 0) FROM rollup_pending") ?? 0)
    }

    /// Folds when anything is pending (a cheap read when nothing is): what every rollup reader calls.
    func foldPendingRollups() throws {
        if pending.ids.isEmpty, try db.scalarInt("SELECT EXISTS (SELECT 1 FROM rollup_pending)") == 0 { return }
        try db.writeTransaction { try foldPendingRollupsInTransaction() }
        pending.removeAll()
    }

    /// Folds every `rollup_pending` row inside the caller's write transaction. The caller clears
    /// ``pending`` once its transaction commits (every row is gone then, this ledger's too).
    func foldPendingRollupsInTransaction() throws {
        let db = self.db
        let rows = try db.cached("SELECT id FROM rollup_pending")
        var present: [Int64] = []
        while try rows.step() { present.append(rows.int64(0)) }
        guard !present.isEmpty else { return }
        var deltas: [SlotDelta: UsageTotals] = [:]
        var series: [Int64: SeriesKey] = [:]
        let readBack: [Int64]
        if pending.ids.isSubset(of: present) {
            deltas = pending.deltas
            series = pending.series
            readBack = present.filter { !pending.ids.contains($0) }
        } else {
            // Another process folded some of this ledger's batches: the deltas in memory count
            // them twice now, so every batch still pending is read back instead.
            readBack = present
        }
        if !readBack.isEmpty {
            let blob = try db.cached("SELECT positions FROM rollup_pending WHERE id = ?")
            let event = try db.cached(
                "SELECT \(SQLiteUsageLedger.eventColumns), e.series FROM events e JOIN series s ON s.id = e.series WHERE e.pos = ?")
            var rollupBuckets = RollupBuckets(zone: configuration.rollupTimeZone)
            for id in readBack {
                blob.reset()
                blob.bind(id, at: 1)
                guard try blob.step() else { continue }
                guard let positions = PendingRollups.unpack(blob.blob(0)) else {
                    throw SQLiteError(
                        code: .corrupt,
                        message: "database '\(db.path)': pending rollup batch \(id) is not a list of event positions; the file is damaged: restore it from a backup")
                }
                for position in positions {
                    event.reset()
                    event.bind(position, at: 1)
                    // Compaction and forget fold before they delete, so every position is found;
                    // a missing one (a file edited by hand) has nothing left to add.
                    guard try event.step() else { continue }
                    let decoded = SQLiteUsageLedger.decodeEvent(event, detail: .usage)
                    let seriesID = event.int64(34)
                    if series[seriesID] == nil { series[seriesID] = SeriesKey(decoded) }
                    let (hour, day, month) = rollupBuckets.buckets(milliseconds: position >> 20)
                    try SQLiteUsageLedger.add(UsageTotals(decoded), to: &deltas, hour: hour, day: day, month: month, series: seriesID)
                }
            }
        }
        try SQLiteUsageLedger.write(deltas, series: series, db)
        try db.execute("DELETE FROM rollup_pending")
    }
}

extension UsageTotals {
    /// Whether ``add(_:)`` of `other` fits every count in 64 bits.
    func fitsAdding(_ other: UsageTotals) -> Bool {
        func fits(_ a: Int, _ b: Int) -> Bool { !a.addingReportingOverflow(b).overflow }
        let u = usage
        let o = other.usage
        guard fits(events, other.events), fits(errors, other.errors), fits(rateLimited, other.rateLimited),
            fits(unpriced, other.unpriced), fits(u.inputTokens, o.inputTokens), fits(u.outputTokens, o.outputTokens),
            fits(u.cacheReadTokens, o.cacheReadTokens), fits(u.cacheWriteTokens, o.cacheWriteTokens),
            fits(u.cacheWrite5mTokens, o.cacheWrite5mTokens), fits(u.cacheWrite1hTokens, o.cacheWrite1hTokens),
            fits(u.reasoningTokens, o.reasoningTokens), fits(u.inputAudioTokens, o.inputAudioTokens),
            fits(u.outputAudioTokens, o.outputAudioTokens), fits(u.requests, o.requests)
        else { return false }
        for (kind, count) in o.other where !fits(u.other[kind] ?? 0, count) { return false }
        return true
    }

    /// ``add(_:)``, but a count that would not fit in 64 bits throws (as SQLite's upsert of the
    /// aggregate row does) instead of trapping, so that the transaction summing it rolls back.
    mutating func addChecked(_ other: UsageTotals) throws {
        guard fitsAdding(other) else { throw SQLiteUsageLedger.aggregateOverflow() }
        add(other)
    }
}

extension SQLiteUsageLedger {
    static func aggregateOverflow() -> SQLiteError {
        SQLiteError(code: .statement, message: "an aggregate sum does not fit in 64 bits (integer overflow); the batch is refused")
    }
}
