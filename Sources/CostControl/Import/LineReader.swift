internal import Foundation

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Reads a file line by line in fixed-size chunks: memory stays bounded by the chunk and the
/// longest line, whatever the file size.
///
/// A final line without a newline is returned only when `includePartialLastLine` is set (a file
/// another process is still appending to ends with a line in progress; `--follow` leaves it for
/// the next poll). ``offset`` is the byte position after the last line returned.
struct LineReader {
    let path: String
    private let descriptor: Int32
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEOF = false
    /// The byte offset in the file just after the last line returned.
    private(set) var offset: Int64
    /// The 1-based number of the last line returned.
    private(set) var lineNumber = 0
    var includePartialLastLine = true

    /// - throws: ``ControlError`` `.io` when the file cannot be opened.
    init(path: String, startingAt offset: Int64 = 0, firstLineNumber: Int = 0, chunkSize: Int = 1 << 20) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ControlError(code: .io, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        if offset > 0, lseek(fd, off_t(offset), SEEK_SET) < 0 {
            close(fd)
            throw ControlError(code: .io, message: "cannot seek in \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.descriptor = fd
        self.buffer = [UInt8](repeating: 0, count: max(4096, chunkSize))
        self.offset = offset
        self.lineNumber = firstLineNumber
    }

    func closeFile() {
        _ = close(descriptor)
    }

    /// Calls `body` with each line (without its newline; a trailing `\r` removed) until the end of
    /// the file or until `body` returns `false`.
    ///
    /// - throws: ``ControlError`` `.io` on a read error, or what `body` throws.
    mutating func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Bool) throws {
        while true {
            // A complete line in the buffer?
            if let newline = findNewline() {
                var lineEnd = newline
                if lineEnd > start, buffer[lineEnd - 1] == 13 { lineEnd -= 1 }
                let lineStart = start
                start = newline + 1
                offset += Int64(newline + 1 - lineStart)
                lineNumber += 1
                let keepGoing = try buffer.withUnsafeBufferPointer { all in
                    try body(UnsafeBufferPointer(rebasing: all[lineStart..<lineEnd]), lineNumber)
                }
                if !keepGoing { return }
                continue
            }
            if atEOF {
                if includePartialLastLine, end > start {
                    let lineStart = start
                    offset += Int64(end - start)
                    start = end
                    lineNumber += 1
                    _ = try buffer.withUnsafeBufferPointer { all in
                        try body(UnsafeBufferPointer(rebasing: all[lineStart..<end]), lineNumber)
                    }
                }
                return
            }
            try fill()
        }
    }

    private func findNewline() -> Int? {
        guard end > start else { return nil }
        return buffer.withUnsafeBufferPointer { all -> Int? in
            guard let base = all.baseAddress,
                let found = memchr(base + start, 10, end - start)
            else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    private mutating func fill() throws {
        // Move the partial line to the front; grow when one line fills the whole buffer.
        if start > 0 {
            let count = end - start
            if count > 0 {
                buffer.withUnsafeMutableBufferPointer { all in
                    guard let base = all.baseAddress else { return }
                    memmove(base, base + start, count)
                }
            }
            start = 0
            end = count
        }
        if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
        let capacity = buffer.count - end
        let fd = descriptor
        let readCount = buffer.withUnsafeMutableBufferPointer { all -> Int in
            guard let base = all.baseAddress else { return 0 }
            return read(fd, base + end, capacity)
        }
        if readCount < 0 {
            throw ControlError(code: .io, message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        if readCount == 0 { atEOF = true }
        end += readCount
    }
}

/// Byte helpers for lines.
enum LineBytes {
    /// Whether `haystack` contains `needle` (a short ASCII pattern).
    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count, let base = haystack.baseAddress else {
            return needle.isEmpty
        }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            guard let found = memchr(base + index, Int32(first), last - index + 1) else { return false }
            let position = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + position, needle, needle.count) == 0 { return true }
            index = position + 1
        }
        return false
    }

    /// Whether the line holds only spaces and tabs.
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.allSatisfy { $0 == 32 || $0 == 9 }
    }

    /// The line parsed as a JSON object, or `nil` when it is not one.
    static func jsonObject(_ line: UnsafeBufferPointer<UInt8>) -> [String: Any]? {
        guard let base = line.baseAddress, line.count > 1 else { return nil }
        let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: line.count, deallocator: .none)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}
