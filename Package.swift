// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Jejak",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Jejak", targets: ["Jejak"]),
        .library(name: "JejakTlog", targets: ["JejakTlog"]),
        .library(name: "JejakCrypto", targets: ["JejakCrypto"]),
        .library(name: "JejakStorage", targets: ["JejakStorage"]),
        .library(name: "JejakJSON", targets: ["JejakJSON"]),
        .library(name: "JejakDomain", targets: ["JejakDomain"]),
        .library(name: "JejakSchema", targets: ["JejakSchema"]),
        .library(name: "JejakProjections", targets: ["JejakProjections"]),
        .library(name: "JejakInspector", targets: ["JejakInspector"]),
        .executable(name: "jejak", targets: ["jejak"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // System libraries (Debian: liblmdb-dev, libsodium-dev; see Tools/setup.sh).
        .systemLibrary(
            name: "CLMDB", pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"]), .brew(["lmdb"])]),
        .systemLibrary(
            name: "CSodium", pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]),

        // SHA-256 with the x86 SHA extensions (JejakCrypto falls back to libsodium without them).
        .target(name: "CSHA256"),
        // sqlite3_config, which Swift cannot call (variadic), for the process-wide SQLite setup.
        .target(name: "CSQLiteSetup", linkerSettings: [.linkedLibrary("sqlite3")]),
        // JSON: a fast, order-preserving parser and compact writer over UTF-8 bytes.
        .target(name: "JejakJSON"),
        // JSON Schema draft 2020-12: compiled schemas, validation with JSON Pointer violations.
        .target(name: "JejakSchema", dependencies: ["JejakJSON"]),
        // Storage: LMDB environments, closure-scoped transactions, cursors.
        .target(name: "JejakStorage", dependencies: ["CLMDB"]),
        // Crypto: SHA-256, Ed25519, vkeys, signed notes, cosignatures, DSSE.
        .target(name: "JejakCrypto", dependencies: ["CSodium", "CSHA256", "JejakJSON"]),
        // Transparency-log formats: RFC 9162 Merkle tree and proofs, checkpoints,
        // tlog-proof receipts, tlog-policy. Needs no storage, so offline verifiers use it alone.
        .target(name: "JejakTlog", dependencies: ["JejakCrypto", "JejakJSON"]),
        // The ledger core.
        .target(
            name: "Jejak",
            dependencies: [
                "JejakStorage", "JejakCrypto", "JejakTlog", "JejakJSON",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The KPU exchange domain: event types, their JSON Schemas (Schemas/, bundled) and the
        // exchange and audit rules, plugged into the ledger's validation hook.
        .target(
            name: "JejakDomain",
            dependencies: ["Jejak", "JejakSchema", "JejakJSON", "JejakCrypto"],
            resources: [.copy("Schemas")]),
        // Projection workers and the read models (SQLite through GRDB), derived from the log.
        .target(
            name: "JejakProjections",
            dependencies: [
                "Jejak", "JejakDomain", "JejakJSON", "CSQLiteSetup",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The integrity audit (full and incremental), witnessing (cosigning checkpoints) and
        // audit reports. Depends on the projections to rebuild and compare read models.
        .target(
            name: "JejakInspector",
            dependencies: [
                "Jejak", "JejakDomain", "JejakProjections", "JejakTlog", "JejakCrypto", "JejakJSON",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The command-line tool.
        .executableTarget(
            name: "jejak",
            dependencies: [
                "Jejak", "JejakDomain", "JejakProjections", "JejakInspector", "JejakCrypto", "JejakJSON",
                "JejakStorage", "JejakTlog",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Helpers shared by the test suites (no production code links it).
        .target(name: "JejakTestSupport", path: "Tests/JejakTestSupport"),
        .testTarget(name: "JejakJSONTests", dependencies: ["JejakJSON"]),
        .testTarget(
            name: "JejakSchemaTests", dependencies: ["JejakSchema", "JejakJSON"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "JejakStorageTests", dependencies: ["JejakStorage"]),
        .testTarget(
            name: "JejakCryptoTests", dependencies: ["JejakCrypto", "JejakTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "JejakTlogTests", dependencies: ["JejakTlog"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "JejakTests", dependencies: ["Jejak", "JejakCrypto", "JejakTlog", "JejakJSON", "JejakStorage", "JejakTestSupport"]),
        .testTarget(name: "JejakDomainTests", dependencies: ["JejakDomain", "Jejak", "JejakSchema", "JejakJSON", "JejakCrypto", "JejakTlog"]),
        .testTarget(
            name: "JejakProjectionsTests",
            dependencies: ["JejakProjections", "JejakDomain", "Jejak", "JejakJSON", "JejakCrypto",
                           .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "JejakInspectorTests",
            dependencies: ["JejakInspector", "JejakProjections", "JejakDomain", "Jejak", "JejakJSON", "JejakCrypto", "JejakStorage",
                           "JejakTlog", .product(name: "GRDB", package: "GRDB.swift")]),
        // Runs the built `jejak` binary as a separate process.
        .testTarget(name: "JejakCLITests", dependencies: ["jejak", "Jejak", "JejakCrypto", "JejakTlog", "JejakTestSupport"]),
        // Seeded mutation fuzzing of every parser of untrusted input (JEJAK_FUZZ_SECONDS for long runs).
        .testTarget(name: "JejakFuzzTests", dependencies: ["Jejak", "JejakCrypto", "JejakTlog", "JejakJSON", "JejakTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
