/// An exact byte-pair-encoding tokenizer for OpenAI's `cl100k_base` and `o200k_base`, giving the
/// same token ids as tiktoken for every input.
///
/// The vocabulary is bundled with the package, checked against its SHA-256 and loaded once, on
/// first use, for the whole process; a tokenizer is a small value, cheap to copy and to share
/// between tasks and threads.
///
/// For example:
///
/// ```swift
/// import CostTokens
///
/// let tokenizer = try BPETokenizer(model: "gpt-4o")
/// let ids = tokenizer.encode("hello world")       // [24912, 2375]
/// let count = tokenizer.count("hello world")      // 2
/// let text = tokenizer.decode(ids)                // "hello world"
/// ```
public struct BPETokenizer: Sendable {
    /// The encoding this tokenizer implements.
    public let encoding: TokenEncodingName

    /// Whether special-token strings such as `<|endoftext|>` in the input are recognised and
    /// encoded as their special ids. `false` (the default) encodes them as ordinary text, like
    /// tiktoken's `encode_ordinary`; `true` is like tiktoken's `encode(text, allowed_special="all")`.
    public var allowsSpecialTokens: Bool

    let vocabulary: Vocabulary
    let pattern: PreTokenizer.Pattern
    /// Special tokens as UTF-8 bytes with their ids.
    let specials: [(bytes: [UInt8], id: Int)]

    /// Makes a tokenizer for `encoding`, loading its bundled vocabulary on first use.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/corruptVocabulary`` when the
    ///   bundled vocabulary is missing or fails its SHA-256 check.
    public init(encoding: TokenEncodingName, allowsSpecialTokens: Bool = false) throws {
        self.encoding = encoding
        self.allowsSpecialTokens = allowsSpecialTokens
        vocabulary = try encoding.loadVocabulary()
        pattern = encoding == .cl100kBase ? .cl100k : .o200k
        specials = encoding.specialTokens.map { (Array($0.key.utf8), $0.value) }.sorted { $0.id < $1.id }
    }

    /// Makes a tokenizer for the encoding an OpenAI model uses, such as `gpt-4o`,
    /// `openai/gpt-4.1-mini` or `gpt-4-0613` (see ``TokenEncodingName/init(model:)``).
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/unknownModel`` when no
    ///   encoding is known for `model`, or ``CostTokensError/Code/corruptVocabulary``.
    public init(model: String, allowsSpecialTokens: Bool = false) throws {
        guard let encoding = TokenEncodingName(model: model) else {
            throw CostTokensError(
                code: .unknownModel,
                message: "no tokenizer encoding is known for model '\(model)'; pass an encoding explicitly, "
                    + "e.g. BPETokenizer(encoding: .o200kBase)")
        }
        try self.init(encoding: encoding, allowsSpecialTokens: allowsSpecialTokens)
    }

    /// The number of mergeable (non-special) tokens.
    public var vocabularySize: Int { vocabulary.count }

    // MARK: - Encoding text

    /// The token ids of `text`.
    ///
    /// For example, `try BPETokenizer(encoding: .cl100kBase).encode("hello world")` is `[15339, 1917]`.
    public func encode(_ text: String) -> [Int] {
        var sink = CollectingSink()
        sink.ids.reserveCapacity(text.utf8.count / 3 + 16)
        run(text, &sink)
        return sink.ids
    }

    /// The number of tokens of `text`, without building the id array.
    ///
    /// For example, `try BPETokenizer(encoding: .o200kBase).count("hello world")` is `2`.
    public func count(_ text: String) -> Int {
        var sink = CountingSink()
        run(text, &sink)
        return sink.count
    }

    // MARK: - Decoding

    /// The bytes that `ids` stand for (special ids included).
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/unknownTokenID`` for an id
    ///   that is neither a token nor a special token of this encoding.
    public func decodeBytes(_ ids: some Sequence<Int>) throws -> [UInt8] {
        var out: [UInt8] = []
        for id in ids {
            guard appendBytes(of: id, to: &out) else {
                throw CostTokensError(
                    code: .unknownTokenID,
                    message: "token id \(id) is not part of \(encoding.rawValue) (ids 0..<\(vocabulary.count) and its "
                        + "special tokens); check that the ids were made with the same encoding")
            }
        }
        return out
    }

    /// The text that `ids` stand for. Bytes that are not valid UTF-8 (a token can hold part of a
    /// character) and unknown ids become U+FFFD REPLACEMENT CHARACTER, as in tiktoken.
    ///
    /// For example, `tokenizer.decode(tokenizer.encode(s)) == s` for every string `s`.
    public func decode(_ ids: some Sequence<Int>) -> String {
        var out: [UInt8] = []
        for id in ids where !appendBytes(of: id, to: &out) {
            out.append(contentsOf: [0xEF, 0xBF, 0xBD])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of one token id, or `nil` if the id is unknown.
    public func tokenBytes(_ id: Int) -> [UInt8]? {
        var out: [UInt8] = []
        return appendBytes(of: id, to: &out) ? out : nil
    }

    private func appendBytes(of id: Int, to out: inout [UInt8]) -> Bool {
        if id >= 0 && id < vocabulary.count {
            out.append(contentsOf: vocabulary.token(id))
            return true
        }
        guard let special = specials.first(where: { $0.id == id }) else { return false }
        out.append(contentsOf: special.bytes)
        return true
    }

    // MARK: - Core

    /// Encodes `text` into `sink` with a pooled workspace.
    @inline(__always)
    func run<Sink: TokenSink>(_ text: String, _ sink: inout Sink) {
        let pool = self.pool
        let workspace = pool.take()
        defer { pool.giveBack(workspace) }
        if text.utf8.withContiguousStorageIfAvailable({ run($0, workspace, &sink) }) == nil {
            var copy = text
            copy.withUTF8 { run($0, workspace, &sink) }
        }
    }

    /// Encodes valid UTF-8 `bytes` into `sink`, splitting at special tokens when they are allowed.
    func run<Sink: TokenSink>(_ bytes: UnsafeBufferPointer<UInt8>, _ workspace: MergeWorkspace, _ sink: inout Sink) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard allowsSpecialTokens else {
            encodeOrdinary(base, bytes.count, workspace, &sink)
            return
        }
        var segmentStart = 0
        var i = 0
        let n = bytes.count
        while i + 1 < n {
            if base[i] == UInt8(ascii: "<") && base[i + 1] == UInt8(ascii: "|"),
                let special = specials.first(where: { matches($0.bytes, base, i, n) })
            {
                if i > segmentStart { encodeOrdinary(base + segmentStart, i - segmentStart, workspace, &sink) }
                sink.add(UInt32(special.id))
                i += special.bytes.count
                segmentStart = i
            } else {
                i += 1
            }
        }
        if n > segmentStart { encodeOrdinary(base + segmentStart, n - segmentStart, workspace, &sink) }
    }

    private func matches(_ token: [UInt8], _ base: UnsafePointer<UInt8>, _ at: Int, _ n: Int) -> Bool {
        guard at + token.count <= n else { return false }
        for k in 0..<token.count where base[at + k] != token[k] { return false }
        return true
    }

    /// Pre-tokenizes and merges `text[0..<n]`, with special-token strings as ordinary text.
    @inline(__always)
    func encodeOrdinary<Sink: TokenSink>(
        _ text: UnsafePointer<UInt8>, _ n: Int, _ workspace: MergeWorkspace, _ sink: inout Sink
    ) {
        let vocabulary = self.vocabulary
        let splitter = PreTokenizer(pattern: pattern, text: text, count: n)
        let maxTokenLength = vocabulary.maxTokenLength
        var i = 0
        while i < n {
            let end = splitter.pieceEnd(from: i)
            let length = end - i
            let piece = text + i
            i = end
            if length == 1 {
                sink.add(vocabulary.byteRanks[Int(piece[0])])
                continue
            }
            if length == 2 {
                let rank = vocabulary.pairRanks[Int(piece[0]) << 8 | Int(piece[1])]
                if rank != Vocabulary.noRank {
                    sink.add(rank)
                } else {
                    sink.add(vocabulary.byteRanks[Int(piece[0])])
                    sink.add(vocabulary.byteRanks[Int(piece[1])])
                }
                continue
            }
            if length <= maxTokenLength {
                let packed = Vocabulary.pack(piece, length)
                let hash = Vocabulary.hash(piece, length, packed: packed)
                let rank = vocabulary.rank(of: piece, length, packed: packed, hash: hash)
                if rank != Vocabulary.noRank {
                    sink.add(rank)
                    continue
                }
                if length <= PieceCache.maxKeyLength {
                    if let hit = workspace.cache.lookup(piece, length, hash: hash) {
                        sink.add(hit.ranks, hit.count)
                    } else {
                        let count = workspace.merge(vocabulary, piece, length)
                        workspace.cache.insert(piece, length, hash: hash, ranks: workspace.result, count: count)
                        sink.add(workspace.result, count)
                    }
                    continue
                }
            }
            let count = workspace.merge(vocabulary, piece, length)
            sink.add(workspace.result, count)
        }
    }

    /// The idle workspaces of this encoding.
    var pool: WorkspacePool {
        pattern == .cl100k ? WorkspacePool.cl100k : WorkspacePool.o200k
    }

    /// Calls `body` with the UTF-8 bytes of `text`, without copying when the string is native.
    static func withUTF8<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = text
        return copy.withUTF8(body)
    }
}
