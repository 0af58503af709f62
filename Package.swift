// swift-tools-version: 6.2
import PackageDescription

// Libraries by who links them; each depends only on the ones above it in this list:
//
//   JejakBase          identifiers compared as bytes, the shape of errors       everyone
//   JejakJSON          strict, order-preserving JSON                            everyone
//   JejakSchema        JSON Schema 2020-12                                      the domain
//   JejakCrypto        SHA-256, Ed25519, vkeys, signed notes, DSSE              everyone
//   JejakAge           C2SP age v1 (X25519): sealing content to units           everyone
//   JejakTlog          RFC 9162 tree and proofs, checkpoints, policy, tiles     everyone
//   JejakModel         events, leaves, registry, receipts, time, validation     everyone
//   JejakVerification  replaying and checking a log's entries; exports         inspector, offline verifier, clients
//   JejakStorage       LMDB                                                     the ledger
//   Jejak              the ledger: append pipeline, stored Merkle state, export servers, CLI, embedded users
//   JejakDomain        KPU event types, Schemas/, exchange and audit rules      ledger users, projections
//   JejakProjections   read models (SQLite through GRDB)                        CLI, inspector
//   JejakInspector     integrity audits of a live ledger, the witness           CLI
//   JejakAPI           the HTTP API's wire formats (problems, publish results)  server, client
//   JejakHTTPServing   what the HTTP services share: answers, problem documents server, witness and mirror services
//   JejakServer        `jejak serve`: the ledger over HTTP (Hummingbird)        CLI
//   JejakClient        a verifying HTTP client with an outbox (AsyncHTTPClient) bureaus' systems, CLI
//   JejakWitness       the witness's state and the tlog-witness checks          witness service, inspector
//   JejakWitnessServer `jejak witness serve`: tlog-witness over HTTP            CLI
//   JejakMirror        tlog-mirror: a verified, cosigned copy of a log          mirror service
//   JejakMirrorServer  `jejak mirror serve`: tlog-mirror over HTTP, following   CLI
//
// Applications: `jejak` (the CLI), `jejak-verify` (the offline verifier: no LMDB, no SQLite),
// `jejak-bench` (benchmarks and the stress harness), and the demo and seed-scenario runner
// (JejakDemo), which only they link.
let package = Package(
    name: "Jejak",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Jejak", targets: ["Jejak"]),
        .library(name: "JejakModel", targets: ["JejakModel"]),
        .library(name: "JejakVerification", targets: ["JejakVerification"]),
        .library(name: "JejakTlog", targets: ["JejakTlog"]),
        .library(name: "JejakCrypto", targets: ["JejakCrypto"]),
        .library(name: "JejakAge", targets: ["JejakAge"]),
        .library(name: "JejakStorage", targets: ["JejakStorage"]),
        .library(name: "JejakJSON", targets: ["JejakJSON"]),
        .library(name: "JejakBase", targets: ["JejakBase"]),
        .library(name: "JejakDomain", targets: ["JejakDomain"]),
        .library(name: "JejakSchema", targets: ["JejakSchema"]),
        .library(name: "JejakProjections", targets: ["JejakProjections"]),
        .library(name: "JejakWitness", targets: ["JejakWitness"]),
        .library(name: "JejakInspector", targets: ["JejakInspector"]),
        .library(name: "JejakAPI", targets: ["JejakAPI"]),
        .library(name: "JejakServer", targets: ["JejakServer"]),
        .library(name: "JejakClient", targets: ["JejakClient"]),
        .library(name: "JejakWitnessServer", targets: ["JejakWitnessServer"]),
        .library(name: "JejakMirror", targets: ["JejakMirror"]),
        .library(name: "JejakMirrorServer", targets: ["JejakMirrorServer"]),
        .executable(name: "jejak", targets: ["jejak"]),
        .executable(name: "jejak-verify", targets: ["jejak-verify"]),
        .executable(name: "jejak-bench", targets: ["jejak-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // `swift package generate-documentation --target Jejak` renders the DocC catalogs.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
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

        // What every layer shares: identifiers compared as bytes (ExactText), and the one shape
        // of errors (a code, a message, an underlying error).
        .target(name: "JejakBase"),
        // JSON: a fast, order-preserving parser and compact writer over UTF-8 bytes.
        .target(name: "JejakJSON", dependencies: ["JejakBase"]),
        // JSON Schema draft 2020-12: compiled schemas, validation with JSON Pointer violations.
        .target(name: "JejakSchema", dependencies: ["JejakBase", "JejakJSON"]),
        // Storage: LMDB environments, closure-scoped transactions, cursors.
        .target(name: "JejakStorage", dependencies: ["CLMDB", "JejakBase"]),
        // Crypto: SHA-256, Ed25519, vkeys, signed notes, cosignatures, DSSE.
        .target(name: "JejakCrypto", dependencies: ["CSodium", "CSHA256", "JejakBase", "JejakJSON"]),
        // C2SP age v1 with X25519 recipients (libsodium), Bech32 keys, the ASCII armor, identity
        // files: the encryption of sealed content, which the standard `age` tool opens too.
        .target(name: "JejakAge", dependencies: ["CSodium", "JejakBase", "JejakCrypto"]),
        // Transparency-log formats: RFC 9162 Merkle tree and proofs, checkpoints,
        // tlog-proof receipts, tlog-policy, tlog-tiles. Needs no storage.
        .target(name: "JejakTlog", dependencies: ["JejakBase", "JejakCrypto", "JejakJSON"]),
        // The model of a log without its storage: events, leaves, the registry, receipts,
        // ledger time, the validation hook and the ledger's errors.
        .target(name: "JejakModel", dependencies: ["JejakBase", "JejakJSON", "JejakCrypto", "JejakAge", "JejakTlog"]),
        // Checking a log's entries without its store: the replay (signatures by registry state,
        // rules, order, the tree), findings and reports, and the offline verifier of exports.
        .target(name: "JejakVerification", dependencies: ["JejakBase", "JejakModel", "JejakTlog", "JejakCrypto", "JejakJSON"]),
        // The ledger: the append pipeline on LMDB, stored Merkle state, reading, receipts, export.
        .target(
            name: "Jejak",
            dependencies: [
                "JejakBase", "JejakModel", "JejakStorage", "JejakCrypto", "JejakAge", "JejakTlog", "JejakJSON",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The KPU exchange domain: event types, their JSON Schemas (Schemas/, bundled) and the
        // exchange and audit rules, plugged into the validation hook. Needs no storage.
        .target(
            name: "JejakDomain",
            dependencies: ["JejakBase", "JejakModel", "JejakSchema", "JejakJSON", "JejakCrypto", "JejakAge", "JejakTlog"],
            resources: [.copy("Schemas")]),
        // Projection workers and the read models (SQLite through GRDB), derived from the log.
        .target(
            name: "JejakProjections",
            dependencies: [
                "JejakBase", "Jejak", "JejakModel", "JejakTlog", "JejakDomain", "JejakAge", "JejakJSON", "CSQLiteSetup",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The Inspektorat's witness: its state (key, trusted logs, the last checkpoint cosigned
        // for each), the c2sp.org/tlog-witness checks and cosigning. Needs no ledger.
        .target(name: "JejakWitness", dependencies: ["JejakBase", "JejakCrypto", "JejakTlog"]),
        // A c2sp.org/tlog-mirror mirror: a verified tlog-tiles copy of each trusted log, updated
        // by add-checkpoint and add-entries, cosigned once held. Needs no ledger and no HTTP.
        .target(name: "JejakMirror", dependencies: ["JejakBase", "JejakCrypto", "JejakTlog"]),
        // The integrity audit of a live ledger (full and incremental, with its read models), and
        // the witness cosigning a ledger it can open.
        .target(
            name: "JejakInspector",
            dependencies: [
                "JejakBase", "Jejak", "JejakWitness", "JejakVerification", "JejakDomain", "JejakProjections", "JejakTlog", "JejakCrypto",
                "JejakJSON",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The HTTP API's wire formats, shared by the server and the client: RFC 9457 problem
        // documents carrying the ledger's errors, the status of each error code, the JSON of
        // a publish result. Needs no storage and no HTTP stack.
        .target(name: "JejakAPI", dependencies: ["JejakBase", "JejakModel", "JejakTlog", "JejakCrypto", "JejakJSON"]),
        // What the HTTP services share (Hummingbird): bodies with their caching, problem documents.
        .target(
            name: "JejakHTTPServing",
            dependencies: [
                "JejakAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        // The ledger over HTTP: publishing, the tlog-tiles and the API's reads, live follow,
        // health and metrics (Hummingbird), as a swift-service-lifecycle service.
        .target(
            name: "JejakServer",
            dependencies: [
                "JejakBase", "Jejak", "JejakModel", "JejakAPI", "JejakHTTPServing", "JejakProjections", "JejakTlog", "JejakCrypto", "JejakJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // A witness's c2sp.org/tlog-witness HTTP interface (`jejak witness serve`), apart from
        // any ledger: links neither LMDB nor SQLite.
        .target(
            name: "JejakWitnessServer",
            dependencies: [
                "JejakBase", "JejakWitness", "JejakAPI", "JejakHTTPServing", "JejakTlog", "JejakCrypto",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // A mirror's c2sp.org/tlog-mirror HTTP interface and its copies (`jejak mirror serve`),
        // and the follower that keeps a copy current from a primary's tiles: links neither LMDB
        // nor SQLite.
        .target(
            name: "JejakMirrorServer",
            dependencies: [
                "JejakBase", "JejakMirror", "JejakAPI", "JejakHTTPServing", "JejakTlog", "JejakCrypto", "CZlib",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The client a bureau links into its own system: publishes and reads over HTTP and
        // verifies every answer (receipts against the pinned policy, checkpoints consistent
        // with the largest seen); an outbox for links that drop. Links neither LMDB nor SQLite.
        .target(
            name: "JejakClient",
            dependencies: [
                "JejakBase", "JejakModel", "JejakAPI", "JejakVerification", "JejakTlog", "JejakCrypto", "JejakJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Applications and what only they link.
        // The demo and the seed-scenario runner (application code, not a library product).
        .target(
            name: "JejakDemo",
            dependencies: ["JejakBase", "Jejak", "JejakDomain", "JejakProjections", "JejakInspector", "JejakWitness", "JejakCrypto", "JejakAge", "JejakJSON"],
            // The seeds (`seeds/` at the top of the repository links here), shipped with the
            // binary so that `jejak demo` runs from any directory.
            resources: [.copy("Seeds")]),
        // The command-line pieces that need no store: reading files, printing reports, and the
        // offline `verify` and `verify-receipt` commands (shared by `jejak` and `jejak-verify`).
        .target(
            name: "JejakOfflineCommands",
            dependencies: [
                "JejakBase", "JejakModel", "JejakVerification", "JejakDomain", "JejakTlog", "JejakCrypto", "JejakAge", "JejakJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The command-line pieces that open a ledger (shared by `jejak` and `jejak-bench`).
        .target(
            name: "JejakCommands",
            dependencies: [
                "JejakBase", "Jejak", "JejakDomain", "JejakProjections", "JejakOfflineCommands", "JejakCrypto", "JejakAge", "JejakJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The command-line tool.
        .executableTarget(
            name: "jejak",
            dependencies: [
                "JejakBase", "Jejak", "JejakDomain", "JejakProjections", "JejakInspector", "JejakWitness", "JejakDemo", "JejakCommands",
                "JejakOfflineCommands", "JejakVerification", "JejakCrypto", "JejakAge", "JejakJSON", "JejakTlog",
                "JejakServer", "JejakClient", "JejakAPI", "JejakWitnessServer", "JejakMirror", "JejakMirrorServer",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The offline verifier of exports and receipts: links neither LMDB nor SQLite (a test
        // checks the binary's libraries).
        .executableTarget(
            name: "jejak-verify",
            dependencies: [
                "JejakOfflineCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Benchmarks (every figure beside this machine's limit) and the stress harness of the
        // crash tests.
        .executableTarget(
            name: "jejak-bench",
            dependencies: [
                "JejakBase", "Jejak", "JejakStorage", "JejakDomain", "JejakProjections", "JejakInspector", "JejakWitness", "JejakVerification",
                "JejakCommands", "JejakOfflineCommands", "JejakCrypto", "JejakAge", "CSodium", "JejakJSON", "JejakTlog", "JejakServer", "JejakClient", "JejakAPI",
                "JejakWitnessServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // zlib: gzip add-entries bodies (the mirror server), the age testkit's compressed vectors.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Helpers shared by the test suites (no production code links it).
        .target(name: "JejakTestSupport", path: "Tests/JejakTestSupport"),
        .testTarget(name: "JejakMirrorTests", dependencies: ["JejakMirror", "JejakTlog", "JejakCrypto", "JejakBase"]),
        .testTarget(name: "JejakJSONTests", dependencies: ["JejakJSON", "JejakBase"]),
        .testTarget(
            name: "JejakSchemaTests", dependencies: ["JejakSchema", "JejakJSON"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "JejakStorageTests", dependencies: ["JejakStorage", "JejakTestSupport"]),
        .testTarget(
            name: "JejakCryptoTests", dependencies: ["JejakCrypto", "JejakTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "JejakAgeTests", dependencies: ["JejakAge", "JejakCrypto", "CZlib"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "JejakTlogTests", dependencies: ["JejakTlog"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "JejakTests", dependencies: ["Jejak", "JejakModel", "JejakBase", "JejakCrypto", "JejakTlog", "JejakJSON", "JejakStorage", "JejakTestSupport"]),
        .testTarget(name: "JejakDomainTests", dependencies: ["JejakDomain", "JejakDemo", "JejakTestSupport", "Jejak", "JejakBase", "JejakSchema", "JejakJSON", "JejakCrypto", "JejakAge", "JejakTlog"]),
        .testTarget(
            name: "JejakProjectionsTests",
            dependencies: ["JejakProjections", "JejakDemo", "JejakDomain", "Jejak", "JejakBase", "JejakJSON", "JejakCrypto", "JejakAge", "JejakTestSupport",
                           .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "JejakInspectorTests",
            dependencies: ["JejakInspector", "JejakWitness", "JejakVerification", "JejakDemo", "JejakProjections", "JejakDomain", "Jejak", "JejakBase", "JejakTestSupport",
                           "JejakJSON", "JejakCrypto", "JejakAge", "JejakStorage", "JejakTlog", .product(name: "GRDB", package: "GRDB.swift")]),
        // Runs the built `jejak`, `jejak-verify` and `jejak-bench` binaries as separate processes.
        .testTarget(name: "JejakCLITests", dependencies: ["jejak", "jejak-verify", "jejak-bench", "Jejak", "JejakBase", "JejakCrypto", "JejakTlog", "JejakJSON", "JejakTestSupport"]),
        .testTarget(
            name: "JejakServerTests",
            dependencies: ["JejakServer", "JejakClient", "JejakAPI", "JejakWitness", "JejakWitnessServer", "JejakMirror", "JejakMirrorServer", "JejakInspector", "Jejak", "JejakDomain", "JejakProjections", "JejakBase", "JejakCrypto",
                           "JejakTlog", "JejakJSON", "JejakTestSupport",
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client")]),
        // Seeded mutation fuzzing of every parser of untrusted input (JEJAK_FUZZ_SECONDS for long runs).
        .testTarget(name: "JejakFuzzTests", dependencies: ["Jejak", "JejakCrypto", "JejakTlog", "JejakJSON", "JejakTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
