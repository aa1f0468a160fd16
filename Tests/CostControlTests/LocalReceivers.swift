import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a lock, shared by reference between a receiver's thread and the test.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}

/// A listening TCP socket on 127.0.0.1 with a port the kernel chose, accepting on a thread of
/// its own and handing each connection to `serve` (one at a time). Closing it ends the thread.
final class LocalListener: Sendable {
    let port: Int
    private let fd: Int32

    init(serve: @escaping @Sendable (Int32) -> Void) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                var timeout = timeval(tv_sec: 5, tv_usec: 0)
                _ = setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                serve(client)
                close(client)
            }
        }
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    // MARK: - Socket helpers

    static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeMutableBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
        bytes.removeAll()
    }

    /// Reads one CRLF-terminated line (without it) from `buffer` + the socket; `nil` at the end.
    static func readLine(_ fd: Int32, buffer: inout [UInt8]) -> String? {
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard let chunk = readChunk(fd) else { return nil }
            buffer += chunk
        }
    }

    static func readChunk(_ fd: Int32) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 8192)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(chunk[..<count]) : nil
    }
}

/// An HTTP/1.1 server on 127.0.0.1 for delivery tests: records every request (method, path,
/// headers, body) and answers with the next status of a script (then 200).
final class LocalHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: Data

        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else { throw POSIXError(.EBADMSG) }
            return object
        }
    }

    private let state: Locked<(requests: [Request], statuses: [Int])>
    private let listener: LocalListener

    init(statuses: [Int] = []) throws {
        let state = Locked<(requests: [Request], statuses: [Int])>(([], statuses))
        self.state = state
        listener = try LocalListener { fd in
            guard let request = Self.read(fd) else { return }
            let status = state.withLock { state -> Int in
                state.requests.append(request)
                return state.statuses.isEmpty ? 200 : state.statuses.removeFirst()
            }
            LocalListener.write(fd, "HTTP/1.1 \(status) Status\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        }
    }

    var port: Int { listener.port }
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
    var requests: [Request] { state.withLock { $0.requests } }
    func stop() { listener.stop() }

    private static func read(_ fd: Int32) -> Request? {
        var buffer: [UInt8] = []
        guard let start = LocalListener.readLine(fd, buffer: &buffer) else { return nil }
        let parts = start.split(separator: " ")
        guard parts.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        while let line = LocalListener.readLine(fd, buffer: &buffer), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < length {
            guard let chunk = LocalListener.readChunk(fd) else { break }
            buffer += chunk
        }
        return Request(method: String(parts[0]), path: String(parts[1]), headers: headers, body: Data(buffer.prefix(length)))
    }
}

/// An SMTP sink on 127.0.0.1: EHLO (advertising AUTH PLAIN LOGIN, and STARTTLS when asked to),
/// AUTH, MAIL, RCPT, DATA, QUIT; keeps every message and the credentials it was given.
final class LocalSMTPSink: Sendable {
    struct Message: Sendable {
        var from: String
        var recipients: [String]
        var data: String
        var authentication: String?

        /// The decoded base64 body.
        var body: String {
            guard let blank = data.range(of: "\r\n\r\n") else { return "" }
            let encoded = data[blank.upperBound...].replacingOccurrences(of: "\r\n", with: "")
            return Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
    }

    private let storage: Locked<[Message]>
    private let listener: LocalListener

    init(advertiseStartTLS: Bool = false) throws {
        let messages = Locked<[Message]>([])
        storage = messages
        listener = try LocalListener { fd in
            var buffer: [UInt8] = []
            var current = Message(from: "", recipients: [], data: "", authentication: nil)
            LocalListener.write(fd, "220 sink ESMTP ready\r\n")
            while let line = LocalListener.readLine(fd, buffer: &buffer) {
                let upper = line.uppercased()
                if upper.hasPrefix("EHLO") {
                    LocalListener.write(fd, "250-sink\r\n" + (advertiseStartTLS ? "250-STARTTLS\r\n" : "") + "250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
                } else if upper.hasPrefix("AUTH PLAIN ") {
                    current.authentication = Data(base64Encoded: String(line.dropFirst(11))).map { String(decoding: $0, as: UTF8.self) }
                    LocalListener.write(fd, "235 ok\r\n")
                } else if upper.hasPrefix("MAIL FROM:") {
                    current.from = String(line.dropFirst(10))
                    LocalListener.write(fd, "250 ok\r\n")
                } else if upper.hasPrefix("RCPT TO:") {
                    current.recipients.append(String(line.dropFirst(8)))
                    LocalListener.write(fd, "250 ok\r\n")
                } else if upper == "DATA" {
                    LocalListener.write(fd, "354 go ahead\r\n")
                    var lines: [String] = []
                    while let dataLine = LocalListener.readLine(fd, buffer: &buffer), dataLine != "." { lines.append(dataLine) }
                    current.data = lines.joined(separator: "\r\n")
                    let message = current
                    messages.withLock { $0.append(message) }
                    LocalListener.write(fd, "250 queued as 42\r\n")
                } else if upper == "QUIT" {
                    LocalListener.write(fd, "221 bye\r\n")
                    return
                } else {
                    LocalListener.write(fd, "502 unknown\r\n")
                }
            }
        }
    }

    var port: Int { listener.port }
    var received: [Message] { storage.withLock { $0 } }
    func stop() { listener.stop() }
}
