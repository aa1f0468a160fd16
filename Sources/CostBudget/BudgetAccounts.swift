import CostPricing
import Foundation

/// The state behind a ``MemoryBudgetStore``: budgets and their counters, the open holds, and the
/// index that finds the budgets of a request. A value type with no lock of its own: the store keeps
/// it behind one, so every method here runs as one atomic step.
///
/// Budgets live in ``accounts`` at a *key* that never changes (a removed budget leaves a retired
/// slot behind, and a budget added again under the same name gets a new key), so an open hold
/// names its budgets by key and needs no string hashing to settle.
struct BudgetAccounts {
    /// One budget: its definition, what is derived from it, and its throttle bucket (its counters
    /// are in ``Counters`` at the same key).
    struct Account {
        var budget: Budget
        var isLive = true
        /// The position of the budget in name order (decisions list budgets by name).
        var rank = 0
        /// Whether the scope is narrowed to a provider or a model (checked after the index lookup).
        var isFiltered = false
        /// The most a budget may have used and still be below every level that is on:
        /// `used × 10,000 < limit × basis points of the mildest level` ⇔ `used ≤ quietMax`, with
        /// `quietMax = (limit × basis points − 1) / 10,000` (`nil`: no level is on, or the
        /// product does not fit and the ladder decides).
        var quietMax: Int128?
        var hasLevels = false
        /// The window's length for a rolling period.
        var rollingSeconds: Int?
        var bucket: TokenBucket?

        init(_ budget: Budget) {
            self.budget = budget
            configure()
        }

        /// Derives the precomputed fields from ``budget``.
        mutating func configure() {
            isFiltered = budget.scope.provider != nil || budget.scope.model != nil
            let mildest = budget.profile.thresholds.compactMap { $0?.basisPoints }.min()
            hasLevels = mildest != nil
            quietMax = mildest.flatMap { bp in
                let (bound, overflow) = budget.limit.units.multipliedReportingOverflow(by: Int128(bp))
                return overflow || bound <= 0 ? nil : (bound - 1) / 10_000
            }
            if case .rolling(let seconds) = budget.period { rollingSeconds = seconds } else { rollingSeconds = nil }
        }

        /// Whether `used` is below every level that is on (exactly the ladder's `level(...) == nil`:
        /// thresholds rise with the level, and `Threshold.isReached` compares `used × 10,000 ≥
        /// limit × basis points`, where an overflowing product counts as reached for positive `used`).
        @inline(__always)
        func isQuiet(_ used: Int128) -> Bool {
            guard let quietMax else { return !hasLevels }
            return used <= quietMax
        }
    }

    /// What a budget has counted in its current period: the fields every reservation and commit
    /// write, kept apart from the definitions (which they only read), so that a write moves as few
    /// cache lines between cores as it can.
    struct Counters {
        var window: PeriodWindow?
        var spent = BudgetCharge.zero
        var held = BudgetCharge.zero
        /// Committed charges of a rolling window, oldest first (from `head` on).
        var head = 0
        var entries: [(at: Date, charge: BudgetCharge)] = []
        /// The allotments of quiet headroom handed to stripes (``StripeState``), in the limit's
        /// measure: counted as used by every quiet check here, so that what the stripes may still
        /// hold without asking never takes the budget past its quiet region.
        var granted: Int128 = 0
    }

    /// A hold not yet settled (in a free slot: `serial` 0).
    struct OpenHold {
        /// Unique in the store: a slot is reused, a serial number never is; 0 marks a free slot.
        var serial: UInt64 = 0
        var keys = KeyList()
        var charge = BudgetCharge.zero
        var provider = ""
        var model = ""
        var createdAt = Date.distantPast
        var expiresAt = Date.distantPast
        /// A stripe's hold whose charge was folded into the budgets' shared `held` (it settles
        /// under the store's lock); always `false` in the shared table.
        var isFolded = false
    }

    /// What ``reserve(_:policy:at:expiresAt:verdicts:)`` decided.
    enum Admission {
        /// Every applicable budget stays below every level: the verdicts and the budgets' names
        /// were appended, and a hold of the request's estimate was recorded under this id;
        /// `deciding` is the index of the verdict with the highest utilization.
        case quiet(HoldID, deciding: Int?)
        /// The policy decided; a hold was recorded when the decision passes.
        case decided(BudgetDecision, hold: HoldID?)
    }

    /// Where a hold is, and its serial number; ``uuid`` makes the public id of it.
    ///
    /// The UUID keeps the version-4 and variant bits: the high half is the store's random prefix
    /// (upper 32 bits) with the table and slot in the bits the version nibble leaves (28 bits: 4
    /// for the table, 0 = the shared one and 1… a stripe's, 24 for the slot), the low half is the
    /// serial number (unique per table). A commit finds its slot without hashing and checks the serial.
    struct HoldID {
        var slot: Int
        var serial: UInt64
        /// 0: the shared table of ``BudgetAccounts``; `n`: the table of stripe `n − 1`.
        var table = 0

        /// A random prefix for a store's ids: upper 32 bits, with the version nibble.
        static func makePrefix() -> UInt64 {
            var generator = SystemRandomNumberGenerator()
            return generator.next() & 0xFFFF_FFFF_0000_0000 | 0x4000
        }

        static let maxSlot = 1 << 24 - 1
        static let maxTable = 15

        func uuid(prefix: UInt64) -> UUID {
            let bits = table << 24 | slot
            let slotBits = UInt64(bits & 0xFFF) | UInt64(bits >> 12) << 16
            return UUID(high: prefix | slotBits, low: serial)
        }

        /// The slot and serial of an id made with `prefix`; `nil` for any other id.
        init?(_ id: UUID, prefix: UInt64) {
            let (high, low) = id.halves
            guard high & 0xFFFF_FFFF_0000_F000 == prefix else { return nil }
            let bits = Int(high & 0xFFF) | Int(high >> 16 & 0xFFFF) << 12
            slot = bits & Self.maxSlot
            table = bits >> 24
            serial = low
        }

        init(slot: Int, serial: UInt64, table: Int = 0) {
            self.slot = slot
            self.serial = serial
            self.table = table
        }
    }

    private(set) var accounts: [Account] = []
    /// The counters of each account, at the same key.
    var counters: [Counters] = []
    /// Keys of the live budgets, by name.
    private var names: [String: Int] = [:]
    /// Keys of the live budgets in name order.
    private(set) var ordered: [Int] = []
    private(set) var matcher = BudgetMatcher()
    /// Open holds by slot; free slots (serial 0) are listed in ``freeSlots``. Not optionals, so
    /// that a commit reads a slot's fields in place instead of copying the hold out.
    private var holds: [OpenHold] = []
    private var freeSlots: [Int] = []
    /// The earliest `expiresAt` among ``holds`` (a lower bound), so that most calls skip the sweep.
    private var nextExpiry: Date = .distantFuture
    /// The store's prefix of hold ids (``HoldID``).
    let idPrefix: UInt64
    /// Reused buffer of matching keys (no allocation per request once warm).
    private(set) var scratch: [Int] = []
    /// The request whose matching keys ``scratch`` holds, while no budget has changed since: a
    /// caller that sends the same dimensions again skips the index (equal strings that share their
    /// storage compare in a few instructions).
    private var lastMatch = LastMatch()

    private struct LastMatch {
        var isValid = false
        var dimensions = UsageDimensions()
        var provider = ""
        var model = ""
    }

    /// The TTL of the last reservation and its length in seconds (`Duration.seconds` divides).
    private var lastTTL: (ttl: Duration, seconds: Double) = (.zero, 0)
    /// Written by every reservation: last, away from the fields that are only read.
    private var nextSerial: UInt64 = 1

    init(idPrefix: UInt64) {
        self.idPrefix = idPrefix
    }

    // MARK: - Budgets

    mutating func setBudget(_ budget: Budget) {
        if let key = names[budget.name] {
            if accounts[key].budget.period != budget.period {
                // holds and stripes' allotments outlive a change of period (they are settled later)
                let (held, granted) = (counters[key].held, counters[key].granted)
                counters[key] = Counters()
                counters[key].held = held
                counters[key].granted = granted
            }
            accounts[key].budget = budget
            accounts[key].configure()
        } else {
            names[budget.name] = accounts.count
            accounts.append(Account(budget))
            counters.append(Counters())
        }
        reindex()
    }

    mutating func removeBudget(named name: String) -> Bool {
        // the key is retired, so open holds stop counting against it and a budget added later
        // under the name starts clean
        guard let key = names.removeValue(forKey: name) else { return false }
        accounts[key].isLive = false
        accounts[key].bucket = nil
        counters[key] = Counters()
        reindex()
        return true
    }

    /// Replaces a budget's spend in its current window (holds are untouched); `false` when there
    /// is no such budget.
    mutating func replaceSpend(of name: String, with spend: BudgetSpend, at instant: Date) throws -> Bool {
        guard let key = names[name] else { return false }
        let resolved = try spend.resolved(for: accounts[key].budget, at: instant)
        counters[key].window = resolved.window
        counters[key].spent = resolved.spent
        counters[key].entries = resolved.entries.map { ($0.at, $0.charge) }
        counters[key].head = 0
        return true
    }

    var budgets: [Budget] { ordered.map { accounts[$0].budget } }

    mutating func state(of name: String, at instant: Date) throws -> BudgetState? {
        try expireHolds(at: instant)
        guard let key = names[name] else { return nil }
        return try state(key, at: instant)
    }

    private mutating func reindex() {
        let accounts = self.accounts
        ordered = names.values.sorted { accounts[$0].budget.name < accounts[$1].budget.name }
        for (rank, key) in ordered.enumerated() { self.accounts[key].rank = rank }
        matcher = BudgetMatcher(ordered.map { (key: $0, scope: accounts[$0].budget.scope) })
        lastMatch.isValid = false
    }

    // MARK: - Reservations

    /// Decides `request` against every budget that counts it and records a hold when it passes.
    ///
    /// When every applicable budget stays below every level (the common case), the verdicts are
    /// appended to `verdicts` and the caller builds the decision outside the lock; otherwise the
    /// policy decides here, on the states as they are.
    mutating func reserve(
        _ request: BudgetRequest, policy: BudgetPolicy, at instant: Date, ttl: Duration, expiresAt: inout Date,
        verdicts: inout [BudgetVerdict], names: inout [String]
    ) throws -> Admission {
        try expireHolds(at: instant)
        if lastTTL.ttl != ttl { lastTTL = (ttl, ttl.seconds) }
        expiresAt = instant.addingTimeInterval(lastTTL.seconds)
        match(request)
        let estimate = request.estimate
        var quiet = true
        for key in scratch {
            try roll(key, at: instant)
            guard counters[key].window != nil else { continue }
            if !accounts[key].isQuiet(usedAfter(key, estimate).saturatingAdd(counters[key].granted)) {
                quiet = false
                break
            }
        }
        guard quiet else { return try decide(request, policy: policy, at: instant, expiresAt: expiresAt) }
        try checkHoldCapacity()
        var keys = KeyList()
        for key in scratch where counters[key].window != nil {
            _ = try counters[key].held.adding(estimate)  // check every sum first: all budgets or none
            keys.append(key)
        }
        // every verdict allows at no level, so the strictest is the most used one (the first of equals)
        var deciding: (index: Int, used: Int128, limit: Int128)?
        for index in 0..<keys.count {
            let key = keys[index]
            let used = usedAfter(key, estimate)
            let limit = accounts[key].budget.limit
            verdicts.append(BudgetVerdict(
                budget: accounts[key].budget.name, level: nil, usedAfter: used, limit: limit, action: .allow,
                reason: BudgetPolicy.quietReason))
            names.append(accounts[key].budget.name)
            counters[key].held = try counters[key].held.adding(estimate)
            if let d = deciding, !BudgetPolicy.isMoreUsed(used, of: limit.units, than: d.used, of: d.limit) { continue }
            deciding = (index, used, limit.units)
        }
        let id = record(
            keys: keys, charge: estimate, provider: request.provider, model: request.model, createdAt: instant,
            expiresAt: expiresAt)
        return .quiet(id, deciding: deciding?.index)
    }

    /// The general path: states of the matched budgets, the policy's decision, tokens and the hold.
    private mutating func decide(
        _ request: BudgetRequest, policy: BudgetPolicy, at instant: Date, expiresAt: Date
    ) throws -> Admission {
        var states: [BudgetState] = []
        states.reserveCapacity(scratch.count)
        for key in scratch { states.append(try state(key, at: instant)) }
        let decision = try policy.decide(request, states: states, at: instant) { moved in
            // a request moved to another model counts against the budgets of that model: the
            // keys below (and the hold) become theirs
            match(moved)
            return try scratch.map { try state($0, at: instant) }
        }
        guard decision.passes else { return .decided(decision, hold: nil) }
        try checkHoldCapacity()
        // the verdicts follow the matched budgets that have a window, in order
        var keys = KeyList()
        for key in scratch where counters[key].window != nil {
            _ = try counters[key].held.adding(decision.charge)
            keys.append(key)
        }
        for (index, verdict) in decision.verdicts.enumerated() where index < keys.count {
            let key = keys[index]
            if verdict.action == .throttle(wait: .zero) { accounts[key].bucket?.take(at: instant) }
            counters[key].held = try counters[key].held.adding(decision.charge)
        }
        let id = record(
            keys: keys, charge: decision.charge, provider: decision.provider, model: decision.model,
            createdAt: instant, expiresAt: expiresAt)
        return .decided(decision, hold: id)
    }

    /// Settles `hold` with `actual`; whether the hold was still open.
    mutating func commit(_ hold: BudgetHold, actual: BudgetCharge, at instant: Date) throws -> Bool {
        try expireHolds(at: instant)
        guard let slot = find(hold.id) else {
            try settle(hold, actual: actual, at: instant, open: nil)
            return false
        }
        try settle(hold, actual: actual, at: instant, open: holds[slot].keys)
        free(slot)
        return true
    }

    /// Records `actual` against the hold's budgets; `open`: the keys of the hold while it is open
    /// (its charge comes off their held amounts), `nil` for a hold already settled or expired.
    @inline(__always)
    mutating func settle(_ hold: BudgetHold, actual: BudgetCharge, at instant: Date, open: KeyList?) throws {
        let keys = open ?? KeyList()
        if open != nil, isIntact(keys, names: hold.budgets) {
            // the hold as it was issued: its keys are the budgets, and it counts against each
            for index in 0..<keys.count {
                try settle(keys[index], unhold: hold.charge, actual: actual, at: instant, write: false)
            }
            for index in 0..<keys.count {
                try settle(keys[index], unhold: hold.charge, actual: actual, at: instant, write: true)
            }
        } else {
            // the spend happened: record it against the hold's budgets by name, whether or not the
            // hold is open; the held amount comes off only the budgets the open hold still counts against
            var targets: [(key: Int, unhold: BudgetCharge)] = []
            for name in hold.budgets {
                guard let key = names[name] else { continue }
                targets.append((key, keys.contains(key) ? hold.charge : .zero))
            }
            for target in targets {
                try settle(target.key, unhold: target.unhold, actual: actual, at: instant, write: false)
            }
            for target in targets {
                try settle(target.key, unhold: target.unhold, actual: actual, at: instant, write: true)
            }
        }
    }

    /// Drops a hold without spend; whether it was open.
    mutating func release(_ hold: BudgetHold, at instant: Date) throws -> Bool {
        try expireHolds(at: instant)
        guard let slot = find(hold.id) else { return false }
        try unhold(holds[slot])
        free(slot)
        return true
    }

    /// Open holds, oldest first; each names the budgets it still counts against.
    var openHolds: [BudgetHold] {
        holds.indices.compactMap { slot in
            holds[slot].serial == 0 ? nil : hold(holds[slot], id: HoldID(slot: slot, serial: holds[slot].serial))
        }.sorted { $0.createdAt < $1.createdAt }
    }

    /// The public form of an open hold (of the shared table or a stripe's): its live budgets' names.
    func hold(_ open: OpenHold, id: HoldID) -> BudgetHold {
        var budgets: [String] = []
        for index in 0..<open.keys.count where accounts[open.keys[index]].isLive {
            budgets.append(accounts[open.keys[index]].budget.name)
        }
        return BudgetHold(
            id: id.uuid(prefix: idPrefix), budgets: budgets, charge: open.charge, provider: open.provider,
            model: open.model, createdAt: open.createdAt, expiresAt: open.expiresAt)
    }

    // MARK: - Internals

    /// Leaves the keys of the live budgets that count `request` in ``scratch``, in name order.
    mutating func match(_ request: BudgetRequest) {
        if isLastMatch(request) { return }
        lastMatch = LastMatch(
            isValid: true, dimensions: request.dimensions, provider: request.provider, model: request.model)
        scratch.removeAll(keepingCapacity: true)
        matcher.candidates(request.dimensions, into: &scratch)
        var count = 0
        for index in scratch.indices {
            let key = scratch[index]
            if accounts[key].isFiltered && !request.isCounted(by: accounts[key].budget) { continue }
            scratch[count] = key
            count += 1
        }
        scratch.removeLast(scratch.count - count)
        // insertion sort by rank: a handful of keys
        for i in scratch.indices.dropFirst() {
            let key = scratch[i]
            var j = i
            while j > 0, accounts[scratch[j - 1]].rank > accounts[key].rank {
                scratch[j] = scratch[j - 1]
                j -= 1
            }
            scratch[j] = key
        }
    }

    /// Spent + held in the budget's measure.
    @inline(__always)
    func used(_ key: Int) -> Int128 {
        let limit = accounts[key].budget.limit
        return limit.measure(counters[key].spent).saturatingAdd(limit.measure(counters[key].held))
    }

    /// Spent + held + `estimate` in the budget's measure, as ``BudgetPolicy`` computes it.
    @inline(__always)
    func usedAfter(_ key: Int, _ estimate: BudgetCharge) -> Int128 {
        let (after, overflow) = used(key).addingReportingOverflow(accounts[key].budget.limit.measure(estimate))
        return overflow ? .max : after
    }

    /// Whether `request` has the dimensions a scope can match on (not session or operation) of the
    /// last match, and its provider and model where some budget filters on them.
    private func isLastMatch(_ request: BudgetRequest) -> Bool {
        guard lastMatch.isValid else { return false }
        let d = request.dimensions
        guard d.org == lastMatch.dimensions.org, d.team == lastMatch.dimensions.team,
            d.user == lastMatch.dimensions.user, d.project == lastMatch.dimensions.project, d.keyID == lastMatch.dimensions.keyID,
            d.tags == lastMatch.dimensions.tags
        else { return false }
        return !matcher.hasFilters || (request.provider == lastMatch.provider && request.model == lastMatch.model)
    }

    /// Whether the open hold's keys are still the live budgets `names`, one for one.
    private func isIntact(_ keys: KeyList, names: [String]) -> Bool {
        guard keys.count == names.count else { return false }
        for index in 0..<keys.count {
            let account = keys[index]
            guard accounts[account].isLive, accounts[account].budget.name == names[index] else { return false }
        }
        return true
    }

    /// Takes `unhold` off a budget's held amount and adds `actual` to its spend when the budget's
    /// period is current; with `write: false` only checks that the sums fit.
    private mutating func settle(
        _ key: Int, unhold: BudgetCharge, actual: BudgetCharge, at instant: Date, write: Bool
    ) throws {
        if !write { try roll(key, at: instant) }  // the checking pass moved the account to the period
        let held = try counters[key].held.subtracting(unhold)
        let counts = counters[key].window != nil
        let spent = counts ? try counters[key].spent.adding(actual) : counters[key].spent
        guard write else { return }
        counters[key].held = held
        counters[key].spent = spent
        if counts && accounts[key].rollingSeconds != nil { counters[key].entries.append((instant, actual)) }
    }

    /// Throws when no slot is left for one more open hold (checked before anything is written).
    func checkHoldCapacity() throws {
        guard freeSlots.isEmpty, holds.count > HoldID.maxSlot else { return }
        throw BudgetError(code: .overflow, message: "too many open holds (\(holds.count)): commit or release them")
    }

    /// Records an open hold in a free slot, field by field (no copy of a whole hold); the caller
    /// checked ``checkHoldCapacity()``.
    private mutating func record(
        keys: KeyList, charge: BudgetCharge, provider: String, model: String, createdAt: Date, expiresAt: Date
    ) -> HoldID {
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            slot = holds.count
            holds.append(OpenHold())
        }
        let serial = nextSerial | 0x8000_0000_0000_0000  // RFC 4122 variant
        nextSerial += 1
        holds[slot].serial = serial
        holds[slot].keys = keys
        holds[slot].charge = charge
        holds[slot].provider = provider
        holds[slot].model = model
        holds[slot].createdAt = createdAt
        holds[slot].expiresAt = expiresAt
        if expiresAt < nextExpiry { nextExpiry = expiresAt }
        return HoldID(slot: slot, serial: serial)
    }

    /// The slot of one of this store's open holds; `nil` for a settled hold or any other id.
    private func find(_ id: UUID) -> Int? {
        guard let hold = HoldID(id, prefix: idPrefix), hold.table == 0, hold.slot < holds.count,
            holds[hold.slot].serial == hold.serial
        else { return nil }
        return hold.slot
    }

    private mutating func free(_ slot: Int) {
        holds[slot].serial = 0
        freeSlots.append(slot)
    }

    mutating func unhold(_ open: OpenHold) throws {
        for index in 0..<open.keys.count where accounts[open.keys[index]].isLive {
            _ = try counters[open.keys[index]].held.subtracting(open.charge)
        }
        for index in 0..<open.keys.count where accounts[open.keys[index]].isLive {
            counters[open.keys[index]].held = try counters[open.keys[index]].held.subtracting(open.charge)
        }
    }

    mutating func expireHolds(at instant: Date) throws {
        guard nextExpiry <= instant else { return }
        var earliest = Date.distantFuture
        for slot in holds.indices where holds[slot].serial != 0 {
            if holds[slot].expiresAt <= instant {
                try unhold(holds[slot])
                free(slot)
            } else {
                earliest = min(earliest, holds[slot].expiresAt)
            }
        }
        nextExpiry = earliest
    }

    /// The budget's state at `instant`, after moving its account to the current period.
    private mutating func state(_ key: Int, at instant: Date) throws -> BudgetState {
        try roll(key, at: instant)
        var wait = Duration.zero
        if accounts[key].budget.profile.threshold(of: .throttling) != nil {
            if accounts[key].bucket?.rate != accounts[key].budget.throttle {
                accounts[key].bucket = TokenBucket(rate: accounts[key].budget.throttle, at: instant)
            }
            wait = accounts[key].bucket?.wait(at: instant) ?? .zero
        }
        let counted = counters[key]
        return BudgetState(
            budget: accounts[key].budget, window: counted.window, spent: counted.spent, held: counted.held,
            throttleWait: wait)
    }

    /// Resets a calendar or custom account when the period changed; ages out a rolling one.
    mutating func roll(_ key: Int, at instant: Date) throws {
        if let seconds = accounts[key].rollingSeconds {
            let start = instant.addingTimeInterval(-Double(seconds))
            counters[key].window = PeriodWindow(start: start, end: instant)
            while counters[key].head < counters[key].entries.count {
                let entry = counters[key].entries[counters[key].head]
                guard entry.at <= start else { break }
                counters[key].spent = try counters[key].spent.subtracting(entry.charge)
                counters[key].head += 1
            }
            if counters[key].head > 1024 && counters[key].head * 2 > counters[key].entries.count {
                counters[key].entries.removeFirst(counters[key].head)
                counters[key].head = 0
            }
            return
        }
        // periods tile time: until the instant passes the current calendar or custom period,
        // nothing changes (and the calendar arithmetic is skipped). Periods never go back: a caller
        // reads the clock before it takes the lock, so one that waited may bring an instant from
        // before the period another caller has already moved the account to; going back would
        // reset that period's spend, so it counts in the current one.
        if let current = counters[key].window, instant < current.end { return }
        let window = accounts[key].budget.period.window(containing: instant)
        if window != counters[key].window {
            counters[key].window = window
            counters[key].spent = .zero
        }
    }
}

/// Up to four keys inline, more in an array: a hold names its budgets without an allocation.
struct KeyList {
    private(set) var count = 0
    private var inline: (Int, Int, Int, Int) = (0, 0, 0, 0)
    private var more: [Int] = []

    mutating func append(_ key: Int) {
        switch count {
        case 0: inline.0 = key
        case 1: inline.1 = key
        case 2: inline.2 = key
        case 3: inline.3 = key
        default: more.append(key)
        }
        count += 1
    }

    subscript(index: Int) -> Int {
        switch index {
        case 0: inline.0
        case 1: inline.1
        case 2: inline.2
        case 3: inline.3
        default: more[index - 4]
        }
    }

    func contains(_ key: Int) -> Bool {
        for index in 0..<count where self[index] == key { return true }
        return false
    }
}
