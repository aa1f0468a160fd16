import CostBudget
import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// The live state in a memory-backed companion file (`SQLiteBudgetStore.LiveState.memoryBacked`):
/// kept while it belongs to this database and this boot, rebuilt otherwise, and never counted in
/// two places at once.
@Suite("Budget live state in a memory-backed file")
struct BudgetLiveFileTests {
    typealias F = BudgetFixtures

    static func holdOn(_ store: SQLiteBudgetStore) async throws -> BudgetHold {
        try #require(try await store.reserve(F.request("3"), policy: BudgetPolicy()).hold)
    }

    @Test("reopened in the same boot the file is kept with its holds; from another boot, or deleted, it is rebuilt without them")
    func keptOrRebuilt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let live = directory.url.appendingPathComponent("live").path
        let first = try SQLiteBudgetStore(path: directory.databasePath, liveState: .memoryBacked(directory: live), now: clock.now)
        #expect(first.rebuiltLiveState)  // new: built (from an empty ledger)
        let file = try #require(first.liveStatePath)
        #expect(file.hasPrefix(live + "/costctl-\(geteuid())/costctl-budgets-"))
        // in a directory of its own, closed to other users
        let mode = try FileManager.default.attributesOfItem(atPath: live + "/costctl-\(geteuid())")[.posixPermissions] as? Int
        #expect(mode == 0o700)
        try await first.setBudget(F.budget())
        let hold = try await Self.holdOn(first)
        _ = try await first.commit(try await Self.holdOn(first), actual: F.actual("2"))

        let second = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)  // as configured
        #expect(!second.rebuiltLiveState && second.liveStatePath == file)
        var state = try #require(try await second.state(of: "b"))
        #expect(state.held.cost == F.money("3") && state.spent.cost == F.money("2"))
        // nothing of it went to the database file's own live table
        let database = try Connection(path: directory.databasePath)
        #expect(try database.scalarText("SELECT count(*) FROM budget_live WHERE held_cost_lo != 0 OR spent_cost_lo != 0") == "0")

        // a file written before this boot: rebuilt; its holds are gone, the spend comes from the ledger (empty here)
        let companion = try Connection(path: file)
        try SQLiteUsageLedger.setMeta(companion, "boot", "an-earlier-boot")
        let third = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)
        #expect(third.rebuiltLiveState)
        state = try #require(try await third.state(of: "b"))
        #expect(state.held == .zero && state.spent == .zero)
        #expect(try await third.commit(hold, actual: F.actual("3")).holdWasExpired)  // recorded all the same
        #expect(try await third.state(of: "b")?.spent.cost == F.money("3"))

        // deleted in this boot (a cleaned directory, or another process's private /tmp): refused,
        // rather than a second live state; a store that had it open refuses too
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        let refused = #expect(throws: SQLiteError.self) { _ = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now) }
        #expect(refused?.code == .conflict && refused?.message.contains("costctl budget live memory") == true)
        let stale = await #expect(throws: SQLiteError.self) { _ = try await third.reserve(F.request("1"), policy: BudgetPolicy()) }
        #expect(stale?.message.contains("deleted or replaced") == true)

        // deleted by a reboot (the database recorded the file in an earlier boot): rebuilt
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        try SQLiteUsageLedger.setMeta(database, BudgetLiveFile.fileBootKey, "an-earlier-boot")
        let fourth = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)
        #expect(fourth.rebuiltLiveState && fourth.liveStatePath == file && FileManager.default.fileExists(atPath: file))
        #expect(try await fourth.state(of: "b")?.spent == .zero)

        // asked for again explicitly after a deletion in the same boot: a new file, built from the ledger
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        let fifth = try SQLiteBudgetStore(path: directory.databasePath, liveState: .memoryBacked(directory: live), now: clock.now)
        #expect(fifth.rebuiltLiveState && fifth.liveStatePath != file)
        #expect(try await fifth.state(of: "b")?.spent == .zero)
    }

    @Test("moving the live state: a store open on the old place refuses; moving back into the database rebuilds it there")
    func moves() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let inDatabase = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)
        #expect(inDatabase.liveStatePath == nil && !inDatabase.rebuiltLiveState)
        try await inDatabase.setBudget(F.budget())
        _ = try await Self.holdOn(inDatabase)

        let live = directory.url.appendingPathComponent("live").path
        let memory = try SQLiteBudgetStore(path: directory.databasePath, liveState: .memoryBacked(directory: live), now: clock.now)
        #expect(memory.rebuiltLiveState)
        #expect(try await memory.state(of: "b")?.held == .zero)  // the hold stayed behind with the old place
        let error = await #expect(throws: SQLiteError.self) { _ = try await inDatabase.reserve(F.request("1"), policy: BudgetPolicy()) }
        #expect(error?.code == .conflict)
        #expect(error?.message.contains("open the store again") == true)
        _ = try await Self.holdOn(memory)

        // the same directory again: the same file, kept
        let same = try SQLiteBudgetStore(path: directory.databasePath, liveState: .memoryBacked(directory: live + "/"), now: clock.now)
        #expect(!same.rebuiltLiveState && same.liveStatePath == memory.liveStatePath)
        #expect(try await same.state(of: "b")?.held.cost == F.money("3"))

        // back into the database: the old accounts there are not trusted, the spend is rebuilt; the file goes
        let back = try SQLiteBudgetStore(path: directory.databasePath, liveState: .inDatabase, now: clock.now)
        #expect(back.rebuiltLiveState && back.liveStatePath == nil)
        #expect(try await back.state(of: "b")?.held == .zero)
        #expect(!FileManager.default.fileExists(atPath: try #require(memory.liveStatePath)))
        await #expect(throws: SQLiteError.self) { _ = try await memory.state(of: "b") }

        // a second move into a directory names a new file: nothing of the first one comes back
        let again = try SQLiteBudgetStore(path: directory.databasePath, liveState: .memoryBacked(directory: live), now: clock.now)
        #expect(again.rebuiltLiveState && again.liveStatePath != memory.liveStatePath)

        let empty = #expect(throws: SQLiteError.self) {
            _ = try SQLiteBudgetStore(path: directory.databasePath, liveState: .memoryBacked(directory: ""), now: clock.now)
        }
        #expect(empty?.code == .invalidInput)
    }

    @Test("a process stopped between a budget change's two commits: the file is rebuilt before the next decision")
    func unappliedGeneration() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let live = directory.url.appendingPathComponent("live").path
        let store = try SQLiteBudgetStore(path: directory.databasePath, liveState: .memoryBacked(directory: live), now: clock.now)
        try await store.setBudget(F.budget())
        _ = try await Self.holdOn(store)
        #expect(try await store.state(of: "b")?.held.cost == F.money("3"))
        // what a change committed to the database but not to the file leaves: a generation the file has not applied
        let database = try Connection(path: directory.databasePath)
        try database.writeTransaction { _ = try BudgetLiveFile.bumpGeneration(database) }
        let other = try SQLiteBudgetStore(path: directory.databasePath, now: clock.now)
        #expect(!other.rebuiltLiveState)  // the file is this boot's: kept at open
        #expect(try await other.state(of: "b")?.held == .zero)  // rebuilt at the first decision: holds dropped
        #expect(try await store.state(of: "b")?.held == .zero)  // the same file for every store
        _ = try await Self.holdOn(store)
        #expect(try await other.state(of: "b")?.held.cost == F.money("3"))  // and applied again: kept from now on
    }

    @Test("a copy of the database (a backup restored beside it) gets a file of its own")
    func copiedDatabase() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let live = directory.url.appendingPathComponent("live").path
        let original = try SQLiteBudgetStore(path: directory.databasePath, liveState: .memoryBacked(directory: live), now: clock.now)
        try await original.setBudget(F.budget())
        _ = try await Self.holdOn(original)
        let copyPath = directory.url.appendingPathComponent("copy.db").path
        try Connection(path: directory.databasePath).execute("VACUUM INTO '\(copyPath)'")
        let copy = try SQLiteBudgetStore(path: copyPath, now: clock.now)
        #expect(copy.rebuiltLiveState)
        #expect(copy.liveStatePath != nil && copy.liveStatePath != original.liveStatePath)
        #expect(try await copy.state(of: "b")?.held == .zero)
        #expect(try await original.state(of: "b")?.held.cost == F.money("3"))
    }

    @Test("a directory that cannot be used, or is open to others, is refused before anything is recorded")
    func badDirectories() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(F.start)
        let file = directory.url.appendingPathComponent("a-file").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        let notADirectory = #expect(throws: SQLiteError.self) {
            _ = try SQLiteBudgetStore(path: directory.databasePath, liveState: .memoryBacked(directory: file + "/sub"), now: clock.now)
        }
        #expect(notADirectory?.code == .cannotOpen)
        let open = directory.url.appendingPathComponent("open").path
        try FileManager.default.createDirectory(
            atPath: open + "/costctl-\(geteuid())", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let planted = #expect(throws: SQLiteError.self) {
            _ = try SQLiteBudgetStore(path: directory.databasePath, liveState: .memoryBacked(directory: open), now: clock.now)
        }
        #expect(planted?.message.contains("closed to others") == true)
        // nothing was recorded: the live state is still in the database
        #expect(try SQLiteBudgetStore(path: directory.databasePath, now: clock.now).liveStatePath == nil)
    }

    @Test("the default memory directory exists and is writable")
    func defaultDirectory() {
        let path = SQLiteBudgetStore.defaultMemoryDirectory
        #expect(FileManager.default.isWritableFile(atPath: path))
    }
}
