internal import CCostSQLite
import CostBudget
public import CostRotation
import Foundation

/// The pools' provisioner settings, in the database so the CLI and a daemon share them. A setting
/// holds a command path, its arguments, a time limit and the new keys' quota: no secret.
extension SQLiteKeyStore: ProvisionerSettingsStore {
    /// Migration `0008-key-provisioners`.
    static let provisionersSQL = """
        CREATE TABLE key_provisioners (
            pool TEXT PRIMARY KEY,
            provider TEXT NOT NULL,
            project TEXT,
            command TEXT NOT NULL,
            arguments TEXT NOT NULL,
            time_limit_ms INTEGER NOT NULL,
            quota TEXT NOT NULL,
            priority INTEGER NOT NULL,
            updated_at REAL NOT NULL
        ) STRICT, WITHOUT ROWID;
        """

    public func setProvisioner(_ setting: ProvisionerSetting) throws {
        let arguments = String(decoding: try JSONEncoder().encode(setting.arguments), as: UTF8.self)
        let quota = try StoredQuota.json(setting.quota)
        let milliseconds = setting.timeLimit.wholeMilliseconds
        try db.writeTransaction {
            let statement = try db.cached("""
                INSERT INTO key_provisioners (pool, provider, project, command, arguments, time_limit_ms, quota, priority, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (pool) DO UPDATE SET provider = excluded.provider, project = excluded.project,
                    command = excluded.command, arguments = excluded.arguments, time_limit_ms = excluded.time_limit_ms,
                    quota = excluded.quota, priority = excluded.priority, updated_at = excluded.updated_at
                """)
            statement.bind(setting.pool.name, at: 1)
            statement.bind(setting.provider, at: 2)
            statement.bind(setting.project, at: 3)
            statement.bind(setting.command, at: 4)
            statement.bind(arguments, at: 5)
            statement.bind(milliseconds, at: 6)
            statement.bind(quota, at: 7)
            statement.bind(setting.priority, at: 8)
            statement.bind(setting.updatedAt, at: 9)
            try statement.step()
        }
    }

    public func provisioners() throws -> [ProvisionerSetting] {
        try db.readTransaction {
            let statement = try db.cached("""
                SELECT provider, project, command, arguments, time_limit_ms, quota, priority, updated_at
                FROM key_provisioners ORDER BY pool
                """)
            var settings: [ProvisionerSetting] = []
            while try statement.step() {
                let arguments = try JSONDecoder().decode([String].self, from: Data((statement.text(3) ?? "[]").utf8))
                settings.append(ProvisionerSetting(
                    pool: KeyPool(provider: statement.text(0) ?? "", project: statement.text(1)), command: statement.text(2) ?? "",
                    arguments: arguments, timeLimit: .milliseconds(statement.int64(4)),
                    quota: try StoredQuota.quota(statement.text(5) ?? "{}"), priority: statement.int(6),
                    updatedAt: Date(timeIntervalSinceReferenceDate: statement.double(7))))
            }
            return settings
        }
    }

    public func removeProvisioner(pool: String) throws -> Bool {
        try db.writeTransaction {
            let statement = try db.cached("DELETE FROM key_provisioners WHERE pool = ?")
            statement.bind(pool, at: 1)
            try statement.step()
            return db.changes == 1
        }
    }
}
