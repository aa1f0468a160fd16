import CostBudget
import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// Two OS processes sharing one database: the `budget-load` example (Examples/BudgetLoad), built
/// with the tests, is the child process.
@Suite("Budget store shared by two processes")
struct BudgetTwoProcessTests {
    /// What one `budget-load` loop reports.
    struct LoopReport: Decodable {
        var pid: Int
        var passed: Int
        var refused: Int
        var committed: String
    }

    struct Child {
        let process: Process
        let output: Pipe
        let errors: Pipe

        /// Starts `budget-load` with `arguments`.
        init(_ arguments: [String]) throws {
            process = Process()
            process.executableURL = try BudgetTwoProcessTests.budgetLoad()
            process.arguments = arguments
            output = Pipe()
            errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
        }

        /// Waits for the end; the status, standard output and standard error.
        func finish() -> (status: Int32, output: String, errors: String) {
            let out = output.fileHandleForReading.readDataToEndOfFile()
            let err = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
        }

        /// The first line the child prints (blocks until it does).
        func firstLine() -> String {
            var data = Data()
            while !data.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                data.append(chunk)
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    struct MissingExecutable: Error, CustomStringConvertible {
        var description: String
    }

    /// The `budget-load` executable beside the test bundle (SwiftPM builds it for these tests), or
    /// `$BUDGET_LOAD`.
    static func budgetLoad() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["BUDGET_LOAD"] { return URL(fileURLWithPath: path) }
        let arguments0 = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        let bundle = Bundle.main.bundleURL
        for directory in [arguments0, bundle, bundle.deletingLastPathComponent(), arguments0.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("budget-load")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw MissingExecutable(description: "budget-load not found beside \(arguments0.path); run `swift build` first or set BUDGET_LOAD")
    }

    /// A new database with the budget `load`: $1, hard stop at 110%, throttling off (only money decides).
    /// The parent's store with the $1 "load" budget; `memoryBacked`: its live state in a companion
    /// file, which the children (opening the database `.asConfigured`) then use too.
    static func storeWithBudget(_ path: String, memoryBacked: Bool = false) async throws -> SQLiteBudgetStore {
        let live = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("live").path
        let store = try SQLiteBudgetStore(path: path, liveState: memoryBacked ? .memoryBacked(directory: live) : .asConfigured)
        try await store.setBudget(
            Budget(
                name: "load", limit: .money(try Money(dollars: 1)), period: .rolling(days: 3650),
                profile: LadderProfile.standard.disabling([.throttling])))
        return store
    }

    @Test(
        "two processes reserve and commit against one budget: never past the hard stop, nothing lost, never 'locked'",
        arguments: [false, true])
    func twoProcesses(memoryBacked: Bool) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.databasePath
        // $1 limit, hard stop at 110%: with exact $0.001 estimates at most 1,099 requests pass in all
        let store = try await Self.storeWithBudget(path, memoryBacked: memoryBacked)
        let arguments = ["--db", path, "--budget", "load", "--requests", "800", "--estimate", "0.001"]
        let children = try [Child(arguments), Child(arguments)]
        let results = children.map { $0.finish() }
        var committed = Money.zero
        var passed = 0
        for result in results {
            #expect(result.status == 0, "child failed: \(result.errors)")
            #expect(!result.errors.lowercased().contains("locked"))
            let report = try JSONDecoder().decode(LoopReport.self, from: Data(result.output.utf8))
            #expect(report.passed + report.refused == 800)
            committed = try committed.adding(try #require(Money(report.committed)))
            passed += report.passed
        }
        let state = try #require(try await store.state(of: "load"))
        #expect(passed == 1_099)
        #expect(state.spent.cost == committed)  // nothing lost: every commit a child saw is stored
        #expect(state.spent.cost == Money("1.099"))  // the request that would reach $1.10 was refused
        #expect(state.spent.requests == passed)
        #expect(state.held == .zero)
        if memoryBacked {
            // the children followed the database's choice: the spend is in the companion file only
            let live = try #require(store.liveStatePath)
            #expect(FileManager.default.fileExists(atPath: live))
            let inFile = try SQLiteBudgetStore(path: path, liveState: .inDatabase)  // moves it back: rebuilt from the ledger
            #expect(inFile.rebuiltLiveState)
            #expect(try await inFile.state(of: "load")?.spent == .zero)  // no ledger events in this test
            #expect(!FileManager.default.fileExists(atPath: live))
        }
    }

    @Test("two processes writing back to back: the write-ahead log is started again, not grown without bound")
    func logStaysBounded() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.databasePath
        let store = try SQLiteBudgetStore(path: path)  // kept open, so the log outlives the children
        try await store.setBudget(
            Budget(name: "load", limit: .money(try Money(dollars: 1_000_000)), period: .rolling(days: 3650)))
        let arguments = ["--db", path, "--budget", "load", "--requests", "4000", "--estimate", "0.001", "--durability", "process-crash"]
        let children = try [Child(arguments), Child(arguments)]
        for result in children.map({ $0.finish() }) {
            #expect(result.status == 0, "child failed: \(result.errors)")
        }
        // about 3.6 pages per reservation and commit: 8,000 pairs append ~29,000 pages; a RESTART
        // checkpoint every 10,000 pages keeps the file at 10,000 pages and a few (4 KiB + 24 bytes
        // each): a checkpoint that finds the other process mid-transaction gives up and is tried
        // again at the next commit, a few pages later
        let attributes = try FileManager.default.attributesOfItem(atPath: path + "-wal")
        let size = try #require(attributes[.size] as? Int)
        #expect(size <= 10_400 * 4_120, "the log has \(size) bytes")
        #expect(try await store.state(of: "load")?.spent.requests == 8_000)
    }

    @Test(
        "a child killed with SIGKILL while holding: its holds expire after the TTL and the budget comes back",
        arguments: [false, true])
    func killedWhileHolding(memoryBacked: Bool) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.databasePath
        let store = try await Self.storeWithBudget(path, memoryBacked: memoryBacked)
        // five holds of $0.20 with a 2 s TTL: $1.00 held, so another $0.20 would reach the hard stop
        let child = try Child(["--db", path, "--budget", "load", "--hold", "5", "--estimate", "0.2", "--ttl", "2"])
        let line = child.firstLine()
        #expect(line.contains("\"held\":5"))
        let killedAt = Date()
        kill(child.process.processIdentifier, SIGKILL)
        child.process.waitUntilExit()
        #expect(child.process.terminationReason == .uncaughtSignal)
        #expect(try await store.state(of: "load")?.held.cost == Money("1"))
        let request = BudgetRequest(
            provider: "load", model: "load", estimate: BudgetCharge(cost: try #require(Money("0.2"))), priority: .critical)
        #expect(try await store.reserve(request, policy: BudgetPolicy()).hold == nil)
        // wait out the TTL (counted from the holds' creation, before the kill)
        try await Task.sleep(for: .milliseconds(Int(max(0, 2.2 - Date().timeIntervalSince(killedAt)) * 1000)))
        let state = try #require(try await store.state(of: "load"))
        #expect(state.held == .zero && state.spent == .zero)
        let after = try await store.reserve(request, policy: BudgetPolicy())
        #expect(after.hold != nil)
    }
}
