internal import CostOptimizerData
internal import CostPricing
public import Foundation

/// The subscription plans costctl knows: the bundled `Fixtures/Plans/plans.json`, with the user's
/// override files laid over it by plan id.
///
/// For example:
/// ```swift
/// let catalog = try PlanCatalog.bundled(overrides: [URL(fileURLWithPath: "my-plans.json")])
/// let max5 = try catalog.plan(id: "claude-max-5x")
/// ```
public struct PlanCatalog: Sendable, Hashable {
    /// Plans in catalog order (overrides that add a plan come last).
    public var plans: [SubscriptionPlan]
    /// The date the bundled figures were checked.
    public var checked: String?

    public init(plans: [SubscriptionPlan], checked: String? = nil) {
        self.plans = plans
        self.checked = checked
    }

    /// The plan with `id`.
    ///
    /// - throws: ``OptimizerError`` `.unknownPlan`, naming the ids there are.
    public func plan(id: String) throws -> SubscriptionPlan {
        if let plan = plans.first(where: { $0.id == id }) { return plan }
        throw OptimizerError(
            code: .unknownPlan,
            message: "no plan '\(id)' in the plan catalog; plans: \(plans.map(\.id).joined(separator: ", "))")
    }

    /// The plans of one family, in catalog order.
    public func family(_ family: String) -> [SubscriptionPlan] { plans.filter { $0.family == family } }

    /// The bundled catalog with `overrides` laid over it in order.
    ///
    /// - throws: ``OptimizerError`` `.io` or `.invalidCatalog`.
    public static func bundled(overrides: [URL] = []) throws -> PlanCatalog {
        guard let url = BundledPlanData.plansURL, let data = FileManager.default.contents(atPath: url.path) else {
            throw OptimizerError(code: .io, message: "the bundled plan catalog (plans.json) is missing; reinstall costctl with its resource folders")
        }
        var files = [(data, "the bundled plans.json")]
        for override in overrides {
            guard let data = FileManager.default.contents(atPath: override.path) else {
                throw OptimizerError(code: .io, message: "cannot read the plan file \(override.path)")
            }
            files.append((data, override.path))
        }
        return try PlanCatalog(files: files)
    }

    /// A catalog from JSON documents, later ones laid over earlier ones: a plan whose id is already
    /// there keeps the fields the later document leaves out (so an override may give only `windows`
    /// or `monthly_price`); a new id is added.
    ///
    /// - throws: ``OptimizerError`` `.invalidCatalog`, naming the file and the plan.
    public init(files: [(data: Data, name: String)]) throws {
        var order: [String] = []
        var merged: [String: [String: Any]] = [:]
        var checked: String?
        for (data, name) in files {
            guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let plans = root["plans"] as? [[String: Any]]
            else {
                throw OptimizerError(code: .invalidCatalog, message: "\(name): not a plan catalog (a JSON object with a \"plans\" array)")
            }
            if checked == nil { checked = root["checked"] as? String }
            for (index, plan) in plans.enumerated() {
                guard let id = plan["id"] as? String, !id.isEmpty else {
                    throw OptimizerError(code: .invalidCatalog, message: "\(name): plan \(index + 1) has no \"id\"")
                }
                if var existing = merged[id] {
                    existing.merge(plan) { _, new in new }
                    merged[id] = existing
                } else {
                    merged[id] = plan
                    order.append(id)
                }
            }
        }
        var plans: [SubscriptionPlan] = []
        for id in order {
            guard let object = merged[id] else { continue }
            plans.append(try PlanCatalog.decode(object, id: id))
        }
        self.init(plans: plans, checked: checked)
    }

    // MARK: - Decoding

    static func decode(_ object: [String: Any], id: String) throws -> SubscriptionPlan {
        func fail(_ message: String) -> OptimizerError {
            OptimizerError(code: .invalidCatalog, message: "plan '\(id)': \(message)")
        }
        func string(_ key: String) throws -> String {
            guard let value = object[key] as? String, !value.isEmpty else { throw fail("\"\(key)\" must be a non-empty string") }
            return value
        }
        guard let price = (object["monthly_price"] as? String).flatMap(Money.init), !price.isNegative else {
            throw fail("\"monthly_price\" must be a decimal string of dollars (example: \"20\")")
        }
        guard let billing = (object["billing"] as? String).flatMap(PlanBilling.init(rawValue:)) else {
            throw fail("\"billing\" must be subscription or metered")
        }
        let windows = try (object["windows"] as? [[String: Any]] ?? []).enumerated().map { index, window in
            try decodeWindow(window, plan: id, index: index)
        }
        let sources = (object["sources"] as? [[String: Any]] ?? []).map { source in
            PlanSource(
                url: source["url"] as? String ?? "", checked: source["checked"] as? String ?? "",
                figures: source["figures"] as? String ?? "")
        }
        return SubscriptionPlan(
            id: id, name: try string("name"), vendor: object["vendor"] as? String ?? "", family: try string("family"),
            providers: (object["providers"] as? [String] ?? []).map { $0.lowercased() }, monthlyPrice: price,
            billing: billing, windows: windows, sources: sources, notes: object["notes"] as? String)
    }

    static func decodeWindow(_ object: [String: Any], plan: String, index: Int) throws -> PlanWindow {
        func fail(_ message: String) -> OptimizerError {
            OptimizerError(code: .invalidCatalog, message: "plan '\(plan)', window \(index + 1): \(message)")
        }
        guard let kind = object["kind"] as? String, !kind.isEmpty else { throw fail("\"kind\" is missing") }
        guard let measure = (object["measure"] as? String).flatMap(WindowMeasure.init(rawValue:)) else {
            throw fail("\"measure\" must be one of \(WindowMeasure.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let hours = object["length_hours"] as? Int, hours > 0 else { throw fail("\"length_hours\" must be a positive whole number") }
        let anchor = try (object["anchor"] as? String).map { text in
            guard let anchor = WindowAnchor(rawValue: text) else { throw fail("\"anchor\" must be first_use or calendar") }
            return anchor
        } ?? .firstUse
        if anchor == .calendar && hours != 24 { throw fail("calendar windows are days (\"length_hours\": 24)") }
        let zoneName = object["time_zone"] as? String ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else { throw fail("\"time_zone\" '\(zoneName)' is not a time zone name") }
        let scale = try PlanScale(parsing: object["scale"] as? String ?? "1")
        let allowance: Int128
        switch (measure, object["allowance"]) {
        case (.apiCost, let text as String):
            guard let money = Money(text), !money.isNegative, !money.isZero else { throw fail("\"allowance\" must be a positive dollar amount") }
            allowance = money.units
        case (.requests, let n as Int), (.tokens, let n as Int):
            guard n > 0 else { throw fail("\"allowance\" must be positive") }
            allowance = Int128(n)
        default:
            throw fail("\"allowance\" must be a dollar string for api_cost and a whole number for requests and tokens")
        }
        return PlanWindow(
            kind: kind, measure: measure, length: TimeInterval(hours) * 3600, anchor: anchor, timeZone: zone,
            models: (object["models"] as? [String] ?? []).map { $0.lowercased() }, scale: scale, allowance: allowance,
            isEstimate: object["estimate"] as? Bool ?? true)
    }
}
