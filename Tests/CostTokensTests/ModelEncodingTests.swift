import CostTokens
import Testing

@Suite("Model to encoding")
struct ModelEncodingTests {
    @Test(
        "known models",
        arguments: [
            ("gpt-4o", TokenEncodingName.o200kBase), ("gpt-4o-2024-08-06", .o200kBase), ("gpt-4o-mini", .o200kBase),
            ("openai/gpt-4o", .o200kBase), ("GPT-4o", .o200kBase), ("chatgpt-4o-latest", .o200kBase),
            ("gpt-4.1", .o200kBase), ("gpt-4.1-mini-2025-04-14", .o200kBase), ("gpt-4.5-preview", .o200kBase),
            ("gpt-5", .o200kBase), ("gpt-5-mini", .o200kBase), ("gpt-5.1", .o200kBase), ("o1", .o200kBase),
            ("o1-preview", .o200kBase), ("o3-mini", .o200kBase), ("o4-mini-2025-04-16", .o200kBase),
            ("azure/o3", .o200kBase), ("ft:gpt-4o-mini-2024-07-18:org::abc", .o200kBase),
            ("gpt-4", .cl100kBase), ("gpt-4-0613", .cl100kBase), ("gpt-4-turbo", .cl100kBase),
            ("gpt-4-32k", .cl100kBase), ("gpt-3.5-turbo", .cl100kBase), ("gpt-3.5-turbo-0125", .cl100kBase),
            ("gpt-35-turbo", .cl100kBase), ("text-embedding-3-small", .cl100kBase),
            ("text-embedding-3-large", .cl100kBase), ("text-embedding-ada-002", .cl100kBase),
            ("openrouter/openai/gpt-4", .cl100kBase), ("davinci-002", .cl100kBase), ("babbage-002", .cl100kBase),
            ("ft:davinci-002:org::id", .cl100kBase), ("ft:gpt-3.5-turbo-0613:org::id", .cl100kBase),
        ])
    func known(model: String, encoding: TokenEncodingName) throws {
        #expect(TokenEncodingName(model: model) == encoding)
        #expect(try BPETokenizer(model: model).encoding == encoding)
    }

    @Test("unknown models", arguments: ["claude-sonnet-4", "gemini-2.5-pro", "gpt-4omega", "o10", "", "llama-3"])
    func unknown(model: String) {
        #expect(TokenEncodingName(model: model) == nil)
        #expect {
            _ = try BPETokenizer(model: model)
        } throws: { error in
            (error as? CostTokensError)?.code == .unknownModel
        }
    }
}
