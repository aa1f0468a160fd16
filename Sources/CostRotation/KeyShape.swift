/// What a provider's API key looks like: the one place where a provisioned key's shape is checked.
///
/// Every key: 16 to 1,024 characters of printable ASCII (`!` to `~`), so no space, tab, newline or
/// control character inside. Where the provider's prefix is known, the key must start with it:
///
/// | Provider | Prefix |
/// | --- | --- |
/// | `anthropic` | `sk-ant-` |
/// | `openai` | `sk-` |
/// | `gemini`, `google` | `AIza` |
/// | `openrouter` | `sk-or-` |
/// | `groq` | `gsk_` |
/// | `xai` | `xai-` |
/// | `perplexity` | `pplx-` |
/// | `huggingface` | `hf_` |
///
/// Other providers get the general rule only. The messages say what is wrong (a length, a
/// position, the expected prefix) and never show the key or any part of it.
///
/// For example:
/// ```swift
/// try KeyShape(provider: "anthropic").validate("sk-ant-api03-…")  // passes
/// try KeyShape(provider: "gemini").validate("sk-…")               // throws: gemini keys start with 'AIza'
/// ```
public struct KeyShape: Sendable, Hashable {
    /// The provider the shape is for (as given).
    public var provider: String
    /// A key must start with one of these; empty when the provider's prefix is not known.
    public var prefixes: [String]
    /// How many characters a key may have.
    public var lengths: ClosedRange<Int>

    /// The lengths every key must have: 16 to 1,024 characters.
    public static let generalLengths = 16...1_024

    /// The known prefixes by provider (lower-cased).
    public static let providerPrefixes: [String: [String]] = [
        "anthropic": ["sk-ant-"],
        "openai": ["sk-"],
        "gemini": ["AIza"],
        "google": ["AIza"],
        "openrouter": ["sk-or-"],
        "groq": ["gsk_"],
        "xai": ["xai-"],
        "perplexity": ["pplx-"],
        "huggingface": ["hf_"],
    ]

    /// The shape of `provider`'s keys (case-insensitive): its known prefix, if any, and the general lengths.
    public init(provider: String) {
        self.provider = provider
        prefixes = Self.providerPrefixes[provider.lowercased()] ?? []
        lengths = Self.generalLengths
    }

    /// What is wrong with `key`, in words that never contain the key; `nil` when it has the shape.
    public func problem(with key: String) -> String? {
        let scalars = Array(key.unicodeScalars)
        if let index = scalars.firstIndex(where: { !(0x21...0x7E).contains($0.value) }) {
            let what = scalars[index].properties.isWhitespace ? "a whitespace character" : "a character that is not printable ASCII"
            return "the key has \(what) at position \(index + 1); a key is printable ASCII without spaces"
        }
        guard lengths.contains(scalars.count) else {
            return "the key has \(scalars.count) characters; a key has \(lengths.lowerBound) to \(lengths.upperBound)"
        }
        guard prefixes.isEmpty || prefixes.contains(where: key.hasPrefix) else {
            let expected = prefixes.map { "'\($0)'" }.joined(separator: " or ")
            return "\(provider) keys start with \(expected); this one does not"
        }
        return nil
    }

    /// Checks that `key` has the shape.
    ///
    /// - throws: ``RotationError`` `.provisionerBadKey` saying what is wrong (never the key).
    public func validate(_ key: String) throws {
        if let problem = problem(with: key) {
            throw RotationError(code: .provisionerBadKey, message: problem)
        }
    }
}
