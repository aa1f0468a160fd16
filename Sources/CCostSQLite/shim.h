#ifndef CCOSTSQLITE_SHIM_H
#define CCOSTSQLITE_SHIM_H

#include <sqlite3.h>

/// `SQLITE_TRANSIENT` is a function-like macro cast Swift cannot import.
static inline sqlite3_destructor_type ccostsqlite_transient(void) {
    return (sqlite3_destructor_type)-1;
}

/// `sqlite3_db_config` is variadic; this form sets one integer option.
static inline int ccostsqlite_db_config_int(sqlite3 *db, int op, int value) {
    return sqlite3_db_config(db, op, value, (int *)0);
}

#endif
