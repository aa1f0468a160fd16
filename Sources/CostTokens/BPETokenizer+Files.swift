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
        try encode(utf8Data: try Self.read(url), source: url.path)
    }

    /// The number of tokens of the UTF-8 text file at `url`. The file is memory-mapped, and the
    /// memory used besides stays bounded whatever its size.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/unreadableFile`` or
    ///   ``CostTokensError/Code/invalidUTF8`` (with the byte offset of the first bad byte).
    public func count(contentsOf url: URL) throws -> Int {
        let data = try Self.read(url)
        return try withValidatedBytes(data, source: url.path) { buffer in
            var sink = CountingSink()
            pool.withWorkspace { run(buffer, $0, &sink) }
            return sink.count
        }
    }

    private func encode(utf8Data data: Data, source: String) throws -> [Int] {
        try withValidatedBytes(data, source: source) { buffer in
            var sink = CollectingSink()
            sink.ids.reserveCapacity(buffer.count / 3 + 16)
            pool.withWorkspace { run(buffer, $0, &sink) }
            return sink.ids
        }
    }

    private static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw CostTokensError(
                code: .unreadableFile,
                message: "cannot read \(url.path): \(error.localizedDescription); check the path and its permissions")
        }
    }

    private func withValidatedBytes<R>(
        _ bytes: some Collection<UInt8>, source: String, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) throws -> R {
        let outcome: Result<R, CostTokensError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Self.validated(buffer, source: source, body)
        }
        if let outcome { return try outcome.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { Self.validated($0, source: source, body) }.get()
    }

    private static func validated<R>(
        _ buffer: UnsafeBufferPointer<UInt8>, source: String, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> Result<R, CostTokensError> {
        if let offset = UTF8Validation.firstInvalidOffset(buffer) {
            let shown = buffer[offset..<min(buffer.count, offset + 4)].map { String($0, radix: 16) }.joined(separator: " ")
            return .failure(
                CostTokensError(
                    code: .invalidUTF8,
                    message: "\(source) is not valid UTF-8 at byte offset \(offset) (bytes \(shown)); "
                        + "convert it to UTF-8 first (e.g. iconv -f LATIN1 -t UTF-8)",
                    byteOffset: offset))
        }
        return .success(body(buffer))
    }
}
