internal import CCostSQLite
internal import CostBudget
internal import CostPricing
internal import Foundation

/// One write transaction's view of the budget accounts it touches: each account is read once,
/// moved to the current period, changed in memory, and written back by ``flush()``.
///
/// Lives only inside `Connection.writeTransaction`; not thread-safe.
struct BudgetSession {
    let db: Connection
    let at: Date
    private var accounts: [String: Account] = [:]

    /// One budget's counters, as stored in its `budget_live` row (kind 0).
    struct Account {
        var window: PeriodWindow?
        var spent = BudgetCharge.zero
        var held = BudgetCharge.zero
        /// The throttling bucket (`nil` until a request takes a token: a new bucket is full).
        var tokens: Double?
        var updated: Date?
        var changed = false
    }

    init(db: Connection, at: Date) {
        self.db = db
        self.at = at
    }

    // MARK: - Accounts

    /// The account of `name`, read once per transaction (a new one when there is no row).
    private mutating func load(_ name: String) throws -> Account {
        if let account = accounts[name] { return account }
        let s = try db.cached(
            """
            SELECT window_start, window_end, spent_cost_hi, spent_cost_lo, spent_tokens, spent_requests,
                held_cost_hi, held_cost_lo, held_tokens, held_requests, bucket_tokens, bucket_updated
            FROM budget_live WHERE kind = 0 AND rank = 0 AND name = ?
            """)
        s.bind(name, at: 1)
        var account = Account(changed: true)
        if try s.step() {
            account.changed = false
            if !s.isNull(0) && !s.isNull(1) {
                account.window = PeriodWindow(start: Self.date(s.double(0)), end: Self.date(s.double(1)))
            }
            account.spent = Self.charge(s, from: 2)
            account.held = Self.charge(s, from: 6)
            if !s.isNull(10) && !s.isNull(11) {
                account.tokens = s.double(10)
                account.updated = Self.date(s.double(11))
            }
        }
        s.reset()
        accounts[name] = account
        return account
    }

    /// Writes back every account that changed.
    mutating func flush() throws {
        for (name, account) in accounts where account.changed {
            let s = try db.cached(
                """
                INSERT INTO budget_live (kind, rank, name, window_start, window_end, spent_cost_hi, spent_cost_lo, spent_tokens,
                    spent_requests, held_cost_hi, held_cost_lo, held_tokens, held_requests, bucket_tokens, bucket_updated)
                VALUES (0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(kind, rank, name) DO UPDATE SET window_start = excluded.window_start, window_end = excluded.window_end,
                    spent_cost_hi = excluded.spent_cost_hi, spent_cost_lo = excluded.spent_cost_lo,
                    spent_tokens = excluded.spent_tokens, spent_requests = excluded.spent_requests,
                    held_cost_hi = excluded.held_cost_hi, held_cost_lo = excluded.held_cost_lo,
                    held_tokens = excluded.held_tokens, held_requests = excluded.held_requests,
                    bucket_tokens = excluded.bucket_tokens, bucket_updated = excluded.bucket_updated
                """)
            s.bind(name, at: 1)
            s.bind(account.window?.start.timeIntervalSinceReferenceDate, at: 2)
            s.bind(account.window?.end.timeIntervalSinceReferenceDate, at: 3)
            Self.bind(account.spent, to: s, from: 4)
            Self.bind(account.held, to: s, from: 8)
            s.bind(account.tokens, at: 12)
            s.bind(account.updated?.timeIntervalSinceReferenceDate, at: 13)
            try s.step()
            accounts[name]?.changed = false
        }
    }

    /// The budget's state now, after moving its account to the current period.
    mutating func state(_ budget: Budget) throws -> BudgetState {
        var account = try load(budget.name)
        try roll(&account, budget: budget)
        accounts[budget.name] = account
        var wait = Duration.zero
        if budget.profile.threshold(of: .throttling) != nil {
            wait = Self.bucket(account, budget: budget, at: at).wait(at: at)
        }
        return BudgetState(budget: budget, window: account.window, spent: account.spent, held: account.held, throttleWait: wait)
    }

    /// Resets a calendar or custom account when the period changed; ages out a rolling one.
    private func roll(_ account: inout Account, budget: Budget) throws {
        // Until `at` passes the current period nothing changes. Periods never go back: `at` is read
        // before the write lock is taken, so a process that waited for it (up to seconds) may bring
        // an instant from before the period another process has already moved the account to;
        // going back would reset that period's spend.
        if !budget.period.isRolling, let current = account.window, at < current.end { return }
        let window = budget.period.window(containing: at)
        if budget.period.isRolling, let window {
            account.window = window
            let aged = try db.cached("SELECT cost_hi, cost_lo, tokens, requests FROM budget_entries WHERE budget = ? AND at <= ?")
            aged.bind(budget.name, at: 1)
            aged.bind(window.start.timeIntervalSinceReferenceDate, at: 2)
            var any = false
            while try aged.step() {
                account.spent = try account.spent.subtracting(Self.charge(aged, from: 0))
                any = true
            }
            guard any else { return }
            let delete = try db.cached("DELETE FROM budget_entries WHERE budget = ? AND at <= ?")
            delete.bind(budget.name, at: 1)
            delete.bind(window.start.timeIntervalSinceReferenceDate, at: 2)
            try delete.step()
            account.changed = true
            return
        }
        if window != account.window {
            account.window = window
            account.spent = .zero
            account.changed = true
        }
    }

    private static func bucket(_ account: Account, budget: Budget, at: Date) -> TokenBucket {
        guard let tokens = account.tokens, let updated = account.updated else { return TokenBucket(rate: budget.throttle, at: at) }
        return TokenBucket(rate: budget.throttle, tokens: tokens, updated: updated)
    }

    /// A passing throttling verdict takes a token from the budget's bucket.
    mutating func takeToken(_ budget: Budget) throws {
        var account = try load(budget.name)
        var bucket = Self.bucket(account, budget: budget, at: at)
        bucket.take(at: at)
        account.tokens = bucket.tokens
        account.updated = bucket.updated
        account.changed = true
        accounts[budget.name] = account
    }

    mutating func adjustHeld(_ name: String, by charge: BudgetCharge, adding: Bool) throws {
        var account = try load(name)
        account.held = adding ? try account.held.adding(charge) : try account.held.subtracting(charge)
        account.changed = true
        accounts[name] = account
    }

    /// Records `actual` as spend in the budget's current period (and as a rolling charge), and takes
    /// `held` off what the budget holds.
    mutating func settle(_ budget: Budget, held: BudgetCharge?, actual: BudgetCharge) throws {
        var account = try load(budget.name)
        try roll(&account, budget: budget)
        if let held { account.held = try account.held.subtracting(held) }
        if account.window != nil {
            account.spent = try account.spent.adding(actual)
            if budget.period.isRolling { try insertEntry(budget.name, at: at, charge: actual) }
        }
        account.changed = true
        accounts[budget.name] = account
    }

    /// Replaces the spend of the budget's current period.
    mutating func replaceSpend(
        _ budget: Budget, with resolved: (window: PeriodWindow, spent: BudgetCharge, entries: [BudgetSpend.Entry])
    ) throws {
        var account = try load(budget.name)
        let delete = try db.cached("DELETE FROM budget_entries WHERE budget = ?")
        delete.bind(budget.name, at: 1)
        try delete.step()
        for entry in resolved.entries { try insertEntry(budget.name, at: entry.at, charge: entry.charge) }
        account.window = resolved.window
        account.spent = resolved.spent
        account.changed = true
        accounts[budget.name] = account
    }

    /// Adds a rolling charge. Charges are keyed by (budget, instant, seq): `seq` is 0 unless charges
    /// share an instant, so the common insert is one statement into the budget's newest page.
    private func insertEntry(_ name: String, at instant: Date, charge: BudgetCharge) throws {
        let s = try db.cached(
            """
            INSERT INTO budget_entries (budget, at, seq, cost_hi, cost_lo, tokens, requests) VALUES (?, ?, 0, ?, ?, ?, ?)
            ON CONFLICT(budget, at, seq) DO NOTHING
            """)
        s.bind(name, at: 1)
        s.bind(instant.timeIntervalSinceReferenceDate, at: 2)
        Self.bind(charge, to: s, from: 3)
        try s.step()
        guard db.changes == 0 else { return }
        let next = try db.cached(
            """
            INSERT INTO budget_entries (budget, at, seq, cost_hi, cost_lo, tokens, requests)
            SELECT ?1, ?2, max(seq) + 1, ?3, ?4, ?5, ?6 FROM budget_entries WHERE budget = ?1 AND at = ?2
            """)
        next.bind(name, at: 1)
        next.bind(instant.timeIntervalSinceReferenceDate, at: 2)
        Self.bind(charge, to: next, from: 3)
        try next.step()
    }

    // MARK: - Holds

    /// An open hold's key in `budget_live`: (1, its rank, its id).
    struct HoldKey {
        let rank: Int64
        let id: String
    }

    /// A hold's place in `budget_live`: its expiry in whole microseconds since 2001-01-01 (rounded
    /// down, clamped to 64 bits), so that holds sort by expiry and expiring them reads a key range.
    /// A NaN expiry (only ever in a hold a caller passes back) ranks last, like "never".
    static func rank(expiring expires: Date) -> Int64 {
        let micros = (expires.timeIntervalSinceReferenceDate * 1_000_000).rounded(.down)
        if micros >= 9.2e18 || micros.isNaN { return .max }
        if micros <= -9.2e18 { return .min }
        return Int64(micros)
    }

    /// Drops the holds whose TTL has passed, giving their charge back to the budgets they held.
    mutating func expireHolds(_ definitions: [String: Budget]) throws {
        // every hold with `expires <= at` has a rank at most the rank of `at` (both round down); the
        // exact instant decides
        let bound = Self.rank(expiring: at)
        let select = try db.cached(
            "SELECT budgets, cost_hi, cost_lo, tokens, requests FROM budget_live WHERE kind = 1 AND rank <= ? AND expires <= ?")
        select.bind(bound, at: 1)
        select.bind(at.timeIntervalSinceReferenceDate, at: 2)
        var expired: [(budgets: [String], charge: BudgetCharge)] = []
        while try select.step() {
            expired.append((Self.names(select.text(0)), Self.charge(select, from: 1)))
        }
        guard !expired.isEmpty else { return }
        for hold in expired {
            for name in hold.budgets where definitions[name] != nil {
                try adjustHeld(name, by: hold.charge, adding: false)
            }
        }
        let delete = try db.cached("DELETE FROM budget_live WHERE kind = 1 AND rank <= ? AND expires <= ?")
        delete.bind(bound, at: 1)
        delete.bind(at.timeIntervalSinceReferenceDate, at: 2)
        try delete.step()
    }

    /// The key, budgets and charge of an open hold, or `nil` when it was settled or expired.
    ///
    /// Looked up at the key its expiry gives; a hold whose `expiresAt` came back rounded (a caller
    /// that stored it as text) is found among the holds expiring within a second of it, and one
    /// whose `expiresAt` is still ahead among all the open holds. A hold committed after its expiry
    /// (gone already) costs two key lookups, not a read of every open hold under the write lock.
    func openHold(_ hold: BudgetHold) throws -> (key: HoldKey, budgets: [String], charge: BudgetCharge)? {
        let id = hold.id.uuidString
        let exact = try db.cached("SELECT budgets, cost_hi, cost_lo, tokens, requests FROM budget_live WHERE kind = 1 AND rank = ? AND name = ?")
        let rank = Self.rank(expiring: hold.expiresAt)
        exact.bind(rank, at: 1)
        exact.bind(id, at: 2)
        defer { exact.reset() }
        if try exact.step() {
            return (HoldKey(rank: rank, id: id), Self.names(exact.text(0)), Self.charge(exact, from: 1))
        }
        let near = try db.cached(
            "SELECT rank, budgets, cost_hi, cost_lo, tokens, requests FROM budget_live WHERE kind = 1 AND rank BETWEEN ? AND ? AND name = ?")
        near.bind(Self.rank(expiring: hold.expiresAt.addingTimeInterval(-1)), at: 1)
        near.bind(Self.rank(expiring: hold.expiresAt.addingTimeInterval(1)), at: 2)
        near.bind(id, at: 3)
        defer { near.reset() }
        if try near.step() {
            return (HoldKey(rank: near.int64(0), id: id), Self.names(near.text(1)), Self.charge(near, from: 2))
        }
        // as Doubles: a NaN expiry is not past (Date's derived <= would say it is), so it is looked for
        guard !(hold.expiresAt.timeIntervalSinceReferenceDate <= at.timeIntervalSinceReferenceDate) else { return nil }
        let scan = try db.cached("SELECT rank, budgets, cost_hi, cost_lo, tokens, requests FROM budget_live WHERE kind = 1 AND name = ?")
        scan.bind(id, at: 1)
        defer { scan.reset() }
        guard try scan.step() else { return nil }
        return (HoldKey(rank: scan.int64(0), id: id), Self.names(scan.text(1)), Self.charge(scan, from: 2))
    }

    func insert(_ hold: BudgetHold) throws {
        let s = try db.cached(
            """
            INSERT INTO budget_live (kind, rank, name, budgets, cost_hi, cost_lo, tokens, requests, provider, model, created, expires)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        s.bind(Self.rank(expiring: hold.expiresAt), at: 1)
        s.bind(hold.id.uuidString, at: 2)
        s.bind(Self.json(hold.budgets), at: 3)
        Self.bind(hold.charge, to: s, from: 4)
        s.bind(hold.provider, at: 8)
        s.bind(hold.model, at: 9)
        s.bind(hold.createdAt.timeIntervalSinceReferenceDate, at: 10)
        s.bind(hold.expiresAt.timeIntervalSinceReferenceDate, at: 11)
        try s.step()
    }

    func deleteHold(_ key: HoldKey) throws {
        let s = try db.cached("DELETE FROM budget_live WHERE kind = 1 AND rank = ? AND name = ?")
        s.bind(key.rank, at: 1)
        s.bind(key.id, at: 2)
        try s.step()
    }

    /// Holds not yet expired, oldest first.
    func openHolds() throws -> [BudgetHold] {
        let s = try db.cached(
            """
            SELECT name, budgets, cost_hi, cost_lo, tokens, requests, provider, model, created, expires
            FROM budget_live WHERE kind = 1 AND expires > ? ORDER BY created, name
            """)
        s.bind(at.timeIntervalSinceReferenceDate, at: 1)
        var holds: [BudgetHold] = []
        while try s.step() {
            guard let id = s.text(0).flatMap(UUID.init(uuidString:)) else { continue }
            holds.append(
                BudgetHold(
                    id: id, budgets: Self.names(s.text(1)), charge: Self.charge(s, from: 2), provider: s.text(6) ?? "",
                    model: s.text(7) ?? "", createdAt: Self.date(s.double(8)), expiresAt: Self.date(s.double(9))))
        }
        return holds
    }

    // MARK: - Columns

    static func date(_ value: Double) -> Date { Date(timeIntervalSinceReferenceDate: value) }

    /// Money as the two 64-bit halves of its 128-bit count, exact for every amount.
    static func halves(_ money: Money) -> (hi: Int64, lo: Int64) {
        (Int64(truncatingIfNeeded: money.units >> 64), Int64(bitPattern: UInt64(truncatingIfNeeded: money.units)))
    }

    static func money(hi: Int64, lo: Int64) -> Money {
        Money(units: Int128(hi) << 64 | Int128(UInt64(bitPattern: lo)))
    }

    /// Binds cost (two halves), tokens and requests from column `start`.
    static func bind(_ charge: BudgetCharge, to s: Statement, from start: Int32) {
        let (hi, lo) = halves(charge.cost)
        s.bind(hi, at: start)
        s.bind(lo, at: start + 1)
        s.bind(charge.tokens, at: start + 2)
        s.bind(charge.requests, at: start + 3)
    }

    /// Reads cost (two halves), tokens and requests from column `start`.
    static func charge(_ s: Statement, from start: Int32) -> BudgetCharge {
        BudgetCharge(cost: money(hi: s.int64(start), lo: s.int64(start + 1)), tokens: s.int(start + 2), requests: s.int(start + 3))
    }

    /// A hold's budget names as a JSON array.
    static func json(_ names: [String]) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (index, name) in names.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            StoredJSON.appendString(name, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    static func names(_ json: String?) -> [String] {
        guard let json, let list = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String] else { return [] }
        return list
    }
}
