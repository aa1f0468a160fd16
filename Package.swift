// swift-tools-version: 6.1
// costctl: what LLM usage costs, budgets that hold, keys that rotate, advice that saves.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0335-existential-any.md
    .enableUpcomingFeature("ExistentialAny"),
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    .enableUpcomingFeature("MemberImportVisibility"),
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "costctl",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CostTokens", targets: ["CostTokens"]),
        .library(name: "CostPricing", targets: ["CostPricing"]),
        .library(name: "CostBudget", targets: ["CostBudget"]),
        .library(name: "CostRotation", targets: ["CostRotation"]),
        .library(name: "CostOptimizer", targets: ["CostOptimizer"]),
        .library(name: "CostSQLite", targets: ["CostSQLite"]),
        .library(name: "CostCrypto", targets: ["CostCrypto"]),
        .library(name: "CostControl", targets: ["CostControl"]),
        .library(name: "CostMCP", targets: ["CostMCP"]),
        .executable(name: "costctl", targets: ["costctl"]),
        .executable(name: "price-batch", targets: ["PriceBatchExample"]),
        .executable(name: "meter-ladder", targets: ["MeterLadderExample"]),
        .executable(name: "budget-load", targets: ["BudgetLoadExample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
    ],
    targets: [
        // MARK: - C libraries (system)
        .systemLibrary(
            name: "CCostSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .systemLibrary(
            name: "CCostCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .systemLibrary(
            name: "CCostTLS",
            pkgConfig: "libssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),

        // MARK: - Pure Swift layers
        .target(
            name: "CostTokens",
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CostPricingData",
            path: "Fixtures/Pricing",
            exclude: ["capabilities.json"],
            resources: [.copy("catalog.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CostPricing",
            dependencies: ["CostPricingData"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CostBudget",
            dependencies: ["CostPricing"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CostRotation",
            dependencies: ["CostBudget", "CostPricing"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CostOptimizerData",
            path: "Fixtures/Plans",
            resources: [.copy("plans.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CostOptimizer",
            dependencies: ["CostOptimizerData", "CostRotation", "CostBudget", "CostPricing"],
            swiftSettings: swiftSettings
        ),

        // MARK: - C-backed implementations
        .target(
            name: "CostSQLite",
            dependencies: ["CostOptimizer", "CostPricing", "CostBudget", "CostRotation", "CCostSQLite"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CostCrypto",
            dependencies: ["CostPricing", "CostRotation", "CCostCrypto"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Wiring, CLI
        .target(
            name: "CostControl",
            dependencies: ["CostPricing", "CostTokens", "CostSQLite", "CostCrypto", "CostBudget", "CostRotation", "CostOptimizer", "CCostSQLite", "CCostCrypto", "CCostTLS",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CostMCP",
            dependencies: ["CostControl", .product(name: "MCP", package: "swift-sdk")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "costctl",
            dependencies: [
                "CostControl",
                "CostMCP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MCP", package: "swift-sdk"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "PriceBatchExample",
            dependencies: ["CostPricing"],
            path: "Examples/PriceBatch",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MeterLadderExample",
            dependencies: ["CostControl"],
            path: "Examples/MeterLadder",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BudgetLoadExample",
            dependencies: ["CostSQLite", "CostBudget", "CostRotation"],
            path: "Examples/BudgetLoad",
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests
        .testTarget(
            name: "CostTokensTests",
            dependencies: ["CostTokens"],
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CostPricingTests",
            dependencies: ["CostPricing"],
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CostBudgetTests",
            dependencies: ["CostBudget", "CostPricing"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CostRotationTests",
            dependencies: ["CostRotation", "CostBudget", "CostPricing"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CostOptimizerTests",
            dependencies: ["CostOptimizer", "CostBudget", "CostPricing"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CostSQLiteTests",
            dependencies: ["CostSQLite", "CostOptimizer", "CostPricing", "CostBudget", "CostRotation", "BudgetLoadExample"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CostCryptoTests",
            dependencies: ["CostCrypto", "CostRotation"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CostControlTests",
            dependencies: [
                "CostControl", "CostBudget", "CostRotation", "CostCrypto", "CostSQLite", "CCostTLS",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CostMCPTests",
            dependencies: ["CostMCP", "CostControl", .product(name: "MCP", package: "swift-sdk")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "costctlTests",
            dependencies: ["CostControl", "costctl"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
)
