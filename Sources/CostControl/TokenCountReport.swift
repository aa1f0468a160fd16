import Foundation

/// The JSON of `costctl tokens --json` (and of the MCP tool `count-tokens`): the total, whether it
/// is exact, the encoding or estimator, the range, and each input's count.
///
/// For example:
///
/// ```swift
/// let report = try TokenCountReport(text: "hello world", model: "gpt-4o")   // 2 tokens, exact, o200k_base
/// ```
public struct TokenCountReport: Encodable, Sendable {
    /// One input (a file, standard input, or a text given by name).
    public struct FileCount: Encodable, Sendable {
        public var file: String
        public var tokens: Int
        public var bytes: Int
        public var ids: [Int]?
        public var lower: Int?
        public var upper: Int?

        public init(file: String, tokens: Int, bytes: Int, ids: [Int]? = nil, lower: Int? = nil, upper: Int? = nil) {
            self.file = file
            self.tokens = tokens
            self.bytes = bytes
            self.ids = ids
            self.lower = lower
            self.upper = upper
        }
    }

    public var tokens: Int
    public var exact: Bool
    public var encoding: String?
    public var estimator: String
    public var lower: Int
    public var upper: Int
    public var reference: String?
    public var model: String?
    public var files: [FileCount]

    public init(
        tokens: Int, exact: Bool, encoding: String?, estimator: String, lower: Int, upper: Int, reference: String?, model: String?,
        files: [FileCount]
    ) {
        self.tokens = tokens
        self.exact = exact
        self.encoding = encoding
        self.estimator = estimator
        self.lower = lower
        self.upper = upper
        self.reference = reference
        self.model = model
        self.files = files
    }

    /// Counts one text the way `costctl tokens` counts a file: exactly with `encoding`, or for
    /// `model` (exact for OpenAI's encodings, else a calibrated estimate with its range). The
    /// text is named `name` in ``files``.
    ///
    /// - throws: ``ControlError`` `.invalidInput` when neither or both of `model` and `encoding`
    ///   are given; ``CostTokensError`` when a bundled vocabulary is damaged.
    public init(text: String, model: String?, encoding: TokenEncodingName?, name: String = "text") throws {
        let bytes = text.utf8.count
        switch (model, encoding) {
        case (.some, .some), (.none, .none):
            throw ControlError(code: .invalidInput, message: "give a model (for example gpt-4o) or an encoding (cl100k_base, o200k_base), not both or neither")
        case (.none, .some(let encoding)):
            let count = try BPETokenizer(encoding: encoding).count(text)
            self.init(
                tokens: count, exact: true, encoding: encoding.rawValue, estimator: encoding.rawValue, lower: count, upper: count,
                reference: nil, model: nil, files: [FileCount(file: name, tokens: count, bytes: bytes)])
        case (.some(let model), .none):
            let estimator = try TokenEstimator(model: model)
            let e = estimator.estimate(text)
            self.init(
                tokens: e.count, exact: e.isExact, encoding: e.isExact ? estimator.method : nil, estimator: estimator.method,
                lower: e.lower, upper: e.upper, reference: estimator.reference, model: model,
                files: [FileCount(file: name, tokens: e.count, bytes: bytes, lower: e.isExact ? nil : e.lower, upper: e.isExact ? nil : e.upper)])
        }
    }
}
