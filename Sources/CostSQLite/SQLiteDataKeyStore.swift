internal import CCostSQLite
public import Foundation

/// The vault's wrapped data key in the database file (table `vault_data_key`, one row), for a
/// caller that opens the vault before it uses the key store, synchronously.
///
/// The row holds the JSON of CostCrypto's `WrappedDataKey` as opaque bytes (CostSQLite does not
/// depend on CostCrypto), with its data key id and master key id as columns. The JSON holds no
/// plaintext key: the data key in it is encrypted under the master key, which is never stored.
///
/// For example (CostControl's `KeyVaultFile` does this):
/// ```swift
/// let keys = try SQLiteDataKeyStore(path: path)
/// let stored = try keys.wrappedDataKey() ?? keys.saveWrappedDataKey(newWrappedJSON, replacing: nil)
/// ```
///
/// Not thread-safe: use one from one thread at a time (it owns a connection).
public final class SQLiteDataKeyStore {
    public let path: String
    private let db: Connection

    /// Opens (creating it, its directory and the schema if needed) the database at `path`.
    ///
    /// - throws: ``SQLiteError`` (`.cannotOpen`, `.schemaTooNew`, `.corrupt`).
    public init(path: String) throws {
        try Connection.createParentDirectory(of: path)
        let db = try Connection(path: path, busyWait: .spin)
        try Migrator.migrate(db)
        self.path = path
        self.db = db
    }

    /// The stored wrapped data key (JSON); `nil` before the first one is saved.
    ///
    /// - throws: ``SQLiteError``.
    public func wrappedDataKey() throws -> Data? {
        try db.readTransaction { try DataKeyRow.read(db) }
    }

    /// Saves a wrapped data key, in one transaction, and returns the one stored afterwards.
    ///
    /// - With `expectedID` `nil`, creates the row only if there is none (`INSERT OR IGNORE`, then
    ///   read again): when two processes create a vault at once, both get the first one's key back,
    ///   and the loser uses it instead of its own.
    /// - With `expectedID`, replaces the stored key (master-key rotation) only if it was wrapped by
    ///   the master key whose id is `expectedID` and holds the same data key as `json` (a rewrap
    ///   never changes the data key, or every sealed secret would be lost).
    ///
    /// - Parameters:
    ///   - json: the JSON encoding of a `WrappedDataKey` (at least `id` and `masterKeyID`).
    ///   - expectedID: the master key id of the stored key being replaced; `nil` to create.
    /// - throws: ``SQLiteError`` `.invalidInput` when `json` has no ids, `.conflict` when the stored
    ///   key is not the expected one (or there is none to replace).
    @discardableResult
    public func saveWrappedDataKey(_ json: Data, replacing expectedID: String?) throws -> Data {
        try db.writeTransaction { try DataKeyRow.save(db, json, replacing: expectedID, at: Date()) }
    }
}

@available(*, unavailable)
extension SQLiteDataKeyStore: Sendable {}

/// The `vault_data_key` row, read and written inside the caller's transaction.
enum DataKeyRow {
    static func read(_ db: Connection) throws -> Data? {
        let statement = try db.cached("SELECT wrapped FROM vault_data_key WHERE slot = 1")
        return try statement.step() ? statement.blob(0) : nil
    }

    private static func ids(_ db: Connection) throws -> (id: String, masterKeyID: String)? {
        let statement = try db.cached("SELECT id, master_key_id FROM vault_data_key WHERE slot = 1")
        return try statement.step() ? (statement.text(0) ?? "", statement.text(1) ?? "") : nil
    }

    static func save(_ db: Connection, _ json: Data, replacing expectedID: String?, at instant: Date) throws -> Data {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
            let id = object["id"] as? String, let masterKeyID = object["masterKeyID"] as? String
        else {
            throw SQLiteError(
                code: .invalidInput,
                message: "a wrapped data key must be the JSON of a WrappedDataKey with 'id' and 'masterKeyID'")
        }
        if let expectedID {
            let update = try db.cached(
                """
                UPDATE vault_data_key SET master_key_id = ?, wrapped = ?, updated = ?
                WHERE slot = 1 AND master_key_id = ? AND id = ?
                """)
            update.bind(masterKeyID, at: 1)
            update.bind(json, at: 2)
            update.bind(instant, at: 3)
            update.bind(expectedID, at: 4)
            update.bind(id, at: 5)
            try update.step()
            guard db.changes == 1 else {
                let stored = try ids(db)
                let what = stored.map { "data key \($0.id) wrapped by master key \($0.masterKeyID)" } ?? "no data key"
                throw SQLiteError(
                    code: .conflict,
                    message: "database '\(db.path)' holds \(what), not data key \(id) wrapped by master key \(expectedID); "
                        + "nothing was replaced. Another rotation may have run first: open the vault again and retry")
            }
            return json
        }
        let insert = try db.cached(
            "INSERT OR IGNORE INTO vault_data_key (slot, id, master_key_id, wrapped, updated) VALUES (1, ?, ?, ?, ?)")
        insert.bind(id, at: 1)
        insert.bind(masterKeyID, at: 2)
        insert.bind(json, at: 3)
        insert.bind(instant, at: 4)
        try insert.step()
        return try read(db) ?? json
    }
}
