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
/// The database file's `meta` records the choice: `budget_live_dir` (absent: in the database; else
/// a private directory, `costctl-<uid>` in the directory asked for) and `budget_live_id` (a new
/// random id at every move into a directory). The companion file is named after that id and the
/// database file's device and inode, so a copy or a restored backup of the database never shares
/// the original's file. The companion file's own `meta` records its name, the kernel's boot id and
/// the `budgets_generation` whose changes it holds (`applied_generation`); when the name or the
/// boot differ, or the file is new, it is built again: holds dropped, each budget's spend rebuilt
/// from the ledger's events in the database file (``BudgetLedgerTally``). A generation the file has
/// not applied (a process stopped between a budget change's two commits) has it rebuilt the same
/// way. Every move bumps `budgets_generation`, so a store still open on the old place notices at
/// its next operation and refuses to go on.
enum BudgetLiveFile {
    static let directoryKey = "budget_live_dir"
    static let idKey = "budget_live_id"
    static let appliedKey = "applied_generation"
    /// The live file's device and inode, and the boot they were recorded in (``checkSameFile``).
    static let fileKey = "budget_live_file"
    static let fileBootKey = "budget_live_file_boot"

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
            device = UInt64(truncatingIfNeeded: info.st_dev)
            inode = UInt64(truncatingIfNeeded: info.st_ino)
        }
    }

    /// Settles the placement in the database file (moving the live state if `placement` asks for
    /// another place than the recorded one), opens the companion file when there is one, and
    /// rebuilds the live state where it is new or stale.
    static func open(
        definitions defs: Connection, placement: SQLiteBudgetStore.LiveState, now: () -> Date
    ) throws -> Opened {
        var target: String?  // the private directory a move into memory goes to
        if case .memoryBacked(let directory) = placement {
            guard !directory.isEmpty else {
                throw SQLiteError(code: .invalidInput, message: "a memory-backed live state needs a directory; pass SQLiteBudgetStore.defaultMemoryDirectory")
            }
            // checked (and made private) before the move is recorded, so a bad directory changes nothing
            target = try privateDirectory(in: URL(fileURLWithPath: directory).standardizedFileURL.path)
        }
        // read first: most opens change nothing and need not wait for a write lock
        var movedIn = false
        var settled = false
        for _ in 0..<5 where !settled {
            let recordedNow = try defs.readTransaction { try recordedPath(defs) }
            guard needsMove(recorded: recordedNow, placement: placement, target: target) else {
                settled = true
                break
            }
            // The old file's write lock first, held until the move commits (the file, then the
            // database, as a budget change takes them): a reservation on the old file ends before
            // the move, or starts after it and finds it moved, never writes a hold into a file the
            // move has already left.
            let old = try recordedNow.flatMap { FileManager.default.fileExists(atPath: $0) ? try Connection.budgetLiveFile(path: $0) : nil }
            func move() throws -> Bool? {
                try defs.writeTransaction {
                    guard try recordedPath(defs) == recordedNow else { return nil }  // moved meanwhile: again
                    try bumpGeneration(defs)
                    try defs.execute("DELETE FROM meta WHERE key IN ('\(fileKey)', '\(fileBootKey)')")
                    if let target {
                        try SQLiteUsageLedger.setMeta(defs, directoryKey, target)
                        try SQLiteUsageLedger.setMeta(defs, idKey, UUID().uuidString.lowercased())
                    } else {
                        try defs.execute("DELETE FROM meta WHERE key IN ('\(directoryKey)', '\(idKey)')")
                        // the file's accounts are from before the live state moved out of it
                        try defs.execute("DELETE FROM budget_live; DELETE FROM budget_entries;")
                        _ = try rebuild(live: defs, definitions: defs, at: now())
                    }
                    if let recordedNow { remove(recordedNow) }
                    return target == nil
                }
            }
            guard let moved = try old.map({ try $0.writeTransaction(move) }) ?? move() else { continue }
            movedIn = moved
            settled = true
        }
        guard settled else {
            throw SQLiteError(code: .busy, message: "the budgets' live state in '\(defs.path)' kept moving while it was opened; try again")
        }
        // a move by another process between reading the path and locking the file: read it again
        for _ in 0..<5 {
            guard let path = try defs.readTransaction({ try recordedPath(defs) }) else {
                return Opened(live: defs, path: nil, rebuilt: movedIn, identity: nil)
            }
            try ensurePrivate((path as NSString).deletingLastPathComponent)
            let live = try Connection.budgetLiveFile(path: path)
            let name = (path as NSString).lastPathComponent
            let boot = bootID ?? ""
            let outcome: Bool? = try live.writeTransaction {
                guard try defs.readTransaction({ try recordedPath(defs) }) == path else { return nil }
                try checkSameFile(path, definitions: defs)
                if try SQLiteUsageLedger.meta(live, "origin") == name, try SQLiteUsageLedger.meta(live, "boot") == boot {
                    return false
                }
                try live.execute("DELETE FROM budget_live; DELETE FROM budget_entries;")
                let generation = try rebuild(live: live, definitions: defs, at: now())
                try SQLiteUsageLedger.setMeta(live, appliedKey, generation)
                try SQLiteUsageLedger.setMeta(live, "origin", name)
                try SQLiteUsageLedger.setMeta(live, "boot", boot)
                return true
            }
            guard let rebuilt = outcome else { continue }
            guard let identity = FileIdentity(path: path) else {
                throw SQLiteError(code: .cannotOpen, message: "the budgets' memory-backed live file '\(path)' vanished as it was opened; try again")
            }
            return Opened(live: live, path: path, rebuilt: rebuilt, identity: identity)
        }
        throw SQLiteError(code: .busy, message: "the budgets' live state in '\(defs.path)' kept moving while it was opened; try again")
    }

    /// The database records which file (device and inode) holds its live state in this boot: a
    /// process that finds another file at the path in the same boot (the file was deleted, or the
    /// process sees another `/dev/shm` or `/tmp` than the others: a private `/tmp`, a container)
    /// is refused, instead of building a second live state that would let the budgets be spent
    /// twice. The first file of a boot (after a move, or a reboot) is recorded. Called inside the
    /// file's write transaction (so the file, then the database, as a budget change); where there
    /// is no boot id (macOS) it checks nothing.
    private static func checkSameFile(_ path: String, definitions defs: Connection) throws {
        guard let boot = bootID, let identity = FileIdentity(path: path) else { return }
        // the name too: a copy of the database names its own file, with its own mark
        let name = (path as NSString).lastPathComponent
        let mark = "\(name) \(identity.device)-\(identity.inode)"
        let (recorded, recordedBoot) = try defs.readTransaction {
            (try SQLiteUsageLedger.meta(defs, fileKey), try SQLiteUsageLedger.meta(defs, fileBootKey))
        }
        guard recorded != mark else { return }
        if let recorded, recorded.hasPrefix(name + " "), recordedBoot == boot {
            throw SQLiteError(
                code: .conflict,
                message: "the budgets' memory-backed live file '\(path)' is not the one the database recorded in this boot: it was deleted since, or this process sees another /dev/shm or /tmp than the others (a private /tmp, a container); counting in a second file would let the budgets be spent twice. Run `costctl budget live memory` to start it again from the ledger, or `costctl budget live database`")
        }
        try defs.writeTransaction {
            guard try recordedPath(defs) == path else { return }
            try SQLiteUsageLedger.setMeta(defs, fileKey, mark)
            try SQLiteUsageLedger.setMeta(defs, fileBootKey, boot)
        }
    }

    private static func needsMove(recorded: String?, placement: SQLiteBudgetStore.LiveState, target: String?) -> Bool {
        switch placement {
        case .asConfigured: return false
        case .inDatabase: return recorded != nil
        case .memoryBacked:
            // asked for explicitly, a missing file starts again under a new name (a cleaned directory)
            guard let recorded, (recorded as NSString).deletingLastPathComponent == target else { return true }
            return !FileManager.default.fileExists(atPath: recorded)
        }
    }

    /// `costctl-<uid>` in `directory`, made private (``ensurePrivate(_:)``).
    ///
    /// - throws: ``SQLiteError`` `.cannotOpen` naming the directory and what is wrong.
    static func privateDirectory(in directory: String) throws -> String {
        try ensurePrivate((directory as NSString).appendingPathComponent("costctl-\(geteuid())"))
    }

    /// Creates `path` with mode 0700 (its parents as needed), or checks that it is a directory, not
    /// a link, owned by this user and closed to others: no other user can then read the live
    /// state, or plant a file or a link for it.
    ///
    /// - throws: ``SQLiteError`` `.cannotOpen` naming the directory and what is wrong.
    @discardableResult
    static func ensurePrivate(_ path: String) throws -> String {
        let parent = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw SQLiteError(code: .cannotOpen, message: "cannot create the directory '\(parent)' for the budgets' live state: \(error.localizedDescription)")
        }
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw SQLiteError(code: .cannotOpen, message: "cannot create '\(path)' for the budgets' live state: \(String(cString: strerror(errno)))")
        }
        let uid = geteuid()
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw SQLiteError(code: .cannotOpen, message: "cannot read '\(path)' for the budgets' live state: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o170000 == 0o040000, info.st_uid == uid, info.st_mode & 0o077 == 0 else {
            throw SQLiteError(
                code: .cannotOpen,
                message: "'\(path)' is not a directory of this user (uid \(uid)) closed to others (mode 0700), so the budgets' live state cannot be kept there; remove it, or move the live state elsewhere (costctl budget live memory --dir DIR)")
        }
        return path
    }

    /// Removes a companion file with its log and shared memory.
    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// The companion file the database file names, or `nil` when the live state is in the database.
    static func recordedPath(_ defs: Connection) throws -> String? {
        guard let directory = try SQLiteUsageLedger.meta(defs, directoryKey),
            let id = try SQLiteUsageLedger.meta(defs, idKey)
        else { return nil }
        let file = FileIdentity(path: defs.path).map { "-\($0.device)-\($0.inode)" } ?? ""
        return (directory as NSString).appendingPathComponent("costctl-budgets-\(id)\(file).db")
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

    static func generation(_ defs: Connection) throws -> String {
        try SQLiteUsageLedger.meta(defs, "budgets_generation") ?? "0"
    }

    /// Bumps `budgets_generation`; returns the new one.
    @discardableResult
    static func bumpGeneration(_ defs: Connection) throws -> String {
        let next = String((Int(try generation(defs)) ?? 0) + 1)
        try SQLiteUsageLedger.setMeta(defs, "budgets_generation", next)
        return next
    }

    /// Replaces every budget's spend in `live` (inside its write transaction, cleared by the caller)
    /// with what the ledger's events in `defs` add up to at `instant`, read in one snapshot; returns
    /// the `budgets_generation` of that snapshot.
    static func rebuild(live: Connection, definitions defs: Connection, at instant: Date) throws -> String {
        let read = { () throws -> (String, [(Budget, BudgetSpend)]) in
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
            return (try Self.generation(defs), spends)
        }
        let (snapshot, spends) = defs.isInTransaction ? try read() : try defs.readTransaction(read)
        var session = BudgetSession(db: live, at: instant)
        for (budget, spend) in spends {
            try session.replaceSpend(budget, with: try spend.resolved(for: budget, at: instant))
        }
        try session.flush()
        return snapshot
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
