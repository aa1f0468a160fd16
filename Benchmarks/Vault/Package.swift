// swift-tools-version: 6.1
// What sealing and opening a secret costs (release builds only):
//   swift run -c release vault-benchmark [ITERATIONS]
// README.md explains the figures.

import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, whatever the clone is called.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.lastPathComponent.lowercased()

let package = Package(
    name: "VaultBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "vault-benchmark",
            dependencies: [
                .product(name: "CostCrypto", package: rootIdentity)
            ],
            path: "Sources/VaultBenchmark",
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
    ]
)
