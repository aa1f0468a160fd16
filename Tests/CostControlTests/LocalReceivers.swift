import CCostTLS
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
        readLine(buffer: &buffer) { readChunk(fd) }
    }

    /// Reads one CRLF-terminated line (without it) from `buffer` + what `more` returns; `nil` at the end.
    static func readLine(buffer: inout [UInt8], more: () -> [UInt8]?) -> String? {
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard let chunk = more() else { return nil }
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

/// One accepted connection of the SMTP sink: plain, or TLS after STARTTLS (server side of libssl).
final class SinkConnection {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var context: OpaquePointer?
    private var ssl: OpaquePointer?

    init(fd: Int32) { self.fd = fd }

    deinit {
        if let ssl { SSL_free(ssl) }
        if let context { SSL_CTX_free(context) }
    }

    /// The server side of the handshake with the PEM certificate and key; false when it failed.
    func startTLS(certificate: String, key: String) -> Bool {
        buffer.removeAll()
        guard let context = SSL_CTX_new(TLS_server_method()) else { return false }
        self.context = context
        guard SSL_CTX_use_certificate_file(context, certificate, SSL_FILETYPE_PEM) == 1,
            SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1, let ssl = SSL_new(context)
        else { return false }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        return SSL_accept(ssl) == 1
    }

    var isTLS: Bool { ssl != nil }

    func write(_ text: String) {
        guard let ssl else { return LocalListener.write(fd, text) }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
    }

    func readLine() -> String? {
        LocalListener.readLine(buffer: &buffer) {
            guard let ssl else { return LocalListener.readChunk(fd) }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            return count > 0 ? Array(chunk[..<Int(count)]) : nil
        }
    }
}

/// An SMTP sink on 127.0.0.1: EHLO (advertising AUTH PLAIN LOGIN, and STARTTLS when asked to or
/// when it has a certificate), STARTTLS (with a certificate: the TLS handshake; without: 454),
/// AUTH, MAIL, RCPT, DATA, QUIT; keeps every message, the credentials it was given and whether
/// the message came over TLS.
final class LocalSMTPSink: Sendable {
    struct Message: Sendable {
        var from: String
        var recipients: [String]
        var data: String
        var authentication: String?
        var overTLS = false

        /// The decoded base64 body.
        var body: String {
            guard let blank = data.range(of: "\r\n\r\n") else { return "" }
            let encoded = data[blank.upperBound...].replacingOccurrences(of: "\r\n", with: "")
            return Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
    }

    private let storage: Locked<[Message]>
    private let listener: LocalListener

    /// `implicitTLS`: the TLS handshake first, before the greeting (an `smtps://` server, port 465
    /// style); needs `certificate`.
    init(advertiseStartTLS: Bool = false, certificate: (certificate: String, key: String)? = nil, implicitTLS: Bool = false) throws {
        let messages = Locked<[Message]>([])
        storage = messages
        let offersTLS = advertiseStartTLS || certificate != nil
        let certificatePath = certificate?.certificate
        let keyPath = certificate?.key
        listener = try LocalListener { fd in
            let connection = SinkConnection(fd: fd)
            var current = Message(from: "", recipients: [], data: "", authentication: nil)
            if implicitTLS {
                guard let certificatePath, let keyPath, connection.startTLS(certificate: certificatePath, key: keyPath) else { return }
            }
            connection.write("220 sink ESMTP ready\r\n")
            while let line = connection.readLine() {
                let upper = line.uppercased()
                if upper.hasPrefix("EHLO") {
                    let tls = offersTLS && !connection.isTLS ? "250-STARTTLS\r\n" : ""
                    connection.write("250-sink\r\n" + tls + "250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
                } else if upper == "STARTTLS" {
                    guard let certificatePath, let keyPath else {
                        connection.write("454 TLS not available\r\n")
                        continue
                    }
                    connection.write("220 go ahead\r\n")
                    guard connection.startTLS(certificate: certificatePath, key: keyPath) else { return }
                } else if upper.hasPrefix("AUTH PLAIN ") {
                    current.authentication = Data(base64Encoded: String(line.dropFirst(11))).map { String(decoding: $0, as: UTF8.self) }
                    connection.write("235 ok\r\n")
                } else if upper.hasPrefix("MAIL FROM:") {
                    current.from = String(line.dropFirst(10))
                    connection.write("250 ok\r\n")
                } else if upper.hasPrefix("RCPT TO:") {
                    current.recipients.append(String(line.dropFirst(8)))
                    connection.write("250 ok\r\n")
                } else if upper == "DATA" {
                    connection.write("354 go ahead\r\n")
                    var lines: [String] = []
                    while let dataLine = connection.readLine(), dataLine != "." { lines.append(dataLine) }
                    current.data = lines.joined(separator: "\r\n")
                    current.overTLS = connection.isTLS
                    let message = current
                    messages.withLock { $0.append(message) }
                    connection.write("250 queued as 42\r\n")
                } else if upper == "QUIT" {
                    connection.write("221 bye\r\n")
                    return
                } else {
                    connection.write("502 unknown\r\n")
                }
            }
        }
    }

    var port: Int { listener.port }
    var received: [Message] { storage.withLock { $0 } }
    func stop() { listener.stop() }

    /// A self-signed certificate for `localhost` and 127.0.0.1 and its key, made by the openssl
    /// command in `directory`; `nil` when there is no openssl command.
    static func makeCertificate(in directory: URL) throws -> (certificate: String, key: String)? {
        let openssl = "/usr/bin/openssl"
        guard FileManager.default.isExecutableFile(atPath: openssl) else { return nil }
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? (certificate, key) : nil
    }
}
