/// Token counts of audio, video and documents by the rules providers publish.
///
/// - Gemini audio: "each second of audio as 32 tokens" (Google's token guide): exact when the
///   duration times 32 is whole, otherwise a range between the two whole counts (Google does not
///   say how a fraction of a token is rounded).
/// - Gemini video: 263 tokens per second at the default media resolution (258 per frame at one
///   frame per second, plus the audio track), the figure of Google's token guide. Lower media
///   resolutions use fewer tokens per frame, so the range goes down to 98 per second (66 per frame
///   plus 32 of audio); the count is an estimate.
/// - Gemini PDF: 258 tokens per page (Google's document guide). An estimate with no published
///   bound (`lower == count == upper`, `isExact == false`), as pages with more media resolution
///   count more.
/// - Anthropic PDF: "1,500 to 3,000 tokens per page" (Anthropic's PDF guide; the page's text plus
///   the page as an image): the middle as the count, the published range as the bounds.
///
/// OpenAI publishes no per-second rule for audio input nor a per-page rule for files; asking for
/// them throws rather than guess.
///
/// ```swift
/// let audio = try MediaTokenCounter.geminiAudio(seconds: 60)       // 1,920 (exact)
/// let pdf = try MediaTokenCounter.anthropicDocument(pages: 10)     // 22,500 (15,000...30,000)
/// ```
public enum MediaTokenCounter {
    public static let geminiAudioTokensPerSecond = 32
    public static let geminiVideoTokensPerSecond = 263
    /// The lowest media resolution: 66 tokens per frame at one frame per second, plus the audio.
    public static let geminiVideoLowTokensPerSecond = 98
    /// Later models at the default resolution: 258 per frame plus 32 of audio.
    public static let geminiVideoHighTokensPerSecond = 290
    public static let geminiTokensPerPage = 258
    public static let anthropicPageTokens = 1_500...3_000

    /// Gemini's audio rule, 32 tokens per second.
    ///
    /// - throws: ``CostTokensError`` `.invalidMedia` for a duration that is negative or not finite.
    public static func geminiAudio(seconds: Double) throws -> TokenEstimate {
        try check(seconds: seconds)
        let exact = seconds * Double(geminiAudioTokensPerSecond)
        let lower = Int(exact.rounded(.down))
        let upper = Int(exact.rounded(.up))
        if lower == upper { return .exact(lower, method: "gemini-audio-32-per-second") }
        return TokenEstimate(
            count: Int(exact.rounded()), isExact: false, lower: lower, upper: upper, method: "gemini-audio-32-per-second")
    }

    /// Gemini's video rule (frames and their audio track), an estimate.
    ///
    /// - throws: ``CostTokensError`` `.invalidMedia` for a duration that is negative or not finite.
    public static func geminiVideo(seconds: Double) throws -> TokenEstimate {
        try check(seconds: seconds)
        func tokens(_ perSecond: Int) -> Int { Int((seconds * Double(perSecond)).rounded(.up)) }
        return TokenEstimate(
            count: tokens(geminiVideoTokensPerSecond), isExact: false, lower: tokens(geminiVideoLowTokensPerSecond),
            upper: tokens(geminiVideoHighTokensPerSecond), method: "gemini-video-263-per-second")
    }

    /// Gemini's PDF rule, 258 tokens per page, an estimate with no published bound.
    ///
    /// - throws: ``CostTokensError`` `.invalidMedia` for a negative page count.
    public static func geminiDocument(pages: Int) throws -> TokenEstimate {
        try check(pages: pages)
        let count = try multiply(pages, geminiTokensPerPage)
        return TokenEstimate(count: count, isExact: false, lower: count, upper: count, method: "gemini-pdf-258-per-page")
    }

    /// Anthropic's published range for PDF pages, 1,500 to 3,000 tokens each.
    ///
    /// - throws: ``CostTokensError`` `.invalidMedia` for a negative page count.
    public static func anthropicDocument(pages: Int) throws -> TokenEstimate {
        try check(pages: pages)
        let lower = try multiply(pages, anthropicPageTokens.lowerBound)
        let upper = try multiply(pages, anthropicPageTokens.upperBound)
        return TokenEstimate(
            count: lower + (upper - lower) / 2, isExact: false, lower: lower, upper: upper,
            method: "anthropic-pdf-1500-3000-per-page")
    }

    static func check(seconds: Double) throws {
        guard seconds.isFinite, seconds >= 0, seconds <= 1e9 else {
            throw CostTokensError(
                code: .invalidMedia, message: "duration \(seconds) s is not valid; give a number of seconds from 0 to 1e9")
        }
    }

    static func check(pages: Int) throws {
        guard pages >= 0 else {
            throw CostTokensError(code: .invalidMedia, message: "page count \(pages) is not valid; give 0 or more pages")
        }
    }

    static func multiply(_ a: Int, _ b: Int) throws -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else {
            throw CostTokensError(code: .invalidMedia, message: "\(a) pages is more than any request can hold")
        }
        return product
    }
}

extension CostTokensError.Code {
    /// A media duration or page count that is negative, not finite or too large.
    public static let invalidMedia = CostTokensError.Code(rawValue: "invalid_media")
}
