// swift-tools-version: 6.1
// Claude Code import benchmark for CostControl's UsageImporter (release builds only):
//   swift run -c release import-benchmark generate --dir /tmp/cc-logs --megabytes 1024
//   swift run -c release import-benchmark run --dir /tmp/cc-logs
// Benchmarks/Import/run.sh generates a directory and imports it twice; README.md has the figures.

import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, whatever the clone is called.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.lastPathComponent.lowercased()

let package = Package(
    name: "ImportBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "import-benchmark",
            dependencies: [
                .product(name: "CostControl", package: rootIdentity)
            ],
            path: "Sources/ImportBenchmark",
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        )
    ]
)
