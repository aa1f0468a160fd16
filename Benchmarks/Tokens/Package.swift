// swift-tools-version: 6.1
// Throughput benchmark for CostTokens (release builds only): `swift run -c release tokens-benchmark CORPUS`.

import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, whatever the clone is called.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.lastPathComponent.lowercased()

let package = Package(
    name: "TokensBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "tokens-benchmark",
            dependencies: [.product(name: "CostTokens", package: rootIdentity)],
            path: "Sources/TokensBenchmark",
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        )
    ]
)
