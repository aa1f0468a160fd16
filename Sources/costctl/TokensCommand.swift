public import ArgumentParser
import CostControl
import Foundation

extension TokenEncodingName: ExpressibleByArgument {}

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Count tokens: exactly for OpenAI's encodings, as a calibrated estimate for other models.",
        discussion: """
            Reads the files given ('-' or nothing: standard input) as UTF-8; invalid UTF-8 is reported
            with its byte offset. Several files print a table and a total.

            OpenAI models (cl100k_base, o200k_base, identical to tiktoken) and gpt-oss are counted
            exactly. Other models (Claude, Gemini, Mistral, local models) have no public tokenizer
            here: their count is an estimate with a range, calibrated against public reference
            tokenizers (see Documentation/Tokenizer.md), and is always marked as an estimate.

            Examples:
              costctl tokens --model gpt-4o prompt.txt
              echo "hello world" | costctl tokens --encoding cl100k_base --ids
              costctl tokens --model gpt-4.1 docs/*.md --json
              costctl tokens --model claude-sonnet-4-5 prompt.txt
              costctl tokens --model gemini-2.5-pro prompt.txt --json
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Model to count for (gpt-4o, gpt-4.1, gpt-5, o3, gpt-oss → o200k_base; gpt-4, gpt-3.5-turbo, text-embedding-3 → cl100k_base; claude-…, gemini-…, mistral-…, others → estimate).", valueName: "model"))
    var model: String?

    @Option(help: ArgumentHelp("Encoding to use instead of a model.", valueName: "encoding"))
    var encoding: TokenEncodingName?

    @Flag(help: "Also print the token ids (exact encodings only).")
    var ids = false

    @Flag(name: .customLong("allow-special"), help: "Recognise special tokens such as <|endoftext|> (default: ordinary text, like tiktoken's encode_ordinary).")
    var allowSpecial = false

    @Argument(help: ArgumentHelp("Files to count ('-': standard input; none: standard input).", valueName: "file"))
    var files: [String] = []

    func validate() throws {
        if model != nil && encoding != nil { throw ValidationError("give --model or --encoding, not both") }
        if model == nil && encoding == nil { throw ValidationError("--model or --encoding is required (for example --model gpt-4o)") }
        if let model, TokenEncodingName(model: model) == nil, ids || allowSpecial {
            throw ValidationError("\(ids ? "--ids" : "--allow-special") needs an exact encoding, and '\(model)' is counted by an estimate (exact encodings: \(TokenEncodingName.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        for file in files where file != "-" && !FileManager.default.fileExists(atPath: file) {
            throw ValidationError("\(file): no such file")
        }
    }

    typealias FileCount = TokenCountReport.FileCount
    typealias Report = TokenCountReport

    func run() async throws {
        let tokenizer: BPETokenizer
        if let encoding {
            tokenizer = try BPETokenizer(encoding: encoding, allowsSpecialTokens: allowSpecial)
        } else if let model, TokenEncodingName(model: model) != nil {
            tokenizer = try BPETokenizer(model: model, allowsSpecialTokens: allowSpecial)
        } else {
            return try runEstimate(TokenEstimator(model: model ?? ""))
        }
        let inputs = files.isEmpty ? ["-"] : files
        var counts: [FileCount] = []
        for file in inputs {
            if file == "-" {
                let data = FileHandle.standardInput.readDataToEndOfFile()
                let bytes = [UInt8](data)
                if ids {
                    let list = try tokenizer.encode(utf8: bytes)
                    counts.append(FileCount(file: "-", tokens: list.count, bytes: bytes.count, ids: list))
                } else {
                    counts.append(FileCount(file: "-", tokens: try tokenizer.count(utf8: bytes), bytes: bytes.count))
                }
            } else {
                let url = URL(fileURLWithPath: file)
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
                if ids {
                    let list = try tokenizer.encode(contentsOf: url)
                    counts.append(FileCount(file: file, tokens: list.count, bytes: size, ids: list))
                } else {
                    counts.append(FileCount(file: file, tokens: try tokenizer.count(contentsOf: url), bytes: size))
                }
            }
        }
        let total = counts.reduce(0) { $0 + $1.tokens }
        if global.json {
            return try Output.json(
                Report(
                    tokens: total, exact: true, encoding: tokenizer.encoding.rawValue,
                    estimator: tokenizer.encoding.rawValue, lower: total, upper: total, reference: nil, model: model,
                    files: counts))
        }
        if counts.count == 1 {
            Output.line("\(Output.count(total)) tokens (\(tokenizer.encoding.rawValue), exact)")
            if let list = counts[0].ids { Output.line(list.map(String.init).joined(separator: " ")) }
            return
        }
        Output.table(
            [.init(title: "File"), .init(title: "Bytes", rightAligned: true), .init(title: "Tokens", rightAligned: true)],
            counts.map { [$0.file, Output.count($0.bytes), Output.count($0.tokens)] }
                + [["Total (\(tokenizer.encoding.rawValue), exact)", Output.count(counts.reduce(0) { $0 + $1.bytes }), Output.count(total)]])
        if ids {
            for c in counts { Output.line("\(c.file): " + (c.ids ?? []).map(String.init).joined(separator: " ")) }
        }
    }

    /// Counts with an estimator that is not exact: every figure is a count with its range.
    func runEstimate(_ estimator: TokenEstimator) throws {
        let inputs = files.isEmpty ? ["-"] : files
        var counts: [FileCount] = []
        var total = TokenEstimate(count: 0, isExact: false, lower: 0, upper: 0, method: estimator.method)
        for file in inputs {
            let estimate: TokenEstimate
            let bytes: Int
            if file == "-" {
                let data = FileHandle.standardInput.readDataToEndOfFile()
                estimate = try estimator.estimate(utf8: data)
                bytes = data.count
            } else {
                estimate = try estimator.estimate(contentsOf: URL(fileURLWithPath: file))
                bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            }
            total = total.adding(estimate)
            counts.append(
                FileCount(file: file, tokens: estimate.count, bytes: bytes, lower: estimate.lower, upper: estimate.upper))
        }
        if global.json {
            return try Output.json(
                Report(
                    tokens: total.count, exact: false, encoding: nil, estimator: estimator.method, lower: total.lower,
                    upper: total.upper, reference: estimator.reference, model: model, files: counts))
        }
        func range(_ lower: Int, _ upper: Int) -> String { "\(Output.count(lower))–\(Output.count(upper))" }
        if counts.count == 1 {
            Output.line(
                "\(Output.count(total.count)) tokens (estimate, range \(range(total.lower, total.upper)), \(estimator.method); not exact)")
        } else {
            Output.table(
                [
                    .init(title: "File"), .init(title: "Bytes", rightAligned: true),
                    .init(title: "Tokens", rightAligned: true), .init(title: "Range", rightAligned: true),
                ],
                counts.map { [$0.file, Output.count($0.bytes), Output.count($0.tokens), range($0.lower ?? 0, $0.upper ?? 0)] }
                    + [[
                        "Total (\(estimator.method), estimate)", Output.count(counts.reduce(0) { $0 + $1.bytes }),
                        Output.count(total.count), range(total.lower, total.upper),
                    ]])
        }
        if let reference = estimator.reference {
            Output.line("Estimated: no public tokenizer for this model; calibrated against \(reference).")
        }
    }
}
