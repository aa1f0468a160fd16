// swift-tools-version: 6.1
// Throughput benchmark for the cost engine (release builds only):
//   swift run -c release pricing-benchmark CASES.jsonl
// Benchmarks/Pricing/compare.sh runs it beside genai-prices, tokencost and LiteLLM.

import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, whatever the clone is called.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.lastPathComponent.lowercased()

let package = Package(
    name: "PricingBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "pricing-benchmark",
            dependencies: [.product(name: "CostPricing", package: rootIdentity)],
            path: "Sources/PricingBenchmark",
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        )
    ]
)
