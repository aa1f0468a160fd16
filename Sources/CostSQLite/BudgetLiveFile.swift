internal import CostBudget
internal import CostPricing
internal import Foundation

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Where a ``SQLiteBudgetStore`` keeps its live state (accounts, open holds, rolling charges), as
/// recorded in the database file, and the memory-backed companion file that holds it when a store
/// chose ``SQLiteBudgetStore/LiveState/memoryBacked(directory:)``.
///
/// The database file's `meta` records the choice: `budget_live_dir` (absent: in the database) and
/// `budget_live_id` (a new random id at every move into a directory, which names the companion
/// file, so a file left from an earlier move is never picked up again). The companion file's own
/// `meta` records the id and the boot it was built in; when either differs, or the file is new, its
/// live state is built again: holds dropped, each budget's spend rebuilt from the ledger's events
/// in the database file (``BudgetLedgerTally``). Every move bumps `budgets_generation`, so a store
/// still open on the old place notices at its next operation and refuses to go on.
enum BudgetLiveFile {
    static let directoryKey = "budget_live_dir"
    static let idKey = "budget_live_id"

    struct Opened {
        let live: Connection
        let path: String?
        let rebuilt: Bool
        /// The companion file as opened, to notice it being deleted or replaced under the store.
        let identity: FileIdentity?
    }

    /// A file's device and inode.
    struct FileIdentity: Equatable {
        let device: UInt64
        let inode: UInt64

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// Settles the placement in the database file (moving the live state if `placement` asks for
    /// another place than the recorded one), opens the companion file when there is one, and
    /// rebuilds the live state where it is new or stale.
    static func open(definitions defs: Connection, placement: SQLiteBudgetStore.LiveState, at instant: Date) throws -> Opened {
        let (path, movedIn): (String?, Bool) = try defs.writeTransaction {
            let recorded = try recordedPath(defs)
            switch placement {
            case .asConfigured:
                return (recorded, false)
            case .inDatabase:
                guard let recorded else { return (nil, false) }
                try defs.execute("DELETE FROM meta WHERE key IN ('\(directoryKey)', '\(idKey)')")
                try bumpGeneration(defs)
                // the file's accounts are from before the live state moved out of it
                try defs.execute("DELETE FROM budget_live; DELETE FROM budget_entries;")
                try rebuild(live: defs, definitions: defs, at: instant)
                try? FileManager.default.removeItem(atPath: recorded)
                return (nil, true)
            case .memoryBacked(let directory):
                guard !directory.isEmpty else {
                    throw SQLiteError(code: .invalidInput, message: "a memory-backed live state needs a directory; pass SQLiteBudgetStore.defaultMemoryDirectory")
                }
                let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
                if let recorded, (recorded as NSString).deletingLastPathComponent == absolute { return (recorded, false) }
                try SQLiteUsageLedger.setMeta(defs, directoryKey, absolute)
                try SQLiteUsageLedger.setMeta(defs, idKey, UUID().uuidString.lowercased())
                try bumpGeneration(defs)
                if let recorded { try? FileManager.default.removeItem(atPath: recorded) }
                return (try recordedPath(defs), false)
            }
        }
        guard let path else { return Opened(live: defs, path: nil, rebuilt: movedIn, identity: nil) }
        let id = (path as NSString).lastPathComponent
        let boot = bootID ?? ""
        let live = try Connection.budgetLiveFile(path: path)
        let rebuilt = try live.writeTransaction {
            if try SQLiteUsageLedger.meta(live, "origin") == id, try SQLiteUsageLedger.meta(live, "boot") == boot { return false }
            try live.execute("DELETE FROM budget_live; DELETE FROM budget_entries;")
            try rebuild(live: live, definitions: defs, at: instant)
            try SQLiteUsageLedger.setMeta(live, "origin", id)
            try SQLiteUsageLedger.setMeta(live, "boot", boot)
            return true
        }
        return Opened(live: live, path: path, rebuilt: rebuilt, identity: FileIdentity(path: path))
    }

    /// The companion file the database file names, or `nil` when the live state is in the database.
    static func recordedPath(_ defs: Connection) throws -> String? {
        guard let directory = try SQLiteUsageLedger.meta(defs, directoryKey),
            let id = try SQLiteUsageLedger.meta(defs, idKey)
        else { return nil }
        return (directory as NSString).appendingPathComponent("costctl-budgets-\(id).db")
    }

    /// Every stored definition.
    static func definitions(_ defs: Connection) throws -> [Budget] {
        let statement = try defs.cached("SELECT definition FROM budgets")
        var list: [Budget] = []
        while try statement.step() {
            list.append(try SQLiteBudgetStore.decodeDefinition(statement.text(0) ?? "", path: defs.path))
        }
        return list
    }

    static func bumpGeneration(_ defs: Connection) throws {
        let current = try SQLiteUsageLedger.meta(defs, "budgets_generation").flatMap { Int($0) } ?? 0
        try SQLiteUsageLedger.setMeta(defs, "budgets_generation", String(current + 1))
    }

    /// Replaces every budget's spend in `live` (inside its write transaction) with what the
    /// ledger's events in `defs` add up to at `instant`, read in one snapshot.
    static func rebuild(live: Connection, definitions defs: Connection, at instant: Date) throws {
        let read = { () throws -> [(Budget, BudgetSpend)] in
            var spends: [(Budget, BudgetSpend)] = []
            for budget in try definitions(defs) {
                guard var tally = BudgetLedgerTally(budget: budget, at: instant) else { continue }
                var cursor: EventCursor?
                repeat {
                    let page = try SQLiteUsageLedger.events(
                        in: defs, matching: tally.filter, after: cursor, limit: 5_000, detail: tally.detail)
                    for event in page.events { try tally.add(event) }
                    cursor = page.next
                } while cursor != nil
                spends.append((budget, try tally.spend()))
            }
            return spends
        }
        let spends = defs.isInTransaction ? try read() : try defs.readTransaction(read)
        var session = BudgetSession(db: live, at: instant)
        for (budget, spend) in spends {
            try session.replaceSpend(budget, with: try spend.resolved(for: budget, at: instant))
        }
        try session.flush()
    }

    /// This boot of the machine (Linux: the kernel's boot id); `nil` where there is none to read,
    /// and then only a missing companion file is rebuilt.
    static var bootID: String? {
        #if os(Linux)
            guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return nil }
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return id.isEmpty ? nil : id
        #else
            return nil
        #endif
    }
}
