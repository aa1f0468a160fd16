import Foundation

/// The data-driven map from OpenAI model names to encodings, read from the bundled
/// `Resources/models.json` once.
struct ModelEncodingTable: Sendable, Decodable {
    var separators: [String]
    var prefixes: [String: String]

    static let shared: ModelEncodingTable = {
        guard let url = VocabularyFile.resourceURL("models", extension: "json"),
            let data = try? Data(contentsOf: url),
            let table = try? JSONDecoder().decode(ModelEncodingTable.self, from: data)
        else {
            // The resource ships with the package; without it only the core families are known.
            return ModelEncodingTable(
                separators: ["-", ":", "@", ".", "_"],
                prefixes: ["gpt-4o": "o200k_base", "gpt-4": "cl100k_base", "gpt-3.5": "cl100k_base"])
        }
        return table
    }()

    /// The encoding of `model`: vendor prefixes (`openai/`, `azure/`…) and `ft:` are dropped,
    /// case is ignored, then the longest known prefix that ends at a separator wins.
    func encoding(forModel model: String) -> TokenEncodingName? {
        var name = model.trimmingCharacters(in: .whitespaces).lowercased()
        if let slash = name.lastIndex(of: "/") { name = String(name[name.index(after: slash)...]) }
        if name.hasPrefix("ft:") { name.removeFirst(3) }
        var best: (length: Int, encoding: String)?
        for (prefix, encoding) in prefixes where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard rest.isEmpty || separators.contains(where: { rest.hasPrefix($0) }) else { continue }
            if prefix.count > (best?.length ?? -1) { best = (prefix.count, encoding) }
        }
        return best.flatMap { TokenEncodingName(rawValue: $0.encoding) }
    }
}

extension TokenEncodingName {
    /// The encoding an OpenAI model uses, or `nil` when the model is not known.
    ///
    /// Accepts vendor prefixes and dated snapshots. For example:
    ///
    /// ```swift
    /// TokenEncodingName(model: "gpt-4o-2024-08-06")    // .o200kBase
    /// TokenEncodingName(model: "openai/gpt-4.1-mini")  // .o200kBase
    /// TokenEncodingName(model: "gpt-3.5-turbo")        // .cl100kBase
    /// TokenEncodingName(model: "claude-sonnet-4")      // nil
    /// ```
    public init?(model: String) {
        guard let encoding = ModelEncodingTable.shared.encoding(forModel: model) else { return nil }
        self = encoding
    }
}
