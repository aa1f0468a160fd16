/// The model-name matching used by the small per-model tables of this module, the same way as the
/// model → encoding map: case is ignored, vendor prefixes (`openai/`, `azure/`…) and `ft:` are
/// dropped, then the longest prefix that is the whole name or ends at a separator wins.
enum ModelPrefixMatch {
    static let separators: [Character] = ["-", ":", "@", ".", "_"]

    /// The value of the longest prefix of `table` that matches `model`, or `nil`.
    static func longest<Value>(_ model: String, in table: [(prefix: String, value: Value)]) -> Value? {
        var name = model.lowercased().filter { !$0.isWhitespace }
        if let slash = name.lastIndex(of: "/") { name = String(name[name.index(after: slash)...]) }
        if name.hasPrefix("ft:") { name.removeFirst(3) }
        var best: (length: Int, value: Value)?
        for entry in table where name.hasPrefix(entry.prefix) {
            let rest = name.dropFirst(entry.prefix.count)
            guard rest.isEmpty || rest.first.map(separators.contains) == true else { continue }
            if entry.prefix.count > (best?.length ?? -1) { best = (entry.prefix.count, entry.value) }
        }
        return best?.value
    }
}
