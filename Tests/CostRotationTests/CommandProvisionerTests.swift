import CostBudget
import Foundation
import Testing

@testable import CostRotation

/// `CommandProvisioner` with real scripts in a temporary directory.
@Suite struct CommandProvisionerTests {
    static let key = "sk-ant-api03-PLANTEDq7Lm2Zp9Rt4Vw8Ny3Kb6Hd1Jf5Xc0"
    static let pool = KeyPool(provider: "anthropic", project: "growth")

    /// Every 8-character piece of `secret`: none may appear in what we print.
    static func pieces(of secret: String) -> [String] {
        let characters = Array(secret)
        return (0...(characters.count - 8)).map { String(characters[$0..<($0 + 8)]) }
    }

    static func expectNoSecret(_ text: String, _ secret: String = key, sourceLocation: SourceLocation = #_sourceLocation) {
        for piece in pieces(of: secret) {
            #expect(!text.contains(piece), "'\(piece)' of the secret in: \(text)", sourceLocation: sourceLocation)
        }
    }

    static func error(_ provisioner: CommandProvisioner, pool: KeyPool = pool) async throws -> RotationError {
        do {
            let key = try await provisioner.provisionKey(for: pool)
            Issue.record("expected an error, got \(key)")
            throw CancellationError()
        } catch let error as RotationError {
            return error
        }
    }

    @Test func readsTheKeyAndLabelAndGivesThePoolInTheEnvironment() async throws {
        let scripts = try ScriptDirectory()
        let path = try scripts.script("new-key", """
            echo "$COSTCTL_PROVIDER|$COSTCTL_POOL|$COSTCTL_PROJECT|$COSTCTL_TIME_LIMIT|$EXTRA|$#|$1" > '\(scripts.file("env"))'
            read line && echo "stdin had: $line" >&2
            echo
            echo "   \(Self.key)   "
            echo "label: from the script"
            echo "anything else is ignored"
            """)
        let provisioner = CommandProvisioner(executable: path, arguments: ["--fast"], timeLimit: .seconds(30))
            .with { $0.environment = ["EXTRA": "x"] }
        let provisioned = try await provisioner.provisionKey(for: Self.pool)
        #expect(provisioned.secret == Data(Self.key.utf8))
        #expect(provisioned.label == "from the script")
        #expect(scripts.lines(of: "env") == ["anthropic|anthropic/growth|growth|30|x|1|--fast"])
        Self.expectNoSecret(String(describing: provisioned))
    }

    @Test func aFailingCommandGivesItsStatusAndAScrubbedStderr() async throws {
        let scripts = try ScriptDirectory()
        let path = try scripts.script("fails", """
            echo '\(Self.key)'
            echo "created key=\(Self.key) for you" >&2
            echo "its start was \(Self.key.prefix(20)) and its end \(Self.key.suffix(12))" >&2
            echo "login failed: captcha" >&2
            exit 3
            """)
        let error = try await Self.error(CommandProvisioner(executable: path))
        #expect(error.code == .provisionerFailed)
        #expect(error.message.contains("exited with status 3"))
        #expect(error.message.contains("login failed: captcha"))
        #expect(error.message.contains("stderr: created sk-ant-…5Xc0 for you"))  // the word holding the key is masked
        Self.expectNoSecret(error.message)
        Self.expectNoSecret(String(describing: error))
    }

    @Test func aCommandKilledByASignalSaysSo() async throws {
        let scripts = try ScriptDirectory()
        let error = try await Self.error(CommandProvisioner(executable: try scripts.script("killed", "kill -9 $$")))
        #expect(error.code == .provisionerFailed)
        #expect(error.message.contains("killed by signal 9"))
    }

    @Test func noOutputIsRefused() async throws {
        let scripts = try ScriptDirectory()
        let error = try await Self.error(
            CommandProvisioner(executable: try scripts.script("silent", "echo '  ' ; echo 'nothing to say' >&2")))
        #expect(error.code == .provisionerNoKey)
        #expect(error.message.contains("printed no key"))
        #expect(error.message.contains("stderr: nothing to say"))
    }

    @Test(arguments: [
        ("anthropic", "sk-proj-PLANTEDq7Lm2Zp9Rt4Vw8Ny3Kb6Hd1Jf5Xc0", "start with 'sk-ant-'"),
        ("gemini", "sk-ant-api03-PLANTEDq7Lm2Zp9Rt4Vw8Ny3Kb6Hd1Jf5Xc0", "start with 'AIza'"),
        ("anthropic", "sk-ant-PLANTED", "14 characters"),
        ("anthropic", "sk-ant-api03-PLANTED q7Lm2Zp9Rt4Vw8Ny3Kb6Hd1Jf5Xc0", "whitespace character at position 21"),
        ("openai", "sk-PLANTEDq7Lm2Zp9Rt4Vw8Ny3Kb6Hd1Jf5Xc0é", "not printable ASCII"),
        ("mistral", String(repeating: "PLANTEDq", count: 130), "1040 characters"),
    ])
    func badShapesAreRefusedWithoutShowingTheKey(provider: String, output: String, problem: String) async throws {
        let scripts = try ScriptDirectory()
        let path = try scripts.script("bad", "printf '%s\\n' '\(output)'")
        let error = try await Self.error(CommandProvisioner(executable: path), pool: KeyPool(provider: provider))
        #expect(error.code == .provisionerBadKey)
        #expect(error.message.contains(problem), "\(error.message)")
        Self.expectNoSecret(error.message, output)
    }

    @Test func theShapeRulesAcceptKnownAndUnknownProviders() throws {
        try KeyShape(provider: "Anthropic").validate(Self.key)
        try KeyShape(provider: "gemini").validate("AIzaSyD3PLANTEDq7Lm2Zp9Rt4Vw8Ny3Kb6Hd1J")
        try KeyShape(provider: "openai").validate("sk-proj-PLANTEDq7Lm2Zp9Rt4Vw8Ny3Kb6Hd1Jf5Xc0")
        try KeyShape(provider: "mistral").validate("PLANTEDq7Lm2Zp9Rt4Vw8Ny3Kb6Hd1Jf5")
        #expect(throws: RotationError.self) { try KeyShape(provider: "openai").validate("") }
    }

    @Test func theKeyInTheLabelLineIsRefused() async throws {
        let scripts = try ScriptDirectory()
        let path = try scripts.script("label", "echo '\(Self.key)'; echo 'label: my \(Self.key)'")
        let error = try await Self.error(CommandProvisioner(executable: path))
        #expect(error.code == .provisionerBadKey)
        Self.expectNoSecret(error.message)
    }

    @Test func aHangingCommandIsKilledAtTheTimeLimitEvenWhenItIgnoresSIGTERM() async throws {
        let scripts = try ScriptDirectory()
        // ignores SIGTERM, and so does its child (ignored signals are inherited)
        let path = try scripts.script("hangs", """
            trap '' TERM
            echo $$ > '\(scripts.file("pids"))'
            sleep 30 &
            echo $! >> '\(scripts.file("pids"))'
            echo '\(Self.key)'
            echo "waiting for \(Self.key)" >&2
            wait
            """)
        let provisioner = CommandProvisioner(executable: path, timeLimit: .milliseconds(800))
            .with { $0.terminationGrace = .milliseconds(400) }
        let started = ContinuousClock.now
        let error = try await Self.error(provisioner)
        let elapsed = ContinuousClock.now - started
        #expect(error.code == .provisionerTimedOut)
        #expect(error.message.contains("timed out"))
        #expect(error.message.contains("within 0.8 s"))
        #expect(error.message.contains("waiting for sk-ant-…"))
        Self.expectNoSecret(error.message)
        #expect(elapsed >= .milliseconds(1_200))  // the upper bound: theKillComesAtTheTimeLimit…
        // the script and its child are gone (or a zombie waiting for its reaper)
        let pids = scripts.lines(of: "pids")
        #expect(pids.count == 2)
        // SIGKILL is delivered when the process next runs: on a busy machine give it up to 3 s
        for pid in pids {
            var stat = ""
            for _ in 0..<60 {
                stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
                let state = stat.split(separator: ")").last?.split(separator: " ").first.map(String.init)
                if stat.isEmpty || state == "Z" { stat = ""; break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(stat.isEmpty, "process \(pid) still runs 3 s after the kill: \(stat)")
        }
    }

    /// Timed by the threads that read the output (the test's own task may resume late on a busy
    /// machine): SIGTERM at the time limit, SIGKILL after the grace when it is ignored.
    @Test(arguments: [("sleep 30", SIGTERM, 0.5...4.5), ("trap '' TERM\nsleep 30 & wait", SIGKILL, 0.8...4.8)])
    func theKillComesAtTheTimeLimitPlusGrace(body: String, signal: Int32, closed: ClosedRange<Double>) async throws {
        let scripts = try ScriptDirectory()
        let run = try await CommandRun.start(
            executable: try scripts.script("hangs", body), arguments: [], environment: ["PATH": "/usr/bin:/bin"],
            timeLimit: .milliseconds(500), grace: .milliseconds(300), outputLimit: 1_024)
        #expect(run.timedOut)
        #expect(run.termination == .signal(signal))
        // well before the child's `sleep 30` would have ended and closed the output
        #expect(closed.contains(run.outputClosedAfter.seconds), "\(run.outputClosedAfter)")
    }

    @Test func aMissingOrNonExecutableCommandIsUnavailable() async throws {
        let scripts = try ScriptDirectory()
        let missing = try await Self.error(CommandProvisioner(executable: scripts.file("nothing-here")))
        #expect(missing.code == .provisionerUnavailable)
        #expect(missing.message.contains("chmod +x"))
        try Data("#!/bin/sh\necho x\n".utf8).write(to: URL(fileURLWithPath: scripts.file("plain")))
        let plain = try await Self.error(CommandProvisioner(executable: scripts.file("plain")))
        #expect(plain.code == .provisionerUnavailable)
    }

    @Test func scrubbingMasksEveryWordThatHoldsTheKeyOrAPieceOfIt() {
        let output = ProvisionerOutput(Data("\n  \(Self.key)\nlabel: k9\n".utf8))
        #expect(output.key == Self.key)
        #expect(output.label == "k9")
        let scrubbed = output.scrub("a \(Self.key) b \"\(Self.key)\" c \(Self.key.dropFirst(13).prefix(10)) d\n")
        let mask = SecretMask.fingerprint(Self.key)
        #expect(mask == "sk-ant-…5Xc0")
        #expect(scrubbed == "a \(mask) b \(mask) c \(mask) d\n")
        Self.expectNoSecret(scrubbed)
    }
}
