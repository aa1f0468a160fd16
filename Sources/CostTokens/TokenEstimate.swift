/// A token count together with how far it can be trusted: exact, or an estimate with the range
/// the vendor's documentation supports.
///
/// Counts made by a vendor's published, exact rule (tiktoken text, OpenAI's chat-message
/// accounting for the models its cookbook checks, OpenAI's image tiles) are exact:
/// `isExact` is `true` and `lower == count == upper`. Counts made by a rule the vendor itself calls
/// approximate, or by a rule applied to models the vendor does not list, are estimates:
/// `isExact` is `false` and `lower...upper` is the range the documentation justifies. When the
/// vendor publishes no bound at all, the estimate says so by `lower == count == upper` with
/// `isExact == false`; no error band is made up. Counts for models without a public tokenizer
/// (``TokenEstimator``) are estimates whose range is the band measured on held-out text.
///
/// For example:
///
/// ```swift
/// let text = TokenEstimate.exact(1_024, method: "o200k_base")
/// let image = try ImageTokenCounter.anthropic(width: 1_000, height: 1_000)
/// let total = text.adding(image)   // count 2358, isExact false, lower 2357, upper 2358
/// ```
public struct TokenEstimate: Sendable, Hashable, CustomStringConvertible {
    /// The best count: the exact count, or the value the vendor's rule gives.
    public var count: Int
    /// Whether `count` is exact under a rule the vendor publishes as exact.
    public var isExact: Bool
    /// The smallest count the vendor's documentation allows (equal to `count` when exact).
    public var lower: Int
    /// The largest count the vendor's documentation allows (equal to `count` when exact).
    public var upper: Int
    /// How the count was made, such as `o200k_base`, `openai-image-tiles` or `anthropic-image-area`.
    public var method: String

    /// Makes an estimate; `lower` and `upper` are widened if needed so that they hold `count`.
    public init(count: Int, isExact: Bool, lower: Int, upper: Int, method: String) {
        self.count = count
        self.isExact = isExact
        self.lower = min(lower, count)
        self.upper = max(upper, count)
        self.method = method
    }

    /// An exact count made by `method`.
    ///
    /// For example, `TokenEstimate.exact(85, method: "openai-image-tiles")`.
    public static func exact(_ count: Int, method: String) -> TokenEstimate {
        TokenEstimate(count: count, isExact: true, lower: count, upper: count, method: method)
    }

    /// The sum of two counts (a prompt's text and its images, say): exact only when both are, with
    /// the bounds added and both methods named.
    public func adding(_ other: TokenEstimate) -> TokenEstimate {
        TokenEstimate(
            count: count + other.count,
            isExact: isExact && other.isExact,
            lower: lower + other.lower,
            upper: upper + other.upper,
            method: method.split(separator: "+").contains(Substring(other.method)) ? method : "\(method)+\(other.method)"
        )
    }

    public var description: String {
        isExact ? "\(count) (exact, \(method))" : "\(count) (estimate \(lower)...\(upper), \(method))"
    }
}
