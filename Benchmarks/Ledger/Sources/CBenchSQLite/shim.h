#ifndef CBENCHSQLITE_SHIM_H
#define CBENCHSQLITE_SHIM_H

#include <sqlite3.h>

/// `SQLITE_TRANSIENT` is a function-like macro cast Swift cannot import.
static inline sqlite3_destructor_type cbenchsqlite_transient(void) {
    return (sqlite3_destructor_type)-1;
}

#endif
