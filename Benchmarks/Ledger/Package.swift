// swift-tools-version: 6.1
// Ingestion, query and memory benchmark for CostSQLite's SQLiteUsageLedger (release builds only):
//   swift run -c release ledger-benchmark all
// Benchmarks/Ledger/run.sh builds it and runs the default sequence; README.md explains the figures.

import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, whatever the clone is called.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized.lastPathComponent.lowercased()

let package = Package(
    name: "LedgerBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        // The same libsqlite3 the ledger links, for the raw-INSERT ceiling (the root package's
        // CCostSQLite is not a product, so the benchmark declares its own system-library target).
        .systemLibrary(
            name: "CBenchSQLite",
            path: "Sources/CBenchSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .executableTarget(
            name: "ledger-benchmark",
            dependencies: [
                "CBenchSQLite",
                .product(name: "CostSQLite", package: rootIdentity),
                .product(name: "CostPricing", package: rootIdentity),
            ],
            path: "Sources/LedgerBenchmark",
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
    ]
)
