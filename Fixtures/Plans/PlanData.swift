public import Foundation

/// The location of the subscription plan catalog bundled with costctl.
///
/// The catalog (`plans.json`, beside this file) is written by hand from the vendors' public pages;
/// see Documentation/Optimizer.md. This module holds only that data.
public enum BundledPlanData {
    /// The bundled `plans.json`.
    ///
    /// Looked up as the price catalog is: a `*_CostOptimizerData.resources` folder beside the running
    /// executable, then SwiftPM's resource bundle.
    public static var plansURL: URL? {
        let directory = Bundle.main.bundleURL
        if let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            for name in names.sorted() where name.hasSuffix("_CostOptimizerData.resources") {
                let candidate = directory.appendingPathComponent(name).appendingPathComponent("plans.json")
                if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            }
        }
        return Bundle.module.url(forResource: "plans", withExtension: "json")
    }
}
