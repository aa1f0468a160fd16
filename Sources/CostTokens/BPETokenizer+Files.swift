public import Foundation

extension BPETokenizer {
    /// The token ids of UTF-8 `bytes`.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/invalidUTF8`` and the
    ///   ``CostTokensError/byteOffset`` of the first bad byte when `bytes` are not valid UTF-8.
    public func encode(utf8 bytes: some Collection<UInt8>) throws -> [Int] {
        try withValidatedBytes(bytes, source: "the input") { buffer in
            var sink = CollectingSink()
            sink.ids.reserveCapacity(buffer.count / 3 + 16)
            pool.withWorkspace { run(buffer, $0, &sink) }
            return sink.ids
        }
    }

    /// The number of tokens of UTF-8 `bytes`.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/invalidUTF8`` when `bytes`
    ///   are not valid UTF-8.
    public func count(utf8 bytes: some Collection<UInt8>) throws -> Int {
        try withValidatedBytes(bytes, source: "the input") { buffer in
            var sink = CountingSink()
            pool.withWorkspace { run(buffer, $0, &sink) }
            return sink.count
        }
    }

    /// The token ids of the UTF-8 text file at `url`.
    ///
    /// For example:
    ///
    /// ```swift
    /// let ids = try tokenizer.encode(contentsOf: URL(fileURLWithPath: "prompt.txt"))
    /// ```
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/unreadableFile`` or
    ///   ``CostTokensError/Code/invalidUTF8`` (with the byte offset of the first bad byte).
    public func encode(contentsOf url: URL) throws -> [Int] {
        var sink = CollectingSink()
        try stream(url, chunkSize: Self.chunkSize, &sink)
        return sink.ids
    }

    /// The number of tokens of the UTF-8 text file at `url`. The file is read in chunks of
    /// about 1 MiB, cut where every piece boundary is certain, so the memory used stays bounded
    /// whatever its size (unless no line of the file has a space before a letter).
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/unreadableFile`` or
    ///   ``CostTokensError/Code/invalidUTF8`` (with the byte offset of the first bad byte).
    public func count(contentsOf url: URL) throws -> Int {
        try count(contentsOf: url, chunkSize: Self.chunkSize)
    }

    /// ``count(contentsOf:)`` with a given read size (tests use small ones).
    func count(contentsOf url: URL, chunkSize: Int) throws -> Int {
        var sink = CountingSink()
        try stream(url, chunkSize: chunkSize, &sink)
        return sink.count
    }

    static let chunkSize = 1 << 20

    /// Reads `url` chunk by chunk and encodes each chunk up to its last split point that every
    /// pattern agrees is a piece boundary: a space followed by an ASCII letter. No piece of
    /// either regex (nor a special token) contains a space followed by a letter unless it starts
    /// at that space, and no piece starting before the space reaches past it, so the pieces are
    /// exactly those of the whole text. The rest is carried into the next chunk (a file without
    /// such a split point is held in memory whole).
    private func stream<Sink: TokenSink>(_ url: URL, chunkSize: Int, _ sink: inout Sink) throws {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw Self.unreadable(url, error)
        }
        defer { try? handle.close() }
        let pool = self.pool
        let workspace = pool.take()
        defer { pool.giveBack(workspace) }
        var buffer: [UInt8] = []
        var offset = 0
        var atEnd = false
        while !atEnd {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: chunkSize) ?? Data()
            } catch {
                throw Self.unreadable(url, error)
            }
            let searchedUpTo = max(0, buffer.count - 1)
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
            let split = atEnd ? buffer.count : Self.lastSplitPoint(buffer, after: searchedUpTo)
            guard split > 0 else { continue }
            let failure: CostTokensError? = buffer.withUnsafeBufferPointer { all in
                let part = UnsafeBufferPointer(rebasing: all[0..<split])
                if case .failure(let error) = Self.validated(part, source: url.path, offset: offset, { _ in }) {
                    return error
                }
                run(part, workspace, &sink)
                return nil
            }
            if let failure { throw failure }
            buffer.removeFirst(split)
            offset += split
        }
    }

    /// The last index `p > lowerBound` with `bytes[p] == " "` and `bytes[p + 1]` an ASCII
    /// letter, or 0 (`lowerBound` is where an earlier search already looked).
    static func lastSplitPoint(_ bytes: [UInt8], after lowerBound: Int) -> Int {
        var p = bytes.count - 2
        while p > max(0, lowerBound - 1) {
            if bytes[p] == UInt8(ascii: " ") && (bytes[p + 1] | 0x20) >= UInt8(ascii: "a") && (bytes[p + 1] | 0x20) <= UInt8(ascii: "z") {
                return p
            }
            p -= 1
        }
        return 0
    }

    private static func unreadable(_ url: URL, _ error: any Error) -> CostTokensError {
        CostTokensError(
            code: .unreadableFile,
            message: "cannot read \(url.path): \(error.localizedDescription); check the path and its permissions")
    }

    private func withValidatedBytes<R>(
        _ bytes: some Collection<UInt8>, source: String, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) throws -> R {
        let outcome: Result<R, CostTokensError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Self.validated(buffer, source: source, offset: 0, body)
        }
        if let outcome { return try outcome.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { Self.validated($0, source: source, offset: 0, body) }.get()
    }

    /// Validates `buffer`, which starts at byte `offset` of `source`, then runs `body`.
    private static func validated<R>(
        _ buffer: UnsafeBufferPointer<UInt8>, source: String, offset: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> Result<R, CostTokensError> {
        if let bad = UTF8Validation.firstInvalidOffset(buffer) {
            let shown = buffer[bad..<min(buffer.count, bad + 4)].map { String($0, radix: 16) }.joined(separator: " ")
            return .failure(
                CostTokensError(
                    code: .invalidUTF8,
                    message: "\(source) is not valid UTF-8 at byte offset \(offset + bad) (bytes \(shown)); "
                        + "convert it to UTF-8 first (e.g. iconv -f LATIN1 -t UTF-8)",
                    byteOffset: offset + bad))
        }
        return .success(body(buffer))
    }
}
