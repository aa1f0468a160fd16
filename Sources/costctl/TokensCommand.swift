public import ArgumentParser
import CostControl
import Foundation

extension TokenEncodingName: ExpressibleByArgument {}

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Count tokens exactly (OpenAI's cl100k_base and o200k_base, identical to tiktoken).",
        discussion: """
            Reads the files given ('-' or nothing: standard input) as UTF-8; invalid UTF-8 is reported
            with its byte offset. Several files print a table and a total.

            Examples:
              costctl tokens --model gpt-4o prompt.txt
              echo "hello world" | costctl tokens --encoding cl100k_base --ids
              costctl tokens --model gpt-4.1 docs/*.md --json
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Model whose encoding to use (gpt-4o, gpt-4.1, gpt-5, o3 → o200k_base; gpt-4, gpt-3.5-turbo, text-embedding-3 → cl100k_base).", valueName: "model"))
    var model: String?

    @Option(help: ArgumentHelp("Encoding to use instead of a model.", valueName: "encoding"))
    var encoding: TokenEncodingName?

    @Flag(help: "Also print the token ids.")
    var ids = false

    @Flag(name: .customLong("allow-special"), help: "Recognise special tokens such as <|endoftext|> (default: ordinary text, like tiktoken's encode_ordinary).")
    var allowSpecial = false

    @Argument(help: ArgumentHelp("Files to count ('-': standard input; none: standard input).", valueName: "file"))
    var files: [String] = []

    func validate() throws {
        if model != nil && encoding != nil { throw ValidationError("give --model or --encoding, not both") }
        if model == nil && encoding == nil { throw ValidationError("--model or --encoding is required (for example --model gpt-4o)") }
        if let model, TokenEncodingName(model: model) == nil {
            throw ValidationError("no exact tokenizer is known for model '\(model)': exact counts exist for OpenAI's encodings (--encoding \(TokenEncodingName.allCases.map(\.rawValue).joined(separator: "|")))")
        }
        for file in files where file != "-" && !FileManager.default.fileExists(atPath: file) {
            throw ValidationError("\(file): no such file")
        }
    }

    struct FileCount: Encodable {
        var file: String
        var tokens: Int
        var bytes: Int
        var ids: [Int]?
    }

    struct Report: Encodable {
        var tokens: Int
        var exact: Bool
        var encoding: String
        var model: String?
        var files: [FileCount]
    }

    func run() async throws {
        let tokenizer: BPETokenizer
        if let encoding {
            tokenizer = try BPETokenizer(encoding: encoding, allowsSpecialTokens: allowSpecial)
        } else {
            tokenizer = try BPETokenizer(model: model ?? "", allowsSpecialTokens: allowSpecial)
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
                Report(tokens: total, exact: true, encoding: tokenizer.encoding.rawValue, model: model, files: counts))
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
}
