/// The one error type of CostTokens: a code, a human message saying what to do, and context.
///
/// For example:
///
/// ```swift
/// do {
///     _ = try tokenizer.encode(contentsOf: URL(fileURLWithPath: "notes.bin"))
/// } catch let error as CostTokensError where error.code == .invalidUTF8 {
///     print(error)  // "invalid UTF-8 at byte offset 1234 of notes.bin: ..."
/// }
/// ```
public struct CostTokensError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable, matchable value.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Input bytes are not valid UTF-8 (see ``CostTokensError/byteOffset``).
        public static let invalidUTF8 = Code(rawValue: "invalid_utf8")
        /// A bundled vocabulary resource is missing, truncated or fails its SHA-256 check.
        public static let corruptVocabulary = Code(rawValue: "corrupt_vocabulary")
        /// No encoding is known for a model name.
        public static let unknownModel = Code(rawValue: "unknown_model")
        /// A token id is not part of the encoding.
        public static let unknownTokenID = Code(rawValue: "unknown_token_id")
        /// A file could not be read.
        public static let unreadableFile = Code(rawValue: "unreadable_file")
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for people, saying what to do about it.
    public var message: String
    /// For ``Code/invalidUTF8``: the offset of the first byte that is not valid UTF-8.
    public var byteOffset: Int?

    /// Makes an error; `message` should say what to do about it.
    public init(code: Code, message: String, byteOffset: Int? = nil) {
        self.code = code
        self.message = message
        self.byteOffset = byteOffset
    }

    public var description: String { "\(code): \(message)" }
}
