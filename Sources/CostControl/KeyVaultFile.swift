public import CostCrypto
public import CostSQLite
public import Foundation

/// The key store and the vault that opens its secrets, from the database file and the master key.
///
/// The vault's data key lives in the database, wrapped by the master key (table `vault_data_key`);
/// the master key never does: it comes from `COSTCTL_MASTER_KEY`, else the key file named by
/// `COSTCTL_MASTER_KEY_FILE`, else `<dataDirectory>/master.key` when that file exists.
///
/// For example:
/// ```swift
/// let (store, vault) = try KeyVaultFile.open(paths: ControlPaths(), environment: ProcessInfo.processInfo.environment)
/// let sealed = try vault.seal(Data(secret.utf8), associatedData: Data(id.utf8))
/// try await store.addKey(APIKey(id: id, provider: "anthropic", label: "k3", sealedSecret: sealed,
///                               fingerprint: SecretMask.fingerprint(secret), createdAt: Date()), actor: "alice")
/// ```
public enum KeyVaultFile {
    /// `<dataDirectory>/master.key`: the key file used when neither variable names one.
    public static func defaultKeyFile(paths: ControlPaths) -> URL {
        paths.dataDirectory.appendingPathComponent("master.key")
    }

    /// The master key from the environment, or the default key file when it exists.
    ///
    /// - throws: ``CryptoError`` `.masterKeyMissing` (what to set), `.insecureKeyFile` (the
    ///   `chmod` that fixes it), `.invalidKey`, `.invalidEncoding`.
    public static func masterKey(paths: ControlPaths, environment: [String: String]) throws -> MasterKey {
        let keyFile = defaultKeyFile(paths: paths).path
        return try MasterKey.load(
            environment: environment, keyFile: FileManager.default.fileExists(atPath: keyFile) ? keyFile : nil)
    }

    /// Opens the key store in `paths.database` and its vault: the stored data key unwrapped with
    /// the master key, or, in a database without one, a new data key wrapped and stored (two
    /// processes doing this at once end with the same data key).
    ///
    /// - throws: ``CryptoError`` `.wrongMasterKey` when the stored data key was wrapped by another
    ///   master key (the message names both master key ids), `.authenticationFailed` when the
    ///   stored wrapping was changed, `.malformed`/`.unknownVersion`, the errors of
    ///   ``masterKey(paths:environment:)``; ``SQLiteError`` for the database.
    public static func open(paths: ControlPaths, environment: [String: String]) throws -> (store: SQLiteKeyStore, vault: Vault) {
        let master = try masterKey(paths: paths, environment: environment)
        let path = paths.database.path
        let store = try SQLiteKeyStore(path: path)
        return (store, try vault(database: path, master: master))
    }

    /// The vault of the database at `path`, created and stored when there is none.
    ///
    /// - throws: as ``open(paths:environment:)``.
    public static func vault(database path: String, master: MasterKey) throws -> Vault {
        let keys = try SQLiteDataKeyStore(path: path)
        if let stored = try keys.wrappedDataKey() {
            return try Vault(master: master, wrapped: decode(stored, path: path))
        }
        let (vault, wrapped) = try Vault.create(master: master)
        let stored = try keys.saveWrappedDataKey(JSONEncoder().encode(wrapped), replacing: nil)
        let winner = try decode(stored, path: path)
        // another process stored its data key first: use that one
        return winner.id == vault.dataKeyID ? vault : try Vault(master: master, wrapped: winner)
    }

    /// Master-key rotation: re-wraps the database's data key under `new` and replaces the stored
    /// wrapping in one transaction, only if it is still the one `old` opened. No sealed secret
    /// changes; afterwards only `new` opens the vault. Keep `old` until this returns.
    ///
    /// For example:
    /// ```swift
    /// let new = try MasterKey.createKeyFile(at: newKeyPath)
    /// try KeyVaultFile.rotateMaster(paths: paths, from: try KeyVaultFile.masterKey(paths: paths, environment: env), to: new)
    /// ```
    ///
    /// - throws: ``ControlError`` `.notFound` when the database has no data key yet; ``CryptoError``
    ///   `.wrongMasterKey` when `old` is not the master key that wrapped it; ``SQLiteError``
    ///   `.conflict` when another rotation replaced it first.
    @discardableResult
    public static func rotateMaster(paths: ControlPaths, from old: MasterKey, to new: MasterKey) throws -> WrappedDataKey {
        let path = paths.database.path
        let keys = try SQLiteDataKeyStore(path: path)
        guard let stored = try keys.wrappedDataKey() else {
            throw ControlError(
                code: .notFound, message: "database '\(path)' has no vault yet; add a key first, then rotate the master key")
        }
        let current = try decode(stored, path: path)
        let rewrapped = try Vault(master: old, wrapped: current).rewrap(under: new)
        try keys.saveWrappedDataKey(JSONEncoder().encode(rewrapped), replacing: current.masterKeyID)
        return rewrapped
    }

    private static func decode(_ json: Data, path: String) throws -> WrappedDataKey {
        do {
            return try JSONDecoder().decode(WrappedDataKey.self, from: json)
        } catch {
            throw CryptoError(
                code: .malformed,
                message: "database '\(path)' holds a wrapped data key that is not readable JSON; restore the database from a backup")
        }
    }
}
