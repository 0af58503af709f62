#include <sqlite3.h>
#include "jejak_sqlite_setup.h"

int jejak_sqlite_configure_for_serialized_connections(void) {
    int rc = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    if (rc != SQLITE_OK) return rc;
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
