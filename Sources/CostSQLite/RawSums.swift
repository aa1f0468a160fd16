internal import CCostSQLite
internal import CostPricing

/// Sums of raw event rows per (source bucket, series), added up row by row as a statement returns
/// them (see ``SQLiteUsageLedger/rawBySeries(_:bucket:whereSQL:bindings:db:into:)``).
///
/// A row is `bucket, series` followed by the 17 ``columns``. The sums are checked for overflow the
/// way SQLite's `SUM` is: a total that does not fit in 64 bits is an error, never a wrapped value.
struct RawSums {
    /// The summed columns of `events` (alias `e`), in the order of a row from column 2 on.
    static let columns = """
        e.requests, e.priced, e.input, e.output, e.cache_read, e.cache_write, e.cache_write_5m, e.cache_write_1h,
        e.reasoning, e.input_audio, e.output_audio, e.cost_hi, e.cost_lo, e.in_cost_hi, e.in_cost_lo, e.out_cost_hi,
        e.out_cost_lo
        """
    /// Values kept per partial sum: the event count, then the 17 columns (`priced` kept as a count of
    /// unpriced events).
    static let width = 18

    struct Key: Hashable {
        var bucket: Int64
        var series: Int64
    }

    private var slots: [Key: Int] = [:]
    private var keys: [Key] = []
    private var values: [Int64] = []
    private var last = Key(bucket: 0, series: -1)
    private var lastSlot = -1
    private var overflowed = false

    /// Adds the current row of `statement` (`bucket, series, columns…`).
    mutating func add(_ statement: Statement) {
        let handle = statement.handle
        let key = Key(bucket: sqlite3_column_int64(handle, 0), series: sqlite3_column_int64(handle, 1))
        if key != last || lastSlot < 0 {
            if let slot = slots[key] {
                lastSlot = slot
            } else {
                lastSlot = keys.count
                slots[key] = lastSlot
                keys.append(key)
                values.append(contentsOf: repeatElement(0, count: Self.width))
            }
            last = key
        }
        let base = lastSlot * Self.width
        var overflow = false
        values.withUnsafeMutableBufferPointer { sums in
            func add(_ index: Int, _ value: Int64) {
                let (sum, o) = sums[base + index].addingReportingOverflow(value)
                sums[base + index] = sum
                overflow = overflow || o
            }
            add(0, 1)
            add(1, sqlite3_column_int64(handle, 2))
            add(2, 1 &- sqlite3_column_int64(handle, 3))
            for column in 4..<Int32(2 + 17) {
                add(Int(column) - 1, sqlite3_column_int64(handle, column))
            }
        }
        overflowed = overflowed || overflow
    }

    /// The partial sums as (source bucket, series, totals), in the order their first rows came.
    ///
    /// - throws: ``SQLiteError`` `.statement` when a sum overflowed 64 bits.
    func partials() throws -> [(Int64, Int64, UsageTotals)] {
        if overflowed {
            throw SQLiteError(code: .statement, message: "integer overflow while adding up raw events for a report")
        }
        return keys.indices.map { slot in
            let v = values[(slot * Self.width)..<((slot + 1) * Self.width)]
            let b = v.startIndex
            var t = UsageTotals()
            t.events = Int(v[b])
            t.usage.requests = Int(v[b + 1])
            t.unpriced = Int(v[b + 2])
            t.usage.inputTokens = Int(v[b + 3])
            t.usage.outputTokens = Int(v[b + 4])
            t.usage.cacheReadTokens = Int(v[b + 5])
            t.usage.cacheWriteTokens = Int(v[b + 6])
            t.usage.cacheWrite5mTokens = Int(v[b + 7])
            t.usage.cacheWrite1hTokens = Int(v[b + 8])
            t.usage.reasoningTokens = Int(v[b + 9])
            t.usage.inputAudioTokens = Int(v[b + 10])
            t.usage.outputAudioTokens = Int(v[b + 11])
            t.cost = SQLiteUsageLedger.join(v[b + 12], v[b + 13])
            t.inputCost = SQLiteUsageLedger.join(v[b + 14], v[b + 15])
            t.outputCost = SQLiteUsageLedger.join(v[b + 16], v[b + 17])
            return (keys[slot].bucket, keys[slot].series, t)
        }
    }
}
