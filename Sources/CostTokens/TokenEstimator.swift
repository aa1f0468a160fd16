public import Foundation

/// Counts the tokens of a text for any model: exactly where costctl ships the model's encoding
/// (OpenAI's models, and gpt-oss, whose `o200k_harmony` counts text as `o200k_base`), otherwise
/// with a calibrated estimate that says it is one.
///
/// An estimate (``TokenEstimate/isExact`` `false`) predicts the count of a reference tokenizer
/// from features of the text (the `o200k_base` tokens of its runs of each script class, and its
/// newlines, spaces and digits), with coefficients fitted by `Scripts/calibrate-estimators`
/// against public reference tokenizers: Anthropic's own Claude 2 tokenizer (a proxy for Claude 3
/// and later, whose tokenizer is not public), Gemma 3's (Google: the Gemini 2.0 tokenizer),
/// Mistral's Tekken and SentencePiece tokenizers, and all four pooled for any other model. The
/// range is the held-out band of the fit (95% of held-out documents fall in it), widened where the
/// reference is only a proxy; Documentation/Tokenizer.md gives the measured errors. The model →
/// estimator map is data (`Resources/estimator_models.json`).
///
/// For example:
///
/// ```swift
/// let claude = try TokenEstimator(model: "claude-sonnet-4-5")
/// let estimate = claude.estimate("The quick brown fox jumps over the lazy dog.")
/// print(estimate)   // "11 (estimate 7...16, claude-estimate)"
/// try TokenEstimator(model: "gpt-4o").estimate("hello world").isExact   // true
/// ```
public struct TokenEstimator: Sendable {
    /// The tokenizer: the model's own encoding when exact, else `o200k_base` (the features' base).
    public let tokenizer: BPETokenizer
    /// Whether counts are exact (the model's encoding is shipped).
    public let isExact: Bool
    /// The method named in every estimate: the encoding (`o200k_base`) when exact, else the
    /// estimator (`claude-estimate`, `gemini-estimate`, `generic-estimate`…).
    public let method: String
    /// What the estimator was calibrated against, or `nil` when exact.
    public let reference: String?

    private let coefficients: [Double]
    private let scale: Double
    private let lowerFactor: Double
    private let upperFactor: Double

    /// The estimator for `model` (`claude-sonnet-4-5`, `gemini-2.5-pro`, `mistral-large-latest`,
    /// `gpt-oss:20b`, `llama3.1:8b`, `gpt-4o`…); `provider` (a catalog provider id such as
    /// `anthropic`) picks the family when the model name is not known. Unknown models get the
    /// generic estimate; this never fails for a model name.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/corruptVocabulary`` when a
    ///   bundled vocabulary or calibration file is missing or damaged.
    public init(model: String, provider: String? = nil) throws {
        if let encoding = TokenEncodingName(model: model) {
            tokenizer = try BPETokenizer(encoding: encoding)
            isExact = true
            method = encoding.rawValue
            reference = nil
            (coefficients, scale, lowerFactor, upperFactor) = ([], 1, 1, 1)
            return
        }
        let table = try EstimatorTable.shared.get()
        let entry = table.entry(model: model, provider: provider)
        // `load()` checked that every entry's profile exists.
        guard let profile = table.profiles[entry.profile] else {
            throw CostTokensError(code: .corruptVocabulary, message: "no estimator profile '\(entry.profile)'")
        }
        tokenizer = try BPETokenizer(encoding: .o200kBase)
        isExact = false
        method = entry.estimator
        reference = profile.reference
        coefficients = profile.coefficients
        scale = entry.scale
        lowerFactor = profile.lowerRatio * entry.lowerScale
        upperFactor = profile.upperRatio * entry.upperScale
    }

    /// The tokens of `text`: exact, or the estimate with its range.
    public func estimate(_ text: String) -> TokenEstimate {
        if isExact { return .exact(tokenizer.count(text), method: method) }
        var features = TextFeatures()
        features.add(text, tokenizer: tokenizer)
        return estimate(features: features, isEmpty: text.isEmpty)
    }

    /// The tokens of UTF-8 `bytes`.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/invalidUTF8`` (with the byte
    ///   offset of the first bad byte).
    public func estimate(utf8 bytes: some Collection<UInt8>) throws -> TokenEstimate {
        if isExact { return .exact(try tokenizer.count(utf8: bytes), method: method) }
        var features = TextFeatures()
        try Array(bytes).withUnsafeBufferPointer { buffer in
            try Self.validate(buffer, source: "the input", offset: 0)
            features.add(utf8: buffer, tokenizer: tokenizer)
        }
        return estimate(features: features, isEmpty: bytes.isEmpty)
    }

    /// The tokens of the UTF-8 text file at `url`, read in chunks of about 1 MiB cut at
    /// pre-tokenizer boundaries, so memory stays bounded.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/unreadableFile`` or
    ///   ``CostTokensError/Code/invalidUTF8``.
    public func estimate(contentsOf url: URL) throws -> TokenEstimate {
        if isExact { return .exact(try tokenizer.count(contentsOf: url), method: method) }
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw CostTokensError(
                code: .unreadableFile,
                message: "cannot read \(url.path): \(error.localizedDescription); check the path and its permissions")
        }
        defer { try? handle.close() }
        var features = TextFeatures()
        var buffer: [UInt8] = []
        var offset = 0
        var atEnd = false
        var sawBytes = false
        while !atEnd {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: BPETokenizer.chunkSize) ?? Data()
            } catch {
                throw CostTokensError(
                    code: .unreadableFile, message: "cannot read \(url.path): \(error.localizedDescription)")
            }
            let searchedUpTo = max(0, buffer.count - 1)
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
            sawBytes = sawBytes || !chunk.isEmpty
            // A space before an ASCII letter is a piece boundary of o200k_base and inside the base
            // script class, so the features of the pieces add up to those of the whole file.
            let split = atEnd ? buffer.count : BPETokenizer.lastSplitPoint(buffer, after: searchedUpTo)
            guard split > 0 else { continue }
            try buffer.withUnsafeBufferPointer {
                let part = UnsafeBufferPointer(rebasing: $0[0..<split])
                try Self.validate(part, source: url.path, offset: offset)
                features.add(utf8: part, tokenizer: tokenizer)
            }
            buffer.removeFirst(split)
            offset += split
        }
        return estimate(features: features, isEmpty: !sawBytes)
    }

    /// The estimate of a text with `features`: the prediction times the entry's scale, rounded;
    /// the range is the prediction times the lower and upper factors, rounded outwards.
    func estimate(features: TextFeatures, isEmpty: Bool) -> TokenEstimate {
        guard !isEmpty else { return TokenEstimate(count: 0, isExact: false, lower: 0, upper: 0, method: method) }
        let predicted = Self.predict(coefficients: coefficients, features: features)
        let count = max(1, Int((predicted * scale).rounded()))
        let lower = max(1, Int((predicted * lowerFactor).rounded(.down)))
        let upper = max(1, Int((predicted * upperFactor).rounded(.up)))
        return TokenEstimate(count: count, isExact: false, lower: lower, upper: upper, method: method)
    }

    /// `Σ coefficients[i] × features[i]`, at least 0.
    static func predict(coefficients: [Double], features: TextFeatures) -> Double {
        max(0, zip(coefficients, features.values).reduce(0) { $0 + $1.0 * Double($1.1) })
    }

    private static func validate(_ buffer: UnsafeBufferPointer<UInt8>, source: String, offset: Int) throws {
        if let bad = UTF8Validation.firstInvalidOffset(buffer) {
            throw CostTokensError(
                code: .invalidUTF8,
                message: "\(source) is not valid UTF-8 at byte offset \(offset + bad); "
                    + "convert it to UTF-8 first (e.g. iconv -f LATIN1 -t UTF-8)",
                byteOffset: offset + bad)
        }
    }
}
