internal import CCostCrypto
internal import CCostSQLite

/// Versions of the C libraries costctl links (the embedded store and the vault use them).
public enum SystemInfo {
    /// The SQLite library version, as the library reports it (`3.40.1`).
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
    /// Whether the linked SQLite is thread-safe (required by the store).
    public static var sqliteThreadSafe: Bool { sqlite3_threadsafe() != 0 }
    /// Bytes of heap SQLite holds in this process (page caches included).
    public static var sqliteMemoryUsed: Int64 { sqlite3_memory_used() }
    /// The OpenSSL libcrypto version text (`OpenSSL 3.0.19 …`).
    public static var cryptoVersion: String { String(cString: ccostcrypto_version_text()) }
}
