// swift-tools-version: 6.1
// Budget benchmark: reserve + commit on MemoryBudgetStore in one process, or on SQLiteBudgetStore
// shared by processes (release builds only):
//   swift run -c release budget-benchmark [PAIRS] [CALLERS]
//   swift run -c release budget-benchmark sqlite [PAIRS] [PROCESSES] [full|process-crash]
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
                .product(name: "CostSQLite", package: rootIdentity),
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
