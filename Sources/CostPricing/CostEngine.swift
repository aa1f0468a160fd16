public import Foundation

/// Prices usage: (usage, model, timestamp, service tier) → ``CostBreakdown``, exactly.
///
/// Each priced unit is billed for its own count minus the counts of the more specific priced
/// units inside it (cache reads inside input, reasoning inside output), at the rate in force at the
/// request's timestamp, in the tier chosen by the request's total input tokens.
///
/// For example:
/// ```swift
/// let engine = try CostEngine(catalog: .bundled())
/// let cost = try engine.cost(Usage(inputTokens: 1_000, outputTokens: 500), model: "gpt-4o")
/// print(cost.total)   // $0.0075
/// ```
public struct CostEngine: Sendable {
    public let catalog: PriceCatalog

    public init(catalog: PriceCatalog) {
        self.catalog = catalog
    }

    /// What to do with a model id the catalog does not know.
    public enum UnknownModelPolicy: Sendable {
        /// Throw ``PricingError`` `.unknownModel` (with suggestions).
        case `throw`
        /// Return an unpriced breakdown that says why (for ledgers: the request still counts).
        case unpriced
    }

    /// The cost of `usage` on the model a string names.
    ///
    /// - throws: ``PricingError`` `.unknownModel`/`.unknownProvider` (unless `unknownModel` is
    ///   `.unpriced`), `.invalidUsage`, `.overflow`.
    public func cost(
        _ usage: Usage, model: String, provider: String? = nil, at date: Date = Date(),
        tier: ServiceTier = .standard, unknownModel: UnknownModelPolicy = .throw
    ) throws -> CostBreakdown {
        let pricing: Pricing
        // an id seen before, of a model with one price or prices by start date: straight to the plan
        if case .standard = tier, let prepared = catalog.cachedStandardPrice(model: model, provider: provider, at: date) {
            pricing = Pricing(prepared)
        } else {
            pricing = try pricingResolving(model: model, provider: provider, at: date, tier: tier, unknownModel: unknownModel)
        }
        return try CostEngine.compute(usage, pricing, tier: tier)
    }

    /// Everything but the fast path of ``cost(_:model:provider:at:tier:unknownModel:)``: kept out
    /// of line so that the fast path stays small.
    @inline(never)
    func pricingResolving(
        model: String, provider: String?, at date: Date, tier: ServiceTier, unknownModel: UnknownModelPolicy
    ) throws -> Pricing {
        let resolved: ResolvedModel
        do {
            resolved = try catalog.resolve(model: model, provider: provider)
        } catch let error as PricingError where unknownModel == .unpriced
            && (error.code == .unknownModel || error.code == .unknownProvider)
        {
            return .unpriced(ModelIdentity(provider: provider ?? "", model: model, source: "unknown"), reason: error.message)
        }
        if case .standard = tier, let prepared = resolved.fastStandardPrice(at: date) { return Pricing(prepared) }
        return CostEngine.pricingGeneral(resolved, at: date, tier: tier)
    }

    /// The cost of `usage` on a resolved model (the fast path for services that resolve once).
    ///
    /// - throws: ``PricingError`` `.invalidUsage`, `.overflow`.
    public func cost(
        _ usage: Usage, model: ResolvedModel, at date: Date = Date(), tier: ServiceTier = .standard
    ) throws -> CostBreakdown {
        let pricing: Pricing
        if case .standard = tier, let prepared = model.fastStandardPrice(at: date) {
            pricing = Pricing(prepared)
        } else {
            pricing = CostEngine.pricingGeneral(model, at: date, tier: tier)
        }
        return try CostEngine.compute(usage, pricing, tier: tier)
    }

    /// What the engine's loop needs for one request: the plan, the breakdown's context (with its
    /// owner when it is not interned, see ``CostBreakdown/owner``), and whether there is a price.
    ///
    /// Every path of the public entry points ends in the one inlined ``compute(_:_:tier:)`` call,
    /// with a `Pricing` chosen on the fast path or out of line: the breakdown is then built in one
    /// place, straight into the caller's result, instead of being built on each path and moved
    /// through registers and spill slots where the paths meet.
    struct Pricing {
        let plan: PricePlan.View
        let context: Unmanaged<CostBreakdown.Context>
        /// `Optional<…>`, not `…?`: see ``CostBreakdown/owner``.
        let owner: Optional<CostBreakdown.Context>
        let isPriced: Bool

        /// An interned price of a resolved model.
        @inline(__always)
        init(_ prepared: ResolvedModel.Prepared) {
            self.plan = prepared.plan
            self.context = prepared.context
            self.owner = nil
            self.isPriced = true
        }

        /// A price with a context of its own (which keeps the price, so the plan, alive).
        init(price: ModelPrice, model: ModelIdentity) {
            let owned = CostBreakdown.Context(model: model, price: price, unpricedReason: nil)
            self.plan = price.plan.view
            self.context = Unmanaged.passUnretained(owned)
            self.owner = owned
            self.isPriced = true
        }

        private init(unpriced owned: CostBreakdown.Context) {
            self.plan = PricePlan.empty.view
            self.context = Unmanaged.passUnretained(owned)
            self.owner = owned
            self.isPriced = false
        }

        /// No price: the empty plan, so every amount is zero.
        static func unpriced(_ model: ModelIdentity, reason: String) -> Pricing {
            Pricing(unpriced: CostBreakdown.Context(model: model, price: nil, unpricedReason: reason))
        }
    }

    /// Price history, service tiers and unpriced models.
    @inline(never)
    static func pricingGeneral(_ model: ResolvedModel, at date: Date, tier: ServiceTier) -> Pricing {
        let entry = model.model
        // Standard prices (and any price borrowed from a fallback provider, where variants do not
        // apply): a context and a plan prepared when the model was resolved. `case`, not `==`:
        // for a String-backed enum `==` can resolve to the raw-value comparison.
        let standard: Bool
        if case .standard = tier { standard = true } else { standard = model.viaFallback }
        if standard {
            guard let index = entry.standardPriceIndex(at: date) else {
                return .unpriced(model.identity, reason: entry.unpricedReason ?? "no price for \(entry)")
            }
            return Pricing(model.standard[index])
        }
        guard let price = entry.price(at: date, context: tier.context) else {
            return .unpriced(model.identity, reason: entry.unpricedReason ?? "no price for \(entry)")
        }
        return Pricing(price: price, model: model.identity)
    }

    /// Prices `usage` with an explicit price (no catalog).
    ///
    /// - throws: ``PricingError`` `.invalidUsage` when a part exceeds its whole (cache reads above
    ///   input tokens), `.overflow`.
    public static func compute(_ usage: Usage, price: ModelPrice, model: ModelIdentity) throws -> CostBreakdown {
        try compute(usage, Pricing(price: price, model: model), tier: .standard)
    }

    /// The engine's loop: each step of the plan, in decomposition order, billed at its rate. The
    /// plan lives as long as the context (which holds its price), and `pricing` keeps the context.
    ///
    /// Plans whose rates are bounded (``PricePlan/isFastSafe``, nearly all) run a loop without
    /// overflow checks, since no sum can overflow; the others run
    /// ``sumChecked(_:plan:context:into:)``. Both sum into the same block.
    @inline(__always)
    static func compute(_ usage: Usage, _ pricing: consuming Pricing, tier: ServiceTier) throws -> CostBreakdown {
        let plan = pricing.plan
        // amounts in the breakdown's order: the seven categories (`CostCategory.allCases` order),
        // then the input direction, the output direction and no direction
        var sums: InlineArray<10, Int128> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        if plan.isFastSafe {
            let count = plan.count
            let inputTokens = usage.inputTokens
            let steps = plan.steps
            let descendants = plan.descendants
            // leaf counts of the steps done so far, on the stack
            try withUnsafeTemporaryAllocation(of: Int.self, capacity: PricePlan.fastMaxSteps) { leaves in
                for i in 0..<count {
                    // read fields through the pointer: a step is large, and most requests use few fields
                    let step = steps + i
                    var units: Int
                    if step.pointee.slot != 255 {
                        units = usage.value(code: step.pointee.slot)
                    } else {
                        units = otherCount(usage, plan: plan.plan, index: step.pointee.otherIndex)
                    }
                    let start = Int(step.pointee.descendantsStart)
                    for d in start..<(start + Int(step.pointee.descendantsCount)) {
                        units -= leaves[Int(descendants[d])]
                    }
                    // a requests step has no parts, and a negative request count is billed as it is
                    if units < 0, !step.pointee.isRequests { throw negativeLeaf(usage, plan: plan.plan, step: i) }
                    leaves[i] = units
                    if units == 0 { continue }
                    let rate = step.pointee.tiersCount > 0 ? plan.rate(of: step, inputTokens: inputTokens) : step.pointee.base
                    // wrapping operations: the plan's bounds rule out overflow (see `isFastSafe`)
                    let amount = rate &* Int128(truncatingIfNeeded: units)
                    unsafe sums[unchecked: Int(step.pointee.categoryIndex)] &+= amount
                    unsafe sums[unchecked: Int(step.pointee.sumIndex)] &+= amount
                }
            }
        } else {
            try sumChecked(usage, plan: plan, context: pricing.context, into: &sums)
        }
        // the three direction sums add up to the total without overflow (both loops see to it)
        return CostBreakdown(
            context: pricing.context, owner: pricing.owner, tier: tier, isPriced: pricing.isPriced, input: sums[0],
            cacheRead: sums[1], cacheWrite: sums[2], output: sums[3], reasoning: sums[4], units: sums[5], fees: sums[6],
            inputTotal: sums[7], outputTotal: sums[8], total: sums[7] &+ sums[8] &+ sums[9])
    }

    /// The engine's loop with every sum checked for overflow, for plans the fast loop does not
    /// take (see ``PricePlan/isFastSafe``): rates per several units, very large rates, long plans.
    /// Sums into `sums` as the fast loop does (positions 7, 8, 9: input, output, no direction).
    ///
    /// Its leaf count is the fast loop's, written again on purpose: one shared inlined function
    /// (with this loop's `isRequests` branch, which the fast loop's plans do not need: their request
    /// steps have no parts) cost 5–13 more instructions per calculation on the fast path (callgrind).
    @inline(never)
    static func sumChecked(
        _ usage: Usage, plan: PricePlan.View, context: Unmanaged<CostBreakdown.Context>, into sums: inout InlineArray<10, Int128>
    ) throws {
        let count = plan.count
        let inputTokens = usage.inputTokens
        let steps = plan.steps
        let descendants = plan.descendants
        var total: Int128 = 0
        do {
            try withUnsafeTemporaryAllocation(of: Int.self, capacity: max(1, count)) { leaves in
                for i in 0..<count {
                    let step = steps + i
                    var units: Int
                    if step.pointee.isRequests {
                        units = usage.requests
                    } else {
                        if step.pointee.slot != 255 {
                            units = usage.value(code: step.pointee.slot)
                        } else {
                            units = otherCount(usage, plan: plan.plan, index: step.pointee.otherIndex)
                        }
                        let start = Int(step.pointee.descendantsStart)
                        for d in start..<(start + Int(step.pointee.descendantsCount)) {
                            units -= leaves[Int(descendants[d])]
                        }
                        if units < 0 { throw negativeLeaf(usage, plan: plan.plan, step: i) }
                    }
                    leaves[i] = units
                    if units == 0 { continue }
                    let rate = step.pointee.tiersCount > 0 ? plan.rate(of: step, inputTokens: inputTokens) : step.pointee.base
                    let amount: Int128
                    if step.pointee.exact, rate >= 0, rate < (1 << 63) {
                        // both factors below 2^63: the product is below 2^126 and cannot overflow
                        amount = rate &* Int128(truncatingIfNeeded: units)
                    } else {
                        amount = try slowAmount(rate: rate, units: units, exact: step.pointee.exact, per: step.pointee.per)
                    }
                    let category = Int(step.pointee.categoryIndex)
                    let (sum, o1) = total.addingReportingOverflow(amount)
                    let (part, o2) = sums[category].addingReportingOverflow(amount)
                    guard !o1, !o2 else { throw TotalOverflow.total }
                    total = sum
                    sums[category] = part
                    let direction = Int(step.pointee.sumIndex)
                    let (t, o) = sums[direction].addingReportingOverflow(amount)
                    guard !o else {
                        throw direction == 7 ? TotalOverflow.input : direction == 8 ? TotalOverflow.output : TotalOverflow.total
                    }
                    sums[direction] = t
                }
            }
        } catch let overflow as TotalOverflow {
            throw PricingError.overflow("\(overflow.rawValue) of \(context._withUnsafeGuaranteedRef { $0.model })")
        }
    }

    /// Which sum overflowed, thrown inside the loop (which keeps no reference to the context) and
    /// turned into a ``PricingError`` naming the model outside it.
    enum TotalOverflow: String, Error {
        case total = "total"
        case input = "input total"
        case output = "output total"
    }

    /// A count kept in ``Usage/other`` (kinds without a fixed slot), off the hot path.
    @inline(never)
    static func otherCount(_ usage: Usage, plan: Unmanaged<PricePlan>, index: Int32) -> Int {
        guard !usage.other.isEmpty else { return 0 }
        return plan._withUnsafeGuaranteedRef { usage.other[$0.otherKinds[Int(index)]] ?? 0 }
    }

    /// An amount whose rate is not per single unit, or whose product might overflow.
    @inline(never)
    static func slowAmount(rate: Int128, units: Int, exact: Bool, per: Int) throws -> Int128 {
        if exact {
            let (product, overflow) = rate.multipliedReportingOverflow(by: Int128(units))
            guard !overflow else { throw PricingError.overflow("\(Money(units: rate)) × \(units)") }
            return product
        }
        return try Money(units: rate).prorated(count: units, per: per).units
    }

    @inline(never)
    static func negativeLeaf(_ usage: Usage, plan: Unmanaged<PricePlan>, step: Int) -> PricingError {
        plan._withUnsafeGuaranteedRef { negativeLeaf($0.lines[step], usage: usage, lines: $0.lines) }
    }

    static func negativeLeaf(_ line: ModelPrice.Line, usage: Usage, lines: [ModelPrice.Line]) -> PricingError {
        let whole = usage[line.unit.kind]
        if whole < 0 {
            return PricingError(code: .invalidUsage, message: "usage count \(line.unit.kind) is negative (\(whole)); counts must be 0 or more")
        }
        let parts = line.descendants.map { lines[$0].unit.kind }.filter { usage[$0] > 0 }
        let detail = parts.map { "\($0) (\(usage[$0]))" }.joined(separator: " + ")
        return PricingError(
            code: .invalidUsage,
            message: "invalid usage: \(detail) exceed \(line.unit.kind) (\(whole)); \(line.unit.kind) must include them")
    }

    /// Each billed line of a computation: unit, billed count, rate and amount, in category order
    /// (input, cache read, cache write, output, reasoning, units, fees).
    ///
    /// - throws: ``PricingError`` `.invalidUsage`, `.overflow`.
    public static func explain(_ usage: Usage, price: ModelPrice) throws -> [CostLine] {
        var result: [CostLine] = []
        var leaves = [Int](repeating: 0, count: price.lines.count)
        for (i, line) in price.lines.enumerated() {
            var count = usage[line.unit.kind]
            if line.unit.kind != .requests {
                for d in line.descendants { count -= leaves[d] }
                if count < 0 { throw negativeLeaf(line, usage: usage, lines: price.lines) }
            }
            leaves[i] = count
            let rate = line.value.rate(forInputTokens: usage.inputTokens)
            result.append(
                CostLine(
                    kind: line.unit.kind, priceKey: line.unit.priceKey, count: count, per: line.unit.per, rate: rate,
                    amount: try rate.prorated(count: count, per: line.unit.per), category: line.category,
                    tiered: line.value.isTiered))
        }
        let order = Dictionary(uniqueKeysWithValues: CostCategory.allCases.enumerated().map { ($1, $0) })
        return result.reversed().sorted { (order[$0.category] ?? 0, $0.priceKey) < (order[$1.category] ?? 0, $1.priceKey) }
    }

    /// The usage kinds with a non-zero count that no price covers (they cost nothing here, which
    /// may be wrong): for example web searches on a model with no search price.
    public static func unpricedKinds(_ usage: Usage, price: ModelPrice, registry: UnitRegistry = .standard) -> [UsageKind] {
        usage.counts.compactMap { kind, count in
            guard count > 0, kind != .requests else { return nil }
            guard let unit = registry.unit(kind: kind) else { return kind }
            return price.lines.contains { $0.unit.contains(unit) } ? nil : kind
        }
    }
}

/// One billed line: `count` units of `kind` at `rate` per `per`.
public struct CostLine: Sendable, Hashable, Codable {
    public var kind: UsageKind
    public var priceKey: String
    /// The count billed at this line's rate (the unit's count minus more specific priced parts).
    public var count: Int
    public var per: Int
    public var rate: Money
    public var amount: Money
    public var category: CostCategory
    /// Whether the rate came from a tiered price.
    public var tiered: Bool
}
