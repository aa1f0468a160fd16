import ArgumentParser
import CostControl
import Foundation

struct EstimateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Tokens and the cost range of a request before it is sent.",
        discussion: """
            Counts the prompt's tokens exactly for OpenAI models (cl100k_base, o200k_base) and gpt-oss;
            for other models (Claude, Gemini, Mistral, local models) the count is a calibrated estimate
            with a range. Prices the request with no output at the low end of the range (the minimum)
            and with --max-output tokens of output at its high end (the maximum).

            With --chat the file is an OpenAI chat request body {"messages": [...], "tools": [...]}
            (or a bare JSON array of messages [{"role": "user", "content": "…", "name": "…"}]):
            OpenAI's per-message and reply-priming tokens are counted, and function tools by the
            rule of OpenAI's cookbook, which OpenAI calls approximate (so the count is an estimate).
            Content parts are read too: text parts, and image_url parts by the model's image rule
            (inline data: URLs give the size; an image by URL counts as the range over every size).

            Examples:
              costctl estimate --model gpt-4o --prompt prompt.txt --max-output 800
              costctl estimate --model gpt-4.1-mini --prompt request.json --chat --max-output 2000 --json
              costctl estimate --model claude-sonnet-4-5 --prompt prompt.txt --max-output 1000
              costctl estimate --model gpt-4o --prompt q.txt --image 1024x768 --image 512x512:low
              costctl estimate --model gemini-2.5-pro --prompt q.txt --audio-seconds 90 --pdf-pages 12

            Attachments are counted by the provider's published rule: images (OpenAI tiles or
            patches, Anthropic's area rule, Gemini's 258-token tiles), Gemini audio (32 tokens per
            second) and video, PDF pages (Gemini 258 per page; Anthropic 1,500–3,000 per page). A
            provider with no published rule for an attachment is an error, not a guess.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Model id as you call it.", valueName: "model"))
    var model: String

    @Option(help: ArgumentHelp("Provider id or alias.", valueName: "provider"))
    var provider: String?

    @Option(help: ArgumentHelp("The prompt: a UTF-8 text file, or '-' for standard input.", valueName: "file"))
    var prompt: String

    @Flag(help: "The prompt file is an OpenAI chat request body (messages and tools) or a JSON array of messages.")
    var chat = false

    @Option(name: .customLong("max-output"), help: ArgumentHelp("The request's output limit (max_tokens): the upper end of the range.", valueName: "n"))
    var maxOutput: Int?

    @Option(help: ArgumentHelp("Service tier.", valueName: "tier"))
    var tier: ServiceTier = .standard

    @Option(help: ArgumentHelp("An image sent with the prompt, WIDTHxHEIGHT[:low|high|auto] (detail: OpenAI's); repeatable.", valueName: "size"))
    var image: [String] = []

    @Option(name: .customLong("audio-seconds"), help: ArgumentHelp("Seconds of audio sent with the prompt.", valueName: "s"))
    var audioSeconds: Double?

    @Option(name: .customLong("video-seconds"), help: ArgumentHelp("Seconds of video sent with the prompt.", valueName: "s"))
    var videoSeconds: Double?

    @Option(name: .customLong("pdf-pages"), help: ArgumentHelp("Pages of a PDF sent with the prompt.", valueName: "n"))
    var pdfPages: Int?

    /// The attachments the options name.
    func attachments() throws -> [RequestEstimator.Attachment] {
        var result: [RequestEstimator.Attachment] = []
        for spec in image {
            let parts = spec.lowercased().split(separator: ":", maxSplits: 1)
            let size = parts.first.map { $0.split(separator: "x") } ?? []
            guard size.count == 2, let width = Int(size[0]), let height = Int(size[1]) else {
                throw ValidationError("--image '\(spec)' is not WIDTHxHEIGHT[:detail] (example: --image 1024x768:high)")
            }
            var detail = OpenAIImageDetail.auto
            if parts.count == 2 {
                guard let d = OpenAIImageDetail(rawValue: String(parts[1])) else {
                    throw ValidationError("--image '\(spec)': detail must be low, high or auto")
                }
                detail = d
            }
            result.append(.image(width: width, height: height, detail: detail))
        }
        if let audioSeconds { result.append(.audio(seconds: audioSeconds)) }
        if let videoSeconds { result.append(.video(seconds: videoSeconds)) }
        if let pdfPages { result.append(.pdf(pages: pdfPages)) }
        return result
    }

    func validate() throws {
        if let maxOutput, maxOutput < 0 { throw ValidationError("--max-output must be 0 or more (got \(maxOutput))") }
        if prompt != "-", !FileManager.default.fileExists(atPath: prompt) { throw ValidationError("--prompt \(prompt): no such file") }
        _ = try attachments()
    }

    func run() async throws {
        let data = try Output.read(prompt, option: "--prompt")
        guard let text = String(data: data, encoding: .utf8) else {
            throw ControlError(code: .invalidInput, message: "--prompt \(prompt) is not valid UTF-8")
        }
        let input: RequestEstimator.Prompt
        if chat {
            do {
                input = .chatRequest(try ChatRequest(json: data))
            } catch let error as CostTokensError {
                throw ControlError(code: .invalidInput, message: "--chat: \(prompt): \(error.message)")
            }
        } else {
            input = .text(text)
        }
        let estimator = RequestEstimator(engine: CostEngine(catalog: try global.catalog()))
        let e = try estimator.estimate(
            prompt: input, model: model, provider: provider, attachments: try attachments(), maxOutputTokens: maxOutput, tier: tier)
        let report = RequestEstimateReport(e, maxOutputTokens: maxOutput)
        if global.json { return try Output.json(report) }
        Output.line("Model   \(e.minimum.model) (\(e.minimum.model.source)), \(tier) tier")
        Output.line("Input   \(Output.count(e.inputTokens.count)) tokens" + (e.inputTokens.isExact ? " (exact, \(e.inputTokens.method))" : " (estimate \(Output.count(e.inputTokens.lower))–\(Output.count(e.inputTokens.upper)), \(e.inputTokens.method); not exact)"))
        guard e.minimum.isPriced else {
            Output.line("Cost    unpriced: \(e.minimum.unpricedReason ?? "no price")")
            return
        }
        if let maximum = e.maximum {
            Output.line("Cost    \(e.minimum.total.display(maxPlaces: 8)) – \(maximum.total.display(maxPlaces: 8)) (0 to \(Output.count(maxOutput ?? 0)) output tokens)")
        } else {
            Output.line("Cost    at least \(e.minimum.total.display(maxPlaces: 8)) for the input; --max-output N gives the upper end")
        }
    }
}
