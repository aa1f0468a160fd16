import Foundation

extension BPETokenizer {
    /// The token counts of many texts, computed on all cores; `result[i]` is `count(texts[i])`.
    ///
    /// For example:
    ///
    /// ```swift
    /// let counts = tokenizer.count(batch: ["hello", "hello world"])  // [1, 2]
    /// ```
    public func count(batch texts: [String]) -> [Int] {
        var counts = [Int](repeating: 0, count: texts.count)
        counts.withUnsafeMutableBufferPointer { buffer in
            let output = DisjointOutput(buffer: buffer)
            forEachChunk(of: texts) { range, workspace in
                for index in range {
                    var sink = CountingSink()
                    Self.withUTF8(texts[index]) { run($0, workspace, &sink) }
                    output.write(sink.count, at: index)
                }
            }
        }
        return counts
    }

    /// The token ids of many texts, computed on all cores; `result[i]` is `encode(texts[i])`.
    public func encode(batch texts: [String]) -> [[Int]] {
        var results = [[Int]](repeating: [], count: texts.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let output = DisjointOutput(buffer: buffer)
            forEachChunk(of: texts) { range, workspace in
                for index in range {
                    var sink = CollectingSink()
                    Self.withUTF8(texts[index]) { run($0, workspace, &sink) }
                    output.write(sink.ids, at: index)
                }
            }
        }
        return results
    }

    /// Splits `texts` into contiguous chunks of similar byte size, more chunks than cores so
    /// that Dispatch balances the load, and runs `body` on each with a workspace of its own.
    private func forEachChunk(of texts: [String], _ body: @Sendable (Range<Int>, MergeWorkspace) -> Void) {
        guard !texts.isEmpty else { return }
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var totalBytes = 0
        for text in texts { totalBytes += text.utf8.count }
        let chunkCount = min(texts.count, cores == 1 ? 1 : cores * 8)
        let target = max(1, totalBytes / chunkCount)
        var bounds = [0]
        var accumulated = 0
        for (index, text) in texts.enumerated() {
            accumulated += text.utf8.count
            if accumulated >= target && index + 1 < texts.count {
                bounds.append(index + 1)
                accumulated = 0
            }
        }
        bounds.append(texts.count)
        let chunks = bounds.count - 1
        let chunkBounds = bounds
        if chunks == 1 {
            pool.withWorkspace { body(0..<texts.count, $0) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            pool.withWorkspace { body(chunkBounds[chunk]..<chunkBounds[chunk + 1], $0) }
        }
    }
}

/// A result buffer that parallel workers write to, each at indices no other worker touches.
///
/// `@unchecked Sendable` proof: the buffer outlives the `concurrentPerform` call that uses it
/// (it is the argument of the enclosing `withUnsafeMutableBufferPointer`), and every index is
/// written by exactly one worker, because the chunks are disjoint ranges; nothing reads it until
/// `concurrentPerform` has returned, which orders all the writes before the reads.
private struct DisjointOutput<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>

    func write(_ value: Element, at index: Int) {
        buffer[index] = value
    }
}
