import Foundation

/// A rule that decides whether a model id (or a provider name) refers to a catalog entry.
///
/// These are the clauses public price lists use (genai-prices' `equals`, `starts_with`, `ends_with`,
/// `contains`, `regex`, `or`, `and`). Text comparisons are case-insensitive; a regular expression is
/// searched for anywhere in the lower-cased id, as Python's `re.search` does.
///
/// For example:
/// ```swift
/// let clause = MatchClause.or([.startsWith("gpt-4o"), .equals("chatgpt-4o-latest")])
/// clause.matches("GPT-4o-2024-08-06")   // true
/// ```
public indirect enum MatchClause: Sendable, Hashable {
    case equals(String)
    case startsWith(String)
    case endsWith(String)
    case contains(String)
    case regex(MatchRegex)
    case or([MatchClause])
    case and([MatchClause])

    /// Whether `text` matches (compared lower-cased).
    public func matches(_ text: String) -> Bool {
        matchesLowercased(text.lowercased())
    }

    /// Whether an already lower-cased `text` matches.
    func matchesLowercased(_ text: String) -> Bool {
        switch self {
        case .equals(let s): text == s
        case .startsWith(let s): text.hasPrefix(s)
        case .endsWith(let s): text.hasSuffix(s)
        case .contains(let s): text.contains(s)
        case .regex(let r): r.search(text)
        case .or(let clauses): clauses.contains { $0.matchesLowercased(text) }
        case .and(let clauses): clauses.allSatisfy { $0.matchesLowercased(text) }
        }
    }

    /// The ids this clause names exactly (`equals` clauses reachable through `or`), for listings and
    /// suggestions.
    public var exactIds: [String] {
        switch self {
        case .equals(let s): [s]
        case .or(let clauses): clauses.flatMap(\.exactIds)
        default: []
        }
    }

    /// A short human form: `= gpt-4o | starts with gpt-4o-2024`.
    public var summary: String {
        switch self {
        case .equals(let s): "= \(s)"
        case .startsWith(let s): "starts with \(s)"
        case .endsWith(let s): "ends with \(s)"
        case .contains(let s): "contains \(s)"
        case .regex(let r): "regex /\(r.pattern)/"
        case .or(let c): c.map(\.summary).joined(separator: " | ")
        case .and(let c): "(" + c.map(\.summary).joined(separator: " & ") + ")"
        }
    }

    /// Whether `text` is named by an `equals` clause (an exact id, not a pattern).
    func matchesExactly(_ lowercased: String) -> Bool {
        switch self {
        case .equals(let s): s == lowercased
        case .or(let clauses): clauses.contains { $0.matchesExactly(lowercased) }
        default: false
        }
    }
}

/// A compiled regular expression used by a ``MatchClause``.
public struct MatchRegex: Sendable, Hashable {
    public let pattern: String
    private let box: RegexBox

    /// Compiles `pattern`.
    ///
    /// - throws: ``PricingError`` `.invalidCatalog` if the pattern does not compile.
    public init(_ pattern: String) throws {
        self.pattern = pattern
        do {
            self.box = RegexBox(try NSRegularExpression(pattern: pattern))
        } catch {
            throw PricingError(code: .invalidCatalog, message: "match regex '\(pattern)' does not compile: \(error)")
        }
    }

    func search(_ text: String) -> Bool {
        box.regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    public static func == (lhs: MatchRegex, rhs: MatchRegex) -> Bool { lhs.pattern == rhs.pattern }
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }
}

/// Holds an `NSRegularExpression`.
// @unchecked Sendable: NSRegularExpression is immutable after creation and documented as safe to
// use from several threads at once; the box never exposes a way to mutate it.
private final class RegexBox: @unchecked Sendable {
    let regex: NSRegularExpression
    init(_ regex: NSRegularExpression) { self.regex = regex }
}

// MARK: - JSON (genai-prices' clause format)

extension MatchClause: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        guard let key = container.allKeys.first, container.allKeys.count == 1 else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a match clause has exactly one key"))
        }
        switch key.stringValue {
        case "equals": self = .equals(try container.decode(String.self, forKey: key).lowercased())
        case "starts_with": self = .startsWith(try container.decode(String.self, forKey: key).lowercased())
        case "ends_with": self = .endsWith(try container.decode(String.self, forKey: key).lowercased())
        case "contains": self = .contains(try container.decode(String.self, forKey: key).lowercased())
        case "regex": self = .regex(try MatchRegex(try container.decode(String.self, forKey: key)))
        case "or": self = .or(try container.decode([MatchClause].self, forKey: key))
        case "and": self = .and(try container.decode([MatchClause].self, forKey: key))
        default:
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown match clause '\(key.stringValue)' (equals, starts_with, ends_with, contains, regex, or, and)"
                ))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        switch self {
        case .equals(let s): try container.encode(s, forKey: AnyKey("equals"))
        case .startsWith(let s): try container.encode(s, forKey: AnyKey("starts_with"))
        case .endsWith(let s): try container.encode(s, forKey: AnyKey("ends_with"))
        case .contains(let s): try container.encode(s, forKey: AnyKey("contains"))
        case .regex(let r): try container.encode(r.pattern, forKey: AnyKey("regex"))
        case .or(let c): try container.encode(c, forKey: AnyKey("or"))
        case .and(let c): try container.encode(c, forKey: AnyKey("and"))
        }
    }
}
