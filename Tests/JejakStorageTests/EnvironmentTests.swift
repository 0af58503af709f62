import CLMDB
import Foundation
import JejakStorage
import JejakTestSupport
import Testing

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct EnvironmentTests {
    @Test func putGetDeleteAndCount() throws {
        let dir = TemporaryDirectory(create: false)
        let env = try Environment(path: dir.path, databases: ["a", "b"])
        let a = try env.database("a"), b = try env.database("b")
        try env.write { (txn) throws in
            try txn.put(a, key: bytes("k1"), value: bytes("v1"))
            try txn.put(a, key: bytes("k2"), value: bytes("v2"))
            try txn.put(b, key: bytes("k1"), value: bytes("other"))
            #expect(try txn.get(a, key: bytes("k1")) == bytes("v1"), "a write transaction sees its own writes")
        }
        try env.read { (txn) throws in
            #expect(try txn.get(a, key: bytes("k1")) == bytes("v1"))
            #expect(try txn.get(b, key: bytes("k1")) == bytes("other"))
            #expect(try txn.get(a, key: bytes("missing")) == nil)
            #expect(try txn.count(a) == 2)
            #expect(try txn.withValue(a, key: bytes("k2")) { Array($0) } == bytes("v2"))
        }
        let existed = try env.write { (txn) throws in try txn.delete(a, key: bytes("k1")) }
        let existedAgain = try env.write { (txn) throws in try txn.delete(a, key: bytes("k1")) }
        #expect(existed && !existedAgain)
        try env.read { (txn) throws in #expect(try txn.count(a) == 1) }
    }

    @Test func aThrowingWriteLeavesNothingBehind() throws {
        struct Refused: Error {}
        let dir = TemporaryDirectory(create: false)
        let env = try Environment(path: dir.path, databases: ["a"])
        let a = try env.database("a")
        #expect(throws: Refused.self) {
            try env.write { (txn) throws in
                try txn.put(a, key: bytes("k"), value: bytes("v"))
                throw Refused()
            }
        }
        try env.read { (txn) throws in #expect(try txn.count(a) == 0) }
    }

    @Test func bigEndianKeysSortNumericallyAndCursorsWalkBothWays() throws {
        let dir = TemporaryDirectory(create: false)
        let env = try Environment(path: dir.path, databases: ["n"])
        let n = try env.database("n")
        let values: [UInt64] = [1, 255, 256, 65_536, 7, 1 << 40, 0]
        try env.write { (txn) throws in
            for v in values { try txn.put(n, key: BigEndian.bytes(v), value: BigEndian.bytes(v * 2)) }
        }
        try env.read { (txn) throws in
            try txn.withCursor(n) { (cursor) throws in
                var seen: [UInt64] = []
                try cursor.scan { key, value in
                    seen.append(try BigEndian.uint64(from: key))
                    #expect(try BigEndian.uint64(from: value) == seen.last! * 2)
                    return true
                }
                #expect(seen == values.sorted())

                var fromSeven: [UInt64] = []
                try cursor.scan(from: BigEndian.bytes(UInt64(8))) { key, _ in
                    fromSeven.append(try BigEndian.uint64(from: key))
                    return fromSeven.count < 2
                }
                #expect(fromSeven == [255, 256], "scan starts at the first key ≥ start and stops on false")

                var backward: [UInt64] = []
                try cursor.scanBackward(from: BigEndian.bytes(UInt64(300))) { key, _ in
                    backward.append(try BigEndian.uint64(from: key)); return true
                }
                #expect(backward == [256, 255, 7, 1, 0])

                #expect(try cursor.last().map { try BigEndian.uint64(from: $0.key) } == 1 << 40)
                #expect(try cursor.first().map { try BigEndian.uint64(from: $0.key) } == 0)
                #expect(try cursor.next().map { try BigEndian.uint64(from: $0.key) } == 1)
                #expect(try cursor.seek(atMost: BigEndian.bytes(UInt64(1000))).map { try BigEndian.uint64(from: $0.key) } == 256)
                #expect(try cursor.seek(atMost: BigEndian.bytes(UInt64(256))).map { try BigEndian.uint64(from: $0.key) } == 256)
                #expect(try cursor.seek(atLeast: BigEndian.bytes(UInt64(1 << 41))) == nil)
            }
        }
        #expect(throws: LMDBError.self) { try BigEndian.uint64(from: [1, 2, 3]) }
    }

    @Test func dataSurvivesCloseAndReopen() throws {
        let dir = TemporaryDirectory(create: false)
        do {
            let env = try Environment(path: dir.path, databases: ["a"])
            let a = try env.database("a")
            try env.write { (txn) throws in try txn.put(a, key: bytes("k"), value: bytes("v")) }
        }
        let env = try Environment(path: dir.path, databases: ["a"])
        let a = try env.database("a")
        try env.read { (txn) throws in #expect(try txn.get(a, key: bytes("k")) == bytes("v")) }
        let mode = try FileManager.default.attributesOfItem(atPath: dir.path + "/data.mdb")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func theMapGrowsFromATinySizeWhenAWriteFillsIt() throws {
        let dir = TemporaryDirectory(create: false)
        var options = Environment.Options()
        options.mapSize = 64 * 1024
        options.maxMapSize = 256 * 1024 * 1024
        let env = try Environment(path: dir.path, databases: ["big"], options: options)
        let big = try env.database("big")
        let initial = env.mapSize
        let value = [UInt8](repeating: 0xAB, count: 4096)
        // 2,000 × 4 KiB in several transactions, far beyond 64 KiB.
        var runs = 0
        for batch in 0..<20 {
            try env.write { (txn) throws in
                runs += 1
                for i in 0..<100 {
                    try txn.put(big, key: BigEndian.bytes(UInt64(batch * 100 + i)), value: value)
                }
            }
        }
        #expect(env.mapSize > initial * 64, "the map grew (\(initial) → \(env.mapSize))")
        #expect(runs > 20, "at least one write ran again after growing the map")
        try env.read { (txn) throws in
            #expect(try txn.count(big) == 2000)
            #expect(try txn.get(big, key: BigEndian.bytes(UInt64(1999))) == value)
        }
    }

    @Test func growthStopsAtTheLimitWithATypedErrorAndNothingWritten() throws {
        let dir = TemporaryDirectory(create: false)
        var options = Environment.Options()
        options.mapSize = 64 * 1024
        options.maxMapSize = 256 * 1024
        let env = try Environment(path: dir.path, databases: ["big"], options: options)
        let big = try env.database("big")
        let value = [UInt8](repeating: 1, count: 4096)
        #expect(throws: LMDBError.mapLimitReached) {
            try env.write { (txn) throws in
                for i in 0..<1000 { try txn.put(big, key: BigEndian.bytes(UInt64(i)), value: value) }
            }
        }
        try env.read { (txn) throws in #expect(try txn.count(big) == 0) }
        // The environment stays usable for writes that fit.
        try env.write { (txn) throws in try txn.put(big, key: bytes("small"), value: bytes("ok")) }
        try env.read { (txn) throws in #expect(try txn.count(big) == 1) }
    }

    @Test func aReaderKeepsItsSnapshotWhileAWriterCommits() throws {
        let dir = TemporaryDirectory(create: false)
        let env = try Environment(path: dir.path, databases: ["a"])
        let a = try env.database("a")
        try env.write { (txn) throws in try txn.put(a, key: bytes("k"), value: bytes("old")) }

        let readerHasSnapshot = DispatchSemaphore(value: 0)
        let writerCommitted = DispatchSemaphore(value: 0)
        let seen = LockedBox<[[UInt8]?]>([])
        let reader = Thread {
            try? env.read { (txn) throws in
                seen.append(try txn.get(a, key: bytes("k")))
                readerHasSnapshot.signal()
                writerCommitted.wait()
                // Same transaction, after the other thread's commit: still the old value.
                seen.append(try txn.get(a, key: bytes("k")))
                seen.append(try txn.get(a, key: bytes("new-key")))
            }
            readerHasSnapshot.signal()
        }
        reader.start()
        readerHasSnapshot.wait()
        let writer = Thread {
            try? env.write { (txn) throws in
                try txn.put(a, key: bytes("k"), value: bytes("new"))
                try txn.put(a, key: bytes("new-key"), value: bytes("x"))
            }
            writerCommitted.signal()
        }
        writer.start()
        readerHasSnapshot.wait()  // the reader finished
        #expect(seen.value == [bytes("old"), bytes("old"), nil])
        try env.read { (txn) throws in #expect(try txn.get(a, key: bytes("k")) == bytes("new")) }
    }

    @Test func lmdbErrorsAreMappedWithTheirNames() throws {
        let dir = TemporaryDirectory(create: false)
        var options = Environment.Options()
        options.maxDatabases = 2
        let env = try Environment(path: dir.path, databases: ["a"], options: options)
        let a = try env.database("a")
        try env.write { (txn) throws in try txn.put(a, key: BigEndian.bytes(UInt64(5)), value: bytes("v")) }

        let keyExists = #expect(throws: LMDBError.self) {
            try env.write { (txn) throws in try txn.put(a, key: BigEndian.bytes(UInt64(5)), value: bytes("w"), options: .noOverwrite) }
        }
        #expect(keyExists?.name == "MDB_KEYEXIST")
        #expect(keyExists?.code == MDB_KEYEXIST)
        #expect(keyExists?.context.contains("mdb_put") == true)

        let outOfOrder = #expect(throws: LMDBError.self) {
            try env.write { (txn) throws in try txn.put(a, key: BigEndian.bytes(UInt64(4)), value: bytes("w"), options: .append) }
        }
        #expect(outOfOrder?.name == "MDB_KEYEXIST")

        let emptyKey = #expect(throws: LMDBError.self) {
            try env.write { (txn) throws in try txn.put(a, key: [], value: bytes("w")) }
        }
        #expect(emptyKey?.name == "MDB_BAD_VALSIZE")

        let unknown = #expect(throws: LMDBError.self) { try env.database("nope") }
        #expect(unknown?.name == "JEJAK_UNKNOWN_DATABASE")

        try env.read { (txn) throws in #expect(try txn.get(a, key: BigEndian.bytes(UInt64(5))) == bytes("v")) }

        let dir2 = TemporaryDirectory(create: false)
        let tooMany = #expect(throws: LMDBError.self) {
            _ = try Environment(path: dir2.path, databases: ["x", "y", "z"], options: options)
        }
        #expect(tooMany?.name == "MDB_DBS_FULL")
    }

    @Test func readOnlyEnvironmentsRefuseWritesAndMissingFiles() throws {
        let dir = TemporaryDirectory(create: false)
        do {
            let env = try Environment(path: dir.path, databases: ["a"])
            let a = try env.database("a")
            try env.write { (txn) throws in try txn.put(a, key: bytes("k"), value: bytes("v")) }
        }
        var ro = Environment.Options()
        ro.readOnly = true
        let env = try Environment(path: dir.path, databases: ["a"], options: ro)
        let a = try env.database("a")
        try env.read { (txn) throws in #expect(try txn.get(a, key: bytes("k")) == bytes("v")) }
        let refused = #expect(throws: LMDBError.self) {
            try env.write { (txn) throws in try txn.put(a, key: bytes("k2"), value: bytes("v")) }
        }
        // Its own code, never the system's EACCES (a file the process may not write).
        #expect(refused == .openedReadOnly && refused?.name == "JEJAK_OPENED_READ_ONLY", "\(String(describing: refused))")

        let missing = #expect(throws: LMDBError.self) {
            _ = try Environment(path: dir.path + "-does-not-exist", databases: ["a"], options: ro)
        }
        #expect(missing?.name == "ENOENT")
    }

    @Test func anOptionalDatabaseAFileLacksIsSkippedReadOnlyAndCreatedWritable() throws {
        let dir = TemporaryDirectory(create: false)
        do { _ = try Environment(path: dir.path, databases: ["a"]) }
        var ro = Environment.Options()
        ro.readOnly = true
        let env = try Environment(path: dir.path, databases: ["a", DatabaseSpec("b", optional: true)], options: ro)
        let unknown = #expect(throws: LMDBError.self) { _ = try env.database("b") }
        #expect(unknown == .unknownDatabase, "\(String(describing: unknown))")
        // Not optional, the same missing database refuses the open.
        let missing = #expect(throws: LMDBError.self) { _ = try Environment(path: dir.path, databases: ["a", "b"], options: ro) }
        #expect(missing?.code == MDB_NOTFOUND, "\(String(describing: missing))")
        // Writable, an optional database is created like any other.
        let writable = try Environment(path: dir.path, databases: ["a", DatabaseSpec("b", optional: true)])
        #expect(try writable.read { (txn) throws in try txn.count(try writable.database("b")) } == 0)
    }

    @Test func aFileThatIsNotLMDBIsRefused() throws {
        let dir = TemporaryDirectory(create: false)
        try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true)
        try Data(repeating: 0x42, count: 16384).write(to: URL(fileURLWithPath: dir.path + "/data.mdb"))
        let invalid = #expect(throws: LMDBError.self) { _ = try Environment(path: dir.path, databases: ["a"]) }
        #expect(invalid?.name == "MDB_INVALID")
        #expect(invalid.map { $0 ~= LMDBError.invalid } ?? false)
    }

    @Test func backupMakesAnOpenableCopy() throws {
        let dir = TemporaryDirectory(create: false), copy = TemporaryDirectory(create: false)
        let env = try Environment(path: dir.path, databases: ["a"])
        let a = try env.database("a")
        try env.write { (txn) throws in try txn.put(a, key: bytes("k"), value: bytes("v")) }
        try env.backup(to: copy.path)
        let restored = try Environment(path: copy.path, databases: ["a"])
        try restored.read { (txn) throws in #expect(try txn.get(try restored.database("a"), key: bytes("k")) == bytes("v")) }
    }
}

/// A value shared between test threads under a lock.
final class LockedBox<T>: @unchecked Sendable {
    // @unchecked: every access to `storage` goes through `lock`.
    private let lock = NSLock()
    private var storage: T
    init(_ v: T) { storage = v }
    var value: T { lock.withLock { storage } }
    func append<E>(_ e: E) where T == [E] { lock.withLock { storage.append(e) } }
}
