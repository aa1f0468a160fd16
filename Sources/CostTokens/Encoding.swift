/// A byte-pair encoding known to costctl.
///
/// For example:
///
/// ```swift
/// let tokenizer = try BPETokenizer(encoding: .o200kBase)
/// ```
public enum TokenEncodingName: String, Sendable, CaseIterable {
    /// GPT-4, GPT-3.5 and the text-embedding-3 / ada-002 models.
    case cl100kBase = "cl100k_base"
    /// GPT-4o, GPT-4.1, GPT-5 and the o-series reasoning models.
    case o200kBase = "o200k_base"

    /// The SHA-256 of the published `.tiktoken` file of this encoding.
    public var vocabularySHA256: String {
        switch self {
        case .cl100kBase: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
        case .o200kBase: "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
        }
    }

    /// The special tokens of this encoding and their ids, as in tiktoken.
    public var specialTokens: [String: Int] {
        switch self {
        case .cl100kBase:
            [
                "<|endoftext|>": 100_257, "<|fim_prefix|>": 100_258, "<|fim_middle|>": 100_259,
                "<|fim_suffix|>": 100_260, "<|endofprompt|>": 100_276,
            ]
        case .o200kBase:
            ["<|endoftext|>": 199_999, "<|endofprompt|>": 200_018]
        }
    }

    var originalSHA256: String { vocabularySHA256 }

    /// The vocabulary, loaded from the bundled resource on first use, once, thread-safely
    /// (Swift initialises `static let` storage exactly once).
    func loadVocabulary() throws -> Vocabulary {
        switch self {
        case .cl100kBase: try VocabularyStore.cl100k.get()
        case .o200kBase: try VocabularyStore.o200k.get()
        }
    }
}

/// Lazily loaded vocabularies, one per encoding, shared by every tokenizer.
private enum VocabularyStore {
    static let cl100k = load(.cl100kBase)
    static let o200k = load(.o200kBase)

    private static func load(_ encoding: TokenEncodingName) -> Result<Vocabulary, CostTokensError> {
        do {
            return .success(try VocabularyFile.load(encoding))
        } catch let error as CostTokensError {
            return .failure(error)
        } catch {
            return .failure(CostTokensError(code: .corruptVocabulary, message: "\(error)"))
        }
    }
}
