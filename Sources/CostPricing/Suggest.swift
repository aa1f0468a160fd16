/// Nearest-name suggestions for "did you mean …?" messages.
public enum Suggest {
    /// Up to `limit` candidates nearest to `text` by edit distance (case-insensitive), best first,
    /// keeping only plausible ones (distance at most a third of the longer name, at least 2), plus
    /// candidates that contain the text or are contained in it.
    public static func nearest(_ text: String, in candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        let needle = Array(text.lowercased().utf8)
        guard !needle.isEmpty else { return [] }
        var scored: [(Int, String)] = []
        var seen = Set<String>()
        for candidate in candidates {
            let lower = candidate.lowercased()
            guard seen.insert(lower).inserted else { continue }
            let hay = Array(lower.utf8)
            if abs(hay.count - needle.count) > max(needle.count, hay.count) / 2 + 2, !lower.contains(String(decoding: needle, as: UTF8.self)) {
                continue
            }
            var d = distance(needle, hay)
            if lower.hasPrefix(String(decoding: needle, as: UTF8.self)) { d = min(d, 1 + (hay.count - needle.count) / 4) }
            let allowed = max(2, max(needle.count, hay.count) / 3)
            if d <= allowed { scored.append((d, candidate)) }
        }
        scored.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        return scored.prefix(limit).map(\.1)
    }

    /// `"; did you mean 'a'?"`, `"; did you mean 'a', 'b' or 'c'?"`, or `""`.
    public static func didYouMean(_ text: String, in candidates: some Sequence<String>) -> String {
        phrase(nearest(text, in: candidates))
    }

    static func phrase(_ names: [String]) -> String {
        switch names.count {
        case 0: return ""
        case 1: return "; did you mean '\(names[0])'?"
        default:
            let quoted = names.map { "'\($0)'" }
            return "; did you mean " + quoted.dropLast().joined(separator: ", ") + " or " + quoted[quoted.count - 1] + "?"
        }
    }

    /// Levenshtein distance over bytes.
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
