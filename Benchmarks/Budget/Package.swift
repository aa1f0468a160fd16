// swift-tools-version: 6.1
// In-process budget benchmark: reserve + commit on MemoryBudgetStore (release builds only):
//   swift run -c release budget-benchmark [PAIRS] [CALLERS]
// README.md explains the figures.

import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, whatever the clone is called.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.lastPathComponent.lowercased()

let package = Package(
    name: "BudgetBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "budget-benchmark",
            dependencies: [
                .product(name: "CostBudget", package: rootIdentity),
                .product(name: "CostPricing", package: rootIdentity),
            ],
            path: "Sources/BudgetBenchmark",
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
    ]
)
