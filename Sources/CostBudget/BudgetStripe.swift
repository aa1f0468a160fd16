import CostPricing
import Foundation

/// One stripe of a ``MemoryBudgetStore``: an allotment of quiet headroom of the budgets one kind of
/// request matches, and the holds taken out of it, behind a lock of its own.
///
/// A budget is *quiet* while spent + held stays at or below ``BudgetAccounts/Account/quietMax``
/// (below every level of its ladder): there every request is allowed, at no level, and nothing
/// else about the decision depends on the amounts. The store's shared accounts hand a stripe an
/// allotment per budget out of that headroom and count it as used (``BudgetAccounts/Counters/granted``)
/// in every quiet check of their own; the stripe may then hold and spend up to its allotment
/// without the shared lock. As the allotments of all stripes together never exceed the headroom,
/// every request a stripe allows would have been allowed, at no level, by the shared accounts too;
/// anything a stripe cannot decide alone (the allotment is used up, another kind of request, a new
/// calendar period, a commit above what is left) goes to the shared accounts, which first *fold*
/// the stripe back (its spend and holds move to the shared counters) and decide as before.
struct StripeState {
    /// One matched budget: its allotment and what the stripe has counted against it.
    struct Grant {
        var key: Int
        var name: String
        var limit: BudgetLimit
        /// The calendar window the spend belongs to; `nil` for a rolling window.
        var window: PeriodWindow?
        var isRolling: Bool
        /// The allotment, in the limit's measure.
        var allotment: Int128
        /// What the stripe holds and has spent, in the limit's measure (never above `allotment`).
        var used: Int128 = 0
        /// The shared spent + held when the allotment was granted (for the verdicts' `usedAfter`).
        var base: Int128
        var held = BudgetCharge.zero
        var spent = BudgetCharge.zero
        /// Committed charges of a rolling window, oldest first.
        var entries: [(at: Date, charge: BudgetCharge)] = []
    }

    /// Whether the stripe has an allotment (then ``grants`` are the matched budgets, in name order).
    var isGranted = false
    var grants: [Grant] = []
    /// The request the allotment was granted for: a request must have the same dimensions (and
    /// the same provider and model when some budget filters on them) to use it.
    var dimensions = UsageDimensions()
    var provider = ""
    var model = ""
    var checksFilters = false
    /// The instants where every calendar window of the grants is current.
    var from = Date.distantPast
    var until = Date.distantFuture

    var holds: [BudgetAccounts.OpenHold] = []
    var freeSlots: [Int] = []
    var nextSerial: UInt64 = 1
    /// The earliest `expiresAt` of the holds not folded (a lower bound).
    var nextExpiry = Date.distantFuture
    /// The stripe's table in hold ids (``BudgetAccounts/HoldID/table``).
    let table: Int

    init(table: Int) {
        self.table = table
    }

    /// A stripe keeps at most this many rolling-window charges before it is folded (a stripe does
    /// not age its own charges out: the shared accounts do, once they have them).
    static let maxEntries = 4_096

    /// Whether `request` may use the allotment (same budgets as the request it was granted for).
    @inline(__always)
    private func matches(_ request: BudgetRequest) -> Bool {
        let d = request.dimensions
        guard d.org == dimensions.org, d.team == dimensions.team, d.user == dimensions.user,
            d.project == dimensions.project, d.keyID == dimensions.keyID, d.tags == dimensions.tags
        else { return false }
        return !checksFilters || (request.provider == provider && request.model == model)
    }

    /// Holds `request`'s estimate against the allotment and appends the verdicts (all `allow`, at
    /// no level) and the budgets' names; `nil` (nothing written) when the stripe cannot decide it
    /// alone.
    mutating func reserve(
        _ request: BudgetRequest, at instant: Date, expiresAt: Date, verdicts: inout [BudgetVerdict],
        names: inout [String]
    ) -> (id: BudgetAccounts.HoldID, deciding: Int?)? {
        guard isGranted, from <= instant, instant < until, matches(request) else { return nil }
        if nextExpiry <= instant { expire(at: instant) }
        let estimate = request.estimate
        for index in grants.indices {
            let (after, overflow) = grants[index].used.addingReportingOverflow(grants[index].limit.measure(estimate))
            guard !overflow, after <= grants[index].allotment, (try? grants[index].held.adding(estimate)) != nil
            else { return nil }
        }
        guard !freeSlots.isEmpty || holds.count <= BudgetAccounts.HoldID.maxSlot else { return nil }
        var keys = KeyList()
        var deciding: (index: Int, used: Int128, limit: Int128)?
        for index in grants.indices {
            let measure = grants[index].limit.measure(estimate)
            grants[index].used += measure
            grants[index].held = (try? grants[index].held.adding(estimate)) ?? grants[index].held
            keys.append(grants[index].key)
            let used = grants[index].base.saturatingAdd(grants[index].used)
            let limit = grants[index].limit
            verdicts.append(BudgetVerdict(
                budget: grants[index].name, level: nil, usedAfter: used, limit: limit, action: .allow,
                reason: BudgetPolicy.quietReason))
            names.append(grants[index].name)
            if let d = deciding, !BudgetPolicy.isMoreUsed(used, of: limit.units, than: d.used, of: d.limit) { continue }
            deciding = (index, used, limit.units)
        }
        let id = record(keys: keys, charge: estimate, request: request, createdAt: instant, expiresAt: expiresAt)
        return (id, deciding?.index)
    }

    /// Settles one of the stripe's holds not yet folded, when the actual fits the allotment and
    /// the calendar windows are current; `false` (nothing written) when the shared accounts must.
    mutating func commit(_ id: BudgetAccounts.HoldID, hold: BudgetHold, actual: BudgetCharge, at instant: Date) -> Bool {
        // expired holds first, so that a hold past its TTL is reported expired on every path
        if nextExpiry <= instant { expire(at: instant) }
        guard isGranted, from <= instant, instant < until else { return false }
        guard let slot = find(id), !holds[slot].isFolded, hold.budgets.count == grants.count,
            holds[slot].keys.count == grants.count
        else { return false }
        for index in grants.indices {
            guard hold.budgets[index] == grants[index].name, holds[slot].keys[index] == grants[index].key,
                grants[index].entries.count < Self.maxEntries,
                let used = usedAfterSettling(index, charge: hold.charge, actual: actual),
                used <= grants[index].allotment,
                (try? grants[index].held.subtracting(hold.charge)) != nil,
                (try? grants[index].spent.adding(actual)) != nil
            else { return false }
        }
        for index in grants.indices {
            grants[index].used = usedAfterSettling(index, charge: hold.charge, actual: actual) ?? grants[index].used
            grants[index].held = (try? grants[index].held.subtracting(hold.charge)) ?? grants[index].held
            grants[index].spent = (try? grants[index].spent.adding(actual)) ?? grants[index].spent
            if grants[index].isRolling { grants[index].entries.append((instant, actual)) }
        }
        free(slot)
        return true
    }

    /// Drops one of the stripe's holds not yet folded; `nil` when the shared accounts must decide.
    mutating func release(_ id: BudgetAccounts.HoldID, at instant: Date) -> Bool? {
        if nextExpiry <= instant { expire(at: instant) }
        guard let slot = find(id) else { return false }
        guard !holds[slot].isFolded else { return nil }
        unhold(slot)
        free(slot)
        return true
    }

    private func usedAfterSettling(_ index: Int, charge: BudgetCharge, actual: BudgetCharge) -> Int128? {
        let limit = grants[index].limit
        let (less, o1) = grants[index].used.subtractingReportingOverflow(limit.measure(charge))
        let (after, o2) = less.addingReportingOverflow(limit.measure(actual))
        return o1 || o2 ? nil : after
    }

    /// Drops the holds not folded whose TTL has passed (folded ones expire in the shared accounts).
    mutating func expire(at instant: Date) {
        var earliest = Date.distantFuture
        for slot in holds.indices where holds[slot].serial != 0 && !holds[slot].isFolded {
            if holds[slot].expiresAt <= instant {
                unhold(slot)
                free(slot)
            } else {
                earliest = min(earliest, holds[slot].expiresAt)
            }
        }
        nextExpiry = earliest
    }

    /// Takes an unfolded hold's charge off the grants.
    private mutating func unhold(_ slot: Int) {
        let charge = holds[slot].charge
        for index in grants.indices {
            grants[index].used -= grants[index].limit.measure(charge)
            grants[index].held = (try? grants[index].held.subtracting(charge)) ?? grants[index].held
        }
    }

    /// The slot of an open hold of this stripe.
    func find(_ id: BudgetAccounts.HoldID) -> Int? {
        guard id.table == table, id.slot < holds.count, holds[id.slot].serial == id.serial else { return nil }
        return id.slot
    }

    mutating func free(_ slot: Int) {
        holds[slot].serial = 0
        holds[slot].isFolded = false
        freeSlots.append(slot)
    }

    private mutating func record(
        keys: KeyList, charge: BudgetCharge, request: BudgetRequest, createdAt: Date, expiresAt: Date
    ) -> BudgetAccounts.HoldID {
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            slot = holds.count
            holds.append(BudgetAccounts.OpenHold())
        }
        let serial = nextSerial | 0x8000_0000_0000_0000  // RFC 4122 variant
        nextSerial += 1
        holds[slot].serial = serial
        holds[slot].keys = keys
        holds[slot].charge = charge
        holds[slot].provider = request.provider
        holds[slot].model = request.model
        holds[slot].createdAt = createdAt
        holds[slot].expiresAt = expiresAt
        holds[slot].isFolded = false
        if expiresAt < nextExpiry { nextExpiry = expiresAt }
        return BudgetAccounts.HoldID(slot: slot, serial: serial, table: table)
    }
}

extension BudgetAccounts {
    /// A stripe's share of the headroom a budget has left below its quiet bound: a sixteenth, so
    /// that the stripes come back for more a few times before the headroom runs out.
    static let allotmentDivisor: Int128 = 16

    /// The allotment of a budget with no level on: it never leaves the quiet region, whatever it counts.
    static let unboundedAllotment: Int128 = 1 << 100

    /// Grants `stripe` (folded, with no allotment) an allotment of every budget `request` matches,
    /// when the request is quiet against all of them counting every other stripe's allotment; then
    /// the stripe can hold the request itself. `false` (nothing written) when it cannot.
    mutating func grant(_ request: BudgetRequest, to stripe: inout StripeState, at instant: Date) throws -> Bool {
        guard !stripe.isGranted else { return false }
        try expireHolds(at: instant)
        match(request)
        let estimate = request.estimate
        var from = Date.distantPast
        var until = Date.distantFuture
        var grants: [StripeState.Grant] = []
        grants.reserveCapacity(scratch.count)
        for key in scratch {
            try roll(key, at: instant)
            guard let window = counters[key].window else { return false }
            let account = accounts[key]
            let base = used(key)
            let after = usedAfter(key, estimate).saturatingAdd(counters[key].granted)
            guard account.isQuiet(after) else { return false }
            let allotment: Int128
            if let quietMax = account.quietMax {
                allotment = account.budget.limit.measure(estimate) + (quietMax - after) / Self.allotmentDivisor
            } else {
                allotment = Self.unboundedAllotment
            }
            guard counters[key].granted.addingReportingOverflow(allotment).overflow == false else { return false }
            let isRolling = account.rollingSeconds != nil
            if !isRolling {
                from = max(from, window.start)
                until = min(until, window.end)
            }
            grants.append(StripeState.Grant(
                key: key, name: account.budget.name, limit: account.budget.limit, window: isRolling ? nil : window,
                isRolling: isRolling, allotment: allotment, base: base))
        }
        guard !grants.isEmpty else { return false }
        for grant in grants { counters[grant.key].granted += grant.allotment }
        stripe.grants = grants
        stripe.isGranted = true
        stripe.dimensions = request.dimensions
        stripe.provider = request.provider
        stripe.model = request.model
        stripe.checksFilters = matcher.hasFilters
        stripe.from = from
        stripe.until = until
        return true
    }

    /// Moves a stripe's spend and holds into the shared counters and takes its allotment back:
    /// afterwards the shared counters are exact for it and its open holds are folded (they settle
    /// and expire here). Returns the earliest expiry among its folded holds.
    mutating func fold(_ stripe: inout StripeState, at instant: Date) throws -> Date {
        // holds whose TTL has passed are dropped, not folded: the shared accounts must not count
        // them in the decision that follows the fold
        if stripe.nextExpiry <= instant { stripe.expire(at: instant) }
        if stripe.isGranted {
            // check every sum first: all or nothing
            for grant in stripe.grants where accounts[grant.key].isLive {
                _ = try counters[grant.key].held.adding(grant.held)
                _ = try counters[grant.key].spent.adding(grant.spent)
            }
            for grant in stripe.grants {
                let key = grant.key
                guard accounts[key].isLive else { continue }
                counters[key].granted -= grant.allotment
                counters[key].held = try counters[key].held.adding(grant.held)
                try roll(key, at: instant)
                if grant.isRolling {
                    counters[key].spent = try counters[key].spent.adding(grant.spent)
                    merge(grant.entries, into: key)
                    try roll(key, at: instant)
                } else if counters[key].window == grant.window {
                    counters[key].spent = try counters[key].spent.adding(grant.spent)
                }
                // else: the spend belongs to a period that has ended
            }
            stripe.grants = []
            stripe.isGranted = false
        }
        var earliest = Date.distantFuture
        for slot in stripe.holds.indices where stripe.holds[slot].serial != 0 {
            stripe.holds[slot].isFolded = true
            earliest = min(earliest, stripe.holds[slot].expiresAt)
        }
        stripe.nextExpiry = .distantFuture
        return earliest
    }

    /// Drops the stripe's folded holds whose TTL has passed; the earliest expiry of those left.
    mutating func expireFolded(in stripe: inout StripeState, at instant: Date) throws -> Date {
        var earliest = Date.distantFuture
        for slot in stripe.holds.indices where stripe.holds[slot].serial != 0 && stripe.holds[slot].isFolded {
            if stripe.holds[slot].expiresAt <= instant {
                try unhold(stripe.holds[slot])
                stripe.free(slot)
            } else {
                earliest = min(earliest, stripe.holds[slot].expiresAt)
            }
        }
        return earliest
    }

    /// Whether some budget with an allotment out is no longer quiet counting it (a commit above
    /// its estimate added more than was held): then the stripes must be folded.
    var isGrantedPastQuiet: Bool {
        for key in counters.indices where counters[key].granted != 0 {
            if !accounts[key].isQuiet(used(key).saturatingAdd(counters[key].granted)) { return true }
        }
        return false
    }

    /// Inserts a stripe's rolling entries (oldest first) in time order.
    private mutating func merge(_ entries: [(at: Date, charge: BudgetCharge)], into key: Int) {
        guard let first = entries.first else { return }
        if let last = counters[key].entries.last, last.at > first.at {
            // the first shared entry after `first`, then a merge of the two tails
            var low = counters[key].head
            var high = counters[key].entries.count
            while low < high {
                let mid = (low + high) / 2
                if counters[key].entries[mid].at <= first.at { low = mid + 1 } else { high = mid }
            }
            // only the tail is copied: the shared array stays uniquely referenced and is cut in place
            let tail = Array(counters[key].entries[low...])
            counters[key].entries.removeSubrange(low...)
            var i = tail.startIndex
            var j = entries.startIndex
            while i < tail.endIndex || j < entries.endIndex {
                if j == entries.endIndex || (i < tail.endIndex && tail[i].at <= entries[j].at) {
                    counters[key].entries.append(tail[i])
                    i += 1
                } else {
                    counters[key].entries.append(entries[j])
                    j += 1
                }
            }
        } else {
            counters[key].entries.append(contentsOf: entries)
        }
    }

    /// The open holds of a stripe (folded first), as ``openHolds`` lists them.
    func openHolds(of stripe: StripeState) -> [BudgetHold] {
        stripe.holds.indices.compactMap { slot in
            let open = stripe.holds[slot]
            return open.serial == 0 ? nil : hold(open, id: HoldID(slot: slot, serial: open.serial, table: stripe.table))
        }
    }
}
