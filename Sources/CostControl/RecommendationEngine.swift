public import CostBudget
public import CostOptimizer
public import CostPricing
public import Foundation

/// Collects recommendations from every source over the ledger's recent usage, ranks them and
/// stores them: the plan fit (``PlanFitGenerator``, when the current plan is known or the scope is
/// one user) and every generator in ``generators``.
///
/// For example:
/// ```swift
/// let engine = RecommendationEngine(ledger: ledger, store: store, catalog: catalog, plans: try PlanCatalog.bundled())
/// let run = try await engine.run(since: since, until: Date(), scope: "team=support")
/// for record in run.records { print(record.recommendation.title, record.recommendation.monthlySaving) }
/// ```
public struct RecommendationEngine: Sendable {
    /// The registered generators, one line each (the plan fit is added per run, since it needs the
    /// plan catalog and the current plan).
    public static let generators: [any RecommendationGenerator] = [
        ModelDowngradeRecommender(),
        PromptCachingRecommender(),
        BatchingRecommender(),
        ProviderSwitchRecommender(),
        OffPeakRecommender(),
        BudgetReallocationRecommender(),
    ]

    public var ledger: any UsageLedger
    public var store: any RecommendationStore
    public var catalog: PriceCatalog
    public var plans: PlanCatalog
    /// The subscription plan the user is on (`nil`: pay as you go).
    public var currentPlanID: String?
    public var budgets: [Budget]
    public var timeZone: TimeZone
    /// The generators run besides the plan fit (``generators`` by default).
    public var extraGenerators: [any RecommendationGenerator]

    public init(
        ledger: any UsageLedger, store: any RecommendationStore, catalog: PriceCatalog, plans: PlanCatalog,
        currentPlanID: String? = nil, budgets: [Budget] = [], timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current,
        extraGenerators: [any RecommendationGenerator] = RecommendationEngine.generators
    ) {
        self.ledger = ledger
        self.store = store
        self.catalog = catalog
        self.plans = plans
        self.currentPlanID = currentPlanID
        self.budgets = budgets
        self.timeZone = timeZone
        self.extraGenerators = extraGenerators
    }

    /// What one run found and stored.
    public struct Run: Sendable {
        /// The fresh findings, ranked.
        public var recommendations: [Recommendation]
        /// The stored records of the scope after the upsert (stale ones included), ranked.
        public var records: [RecommendationRecord]
        public var upsert: RecommendationUpsert
        public var window: DateInterval
        /// Generators that failed, with why (the others still ran).
        public var notes: [String]
    }

    /// The input every generator gets: the events in the window and scope, oldest first.
    ///
    /// - throws: ``ControlError`` `.invalidInput` for a scope that does not parse; the ledger's errors.
    public func input(since: Date, until: Date, scope: String?) async throws -> OptimizerInput {
        var filter = UsageFilter(since: since, until: until)
        if let scope { filter.equals = try RecommendationScope.equals(scope) }
        var events: [UsageEvent] = []
        var cursor: EventCursor?
        repeat {
            let page = try await ledger.events(matching: filter, after: cursor, limit: 5_000, detail: .full)
            events += page.events
            cursor = page.next
        } while cursor != nil
        events.sort { $0.timestamp < $1.timestamp }
        return OptimizerInput(
            events: events, window: DateInterval(start: since, end: max(since, until)), timeZone: timeZone, catalog: catalog,
            budgets: budgets, scope: scope.map(RecommendationScope.normalized))
    }

    /// Runs every generator over the window, ranks the findings, fills in missing baselines (the
    /// scope's spend in the window per 30 days) and upserts them (`refresh` = the scope).
    ///
    /// - throws: ``ControlError`` (a scope that does not parse), ``OptimizerError`` from the plan fit
    ///   (an unknown current plan), the ledger's and the store's errors. Other generators' errors
    ///   become notes.
    public func run(since: Date, until: Date, scope: String?, actor: String = "engine") async throws -> Run {
        // A subscription is one person's: without the plan the user is on, the whole usage of a team
        // or an organization is not compared with one subscriber's plans.
        let fitsPlans = currentPlanID != nil || scope.map(RecommendationScope.normalized)?.hasPrefix("user=") == true
        let input: OptimizerInput
        if fitsPlans || !extraGenerators.isEmpty {
            input = try await self.input(since: since, until: until, scope: scope)
        } else {
            // no generator to run: the scope is still checked, the events are not read
            if let scope { _ = try RecommendationScope.equals(scope) }
            input = OptimizerInput(
                events: [], window: DateInterval(start: since, end: max(since, until)), timeZone: timeZone, catalog: catalog,
                budgets: budgets, scope: scope.map(RecommendationScope.normalized))
        }
        let info = try await ledger.info()
        var found: [Recommendation] = []
        var notes: [String] = []
        if fitsPlans {
            let plan = PlanFitGenerator(catalog: plans, currentPlanID: currentPlanID, observedSince: info.earliest)
            found += try plan.recommendations(from: input)
        } else {
            notes.append("plan fit skipped: give --current PLAN-ID (the subscription you are on, or api) or --scope user=ID")
        }
        let priced = try perTokenInput(input, notes: &notes)
        for generator in extraGenerators {
            do {
                found += try generator.recommendations(from: priced)
            } catch {
                notes.append("\(generator.name): \(error)")
            }
        }
        found = try found.map { recommendation in
            var filled = recommendation
            if filled.baselineMonthlySpend == nil {
                filled.baselineMonthlySpend = try RecommendationScope.monthlySpend(of: input.events, scope: filled.scope, days: input.days)
            }
            return filled
        }
        let ranked = Recommendation.ranked(found)
        let upsert = try await store.upsert(ranked, refresh: input.scope, baselineDays: input.days, actor: actor)
        let records = try await store.recommendations(matching: RecommendationFilter(scope: input.scope))
        return Run(recommendations: ranked, records: records, upsert: upsert, window: input.window, notes: notes)
    }
}

extension RecommendationEngine {
    /// The input of the per-token generators (model, caching, batching, provider, timing, budgets):
    /// on a subscription plan, the usage of the plan's providers is paid by the subscription, not
    /// per token, so pricing it differently saves nothing; those events are left out, and a note
    /// says so. Pay-as-you-go (no plan, `api`, or a metered plan) keeps every event.
    func perTokenInput(_ input: OptimizerInput, notes: inout [String]) throws -> OptimizerInput {
        guard let currentPlanID else { return input }
        let plan = try plans.plan(id: currentPlanID)
        guard plan.billing == .subscription, !plan.providers.isEmpty else { return input }
        let covered = Set(plan.providers.map { $0.lowercased() })
        var kept = input
        kept.events = input.events.filter { !covered.contains($0.provider.lowercased()) }
        let left = input.events.count - kept.events.count
        if left > 0 {
            notes.append(
                "\(left) requests to \(plan.providers.sorted().joined(separator: ", ")) are paid by the \(plan.id) subscription: "
                    + "per-token recommendations (cheaper models, caching, batching, other providers) leave them out")
        }
        return kept
    }
}

/// The `--scope` words of recommendations (`global`, `team=x`, `project=y`, `tag:KEY=VALUE`, …): as
/// a budget scope, a ledger filter, and the spend of a scope.
public enum RecommendationScope {
    /// The scope as a ``BudgetScope`` (the matcher model routes use).
    ///
    /// - throws: ``ControlError`` `.invalidInput`.
    public static func budgetScope(_ text: String) throws -> BudgetScope {
        BudgetScope(try BudgetDefinition.subject(text))
    }

    /// The canonical spelling (`Team=x` → `team=x`, `GLOBAL` → `global`).
    public static func normalized(_ text: String) -> String {
        (try? budgetScope(text).description) ?? text
    }

    /// The ledger filter of a scope (empty for `global`).
    ///
    /// - throws: ``ControlError`` `.invalidInput`.
    public static func equals(_ text: String) throws -> [UsageDimension: Set<String>] {
        switch try BudgetDefinition.subject(text) {
        case .global: [:]
        case .org(let v): [.org: [v]]
        case .team(let v): [.team: [v]]
        case .user(let v): [.user: [v]]
        case .project(let v): [.project: [v]]
        case .key(let v): [.keyID: [v]]
        case .tag(let k, let v): [.tag(k): [v]]
        }
    }

    /// The priced cost of `events` in `scope`, per 30 days of a `days`-day window.
    ///
    /// - throws: ``ControlError`` `.invalidInput` for a scope that does not parse.
    public static func monthlySpend(of events: [UsageEvent], scope: String, days: Int) throws -> Money {
        let matcher = try budgetScope(scope)
        var total = Money.zero
        for event in events where matcher.matches(event.dimensions, provider: event.provider, model: event.model) {
            if let cost = event.cost, cost.isPriced { total += cost.total }
        }
        return perMonth(total, days: days)
    }

    /// `amount` over `days` days scaled to 30 days (exact to 10⁻¹⁸ USD, rounded toward zero).
    public static func perMonth(_ amount: Money, days: Int) -> Money {
        Money(units: amount.units * 30 / Int128(max(1, days)))
    }
}
