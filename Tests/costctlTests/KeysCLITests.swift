import Foundation
import Testing

/// `costctl keys …` as real processes on a real SQLite file with a real master key; a planted
/// secret must never show up anywhere but in `keys reveal --yes` and `keys pick --reveal`.
@Suite("costctl keys")
struct KeysCLITests {
    /// A fresh master key (base64 of 32 random bytes) for one test.
    static func masterKey() -> String {
        Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    @Test("add from stdin, list, stats, pick, disable, enable, rotate, audit, rm; reveal only with --yes; the planted secret is nowhere else")
    func plantedSecret() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("k.db").path
        let env = ["COSTCTL_MASTER_KEY": Self.masterKey()]
        let marker = "PLANTED" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let secret = "sk-ant-api03-" + marker + "-tail"
        let rotated = "sk-ant-api03-" + marker.lowercased() + "-next"
        var outputs: [String] = []
        func run(_ arguments: [String], stdin: String? = nil, status: Int32 = 0) throws -> CLI.Result {
            let result = try cli.run(arguments + ["--db", db], stdin: stdin, environment: env)
            #expect(result.status == status, "\(arguments): \(result.stdout) \(result.stderr)")
            outputs.append(result.stdout + result.stderr)
            return result
        }

        let added = try run(["keys", "add", "--provider", "anthropic", "--label", "k3", "--tokens-per-30d", "1000000", "--json"], stdin: secret + "\n")
        let row = try added.json()
        #expect(row["id"] as? String == "k3" && row["fingerprint"] as? String == "sk-ant-…tail" && row["status"] as? String == "active")
        _ = try run(["keys", "add", "--provider", "anthropic", "--label", "k4", "--requests-per-day", "2"], stdin: "sk-ant-api03-second-key-0000000000")
        // a bad shape: refused without echoing the secret
        let wrong = try run(["keys", "add", "--provider", "openai", "--label", "bad"], stdin: "AIza" + marker, status: 2)
        #expect(wrong.stderr.contains("openai keys start with 'sk-'"))
        // a duplicate id
        _ = try run(["keys", "add", "--provider", "anthropic", "--label", "k3"], stdin: secret, status: 2)

        let list = try run(["keys", "list"])
        #expect(list.stdout.contains("k3") && list.stdout.contains("sk-ant-…tail") && list.stdout.contains("0/1000000 tokens"))
        let listJSON = try JSONSerialization.jsonObject(with: Data(try run(["keys", "list", "--json"]).stdout.utf8)) as? [[String: Any]]
        #expect(listJSON?.map { $0["id"] as? String } == ["k3", "k4"])
        let pick = try run(["keys", "pick", "--provider", "anthropic", "--tokens", "5000", "--strategy", "priority"])
        #expect(pick.stdout == "k3\n")
        _ = try run(["keys", "pick", "--provider", "anthropic", "--tokens", "5000", "--json"])
        let tooBig = try run(["keys", "pick", "--provider", "anthropic", "--tokens", "2000000", "--strategy", "priority"], status: 0)
        #expect(tooBig.stdout == "k4\n")  // k4 has no token quota
        let none = try run(["keys", "pick", "--provider", "gemini", "--tokens", "1"], status: 3)
        #expect(none.stderr.contains("no key: the pool has no keys"))
        _ = try run(["keys", "stats", "k3"])
        _ = try run(["keys", "stats", "k3", "--json"])
        let disabled = try run(["keys", "disable", "k3", "--reason", "billing"])
        #expect(disabled.stdout.contains("disabled"))
        _ = try run(["keys", "enable", "k3", "--json"])
        _ = try run(["keys", "rotate", "k3"], stdin: rotated)
        let unknown = try run(["keys", "stats", "k5"], status: 1)
        #expect(unknown.stderr.contains("no key with id 'k5'"))
        let unconfirmed = try run(["keys", "reveal", "k3"], status: 2)
        #expect(unconfirmed.stderr.contains("--yes"))
        let audit = try run(["keys", "audit", "k3"])
        #expect(audit.stdout.contains("add") && audit.stdout.contains("disable") && audit.stdout.contains("rotate"))
        _ = try run(["keys", "audit", "--json"])

        // the only ways to see a secret: reveal --yes and pick --reveal, each audited
        let revealed = try cli.run(["keys", "reveal", "k3", "--yes", "--db", db], environment: env)
        #expect(revealed.status == 0 && revealed.stdout == rotated + "\n")
        let picked = try cli.run(["keys", "pick", "--provider", "anthropic", "--strategy", "priority", "--reveal", "--db", db], environment: env)
        #expect(picked.stdout == rotated + "\n")
        let reveals = try run(["keys", "audit", "k3", "--json"]).stdout
        #expect(reveals.components(separatedBy: "\"reveal\"").count - 1 == 2)
        _ = try run(["keys", "rm", "k4"])

        for output in outputs {
            #expect(!output.contains(marker) && !output.lowercased().contains(marker.lowercased()), "a command printed the secret: \(output)")
        }
        // the database, its write-ahead log and shared memory: no plain secret in any encoding
        let forms = [marker, marker.lowercased(), Data(secret.utf8).base64EncodedString(), Data(rotated.utf8).base64EncodedString()]
        for suffix in ["", "-wal", "-shm"] {
            guard let bytes = FileManager.default.contents(atPath: db + suffix) else { continue }
            for form in forms {
                #expect(bytes.range(of: Data(form.utf8)) == nil, "\(db + suffix) holds the secret (\(form.prefix(12))…)")
            }
        }
    }

    @Test("no master key, or the wrong one: clear errors, nothing printed in clear")
    func masterKeyErrors() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("k.db").path
        let missing = try cli.run(["keys", "list", "--db", db], environment: ["COSTCTL_MASTER_KEY": ""])
        #expect(missing.status == 1 && missing.stderr.contains("COSTCTL_MASTER_KEY"), "\(missing.stderr)")
        let first = Self.masterKey()
        let add = try cli.run(
            ["keys", "add", "--provider", "openai", "--label", "a", "--db", db], stdin: "sk-proj-0123456789abcdefghij",
            environment: ["COSTCTL_MASTER_KEY": first])
        #expect(add.status == 0, "\(add.stderr)")
        let other = try cli.run(["keys", "reveal", "a", "--yes", "--db", db], environment: ["COSTCTL_MASTER_KEY": Self.masterKey()])
        #expect(other.status == 1 && other.stdout.isEmpty, "\(other.stdout)")
        #expect(other.stderr.contains("master key"), "\(other.stderr)")
        #expect(!other.stderr.contains("0123456789abcdefghij"))
    }

    @Test("provisioner set/list/run/rm: pressure from a pick runs the script once, its key is in the pool at once; failures are audited and rate-limited")
    func provisioner() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("k.db").path
        let env = ["COSTCTL_MASTER_KEY": Self.masterKey()]
        let calls = cli.home.appendingPathComponent("calls").path
        let script = cli.home.appendingPathComponent("new-key.sh").path
        try """
            #!/bin/sh
            echo "$COSTCTL_POOL" >> '\(calls)'
            echo "sk-ant-api03-provisioned-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \\n')"
            echo "label: from-script"
            """.write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        func run(_ arguments: [String], stdin: String? = nil, status: Int32 = 0) throws -> CLI.Result {
            let result = try cli.run(arguments + ["--db", db], stdin: stdin, environment: env)
            #expect(result.status == status, "\(arguments): \(result.stdout) \(result.stderr)")
            return result
        }
        func callCount() -> Int { ((try? String(contentsOfFile: calls, encoding: .utf8)) ?? "").split(separator: "\n").count }

        _ = try run(["keys", "provisioner", "set", "--provider", "anthropic", "--command", script, "--requests-per-day", "100"])
        let list = try run(["keys", "provisioner", "list", "--json"]).stdout
        #expect(list.contains(script) && list.contains("100 requests/day"))
        _ = try run(["keys", "add", "--provider", "anthropic", "--label", "only"], stdin: "sk-ant-api03-the-only-key-000000")
        // the pick leases the only key: the last usable key is in use → pressure → the script runs once
        let pick = try run(["keys", "pick", "--provider", "anthropic", "--tokens", "10"])
        #expect(pick.stdout == "only\n" && pick.stderr.contains("provisioned key"))
        #expect(callCount() == 1)
        let keys = try JSONSerialization.jsonObject(with: Data(try run(["keys", "list", "--json"]).stdout.utf8)) as? [[String: Any]] ?? []
        #expect(keys.count == 2)
        let provisioned = try #require(keys.first { $0["id"] as? String != "only" })
        #expect(provisioned["label"] as? String == "from-script" && provisioned["status"] as? String == "active")
        #expect((provisioned["fingerprint"] as? String)?.hasPrefix("sk-ant-…") == true)
        // run by hand: a second key; the audit log has both provisions
        let manual = try run(["keys", "provisioner", "run", "--provider", "anthropic", "--json"])
        #expect(manual.stdout.contains("\"status\" : \"provisioned\""))
        #expect(callCount() == 2)
        // a failing script: exit 3, audited; the third attempt in the hour is the last one allowed
        try "#!/bin/sh\necho 'no account left' >&2\nexit 4\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        let failed = try run(["keys", "provisioner", "run", "--provider", "anthropic"], status: 3)
        #expect(failed.stdout.contains("provisioning failed") && failed.stdout.contains("status 4"))
        let limited = try run(["keys", "provisioner", "run", "--provider", "anthropic"], status: 3)
        #expect(limited.stdout.contains("rate-limited until"))
        #expect(callCount() == 2)
        let audit = try run(["keys", "audit"]).stdout
        #expect(audit.components(separatedBy: " provision  ").count - 1 == 2)
        #expect(audit.contains("provision-failed"))
        // every provisioning event became an alert in the outbox (delivered by `alerts deliver` or the daemon)
        let alerts = try JSONSerialization.jsonObject(with: Data(try run(["alerts", "list", "--json"]).stdout.utf8)) as? [[String: Any]] ?? []
        let kinds = alerts.compactMap { ($0["alert"] as? [String: Any])?["kind"] as? String ?? $0["kind"] as? String }
        #expect(kinds.filter { $0 == "key-provisioned" }.count == 2, "\(kinds)")
        #expect(kinds.contains("provisioning-failed"), "\(kinds)")
        #expect(!alerts.description.contains("sk-ant-api03"), "a secret in an alert")
        _ = try run(["keys", "provisioner", "rm", "--provider", "anthropic"])
        _ = try run(["keys", "provisioner", "run", "--provider", "anthropic"], status: 2)
        _ = try run(["keys", "provisioner", "set", "--provider", "anthropic", "--command", "/no/such/script"], status: 2)
    }

    /// util-linux `script` runs the command on a pseudo-terminal and relays our pipe to it.
    @Test(
        "at a terminal the secret is asked for with echo off",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux script for a pseudo-terminal"))
    func promptWithoutEcho() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("k.db").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "'\(CLI.binary.path)' keys add --provider openai --label tty --db '\(db)'", "/dev/null"]
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = cli.home.path
        env["COSTCTL_MASTER_KEY"] = Self.masterKey()
        process.environment = env
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // never hang the suite: a command still waiting after 30 s is stopped (and the test fails)
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
        defer { watchdog.cancel() }
        // type only once the prompt is there (echo is off before it is printed)
        var seen = Data()
        let deadline = Date().addingTimeInterval(30)
        while !String(decoding: seen, as: UTF8.self).contains("Secret for the openai key 'tty': "), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        CLI.writeAll(input.fileHandleForWriting, Data("sk-proj-TYPEDSECRET0123456789\n".utf8))
        seen.append(output.fileHandleForReading.readDataToEndOfFile())
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let text = String(decoding: seen, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("Added key 'tty' (openai, sk-proj-…6789)"), "\(text)")
        #expect(!text.contains("TYPEDSECRET"), "the secret was echoed: \(text)")
    }

    @Test("master rotate: the data key is re-wrapped under a new key file; secrets open with it and not with the old key")
    func masterRotation() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("k.db").path
        let old = ["COSTCTL_MASTER_KEY": Self.masterKey()]
        let secret = "sk-ant-api03-ROTATED-0123456789abcdef"
        #expect(try cli.run(["keys", "add", "--provider", "anthropic", "--label", "a", "--db", db], stdin: secret, environment: old).status == 0)
        let before = try cli.run(["keys", "master", "show", "--db", db, "--json"], environment: old).json()
        let newFile = cli.home.appendingPathComponent("new.key").path
        let rotate = try cli.run(["keys", "master", "rotate", "--to", newFile, "--create", "--db", db, "--json"], environment: old)
        #expect(rotate.status == 0, "\(rotate.stderr)")
        let rotated = try rotate.json()
        #expect(rotated["old_master_key_id"] as? String == before["master_key_id"] as? String)
        #expect(rotated["data_key_id"] as? String == before["data_key_id"] as? String)
        let attributes = try FileManager.default.attributesOfItem(atPath: newFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // the new key file opens the vault; the old key is refused with a clear error
        let new = ["COSTCTL_MASTER_KEY": "", "COSTCTL_MASTER_KEY_FILE": newFile]
        let revealed = try cli.run(["keys", "reveal", "a", "--yes", "--db", db], environment: new)
        #expect(revealed.status == 0 && revealed.stdout == secret + "\n", "\(revealed.stderr)")
        let refused = try cli.run(["keys", "reveal", "a", "--yes", "--db", db], environment: old)
        #expect(refused.status == 1 && refused.stderr.contains("master key") && !refused.stdout.contains(secret))
        // rotating to the key in use, or to a file that exists with --create, is refused
        #expect(try cli.run(["keys", "master", "rotate", "--to", newFile, "--db", db], environment: new).status == 2)
        #expect(try cli.run(["keys", "master", "rotate", "--to", newFile, "--create", "--db", db], environment: new).status != 0)
    }
}
