#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread reader–writer lock.
///
/// Every transaction of an ``Environment`` holds it shared; growing the map takes it exclusively,
/// because LMDB allows `mdb_env_set_mapsize` only while no transaction of the process is open.
///
/// `@unchecked Sendable`: the only stored property is a pointer to a `pthread_rwlock_t` that is
/// initialised once in `init`, destroyed once in `deinit`, and otherwise only passed to the
/// pthread functions, which are thread-safe by definition.
final class ReadWriteLock: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        // Default attributes; on glibc these prefer readers, so a thread that already holds a
        // read lock can take it again even while a writer waits (no self-deadlock).
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    func withShared<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    func withExclusive<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
