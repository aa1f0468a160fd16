internal import CCostSQLite
public import CostOptimizer
public import Foundation

/// A ``RecommendationStore`` in the ledger's SQLite file (`ControlPaths().database`), shared by every
/// process that opens it: the recommendations with their lifecycle and history, the auto-execution
/// settings and the model routes the `Meter` applies.
///
/// Every call is one transaction (`BEGIN IMMEDIATE` for writes): an upsert reads the stored records,
/// applies CostOptimizer's rules (``RecommendationRecord``) and writes what changed before it lets
/// go, so two processes refreshing at once never lose a status or a history entry. A recommendation
/// is stored as its JSON beside indexed columns (kind, scope, status, priority); its history is one
/// row per entry.
///
/// For example:
/// ```swift
/// let store = try SQLiteRecommendationStore(path: ControlPaths().database.path)
/// let records = try await store.recommendations(matching: RecommendationFilter(statuses: [.pending]))
/// ```
public actor SQLiteRecommendationStore: RecommendationStore {
    public nonisolated let path: String
    let db: Connection
    private let now: @Sendable () -> Date
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()
    private let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    /// Opens (creating it, its directory and the schema if needed) the database at `path`.
    ///
    /// - throws: ``SQLiteError`` (`.cannotOpen`, `.schemaTooNew`, `.corrupt`).
    public init(
        path: String, durability: SQLiteUsageLedger.Durability = .full, now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.path = path
        db = try Connection.sharedStore(path: path, durability: durability)
        self.now = now
    }

    /// Migration `0009-recommendations`.
    static let schemaSQL = """
        CREATE TABLE recommendations (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            scope TEXT NOT NULL,
            status TEXT NOT NULL,
            stale INTEGER NOT NULL,
            priority REAL NOT NULL,
            body TEXT NOT NULL,
            baseline_days INTEGER NOT NULL,
            reason TEXT,
            implemented_at REAL,
            verification TEXT,
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX recommendations_status ON recommendations(status, priority);
        CREATE TABLE recommendation_history (
            seq INTEGER PRIMARY KEY,
            recommendation TEXT NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
            at REAL NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT,
            detail TEXT
        ) STRICT;
        CREATE INDEX recommendation_history_by_id ON recommendation_history(recommendation, seq);
        CREATE TABLE recommendation_auto (
            action TEXT PRIMARY KEY,
            command TEXT,
            enabled_at REAL NOT NULL,
            actor TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE model_routes (
            id TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            created_at REAL NOT NULL
        ) STRICT, WITHOUT ROWID;
        """

    // MARK: - Recommendations

    public func upsert(_ recommendations: [Recommendation], refresh: String?, baselineDays: Int, actor: String) throws
        -> RecommendationUpsert
    {
        let at = now()
        return try db.writeTransaction {
            let existing = Dictionary(uniqueKeysWithValues: try load(where: nil).map { ($0.id, $0) })
            let result = RecommendationRecord.upsert(
                existing: existing, fresh: recommendations, refresh: refresh, baselineDays: baselineDays, actor: actor, at: at)
            for change in result.changed { try write(change.record, events: change.events) }
            return result.summary
        }
    }

    public func recommendations(matching filter: RecommendationFilter) throws -> [RecommendationRecord] {
        try db.readTransaction { try load(where: nil) }.filter(filter.matches).sorted(by: RecommendationRecord.listOrder)
    }

    public func recommendation(id: String) throws -> RecommendationRecord? {
        try db.readTransaction { try load(where: id).first }
    }

    public func transition(id: String, _ transition: RecommendationTransition, actor: String, note: String?) throws
        -> RecommendationRecord
    {
        let at = now()
        return try db.writeTransaction {
            guard let record = try load(where: id).first else { throw RecommendationRecord.notFound(id) }
            let next = try record.applying(transition, actor: actor, note: note, at: at)
            try write(next.record, events: [next.event])
            return next.record
        }
    }

    public func appendHistory(id: String, _ event: RecommendationEvent) throws {
        try db.writeTransaction {
            guard try load(where: id).first != nil else { throw RecommendationRecord.notFound(id) }
            try insert(event, for: id)
        }
    }

    // MARK: - Auto-execution and routes

    public func autoExecution() throws -> [AutoExecutionSetting] {
        try db.readTransaction {
            let statement = try db.cached("SELECT action, command, enabled_at, actor FROM recommendation_auto ORDER BY action")
            var settings: [AutoExecutionSetting] = []
            while try statement.step() {
                guard let action = statement.text(0).flatMap(RecommendationAction.Kind.init(rawValue:)) else { continue }
                settings.append(
                    AutoExecutionSetting(
                        action: action, command: statement.text(1), enabledAt: statement.date(2), actor: statement.text(3) ?? ""))
            }
            return settings
        }
    }

    public func setAutoExecution(_ action: RecommendationAction.Kind, _ setting: AutoExecutionSetting?) throws {
        try db.writeTransaction {
            guard let setting else {
                let delete = try db.cached("DELETE FROM recommendation_auto WHERE action = ?")
                delete.bind(action.rawValue, at: 1)
                try delete.step()
                return
            }
            let upsert = try db.cached("""
                INSERT INTO recommendation_auto (action, command, enabled_at, actor) VALUES (?, ?, ?, ?)
                ON CONFLICT (action) DO UPDATE SET command = excluded.command, enabled_at = excluded.enabled_at, actor = excluded.actor
                """)
            upsert.bind(action.rawValue, at: 1)
            upsert.bind(setting.command, at: 2)
            upsert.bind(setting.enabledAt, at: 3)
            upsert.bind(setting.actor, at: 4)
            try upsert.step()
        }
    }

    public func setModelRoute(_ route: ModelRoute) throws {
        let body = String(decoding: try encoder.encode(route), as: UTF8.self)
        try db.writeTransaction {
            let upsert = try db.cached("""
                INSERT INTO model_routes (id, body, created_at) VALUES (?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET body = excluded.body, created_at = excluded.created_at
                """)
            upsert.bind(route.id, at: 1)
            upsert.bind(body, at: 2)
            upsert.bind(route.createdAt, at: 3)
            try upsert.step()
        }
    }

    public func removeModelRoute(id: String) throws -> Bool {
        try db.writeTransaction {
            let delete = try db.cached("DELETE FROM model_routes WHERE id = ?")
            delete.bind(id, at: 1)
            try delete.step()
            return db.changes == 1
        }
    }

    public func modelRoutes() throws -> [ModelRoute] {
        try db.readTransaction {
            let statement = try db.cached("SELECT body FROM model_routes ORDER BY created_at, id")
            var routes: [ModelRoute] = []
            while try statement.step() {
                routes.append(try decode(ModelRoute.self, statement.text(0)))
            }
            return routes
        }
    }

    // MARK: - Rows

    /// The records (one with `id`, or all), each with its history.
    private func load(where id: String?) throws -> [RecommendationRecord] {
        let select = try db.cached(
            id == nil
                ? "SELECT id, status, stale, body, baseline_days, reason, implemented_at, verification, first_seen, last_seen FROM recommendations"
                : "SELECT id, status, stale, body, baseline_days, reason, implemented_at, verification, first_seen, last_seen FROM recommendations WHERE id = ?")
        if let id { select.bind(id, at: 1) }
        var records: [String: RecommendationRecord] = [:]
        var order: [String] = []
        while try select.step() {
            let key = select.text(0) ?? ""
            guard let status = select.text(1).flatMap(Recommendation.Status.init(rawValue:)) else {
                throw SQLiteError(code: .corrupt, message: "recommendation \(key) has an unknown status in '\(path)'")
            }
            records[key] = RecommendationRecord(
                recommendation: try decode(Recommendation.self, select.text(3)), status: status, isStale: select.int(2) != 0,
                firstSeen: select.date(8), lastSeen: select.date(9), baselineDays: select.int(4), reason: select.text(5),
                implementedAt: select.optionalDate(6),
                verification: try select.text(7).map { try decode(RecommendationVerification.self, $0) })
            order.append(key)
        }
        guard !order.isEmpty else { return [] }
        let history = try db.cached(
            id == nil
                ? "SELECT recommendation, at, actor, kind, from_status, to_status, detail FROM recommendation_history ORDER BY seq"
                : "SELECT recommendation, at, actor, kind, from_status, to_status, detail FROM recommendation_history WHERE recommendation = ? ORDER BY seq")
        if let id { history.bind(id, at: 1) }
        while try history.step() {
            guard let key = history.text(0), records[key] != nil,
                let kind = history.text(3).flatMap(RecommendationEvent.Kind.init(rawValue:))
            else { continue }
            records[key]?.history.append(
                RecommendationEvent(
                    at: history.date(1), actor: history.text(2) ?? "", kind: kind,
                    from: history.text(4).flatMap(Recommendation.Status.init(rawValue:)),
                    to: history.text(5).flatMap(Recommendation.Status.init(rawValue:)), detail: history.text(6)))
        }
        return order.compactMap { records[$0] }
    }

    private func write(_ record: RecommendationRecord, events: [RecommendationEvent]) throws {
        let body = String(decoding: try encoder.encode(record.recommendation), as: UTF8.self)
        let verification = try record.verification.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let upsert = try db.cached("""
            INSERT INTO recommendations (id, kind, scope, status, stale, priority, body, baseline_days, reason, implemented_at,
                verification, first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, scope = excluded.scope, status = excluded.status,
                stale = excluded.stale, priority = excluded.priority, body = excluded.body, baseline_days = excluded.baseline_days,
                reason = excluded.reason, implemented_at = excluded.implemented_at, verification = excluded.verification,
                last_seen = excluded.last_seen
            """)
        upsert.bind(record.id, at: 1)
        upsert.bind(record.recommendation.kind.rawValue, at: 2)
        upsert.bind(record.recommendation.scope, at: 3)
        upsert.bind(record.status.rawValue, at: 4)
        upsert.bind(record.isStale ? 1 : 0, at: 5)
        upsert.bind(record.recommendation.priority, at: 6)
        upsert.bind(body, at: 7)
        upsert.bind(record.baselineDays, at: 8)
        upsert.bind(record.reason, at: 9)
        upsert.bind(record.implementedAt, at: 10)
        upsert.bind(verification, at: 11)
        upsert.bind(record.firstSeen, at: 12)
        upsert.bind(record.lastSeen, at: 13)
        try upsert.step()
        for event in events { try insert(event, for: record.id) }
    }

    private func insert(_ event: RecommendationEvent, for id: String) throws {
        let insert = try db.cached("""
            INSERT INTO recommendation_history (recommendation, at, actor, kind, from_status, to_status, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        insert.bind(id, at: 1)
        insert.bind(event.at, at: 2)
        insert.bind(event.actor, at: 3)
        insert.bind(event.kind.rawValue, at: 4)
        insert.bind(event.from?.rawValue, at: 5)
        insert.bind(event.to?.rawValue, at: 6)
        insert.bind(event.detail, at: 7)
        try insert.step()
    }

    private func decode<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T {
        do {
            return try decoder.decode(type, from: Data((text ?? "").utf8))
        } catch {
            throw SQLiteError(code: .corrupt, message: "a stored \(type) in '\(path)' does not decode; the database is damaged or from another build")
        }
    }
}
