import CostPricing

/// Which budgets count a request, found by looking up the request's dimensions instead of testing
/// every budget's scope.
///
/// Budgets are numbered by their key in a store (a stable index). Each key sits in one list: the
/// global list, or the list of its subject's value (`team=growth` → the keys of every budget of
/// team growth). A budget narrowed to a provider or a model is a candidate of its subject and is
/// then checked with ``BudgetScope/matches(_:provider:model:)``, so the result is exactly the set of
/// budgets whose scope matches.
struct BudgetMatcher {
    private var global: [Int] = []
    private var org: [String: [Int]] = [:]
    private var team: [String: [Int]] = [:]
    private var user: [String: [Int]] = [:]
    private var project: [String: [Int]] = [:]
    private var key: [String: [Int]] = [:]
    private var tags: [String: [String: [Int]]] = [:]
    /// Whether some budget is narrowed to a provider or a model.
    private(set) var hasFilters = false

    init() {}

    /// Indexes `budgets` (key, scope) by subject.
    init(_ budgets: some Sequence<(key: Int, scope: BudgetScope)>) {
        for (index, scope) in budgets {
            if scope.provider != nil || scope.model != nil { hasFilters = true }
            switch scope.subject {
            case .global: global.append(index)
            case .org(let v): org[v, default: []].append(index)
            case .team(let v): team[v, default: []].append(index)
            case .user(let v): user[v, default: []].append(index)
            case .project(let v): project[v, default: []].append(index)
            case .key(let v): key[v, default: []].append(index)
            case .tag(let k, let v): tags[k, default: [:]][v, default: []].append(index)
            }
        }
    }

    /// Appends the keys of the budgets whose subject matches `dimensions` (in no particular order;
    /// provider and model filters are not checked here).
    func candidates(_ dimensions: UsageDimensions, into keys: inout [Int]) {
        keys.append(contentsOf: global)
        // an empty table is skipped without hashing the request's value
        Self.lookUp(dimensions.org, in: org, into: &keys)
        Self.lookUp(dimensions.team, in: team, into: &keys)
        Self.lookUp(dimensions.user, in: user, into: &keys)
        Self.lookUp(dimensions.project, in: project, into: &keys)
        Self.lookUp(dimensions.keyID, in: key, into: &keys)
        guard !tags.isEmpty else { return }
        for (k, v) in dimensions.tags {
            if let values = tags[k], let found = values[v] { keys.append(contentsOf: found) }
        }
    }

    @inline(__always)
    private static func lookUp(_ value: String?, in table: [String: [Int]], into keys: inout [Int]) {
        guard !table.isEmpty, let value, let found = table[value] else { return }
        keys.append(contentsOf: found)
    }
}
