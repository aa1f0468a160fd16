import CostTokens
import Testing

@Suite("Chat message tokens")
struct ChatTokenCounterTests {
    /// The example conversation of OpenAI's cookbook "How to count tokens with tiktoken", whose
    /// counts the cookbook checks against the API's `prompt_tokens`.
    static let cookbookMessages = [
        ChatMessage(
            role: "system",
            content:
                "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."
        ),
        ChatMessage(role: "system", content: "New synergies will help drive top-line growth.", name: "example_user"),
        ChatMessage(
            role: "system",
            content: "Things working well together will increase revenue.",
            name: "example_assistant"
        ),
        ChatMessage(
            role: "system",
            content:
                "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
            name: "example_user"
        ),
        ChatMessage(
            role: "system",
            content: "Let's talk later when we're less busy about how to do better.",
            name: "example_assistant"
        ),
        ChatMessage(
            role: "user",
            content: "This late pivot means we don't have time to boil the ocean for the client deliverable."
        ),
    ]

    @Test(
        "the cookbook's published counts",
        arguments: [
            ("gpt-3.5-turbo-0301", 127), ("gpt-3.5-turbo-0613", 129), ("gpt-3.5-turbo", 129),
            ("gpt-3.5-turbo-1106", 129), ("gpt-4-0314", 129), ("gpt-4-0613", 129), ("gpt-4", 129),
            ("gpt-4o", 124), ("gpt-4o-mini", 124), ("gpt-4o-2024-08-06", 124), ("gpt-4o-mini-2024-07-18", 124),
        ]
    )
    func cookbook(model: String, expected: Int) throws {
        let estimate = try ChatTokenCounter(model: model).count(Self.cookbookMessages)
        #expect(estimate.count == expected)
        #expect(estimate.isExact)
        #expect(estimate.lower == expected && estimate.upper == expected)
    }

    @Test(
        "families the cookbook does not list are estimates",
        arguments: ["gpt-4.1", "gpt-4.1-mini", "gpt-5", "gpt-5-nano", "gpt-4.5-preview"]
    )
    func unverified(model: String) throws {
        let estimate = try ChatTokenCounter(model: model).count(Self.cookbookMessages)
        #expect(estimate.count == 124)  // o200k_base, the standard format
        #expect(!estimate.isExact)
        #expect(estimate.lower == 124 && estimate.upper == 124)
    }

    @Test("formats by model")
    func formats() {
        #expect(ChatMessageFormat(model: "gpt-3.5-turbo-0301") == .gpt35Turbo0301)
        #expect(ChatMessageFormat(model: "azure/gpt-35-turbo-0301") == .gpt35Turbo0301)
        #expect(ChatMessageFormat(model: "gpt-3.5-turbo-0613") == .standard)
        #expect(ChatMessageFormat(model: "gpt-4-turbo-2024-04-09") == .standard)
        #expect(ChatMessageFormat(model: "openai/gpt-4o") == .standard)
        #expect(ChatMessageFormat(model: "chatgpt-4o-latest") == .standard)
        #expect(ChatMessageFormat(model: "gpt-4.1-mini") == .standardUnverified)
        #expect(ChatMessageFormat(model: "gpt-5") == .standardUnverified)
        #expect(ChatMessageFormat(model: "gpt-4omega") == nil)
    }

    @Test(
        "unknown chat models",
        arguments: ["o3-mini", "o1", "claude-sonnet-4", "text-embedding-3-small", "", "gpt-6"]
    )
    func unknown(model: String) {
        #expect {
            _ = try ChatTokenCounter(model: model)
        } throws: { error in
            (error as? CostTokensError)?.code == .unknownModel
        }
    }

    @Test("per-message arithmetic")
    func arithmetic() throws {
        let tokenizer = try BPETokenizer(encoding: .o200kBase)
        let counter = ChatTokenCounter(tokenizer: tokenizer, format: .standard)
        let plain = ChatMessage(role: "user", content: "hello world")
        #expect(counter.count(plain) == 3 + tokenizer.count("user") + 2)
        let named = ChatMessage(role: "user", content: "hello world", name: "ana")
        #expect(counter.count(named) == counter.count(plain) + tokenizer.count("ana") + 1)
        #expect(counter.count([]) == .exact(3, method: "openai-chat-o200k_base"))
        #expect(counter.count([plain, named]).count == 3 + counter.count(plain) + counter.count(named))

        let legacy = ChatTokenCounter(tokenizer: try BPETokenizer(encoding: .cl100kBase), format: .gpt35Turbo0301)
        let legacyNamed = legacy.count(named)
        #expect(legacyNamed == 4 + 1 + 2 + legacy.tokenizer.count("ana") - 1)
        // Empty content still costs the message and its role.
        #expect(counter.count(ChatMessage(role: "assistant", content: "")) == 3 + tokenizer.count("assistant"))
    }

    @Test("the documented example")
    func documentedExample() throws {
        let estimate = try ChatTokenCounter(model: "gpt-4o").count([
            ChatMessage(role: "system", content: "You are terse."),
            ChatMessage(role: "user", content: "hello world"),
        ])
        #expect(estimate.count == 17)
        #expect(estimate.isExact)
    }
}
