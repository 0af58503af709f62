#ifndef JEJAK_SQLITE_SETUP_H
#define JEJAK_SQLITE_SETUP_H

/// Configures SQLite for a process in which each connection is used by one thread at a time
/// (GRDB's rule): no mutex around each call on a connection (SQLITE_CONFIG_MULTITHREAD) and no
/// memory statistics, whose global mutex every allocation takes (SQLITE_CONFIG_MEMSTATUS off).
///
/// `sqlite3_config` is variadic, which Swift cannot call: hence this shim. It must run before
/// SQLite is initialised (before the first connection opens).
///
/// Returns SQLITE_OK (0), or SQLITE_MISUSE (21) if SQLite was already initialised, in which
/// case nothing changed.
int jejak_sqlite_configure_for_serialized_connections(void);

#endif
