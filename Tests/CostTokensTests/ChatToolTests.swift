import CostTokens
import Foundation
import Testing

@Suite("Chat tool tokens")
struct ChatToolTests {
    /// The request of OpenAI's cookbook "How to count tokens with tiktoken", section 7, whose
    /// `prompt_tokens` the cookbook prints from the API: 105 (gpt-3.5-turbo, gpt-4), 101 (gpt-4o,
    /// gpt-4o-mini).
    static let cookbookRequest = #"""
        {
          "model": "gpt-4o",
          "messages": [
            {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
            {"role": "user", "content": "What's the weather like in San Francisco?"}
          ],
          "tools": [{
            "type": "function",
            "function": {
              "name": "get_current_weather",
              "description": "Get the current weather in a given location",
              "parameters": {
                "type": "object",
                "properties": {
                  "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                  "unit": {"type": "string", "description": "The unit of temperature to return",
                           "enum": ["celsius", "fahrenheit"]}
                },
                "required": ["location"]
              }
            }
          }]
        }
        """#

    @Test(
        "the cookbook's published counts",
        arguments: [("gpt-4o", 101), ("gpt-4o-mini", 101), ("gpt-4", 105), ("gpt-3.5-turbo", 105)]
    )
    func cookbook(model: String, expected: Int) throws {
        let request = try ChatRequest(json: Data(Self.cookbookRequest.utf8))
        #expect(request.messages.count == 2 && request.tools.count == 1)
        let estimate = try ChatTokenCounter(model: model).count(request.messages, tools: request.tools)
        #expect(estimate.count == expected)
        // OpenAI calls the tool rule approximate: never exact, no band for a flat schema.
        #expect(!estimate.isExact)
        #expect(estimate.lower == expected && estimate.upper == expected)
        #expect(estimate.method.contains("openai-tools-"))
    }

    @Test("the rule's arithmetic, term by term")
    func arithmetic() throws {
        let tokenizer = try BPETokenizer(encoding: .o200kBase)
        let counter = ChatTokenCounter(tokenizer: tokenizer, format: .standard, toolFormat: .modern)
        let bare = ChatTool(name: "ping", description: "Check the service.")
        // 7 per function, the line without its final period, 12 at the end; no properties part.
        let bareTokens = try counter.count([], tools: [bare]).count - counter.count([]).count
        #expect(bareTokens == 7 + tokenizer.count("ping:Check the service") + 12)

        let withEnum = ChatTool(
            name: "set",
            description: "",
            parameters: [
                .init(name: "mode", type: "string", description: "The mode.", enumValues: ["on", "off"])
            ]
        )
        let enumTokens = try counter.count([], tools: [withEnum]).count - counter.count([]).count
        let expected =
            7 + tokenizer.count("set:") + 3 + 3 - 3 + (3 + tokenizer.count("on")) + (3 + tokenizer.count("off"))
            + tokenizer.count("mode:string:The mode") + 12
        #expect(enumTokens == expected)

        // The end tokens are paid once per request, not per tool.
        let two = try counter.count([], tools: [bare, bare]).count - counter.count([]).count
        #expect(two == 2 * bareTokens - 12)
        // No tools: the messages' count, still exact.
        #expect(try counter.count([ChatMessage(role: "user", content: "hi")], tools: []).isExact)
    }

    @Test("nested schemas widen the upper end by what the rule does not count")
    func nested() throws {
        let json = #"""
            {"messages": [{"role": "user", "content": "file these"}],
             "tools": [{"type": "function", "function": {"name": "file_items", "description": "File items.",
               "parameters": {"type": "object", "properties": {
                 "items": {"type": "array", "description": "The items.",
                           "items": {"type": "object", "properties": {"sku": {"type": "string"}}}},
                 "count": {"type": ["integer", "null"], "minimum": 0}
               }}}}]}
            """#
        let request = try ChatRequest(json: Data(json.utf8))
        let tool = try #require(request.tools.first)
        let items = try #require(tool.parameters.first { $0.name == "items" })
        #expect(items.uncountedSchemaText == #"{"items":{"properties":{"sku":{"type":"string"}},"type":"object"}}"#)
        let count = try #require(tool.parameters.first { $0.name == "count" })
        #expect(count.type == "integer, null")
        #expect(count.uncountedSchemaText == #"{"minimum":0}"#)

        let counter = try ChatTokenCounter(model: "gpt-4.1")
        let estimate = try counter.count(request.messages, tools: request.tools)
        let tokenizer = counter.tokenizer
        #expect(!estimate.isExact)
        #expect(estimate.lower == estimate.count)
        #expect(
            estimate.upper == estimate.count + tokenizer.count(items.uncountedSchemaText)
                + tokenizer.count(count.uncountedSchemaText))
    }

    @Test("request shapes: a bare array, legacy functions, null content")
    func shapes() throws {
        let array = try ChatRequest(json: Data(#"[{"role": "user", "content": "hi", "name": "ana"}]"#.utf8))
        #expect(array.messages == [ChatMessage(role: "user", content: "hi", name: "ana")])
        #expect(array.tools.isEmpty)

        let legacy = try ChatRequest(
            json: Data(
                #"""
                {"messages": [{"role": "assistant", "content": null}],
                 "functions": [{"name": "f", "parameters": {"type": "object", "properties": {}}}]}
                """#.utf8))
        #expect(legacy.messages == [ChatMessage(role: "assistant", content: "")])
        #expect(legacy.tools == [ChatTool(name: "f")])
    }

    @Test(
        "bad requests are reported, not guessed",
        arguments: [
            "not json", #"{"model": "gpt-4o"}"#, #"[{"content": "no role"}]"#,
            #"[{"role": "user", "content": [{"type": "image_url"}]}]"#,
            #"{"messages": [], "tools": [{"type": "web_search"}]}"#,
            #"{"messages": [], "tools": [{"type": "function", "function": {"description": "no name"}}]}"#,
        ]
    )
    func invalid(json: String) {
        #expect {
            _ = try ChatRequest(json: Data(json.utf8))
        } throws: { error in
            (error as? CostTokensError)?.code == .invalidRequest
        }
    }

    @Test("tool formats by model")
    func formats() {
        #expect(ChatToolFormat(model: "gpt-4o-2024-08-06") == .modern)
        #expect(ChatToolFormat(model: "gpt-4-0613") == .legacy)
        #expect(ChatToolFormat(model: "gpt-3.5-turbo-0125") == .legacy)
        #expect(ChatToolFormat(model: "gpt-4-turbo-2024-04-09") == .legacyUnverified)
        #expect(ChatToolFormat(model: "gpt-5-mini") == .modernUnverified)
        #expect(ChatToolFormat(model: "o3") == nil)
    }

    @Test("tools without a known tool format are refused")
    func unknownToolFormat() throws {
        let counter = ChatTokenCounter(tokenizer: try BPETokenizer(encoding: .o200kBase), format: .standard)
        #expect {
            _ = try counter.count([], tools: [ChatTool(name: "f")])
        } throws: { error in
            (error as? CostTokensError)?.code == .unknownModel
        }
    }
}
