import Foundation
import Testing

/// `costctl metrics` and `costctl watch` as real processes on a real SQLite file; the dashboard runs
/// in a real terminal (tmux on a private socket) and is read back from the pane.
@Suite("costctl metrics and watch")
struct WatchCLITests {
    /// Three events 30 seconds ago (so "today" holds them in UTC), a daily budget for search and a key.
    /// gpt-4o: 10,000 input + 1,000 output = $0.035; gpt-4o-mini: 20,000 + 2,000 = $0.0042.
    static func filled() throws -> (CLI, String) {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("w.db").path
        let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-30))
        let lines = [
            #"{"id":"w1","timestamp":"\#(at)","provider":"openai","model":"gpt-4o","usage":{"input_tokens":6000,"output_tokens":600},"team":"search"}"#,
            #"{"id":"w2","timestamp":"\#(at)","provider":"openai","model":"gpt-4o","usage":{"input_tokens":4000,"output_tokens":400},"team":"search"}"#,
            #"{"id":"w3","timestamp":"\#(at)","provider":"openai","model":"gpt-4o-mini","usage":{"input_tokens":20000,"output_tokens":2000},"team":"support"}"#,
        ].joined(separator: "\n")
        let recorded = try cli.run(["record", "--db", db, "--stdin"], stdin: lines)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let budget = try cli.run(["budget", "set", "search-daily", "--db", db, "--scope", "team=search", "--limit", "0.10", "--period", "daily"])
        #expect(budget.status == 0, "\(budget.stderr)")
        _ = try cli.run(["budget", "sync", "--db", db])
        let key = try cli.run(
            ["keys", "add", "--db", db, "--provider", "anthropic", "--label", "k3", "--tokens-per-30d", "1000000"],
            stdin: "sk-ant-api03-PLANTEDwatch0123456789-tail\n", environment: ["COSTCTL_MASTER_KEY": KeysCLITests.masterKey()])
        #expect(key.status == 0, "\(key.stderr)")
        return (cli, db)
    }

    /// The filled database and a tmux on a private socket; `nil` (the test passes) only when tmux
    /// is missing and COSTCTL_SKIP_TMUX=1, otherwise a missing tmux is recorded as a failure.
    static func tmuxSession() throws -> (CLI, String, Tmux)? {
        guard let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            if ProcessInfo.processInfo.environment["COSTCTL_SKIP_TMUX"] != "1" {
                Issue.record("tmux not found: apt-get install tmux (or set COSTCTL_SKIP_TMUX=1 to skip this test)")
            }
            return nil
        }
        let (cli, db) = try filled()
        return (cli, db, Tmux(path: tmux, socket: "costctl-test-\(UUID().uuidString.prefix(8))", home: cli.home))
    }

    @Test("metrics: the text format on stdout, --output written atomically, --json, --top checked")
    func metrics() throws {
        let (cli, db) = try Self.filled()
        let text = try cli.run(["metrics", "--db", db])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("# TYPE costctl_cost_usd_total counter"))
        #expect(text.stdout.contains(#"costctl_cost_usd_total{provider="openai",model="gpt-4o",team="search"} 0.035"#))
        #expect(text.stdout.contains(#"costctl_cost_usd_total{provider="openai",model="gpt-4o-mini",team="support"} 0.0042"#))
        #expect(text.stdout.contains(#"costctl_budget_remaining_usd{budget="search-daily",scope="team=search",period="daily"} 0.065"#))
        #expect(text.stdout.contains(#"costctl_key_quota_utilization_ratio{pool="anthropic",key="k3",measure="tokens"} 0"#))
        #expect(!text.stdout.contains("PLANTED"))

        let top = try cli.run(["metrics", "--db", db, "--top", "1"])
        #expect(top.stdout.contains(#"costctl_cost_usd_total{provider="__other__",model="__other__",team="__other__"} 0.0042"#))

        let directory = cli.home.appendingPathComponent("textfile")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("costctl.prom")
        let written = try cli.run(["metrics", "--db", db, "--output", file.path])
        #expect(written.status == 0 && written.stdout.isEmpty, "\(written.stderr)")
        let content = try String(contentsOf: file, encoding: .utf8)
        #expect(content.hasPrefix("# HELP costctl_cost_usd_total "))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["costctl.prom"])

        let json = try cli.run(["metrics", "--db", db, "--json"]).json()
        let families = try #require(json["families"] as? [[String: Any]])
        let cost = try #require(families.first { $0["name"] as? String == "costctl_cost_usd_total" })
        #expect(cost["type"] as? String == "counter")
        #expect((cost["samples"] as? [[String: Any]])?.first?["value"] as? String == "0.035")

        let bad = try cli.run(["metrics", "--db", db, "--top", "0"])
        #expect(bad.status == 2 && bad.stderr.contains("--top"))
        let nowhere = try cli.run(["metrics", "--db", db, "--output", cli.home.appendingPathComponent("no/such/dir/x.prom").path])
        #expect(nowhere.status == 1 && nowhere.stderr.contains("cannot write"))
    }

    @Test("watch without a terminal prints one plain frame; --json its data; a bad --interval exits 2")
    func once() throws {
        let (cli, db) = try Self.filled()
        let r = try cli.run(["watch", "--db", db, "--once"], environment: ["COLUMNS": "100"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("\u{1B}["))
        for expected in ["TODAY  $0.0392 spent · 3 requests · 33.0K tokens", "search-daily", "gpt-4o-mini", "k3", "no unacknowledged alerts", "MONTH "] {
            #expect(r.stdout.contains(expected), "missing \(expected) in\n\(r.stdout)")
        }
        let team = try cli.run(["watch", "--db", db, "--team", "support", "--json"])
        #expect(team.status == 0, "\(team.stderr)")
        let json = try team.json()
        #expect(json["today_cost_usd"] as? String == "0.0042")
        #expect((json["budgets"] as? [Any])?.isEmpty == true)
        let bad = try cli.run(["watch", "--db", db, "--interval", "fast"])
        #expect(bad.status == 2 && bad.stderr.contains("--interval"))
    }

    @Test("watch in tmux: the dashboard with the database's numbers, re-laid out on resize, q quits and restores the terminal")
    func tmux() throws {
        guard let (_, db, session) = try Self.tmuxSession() else { return }
        let command = "'\(CLI.binary.path)' watch --db '\(db)' --interval 1s; echo WATCH-EXITED-$?; sleep 120"
        var server: pid_t?
        defer { session.killServer(pid: server) }
        _ = try session.run(["-f", "/dev/null", "new-session", "-d", "-s", "w", "-x", "120", "-y", "40", command])
        server = pid_t(try session.format("#{pid}"))

        let first = try session.waitForPane { $0.contains("SPEND BY MODEL (TODAY)") && $0.contains("gpt-4o-mini") }
        for expected in ["TODAY  $0.0392 spent · 3 requests · 33.0K tokens", "search-daily", "35.0%  $0.035 of $0.10", "$0.0042", "k3", "0.0% tokens  anthropic  rolling window", "ALERTS", "MONTH ", "q quit"] {
            #expect(first.contains(expected), "missing \(expected) in\n\(first)")
        }
        let firstLines = first.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(firstLines.count > 1 && firstLines[1] == Substring(String(repeating: "─", count: 120)), "\(first)")
        #expect(try session.format("#{alternate_on}") == "1")
        #expect(try session.format("#{cursor_flag}") == "0")

        _ = try session.run(["resize-window", "-t", "w", "-x", "70", "-y", "30"])
        let resized = try session.waitForPane { pane in
            pane.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().first == Substring(String(repeating: "─", count: 70))
        }
        let lines = resized.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.count <= 70 }, "\(resized)")
        #expect(resized.contains("search-daily") && resized.contains("gpt-4o-mini"), "\(resized)")

        _ = try session.run(["send-keys", "-t", "w", "q"])
        let after = try session.waitForPane { $0.contains("WATCH-EXITED-") }
        #expect(after.contains("WATCH-EXITED-0"), "\(after)")
        #expect(!after.contains("SPEND BY MODEL"), "the dashboard stayed on the normal screen:\n\(after)")
        #expect(try session.format("#{alternate_on}") == "0")
        #expect(try session.format("#{cursor_flag}") == "1")
    }

    @Test("watch in tmux: Ctrl-C (SIGINT) restores the terminal too, exit status 130")
    func interrupt() throws {
        guard let (_, db, session) = try Self.tmuxSession() else { return }
        let command = "'\(CLI.binary.path)' watch --db '\(db)'; echo WATCH-EXITED-$?; sleep 120"
        var server: pid_t?
        defer { session.killServer(pid: server) }
        _ = try session.run(["-f", "/dev/null", "new-session", "-d", "-s", "w", "-x", "100", "-y", "30", command])
        server = pid_t(try session.format("#{pid}"))
        _ = try session.waitForPane { $0.contains("SPEND BY MODEL (TODAY)") }
        #expect(try session.format("#{alternate_on}") == "1")
        _ = try session.run(["send-keys", "-t", "w", "C-c"])
        let after = try session.waitForPane { $0.contains("WATCH-EXITED-") }
        #expect(after.contains("WATCH-EXITED-130"), "\(after)")
        #expect(try session.format("#{alternate_on}") == "0")
        #expect(try session.format("#{cursor_flag}") == "1")
    }
}

/// A tmux server on a private socket, every command under a watchdog.
struct Tmux {
    let path: String
    let socket: String
    let home: URL

    /// Runs `tmux -L socket ARGS`; kills it after 20 seconds.
    ///
    /// Spawned with posix_spawn rather than Foundation's `Process`, for two reasons: the child
    /// must start with no signal blocked and default dispositions (the test runner's threads block
    /// most signals; a tmux server with SIGCHLD blocked never notices its panes exit), and the
    /// output goes to a file, not a pipe (the server that `new-session` forks inherits the client's
    /// descriptors and would hold a pipe open for its whole life). The child is reaped here with
    /// `waitpid` on its own pid.
    func run(_ arguments: [String]) throws -> String {
        let outputFile = home.appendingPathComponent("tmux-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home.path
        env["XDG_DATA_HOME"] = home.appendingPathComponent("data").path
        env["TERM"] = "xterm-256color"
        env.removeValue(forKey: "TMUX")
        let argv = ([path, "-L", socket] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw TmuxFailure(message: "cannot start tmux: error \(spawned)") }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(20)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw TmuxFailure(message: "tmux \(arguments.first ?? "") did not finish in 20 s")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw TmuxFailure(message: "tmux \(arguments.first ?? ""): wait status \(status): \(text)")
        }
        return text
    }

    /// A `display-message` format of the session's pane, trimmed.
    func format(_ format: String) throws -> String {
        try run(["display-message", "-p", "-t", "w", format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The pane's text once `ready` holds, polling for up to 30 seconds (the last capture is
    /// returned and recorded as an issue when it never does).
    func waitForPane(_ ready: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(30)
        var pane = ""
        while Date() < deadline {
            pane = try run(["capture-pane", "-p", "-t", "w"])
            if ready(pane) { return pane }
            Thread.sleep(forTimeInterval: 0.2)
        }
        Issue.record("the pane never got ready:\n\(pane)")
        return pane
    }

    /// Stops the server, and kills it (by the pid it reported) if it is still there a second later.
    func killServer(pid: pid_t?) {
        _ = try? run(["kill-server"])
        guard let pid, pid > 0 else { return }
        for _ in 0..<10 where kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.1) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }
}

struct TmuxFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
