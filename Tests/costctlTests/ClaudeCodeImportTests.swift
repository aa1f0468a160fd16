import CostControl
import Foundation
import Testing

/// The Claude Code fixture (Fixtures/Import/claude-code, written by make_claude_code.py) through the
/// real SQLite ledger. Expected figures are worked out by hand from the fixture and the catalog's
/// published prices (per million tokens):
///
/// | message | model | counted copy | input (all) | cache read | cache write | output | cost |
/// | --- | --- | --- | --- | --- | --- | --- | --- |
/// | msg_01A1 | sonnet-4 $3/$0.30/$3.75 (5m)/$15 | final (output 350, not the partial 1) | 4+1000+20000 = 21004 | 20000 | 1000 (5m) | 350 | 12+3750+6000+5250 µ$ = 0.015012 |
/// | msg_01A2 | sonnet-4, 1h write $6 | one of 3 copies (resumed + sidechain) | 10+2000+21000 = 23010 | 21000 | 2000 (1h) | 500 | 30+12000+6300+7500 = 0.02583 |
/// | msg_01A3 | haiku-3.5 $0.80/$4 | one of 2 (no requestId) | 3 | 0 | 0 | 20 | costUSD 0.5; calculated 2.4+80 = 0.0000824 |
/// | msg_01A4 | sonnet-4.5 above 200k: $6/$0.60/$22.50 | only | 5000+200000 = 205000 | 200000 | 0 | 1000 | 30000+120000+22500 = 0.1725 |
/// | msg_01A5 | sonnet-4 | final (800, its partial copy read first) | 8+30000 = 30008 | 30000 | 0 | 800 | 24+9000+12000 = 0.021024 |
/// | msg_01B1 | opus-4.1 $15/$18.75/$75 | only | 6+500 = 506 | 0 | 500 (no split) | 200 | 90+9375+15000 = 0.024465 |
/// | limit | (rate limited) | | 0 | 0 | 0 | 0 | 0 |
@Suite("import claude-code")
struct ClaudeCodeImportTests {
    static let directory = ImportBench.fixture("claude-code")

    @Test("every trap: copies collapsed to the largest, cache normalised, long context, rate limits, skips counted")
    func importsExactTotals() async throws {
        let bench = try ImportBench()
        let summary = try await bench.run(.claudeCode, [Self.directory])
        #expect(summary.files == 2)
        #expect(summary.records == 17)
        #expect(summary.added == 7)
        #expect(summary.rateLimited == 1)
        #expect(summary.duplicateCopies == 5)
        #expect(summary.alreadyStored == 0)
        #expect(summary.rejected == 0)
        #expect(summary.skipped["no usage (not an assistant response)"] == 3)
        #expect(summary.skipped["synthetic model (<synthetic>)"] == 1)
        #expect(summary.skipped["malformed line (not JSON, or a usage field of the wrong type)"] == 1)
        #expect(summary.skippedTotal == 5)

        let totals = try await bench.totals()
        #expect(totals.events == 7)
        #expect(totals.usage.requests == 6)
        #expect(totals.rateLimited == 1)
        #expect(totals.unpriced == 0)
        #expect(totals.usage.inputTokens == 21004 + 23010 + 3 + 205_000 + 30008 + 506)
        #expect(totals.usage.cacheReadTokens == 20000 + 21000 + 200_000 + 30000)
        #expect(totals.usage.cacheWriteTokens == 1000 + 2000 + 500)
        #expect(totals.usage.cacheWrite5mTokens == 1000)
        #expect(totals.usage.cacheWrite1hTokens == 2000)
        #expect(totals.usage.outputTokens == 350 + 500 + 20 + 1000 + 800 + 200)
        // auto: msg_01A3 keeps its costUSD (0.5).
        #expect(totals.cost == ImportBench.usd("0.758831"))

        let byModel = try await bench.rows(by: .model)
        #expect(byModel["claude-sonnet-4-5-20250929"]?.cost == ImportBench.usd("0.1725"))
        #expect(byModel["claude-opus-4-1-20250805"]?.cost == ImportBench.usd("0.024465"))
        #expect(byModel["claude-3-5-haiku-20241022"]?.cost == ImportBench.usd("0.5"))
        // The rate-limit event is attributed to the last model before it, with no tokens.
        #expect(byModel["claude-sonnet-4-20250514"]?.rateLimited == 1)
        #expect(byModel["claude-sonnet-4-20250514"]?.cost == ImportBench.usd("0.061866"))

        // Project = the directory under projects/; the first-read copy of msg_01A2 is the resumed one (api).
        let byProject = try await bench.rows(by: .project)
        #expect(byProject["-home-alice-src-shop"]?.events == 5)
        #expect(byProject["-home-alice-src-api"]?.events == 2)

        // The partial copy of msg_01A5 (output 5), read first, did not win.
        let a5 = try #require(try await bench.ledger.event(id: "claude-code:msg_01A5:req_01A5"))
        #expect(a5.usage.outputTokens == 800)
        #expect(a5.dimensions.session == "3f2a9c4e-1b7d-4e8a-9c61-5d0e2b7a4f10")
        // No requestId: the key is message.id alone.
        #expect(try await bench.ledger.event(id: "claude-code:msg_01A3") != nil)
        let limit = try #require(try await bench.ledger.event(id: "claude-code:limit:a-005"))
        #expect(limit.status == .rateLimited)
        #expect(limit.metadata?.object?["resets_at"]?.string == "2026-11-10T17:00:00Z")  // 1794330000 = 1794268800 (Nov 10) + 17 h
    }

    @Test("importing twice adds nothing and changes no total")
    func idempotent() async throws {
        let bench = try ImportBench()
        _ = try await bench.run(.claudeCode, [Self.directory])
        let before = try await bench.totals()
        let again = try await bench.run(.claudeCode, [Self.directory])
        #expect(again.added == 0)
        #expect(again.alreadyStored == 7)
        #expect(try await bench.totals() == before)
    }

    @Test("cost modes: calculate ignores costUSD, display keeps only costUSD and leaves the rest unpriced")
    func costModes() async throws {
        let calculate = try ImportBench()
        _ = try await calculate.run(.claudeCode, [Self.directory]) { $0.costMode = .calculate }
        #expect(try await calculate.totals().cost == ImportBench.usd("0.2589134"))

        let display = try ImportBench()
        _ = try await display.run(.claudeCode, [Self.directory]) { $0.costMode = .display }
        let totals = try await display.totals()
        #expect(totals.cost == ImportBench.usd("0.5"))
        #expect(totals.unpriced == 5)
    }

    @Test("CLAUDE_CONFIG_DIR directories are read when no path is given; a missing default says where it looked")
    func defaultDirectories() async throws {
        let bench = try ImportBench()
        let summary = try await bench.run(.claudeCode, []) {
            $0.environment = ["HOME": bench.directory.path, "CLAUDE_CONFIG_DIR": "/nonexistent, " + Self.directory]
        }
        #expect(summary.added == 7)
        // An entry that is itself a projects directory is read as it is.
        let direct = try ImportBench()
        let projects = try await direct.run(.claudeCode, []) {
            $0.environment = ["HOME": direct.directory.path, "CLAUDE_CONFIG_DIR": Self.directory + "/projects"]
        }
        #expect(projects.added == 7)
        await #expect(throws: ControlError.self) {
            _ = try await bench.run(.claudeCode, []) { $0.environment = ["HOME": bench.directory.path] }
        }
    }

    @Test("a response written in the last moments waits for the next run (it may still be streaming)")
    func settles() async throws {
        let bench = try ImportBench()
        // The clock stands 60 s after msg_01A5's final copy: it and its partial copy wait.
        let summary = try await bench.run(.claudeCode, [Self.directory]) {
            $0.now = { ImportBench.date("2026-11-10T15:01:04Z") }
        }
        #expect(summary.added == 6)
        #expect(summary.skipped.values.reduce(0, +) == 6)
        let later = try await bench.run(.claudeCode, [Self.directory])
        #expect(later.added == 1)
        #expect(try await bench.ledger.event(id: "claude-code:msg_01A5:req_01A5")?.usage.outputTokens == 800)
    }
}
