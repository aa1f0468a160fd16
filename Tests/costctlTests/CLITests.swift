import Foundation
import Testing

/// Runs the real `costctl` binary (built beside this test bundle) in a scratch HOME and prices directory.
struct CLI {
    let home: URL
    let prices: URL

    init() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-cli-\(UUID().uuidString)")
        prices = home.appendingPathComponent("prices")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    static var binary: URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [here, here.deletingLastPathComponent(), here.deletingLastPathComponent().deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("costctl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return here.appendingPathComponent("costctl")
    }

    /// Writes to a pipe with write(2), so a child that exits early gives EPIPE instead of a crash.
    static func writeAll(_ handle: FileHandle, _ data: Data) {
        signal(SIGPIPE, SIG_IGN)
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(handle.fileDescriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        }
    }

    /// This process's environment in the scratch HOME, data and prices directories, with `extra` on top.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home.path
        env["XDG_DATA_HOME"] = home.appendingPathComponent("data").path
        env["COSTCTL_PRICES_DIR"] = prices.path
        env.merge(extra) { _, new in new }
        return env
    }

    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.environment = self.environment(environment)
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { CLI.writeAll(input.fileHandleForWriting, Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

@Suite("costctl command line")
struct CLITests {
    @Test("help lists the commands and exits 0")
    func help() throws {
        let r = try CLI().run(["--help"])
        #expect(r.status == 0)
        for command in ["cost", "pricing", "doctor"] { #expect(r.stdout.contains(command)) }
        let cost = try CLI().run(["cost", "--help"])
        #expect(cost.status == 0)
        #expect(cost.stdout.contains("--cache-read"))
        #expect(cost.stdout.contains("batch, flex, priority") || cost.stdout.contains("standard, batch"))
    }

    @Test("cost --json prints the breakdown as decimal strings")
    func costJSON() throws {
        let r = try CLI().run(["cost", "--model", "gpt-4o", "--input", "1000", "--output", "500", "--at", "2026-11-01", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        #expect(json["total_usd"] as? String == "0.0075")
        #expect(json["input_usd"] as? String == "0.0025")
        #expect(json["output_usd"] as? String == "0.005")
        #expect(json["provider"] as? String == "openai")
        #expect(json["model"] as? String == "gpt-4o")
        #expect(json["priced"] as? Bool == true)
    }

    @Test("the human table shows the uncached input separately")
    func costTable() throws {
        let r = try CLI().run(["cost", "--model", "gpt-4o", "--input", "12000", "--output", "800", "--cache-read", "9000", "--at", "2026-11-01T00:00:00Z"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Input (uncached)  3,000"))
        #expect(r.stdout.contains("Cache read        9,000"))
        #expect(r.stdout.contains("$0.02675"))
    }

    @Test("an unknown model exits 1 and suggests near ids")
    func unknownModel() throws {
        let r = try CLI().run(["cost", "--model", "gpt-4x", "--input", "1", "--output", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("model 'gpt-4x' not in catalog; did you mean"))
        let j = try CLI().run(["cost", "--model", "gpt-4x", "--input", "1", "--json"])
        #expect(j.status == 1)
        #expect(j.stderr.contains(#""code":"unknown-model""#))
    }

    @Test(
        "invalid counts exit 2 and name the flag",
        arguments: [
            (["--input=-5"], "--input"), (["--input", "abc"], "--input"), (["--output=-1"], "--output"),
            (["--input", "10", "--cache-read", "20"], "--cache-read"), (["--input", "1", "--tier", "turbo"], "--tier"),
            (["--input", "1", "--at", "yesterday"], "--at"),
        ])
    func invalidCounts(extra: [String], flag: String) throws {
        let r = try CLI().run(["cost", "--model", "gpt-4o"] + extra)
        #expect(r.status == 2, "\(extra)")
        #expect(r.stderr.contains(flag), "\(r.stderr)")
    }

    @Test("a missing --model is a usage error")
    func missingModel() throws {
        let r = try CLI().run(["cost", "--input", "1"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--model"))
    }

    @Test("pricing import makes a LiteLLM file win, pricing remove undoes it; bad files write nothing")
    func importOverrides() throws {
        let cli = try CLI()
        let sample = try #require(Bundle.module.url(forResource: "Fixtures/litellm_sample", withExtension: "json"))
        // a proxy's own price for a model the bundled catalog also knows
        let custom = cli.home.appendingPathComponent("proxy.json")
        try Data(#"{"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": "1e-6", "output_cost_per_token": 4e-06}}"#.utf8).write(to: custom)
        let imported = try cli.run(["pricing", "import", custom.path, "--format", "litellm", "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try imported.json()["models"] as? Int == 1)
        let cost = try cli.run(["cost", "--model", "gpt-4o", "--input", "1000000", "--output", "1000000", "--json"])
        #expect(try cost.json()["total_usd"] as? String == "5")
        #expect(try cost.json()["source"] as? String == "override:proxy.json")
        #expect(try cli.run(["pricing", "import", sample.path, "--format", "litellm"]).status == 0)
        #expect(try cli.run(["doctor", "--json"]).json()["overrides"] as? [String] == ["litellm_sample.json", "proxy.json"])
        // invalid: unknown price key in a costctl file → exit 1, nothing written
        let bad = cli.home.appendingPathComponent("bad.json")
        try Data(#"{"providers": [{"id": "x", "models": [{"id": "m", "prices": {"input_mtokens": "1"}}]}]}"#.utf8).write(to: bad)
        let refused = try cli.run(["pricing", "import", bad.path, "--format", "costctl"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("input_mtok"))
        #expect(!FileManager.default.fileExists(atPath: cli.prices.appendingPathComponent("bad.json").path))
        #expect(try cli.run(["pricing", "remove", "proxy"]).status == 0)
        let after = try cli.run(["cost", "--model", "gpt-4o", "--input", "1000000", "--output", "1000000", "--json"])
        // the LiteLLM sample also prices gpt-4o: it is the override in force now
        #expect(try after.json()["source"] as? String == "override:litellm_sample.json")
        #expect(try cli.run(["pricing", "remove", "proxy"]).status == 1)
    }

    @Test("cost --batch prices JSON Lines and reports bad lines without stopping")
    func batch() throws {
        let input = """
            {"id": "a", "model": "gpt-4o", "usage": {"input_tokens": 1000, "output_tokens": 500}, "timestamp": "2026-11-01T00:00:00Z"}
            {"id": "b", "model": "gpt-4o-mini", "usage": {"input_tokens": 1000000, "output_tokens": 0}, "tier": "batch"}
            not json
            {"id": "c", "model": "nope-model", "usage": {"input_tokens": 1}}
            """
        let r = try CLI().run(["cost", "--batch", "-", "--json"], stdin: input)
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 4)
        #expect(lines[0]?["total_usd"] as? String == "0.0075")
        #expect(lines[1]?["total_usd"] as? String == "0.075")
        #expect((lines[2]?["error"] as? String)?.hasPrefix("line 3") == true)
        #expect((lines[3]?["error"] as? String)?.contains("not in catalog") == true)
    }

    @Test("pricing list and show")
    func listShow() throws {
        let cli = try CLI()
        let list = try cli.run(["pricing", "list", "--provider", "anthropic", "--search", "sonnet", "--json"])
        #expect(list.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count > 3)
        #expect(rows.allSatisfy { ($0["provider"] as? String) == "anthropic" })
        let show = try cli.run(["pricing", "show", "claude-3-5-sonnet-20241022", "--json"])
        #expect(show.status == 0)
        let detail = try show.json()
        #expect(detail["provider"] as? String == "anthropic")
        #expect((detail["price"] as? [String: Any])?["input_mtok"] as? String == "3")
        let human = try cli.run(["pricing", "show", "gpt-4o"])
        #expect(human.stdout.contains("input_mtok"))
        #expect(try cli.run(["pricing", "list", "--provider", "nosuch"]).status == 1)
    }

    @Test("doctor reports the linked libraries and the catalog")
    func doctor() throws {
        let r = try CLI().run(["doctor", "--json"])
        #expect(r.status == 0)
        let json = try r.json()
        #expect((json["sqlite"] as? String)?.hasPrefix("3.") == true)
        #expect((json["libcrypto"] as? String)?.contains("OpenSSL") == true)
        #expect((json["models"] as? Int ?? 0) > 6000)
    }
}

@Suite("costctl tokens")
struct TokensCLITests {
    @Test("counts exactly from standard input and files, with ids and JSON")
    func tokens() throws {
        let cli = try CLI()
        let r = try cli.run(["tokens", "--model", "gpt-4o", "--ids"], stdin: "hello world")
        #expect(r.status == 0)
        #expect(r.stdout.contains("2 tokens (o200k_base, exact)"))
        #expect(r.stdout.contains("24912 2375"))
        let file = cli.home.appendingPathComponent("a.txt")
        try Data("hello world".utf8).write(to: file)
        let j = try cli.run(["tokens", "--encoding", "cl100k_base", file.path, file.path, "--json"])
        #expect(j.status == 0)
        let json = try j.json()
        #expect(json["tokens"] as? Int == 4)
        #expect(json["exact"] as? Bool == true)
        #expect(json["encoding"] as? String == "cl100k_base")
        #expect((json["files"] as? [[String: Any]])?.count == 2)
    }

    @Test("models without a public tokenizer get an estimate with its range, said to be one")
    func estimates() throws {
        let cli = try CLI()
        let file = cli.home.appendingPathComponent("p.txt")
        try Data(String(repeating: "Estimates must say what they are. ", count: 20).utf8).write(to: file)
        for (model, estimator) in [("claude-sonnet-4-5", "claude-estimate"), ("gemini-2.5-pro", "gemini-estimate")] {
            let human = try cli.run(["tokens", "--model", model, file.path])
            #expect(human.status == 0, "\(human.stderr)")
            #expect(human.stdout.contains("(estimate, range "))
            #expect(human.stdout.contains("\(estimator); not exact)"))
            #expect(human.stdout.contains("calibrated against"))
            let j = try cli.run(["tokens", "--model", model, file.path, "--json"])
            #expect(j.status == 0)
            let json = try j.json()
            let tokens = try #require(json["tokens"] as? Int)
            let lower = try #require(json["lower"] as? Int)
            let upper = try #require(json["upper"] as? Int)
            #expect(json["exact"] as? Bool == false)
            #expect(json["estimator"] as? String == estimator)
            #expect(json["encoding"] == nil)
            #expect(lower < tokens && tokens < upper)
        }
        // Several files: a table with a range per file and in total.
        let table = try cli.run(["tokens", "--model", "mistral-large-latest", file.path, file.path])
        #expect(table.status == 0)
        #expect(table.stdout.contains("Total (mistral-tekken-estimate, estimate)"))
        // gpt-oss counts exactly (o200k_harmony is o200k_base for text).
        let oss = try cli.run(["tokens", "--model", "gpt-oss:20b", "--json"], stdin: "hello world")
        #expect(try oss.json()["exact"] as? Bool == true)
        #expect(try oss.json()["tokens"] as? Int == 2)
        #expect(try oss.json()["estimator"] as? String == "o200k_base")
    }

    @Test("ids of an estimate and invalid UTF-8 are refused clearly")
    func refusals() throws {
        let cli = try CLI()
        let ids = try cli.run(["tokens", "--model", "claude-3-opus", "--ids"], stdin: "x")
        #expect(ids.status == 2)
        #expect(ids.stderr.contains("--ids needs an exact encoding"))
        let bad = cli.home.appendingPathComponent("bad.txt")
        try Data([0x61, 0xFF, 0xFE]).write(to: bad)
        let r = try cli.run(["tokens", "--model", "gpt-4o", bad.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("byte offset 1"))
        let estimated = try cli.run(["tokens", "--model", "claude-3-opus", bad.path])
        #expect(estimated.status == 1)
        #expect(estimated.stderr.contains("byte offset 1"))
    }
}

@Suite("costctl estimate")
struct EstimateCLITests {
    @Test("exact prompt tokens and the cost range, for text and chat messages")
    func estimate() throws {
        let cli = try CLI()
        let text = try cli.run(["estimate", "--model", "gpt-4o", "--prompt", "-", "--max-output", "500", "--json"], stdin: "hello world")
        #expect(text.status == 0, "\(text.stderr)")
        let t = try text.json()
        #expect(t["input_tokens"] as? Int == 2)
        #expect(t["exact"] as? Bool == true)
        let low = try #require(t["min_usd"] as? String)
        let high = try #require(t["max_usd"] as? String)
        #expect(Decimal(string: low)! < Decimal(string: high)!)
        let messages = cli.home.appendingPathComponent("m.json")
        try Data(#"[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "hello world"}]"#.utf8).write(to: messages)
        let chat = try cli.run(["estimate", "--model", "gpt-4o", "--prompt", messages.path, "--chat", "--json"])
        #expect(chat.status == 0)
        #expect(try chat.json()["input_tokens"] as? Int == 17)
        #expect(try chat.json()["method"] as? String == "openai-chat-o200k_base")
    }

    @Test("Claude: estimated tokens, and the cost range priced at both ends of the band")
    func claude() throws {
        let cli = try CLI()
        let prompt = String(repeating: "Summarise the quarterly spend by team. ", count: 30)
        let r = try cli.run(
            ["estimate", "--model", "claude-sonnet-4-5", "--prompt", "-", "--max-output", "1000", "--json"], stdin: prompt)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        #expect(json["exact"] as? Bool == false)
        #expect(json["method"] as? String == "claude-estimate")
        let lower = try #require(json["input_tokens_lower"] as? Int)
        let tokens = try #require(json["input_tokens"] as? Int)
        let upper = try #require(json["input_tokens_upper"] as? Int)
        #expect(lower < tokens && tokens < upper)
        // claude-sonnet-4-5: $3 per million input tokens, $15 per million output tokens.
        let minUSD = try #require(json["min_usd"] as? String)
        let maxUSD = try #require(json["max_usd"] as? String)
        let low = try #require(Decimal(string: minUSD))
        let high = try #require(Decimal(string: maxUSD))
        #expect(low == Decimal(lower) * Decimal(string: "0.000003")!)
        #expect(high == Decimal(upper) * Decimal(string: "0.000003")! + 1000 * Decimal(string: "0.000015")!)
        let human = try cli.run(["estimate", "--model", "claude-sonnet-4-5", "--prompt", "-"], stdin: prompt)
        #expect(human.stdout.contains("claude-estimate; not exact)"))
    }

    @Test("attachments by the provider's rule: images, Gemini audio and PDF pages, Anthropic PDF pages; no guesses")
    func attachments() throws {
        let cli = try CLI()
        // "hello world" is 2 tokens in o200k_base; a 512×512 image at low detail is 85 (gpt-4o's base).
        let openai = try cli.run(
            ["estimate", "--model", "gpt-4o", "--prompt", "-", "--image", "512x512:low", "--json"], stdin: "hello world")
        #expect(openai.status == 0, "\(openai.stderr)")
        let o = try openai.json()
        #expect(o["input_tokens"] as? Int == 87 && o["exact"] as? Bool == true)
        #expect(o["method"] as? String == "o200k_base+openai-image-tiles")
        // Gemini: 90 s of audio is 2,880 tokens, 4 PDF pages 1,032: added to the text's estimate
        let gemini = try cli.run(
            ["estimate", "--model", "gemini-2.5-pro", "--prompt", "-", "--audio-seconds", "90", "--pdf-pages", "4", "--json"],
            stdin: "hello world")
        #expect(gemini.status == 0, "\(gemini.stderr)")
        let textOnly = try cli.run(["estimate", "--model", "gemini-2.5-pro", "--prompt", "-", "--json"], stdin: "hello world")
        let g = try gemini.json()
        let t = try textOnly.json()
        #expect((g["input_tokens"] as? Int) == (t["input_tokens"] as? Int).map { $0 + 2_880 + 1_032 })
        #expect((g["input_tokens_upper"] as? Int) == (t["input_tokens_upper"] as? Int).map { $0 + 2_880 + 1_032 })
        // Anthropic: 2 PDF pages are 3,000 to 6,000 tokens
        let claude = try cli.run(
            ["estimate", "--model", "claude-sonnet-4-5", "--prompt", "-", "--pdf-pages", "2", "--json"], stdin: "hello world")
        let c = try claude.json()
        let cText = try cli.run(["estimate", "--model", "claude-sonnet-4-5", "--prompt", "-", "--json"], stdin: "hello world").json()
        #expect((c["input_tokens_lower"] as? Int) == (cText["input_tokens_lower"] as? Int).map { $0 + 3_000 })
        #expect((c["input_tokens_upper"] as? Int) == (cText["input_tokens_upper"] as? Int).map { $0 + 6_000 })
        // no published rule: an error that says so, not a guess
        let audio = try cli.run(["estimate", "--model", "gpt-4o", "--prompt", "-", "--audio-seconds", "5"], stdin: "hi")
        #expect(audio.status == 2 && audio.stderr.contains("OpenAI publishes no token rule for audio input"))
        let bad = try cli.run(["estimate", "--model", "gpt-4o", "--prompt", "-", "--image", "10by10"], stdin: "hi")
        #expect(bad.status == 2 && bad.stderr.contains("WIDTHxHEIGHT"))
    }

    @Test("an OpenAI request body with tools is counted by the cookbook's rule")
    func tools() throws {
        let cli = try CLI()
        let body = cli.home.appendingPathComponent("request.json")
        try Data(
            #"""
            {"model": "gpt-4o",
             "messages": [
               {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
               {"role": "user", "content": "What's the weather like in San Francisco?"}],
             "tools": [{"type": "function", "function": {"name": "get_current_weather",
               "description": "Get the current weather in a given location",
               "parameters": {"type": "object", "properties": {
                 "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                 "unit": {"type": "string", "description": "The unit of temperature to return", "enum": ["celsius", "fahrenheit"]}},
                 "required": ["location"]}}}]}
            """#.utf8
        ).write(to: body)
        let r = try cli.run(["estimate", "--model", "gpt-4o", "--prompt", body.path, "--chat", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try r.json()
        #expect(json["input_tokens"] as? Int == 101)  // the API's prompt_tokens in OpenAI's cookbook
        #expect(json["exact"] as? Bool == false)
        #expect(json["method"] as? String == "openai-chat-o200k_base+openai-tools-o200k_base")
    }

    @Test("bad chat input and chat prompts for models without a chat format are refused")
    func refused() throws {
        let bad = try CLI().run(["estimate", "--model", "gpt-4o", "--prompt", "-", "--chat"], stdin: "not json")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--chat"))
        let claudeChat = try CLI().run(
            ["estimate", "--model", "claude-sonnet-4-5", "--prompt", "-", "--chat"], stdin: #"[{"role": "user", "content": "hi"}]"#)
        #expect(claudeChat.status == 2)
        #expect(claudeChat.stderr.contains("no chat format is known"))
    }
}
