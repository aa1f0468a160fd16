import ArgumentParser
import CostControl

/// The token and unit counts of one request, shared by `cost` and `record`.
struct UsageCountOptions: ParsableArguments {
    @Option(help: ArgumentHelp("All input tokens, cache reads and writes included.", valueName: "n"))
    var input: Int = 0

    @Option(help: ArgumentHelp("All output tokens, reasoning included.", valueName: "n"))
    var output: Int = 0

    @Option(name: .customLong("cache-read"), help: ArgumentHelp("Input tokens read from the prompt cache.", valueName: "n"))
    var cacheRead: Int = 0

    @Option(name: .customLong("cache-write"), help: ArgumentHelp("Input tokens written to the prompt cache (any lifetime).", valueName: "n"))
    var cacheWrite: Int = 0

    @Option(name: .customLong("cache-write-1h"), help: ArgumentHelp("Of the cache writes, those with a 1-hour lifetime.", valueName: "n"))
    var cacheWrite1h: Int = 0

    @Option(help: ArgumentHelp("Of the output tokens, reasoning (thinking) tokens.", valueName: "n"))
    var reasoning: Int = 0

    @Option(name: .customLong("web-searches"), help: ArgumentHelp("Web searches the model ran.", valueName: "n"))
    var webSearches: Int = 0

    @Option(help: ArgumentHelp("Number of requests (per-request fees).", valueName: "n"))
    var requests: Int = 1

    /// Negative counts are always invalid; `checkParts` also checks parts against wholes.
    func check(parts checkParts: Bool) throws {
        let counts: [(String, Int)] = [
            ("--input", input), ("--output", output), ("--cache-read", cacheRead), ("--cache-write", cacheWrite),
            ("--cache-write-1h", cacheWrite1h), ("--reasoning", reasoning), ("--web-searches", webSearches),
            ("--requests", requests),
        ]
        for (flag, value) in counts where value < 0 {
            throw ValidationError("\(flag) must be 0 or more (got \(value))")
        }
        guard checkParts else { return }
        if cacheRead + cacheWrite > input {
            throw ValidationError("--cache-read (\(cacheRead)) plus --cache-write (\(cacheWrite)) exceed --input (\(input)); --input counts all input tokens, cache included")
        }
        if cacheWrite1h > cacheWrite {
            throw ValidationError("--cache-write-1h (\(cacheWrite1h)) exceeds --cache-write (\(cacheWrite))")
        }
        if reasoning > output {
            throw ValidationError("--reasoning (\(reasoning)) exceeds --output (\(output)); --output counts all output tokens")
        }
    }

    var usage: Usage {
        var usage = Usage(
            inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite,
            cacheWrite1hTokens: cacheWrite1h, reasoningTokens: reasoning, requests: requests)
        if webSearches > 0 { usage[.webSearches] = webSearches }
        return usage
    }
}
