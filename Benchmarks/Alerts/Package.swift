// swift-tools-version: 6.1
// What an alert monitor costs the hot path (release builds only):
//   swift run -c release alerts-benchmark [PAIRS]
// README.md explains the figures.

import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, whatever the clone is called.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.lastPathComponent.lowercased()

let package = Package(
    name: "AlertsBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "alerts-benchmark",
            dependencies: [
                .product(name: "CostBudget", package: rootIdentity),
                .product(name: "CostPricing", package: rootIdentity),
            ],
            path: "Sources/AlertsBenchmark",
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
    ]
)
