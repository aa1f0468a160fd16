public import CostOptimizer
public import Foundation

/// Plan fit over the ledger: reads the last days of usage (refusals for usage limits included) and
/// replays them against the plan catalog with the user's overrides.
///
/// For example:
/// ```swift
/// let advisor = PlanAdvisor(ledger: ledger, catalog: try PlanAdvisor.catalog(paths: ControlPaths()))
/// let report = try await advisor.fit(currentPlanID: "claude-max-20x",
///                                    meters: [try MeterReading(parsing: "session=10%@2026-11-02T20:59Z")])
/// ```
public struct PlanAdvisor: Sendable {
    public var ledger: any UsageLedger
    public var catalog: PlanCatalog
    public var options: PlanFitOptions
    /// The bootstrap's seed: a fixed seed gives the same confidence for the same data.
    public var seed: UInt64

    public init(ledger: any UsageLedger, catalog: PlanCatalog, options: PlanFitOptions = PlanFitOptions(), seed: UInt64 = 1) {
        self.ledger = ledger
        self.catalog = catalog
        self.options = options
        self.seed = seed
    }

    /// The user's plan overrides: `plans.json` in the data directory, if there is one.
    public static func userPlansFile(paths: ControlPaths) -> URL {
        paths.dataDirectory.appendingPathComponent("plans.json")
    }

    /// The bundled plan catalog with the user's `plans.json` and then `extraFiles` laid over it.
    ///
    /// - throws: ``OptimizerError`` `.io` or `.invalidCatalog`.
    public static func catalog(paths: ControlPaths, extraFiles: [URL] = []) throws -> PlanCatalog {
        let user = userPlansFile(paths: paths)
        let files = (FileManager.default.fileExists(atPath: user.path) ? [user] : []) + extraFiles
        return try PlanCatalog.bundled(overrides: files)
    }

    /// The fit of every plan of the family in use over the `options.days` days before `until`.
    ///
    /// Days count as observed from the ledger's first event (a day without usage of the family after
    /// that is a day the user did not use it, not missing data).
    ///
    /// - throws: ``OptimizerError`` (bad readings, unknown plans), the ledger's errors.
    /// `filter` narrows the usage (for example `tag:source=claude-code`, so that API traffic of the same
    /// provider is not counted against a subscription); its range is replaced by the fit's.
    public func fit(
        until: Date = Date(), currentPlanID: String? = nil, meters: [MeterReading] = [], filter: UsageFilter = UsageFilter()
    ) async throws -> PlanFitReport {
        var filter = filter
        filter.since = until.addingTimeInterval(-Double(options.days) * 86_400)
        filter.until = until
        var samples: [PlanUsageSample] = []
        var cursor: EventCursor?
        repeat {
            let page = try await ledger.events(matching: filter, after: cursor, limit: 5_000, detail: .full)
            samples += page.events.map(PlanUsageSample.init)
            cursor = page.next
        } while cursor != nil
        let info = try await ledger.info()
        var random = SplitMix64(seed: seed)
        return try PlanFit(catalog: catalog, options: options).evaluate(
            samples: samples, until: until, currentPlanID: currentPlanID, meters: meters, observedSince: info.earliest,
            using: &random)
    }
}
