internal import CCostSQLite
internal import Foundation

/// Append-only named migrations, each applied once in its own transaction and recorded in
/// `schema_migrations`. A database that records a migration this build does not know was written
/// by a newer costctl and is refused.
struct Migrator {
    struct Migration {
        let name: String
        let sql: String
    }

    static let ledger: [Migration] = [
        Migration(
            name: "0001-usage-ledger",
            sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
                CREATE TABLE series (
                    id INTEGER PRIMARY KEY,
                    provider TEXT NOT NULL, model TEXT NOT NULL, org TEXT NOT NULL, team TEXT NOT NULL,
                    user TEXT NOT NULL, project TEXT NOT NULL, key_id TEXT NOT NULL, operation TEXT NOT NULL,
                    status TEXT NOT NULL,
                    UNIQUE (provider, model, org, team, user, project, key_id, operation, status)
                ) STRICT;
                CREATE TABLE events (
                    pos INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    series INTEGER NOT NULL REFERENCES series(id),
                    session TEXT,
                    input INTEGER NOT NULL, output INTEGER NOT NULL, cache_read INTEGER NOT NULL,
                    cache_write INTEGER NOT NULL, cache_write_5m INTEGER NOT NULL, cache_write_1h INTEGER NOT NULL,
                    reasoning INTEGER NOT NULL, input_audio INTEGER NOT NULL, output_audio INTEGER NOT NULL,
                    requests INTEGER NOT NULL,
                    other_usage TEXT,
                    cost_hi INTEGER NOT NULL, cost_lo INTEGER NOT NULL,
                    in_cost_hi INTEGER NOT NULL, in_cost_lo INTEGER NOT NULL,
                    out_cost_hi INTEGER NOT NULL, out_cost_lo INTEGER NOT NULL,
                    priced INTEGER NOT NULL,
                    cost_detail TEXT,
                    latency_ms INTEGER,
                    tags TEXT,
                    metadata TEXT
                ) STRICT;
                CREATE INDEX events_series ON events(series);
                """
                + ["hourly", "daily", "monthly"].map { level in
                    """
                    CREATE TABLE rollup_\(level) (
                        bucket INTEGER NOT NULL, series INTEGER NOT NULL REFERENCES series(id),
                        events INTEGER NOT NULL, requests INTEGER NOT NULL, errors INTEGER NOT NULL,
                        rate_limited INTEGER NOT NULL, unpriced INTEGER NOT NULL,
                        input INTEGER NOT NULL, output INTEGER NOT NULL, cache_read INTEGER NOT NULL,
                        cache_write INTEGER NOT NULL, cache_write_5m INTEGER NOT NULL, cache_write_1h INTEGER NOT NULL,
                        reasoning INTEGER NOT NULL, input_audio INTEGER NOT NULL, output_audio INTEGER NOT NULL,
                        cost_hi INTEGER NOT NULL, cost_lo INTEGER NOT NULL,
                        in_cost_hi INTEGER NOT NULL, in_cost_lo INTEGER NOT NULL,
                        out_cost_hi INTEGER NOT NULL, out_cost_lo INTEGER NOT NULL,
                        PRIMARY KEY (bucket, series)
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX rollup_\(level)_series ON rollup_\(level)(series);
                    """
                }.joined(separator: "\n")
                + """
                CREATE TABLE rollup_other (
                    level TEXT NOT NULL, bucket INTEGER NOT NULL, series INTEGER NOT NULL REFERENCES series(id),
                    kind TEXT NOT NULL, count INTEGER NOT NULL,
                    PRIMARY KEY (level, bucket, series, kind)
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX rollup_other_series ON rollup_other(series);
                """),
        Migration(name: "0002-daily-totals-by-dimension", sql: dimensionRollupSQL),
        // Raw reports read unit kinds (web searches, images…) from the few events that have them.
        Migration(
            name: "0003-events-with-unit-counts",
            sql: "CREATE INDEX events_other_usage ON events(series, pos) WHERE other_usage IS NOT NULL;"),
        // Provider-billed amounts from imported cost reports (reconciliation reads them).
        Migration(
            name: "0004-billed-costs",
            sql: """
                CREATE TABLE billed_costs (
                    id TEXT PRIMARY KEY,
                    provider TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
                    model TEXT, line_item TEXT, project TEXT, service_tier TEXT,
                    amount_hi INTEGER NOT NULL, amount_lo INTEGER NOT NULL, currency TEXT NOT NULL,
                    source TEXT NOT NULL, imported_at_ms INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX billed_costs_start ON billed_costs(start_ms, provider);
                """),
        // Budgets, their spend in the current period, rolling-window charges, holds (SQLiteBudgetStore).
        Migration(name: "0005-budgets", sql: SQLiteBudgetStore.schemaSQL),
        // Budget alerts sent (the history, and the deduplication key: budget, level, period).
        Migration(
            name: "0006-budget-alerts",
            sql: """
                CREATE TABLE budget_alerts (
                    id TEXT PRIMARY KEY,
                    budget TEXT NOT NULL, scope TEXT NOT NULL, level INTEGER NOT NULL, severity TEXT NOT NULL,
                    threshold_bp INTEGER NOT NULL,
                    used_hi INTEGER NOT NULL, used_lo INTEGER NOT NULL,
                    limit_kind TEXT NOT NULL, limit_hi INTEGER NOT NULL, limit_lo INTEGER NOT NULL,
                    period_start_ms INTEGER, period_end_ms INTEGER,
                    at_ms INTEGER NOT NULL, is_repeat INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX budget_alerts_key ON budget_alerts(budget, level, period_start_ms, at_ms);
                CREATE INDEX budget_alerts_at ON budget_alerts(at_ms);
                """),
        // API keys, their usage logs, leases, round-robin cursors, pool pressure, the audit log and
        // the vault's wrapped data key (SQLiteKeyStore).
        Migration(name: "0007-keys", sql: SQLiteKeyStore.schemaSQL),
        // The pools' provisioners (`costctl keys provisioner set`), shared by every process.
        Migration(name: "0008-key-provisioners", sql: SQLiteKeyStore.provisionersSQL),
        // Recommendations with their lifecycle and history, auto-execution settings and model routes
        // (SQLiteRecommendationStore).
        Migration(name: "0009-recommendations", sql: SQLiteRecommendationStore.schemaSQL),
    ] + alerts + daemon + ingestLayout + rawReportIndex + budgetLive + rollupPending + budgetLivePlacement

    /// Alerts, their outbox and delivery attempts, channels and rules (SQLiteAlertStore); kept apart
    /// so migrations added beside it merge as one line.
    static let alerts: [Migration] = [Migration(name: "0010-alerts", sql: SQLiteAlertStore.schemaSQL)]

    /// The daemon's jobs: last runs and leases (SQLiteDaemonJobStore).
    static let daemon: [Migration] = [Migration(name: "0011-daemon-jobs", sql: SQLiteDaemonJobStore.schemaSQL)]

    /// The ingestion layout (Documentation/Ledger.md, "Layout"). The per-series index on events becomes
    /// one on (time bucket, series): a batch then dirties a few index pages of the current bucket
    /// instead of about one page per series. The rollups' series indexes go: queries read rollups by
    /// bucket range, and only `forget` filtered on series alone (it now scans). The bucket is
    /// `pos >> 46` (2^26 ms, about 18.6 hours), `SQLiteUsageLedger.eventBucketShift`.
    static let ingestLayout: [Migration] = [
        Migration(
            name: "0012-ingest-layout",
            sql: """
                DROP INDEX events_series;
                CREATE INDEX events_bucket_series ON events(pos >> 46, series);
                DROP INDEX rollup_hourly_series;
                DROP INDEX rollup_daily_series;
                DROP INDEX rollup_monthly_series;
                DROP INDEX rollup_other_series;
                """)
    ]

    /// Raw reports read a user's events from the index alone: the (time bucket, series) index carries
    /// the summed columns, the session and the tags, so a report over a month no longer looks up each
    /// event's row in the table (Documentation/Performance.md, "Queries").
    static let rawReportIndex: [Migration] = [
        Migration(
            name: "0013-raw-report-index",
            sql: """
                CREATE INDEX events_bucket_series_sums ON events(
                    pos >> 46, series,
                    requests, priced, input, output, cache_read, cache_write, cache_write_5m, cache_write_1h,
                    reasoning, input_audio, output_audio, cost_hi, cost_lo, in_cost_hi, in_cost_lo, out_cost_hi,
                    out_cost_lo, session, tags);
                DROP INDEX events_bucket_series;
                """)
    ]

    /// Budget accounts and open holds in one table, and rolling charges keyed by (budget, instant):
    /// a reservation or a commit then writes one page of log instead of three, and a rolling
    /// commit one more instead of two (Documentation/Budgets.md, "Storage").
    static let budgetLive: [Migration] = [Migration(name: "0014-budget-live", sql: SQLiteBudgetStore.liveSQL)]

    /// Batches whose rollup deltas are not yet folded into the aggregate tables: one row per batch,
    /// the positions of the events it added (`PendingRollups.pack`), so that a fold can read back
    /// the batches of a process that stopped before folding them (Documentation/Ledger.md, "Rollups
    /// folded across batches"). `AUTOINCREMENT`: a ledger recognises its own batches by id, so an id
    /// must never come back once its row has been folded (and deleted) by another connection.
    static let rollupPending: [Migration] = [
        Migration(
            name: "0015-rollup-pending",
            sql: "CREATE TABLE rollup_pending (id INTEGER PRIMARY KEY AUTOINCREMENT, events INTEGER NOT NULL, positions BLOB NOT NULL) STRICT;")
    ]

    /// Changes no table: it marks a file whose budgets' live state may be in a memory-backed
    /// companion file (`SQLiteBudgetStore.LiveState.memoryBacked`, recorded in `meta`), so that a
    /// build from before that placement refuses the file (schema too new) instead of counting spend
    /// in the database's own `budget_live`, which is then stale.
    static let budgetLivePlacement: [Migration] = [
        Migration(name: "0016-budget-live-placement", sql: "UPDATE meta SET value = value WHERE key = 'budget_live_dir';")
    ]

    /// Daily totals per value of each rolled-up dimension (0 provider … 8 status, the order of
    /// `UsageDimension.rolledUp`), backfilled from the daily series rollup.
    static var dimensionRollupSQL: String {
        let counts = SQLiteUsageLedger.countColumns
        let money = SQLiteUsageLedger.moneyColumns
        let columns = counts + money.flatMap { ["\($0)_hi", "\($0)_lo"] }
        var sql = """
            CREATE TABLE rollup_dimension_daily (
                bucket INTEGER NOT NULL, dimension INTEGER NOT NULL, value TEXT NOT NULL,
                \(columns.map { "\($0) INTEGER NOT NULL" }.joined(separator: ", ")),
                PRIMARY KEY (bucket, dimension, value)
            ) STRICT, WITHOUT ROWID;

            """
        let sums = counts.map { "SUM(r.\($0))" } + money.flatMap {
            ["SUM(r.\($0)_hi) + SUM(r.\($0)_lo) / 1000000000", "SUM(r.\($0)_lo) % 1000000000"]
        }
        for (index, column) in SQLiteUsageLedger.seriesColumns.enumerated() {
            sql += """
                INSERT INTO rollup_dimension_daily (bucket, dimension, value, \(columns.joined(separator: ", ")))
                SELECT r.bucket, \(index), s.\(column), \(sums.joined(separator: ", "))
                FROM rollup_daily r JOIN series s ON s.id = r.series GROUP BY r.bucket, s.\(column);

                """
        }
        return sql
    }

    /// Applies what is missing.
    ///
    /// - throws: ``SQLiteError`` `.schemaTooNew` when the database knows migrations this build does not.
    static func migrate(_ db: Connection, migrations: [Migration] = Migrator.ledger) throws {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        let known = Set(migrations.map(\.name))
        func applied() throws -> [String] {
            let statement = try db.cached("SELECT name FROM schema_migrations ORDER BY name")
            var names: [String] = []
            while try statement.step() { names.append(statement.text(0) ?? "") }
            return names
        }
        let unknown = try applied().filter { !known.contains($0) }
        if !unknown.isEmpty {
            throw SQLiteError(
                code: .schemaTooNew,
                message: "database '\(db.path)' was written by a newer costctl (it has schema migration \(unknown.sorted().joined(separator: ", ")), which this build does not know); upgrade costctl, or use another --db")
        }
        for migration in migrations {
            // Re-check inside the write lock: another process may be migrating the same file.
            try db.writeTransaction {
                guard try !applied().contains(migration.name) else { return }
                try db.execute(migration.sql)
                let insert = try db.cached("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)")
                insert.bind(migration.name, at: 1)
                insert.bind(ISO8601DateFormatter().string(from: Date()), at: 2)
                try insert.step()
                // the number applied, not this one's position: a file whose migrations were applied
                // out of order (one added on a branch merged later) still ends at their count
                try db.execute("PRAGMA user_version = \(try applied().count)")
            }
        }
    }

    static var version: Int { ledger.count }
}
