import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small SMTP client (RFC 5321) over a POSIX socket: EHLO, AUTH PLAIN or LOGIN, MAIL, RCPT,
/// DATA, QUIT, for alert emails.
///
/// **TLS.** By default the session must be upgraded with STARTTLS (``TLSClientSession``: TLS 1.2+,
/// the certificate verified against the system's trust store or `caFile` and matched to the host)
/// before AUTH or any mail is sent; a server that does not offer STARTTLS is refused with a clear
/// error. `insecure` (`--smtp-insecure`) allows a plain-text session instead, for a relay on the
/// same machine or a trusted network. An `smtps://` URL is implicit TLS (RFC 8314, port 465 by
/// default): the TLS handshake comes first, before the server's greeting, and `insecure` does not
/// apply. Credentials are sent only in a session the user allowed.
///
/// The blocking socket work runs on a thread of its own, with send and receive time limits.
struct SMTPClient {
    var host: String
    var port: Int
    var user: String?
    var password: String?
    var insecure: Bool
    /// `smtps://`: TLS from the first byte (implicit TLS), not upgraded with STARTTLS.
    var implicitTLS: Bool
    var caFile: String?
    var timeLimit: Duration

    /// From an `smtp://[user[:password]@]host[:port]` URL (port 25 by default) or an
    /// `smtps://…` URL (port 465 by default).
    init(url: String, insecure: Bool, caFile: String? = nil, timeLimit: Duration) throws {
        let scheme = URLComponents(string: url)?.scheme?.lowercased()
        guard let components = URLComponents(string: url), scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty else {
            throw ControlError(code: .invalidInput, message: "the SMTP server is not an smtp:// or smtps:// URL (the value is not shown: it may hold a password)")
        }
        self.host = host
        self.implicitTLS = scheme == "smtps"
        self.port = components.port ?? (implicitTLS ? 465 : 25)
        self.user = components.user?.removingPercentEncoding ?? components.user
        self.password = components.password?.removingPercentEncoding ?? components.password
        self.insecure = insecure
        self.caFile = caFile
        self.timeLimit = timeLimit
    }

    /// Whether `address` is a plain `local@domain` address without spaces, angle brackets or line breaks.
    static func isPlainAddress(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !address.contains { $0.isWhitespace || $0 == "<" || $0 == ">" || $0.isNewline }
    }

    /// Sends one message; returns the server's answer to the end of DATA.
    ///
    /// - throws: ``ControlError`` `.deliveryFailed` naming the step and the server's reply (never
    ///   the password).
    func send(from: String, to recipients: [String], subject: String, body: String, headers: [(String, String)]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try sendBlocking(from: from, to: recipients, subject: subject, body: body, headers: headers))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func failure(_ message: String) -> ControlError {
        ControlError(code: .deliveryFailed, message: "SMTP \(host):\(port): \(message)")
    }

    private func sendBlocking(from: String, to recipients: [String], subject: String, body: String, headers: [(String, String)]) throws -> String {
        let connection = try Connection(host: host, port: port, timeLimit: timeLimit, failure: failure)
        defer { connection.close() }
        if implicitTLS { try connection.startTLS(host: host, caFile: caFile) }
        try connection.expect([220], after: "connect")
        var extensions = try connection.command("EHLO \(Self.localName())", expect: [250]).lines.dropFirst().map { $0.uppercased() }
        if !insecure && !implicitTLS {
            guard extensions.contains(where: { $0.hasPrefix("STARTTLS") }) else {
                throw failure("the server does not offer STARTTLS, so the session would be plain text; add the channel with --smtp-insecure to allow that (a relay on this machine or a trusted network only)")
            }
            _ = try connection.command("STARTTLS", expect: [220])
            try connection.startTLS(host: host, caFile: caFile)
            // RFC 3207: forget what was learnt before TLS and ask again
            extensions = try connection.command("EHLO \(Self.localName())", expect: [250]).lines.dropFirst().map { $0.uppercased() }
        }
        if let user {
            let mechanisms = extensions.first { $0.hasPrefix("AUTH") }?.split(separator: " ").dropFirst().map(String.init) ?? []
            let password = password ?? ""
            if mechanisms.contains("PLAIN") {
                let token = Data(([0] + Array(user.utf8) + [0] + Array(password.utf8))).base64EncodedString()
                _ = try connection.command("AUTH PLAIN \(token)", expect: [235], shown: "AUTH PLAIN")
            } else if mechanisms.contains("LOGIN") {
                _ = try connection.command("AUTH LOGIN", expect: [334])
                _ = try connection.command(Data(user.utf8).base64EncodedString(), expect: [334], shown: "AUTH LOGIN user")
                _ = try connection.command(Data(password.utf8).base64EncodedString(), expect: [235], shown: "AUTH LOGIN password")
            } else {
                throw failure("the server offers no AUTH PLAIN or LOGIN, and the channel has credentials")
            }
        }
        _ = try connection.command("MAIL FROM:<\(from)>", expect: [250])
        for recipient in recipients {
            _ = try connection.command("RCPT TO:<\(recipient)>", expect: [250, 251])
        }
        _ = try connection.command("DATA", expect: [354])
        let message = Self.message(from: from, to: recipients, subject: subject, body: body, headers: headers)
        let done = try connection.command(message + "\r\n.", expect: [250], shown: "end of DATA")
        _ = try? connection.command("QUIT", expect: [221])
        return done.lines.last ?? ""
    }

    /// The RFC 5322 message: headers, then the body in base64 (UTF-8), lines dot-stuffed by
    /// construction (base64 never starts a line with '.').
    static func message(from: String, to recipients: [String], subject: String, body: String, headers: [(String, String)]) -> String {
        let date = DateFormatter()
        date.locale = Locale(identifier: "en_US_POSIX")
        date.timeZone = TimeZone(identifier: "UTC")
        date.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let encodedSubject = subject.allSatisfy { $0.isASCII && !$0.isNewline } ? subject : "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
        var lines = [
            "From: \(from)", "To: \(recipients.joined(separator: ", "))", "Subject: \(encodedSubject)", "Date: \(date.string(from: Date()))",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64",
        ]
        lines += headers.map { "\($0.0): \($0.1.filter { !$0.isNewline })" }
        lines.append("")
        let encoded = Data(body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        lines.append(encoded)
        return lines.joined(separator: "\r\n")
    }

    private static func localName() -> String {
        let name = ProcessInfo.processInfo.hostName
        return name.isEmpty || name.contains(" ") ? "localhost" : name
    }

    // MARK: - The socket

    struct Reply {
        var code: Int
        var lines: [String]
    }

    final class Connection {
        private let fd: Int32
        private var buffer: [UInt8] = []
        private var tls: TLSClientSession?
        private let failure: (String) -> ControlError

        init(host: String, port: Int, timeLimit: Duration, failure: @escaping (String) -> ControlError) throws {
            self.failure = failure
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            #else
            hints.ai_socktype = SOCK_STREAM
            #endif
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
                throw failure("cannot resolve the host name")
            }
            defer { freeaddrinfo(list) }
            var connected: Int32 = -1
            var info: UnsafeMutablePointer<addrinfo>? = first
            let seconds = timeLimit.components.seconds
            var timeout = timeval(tv_sec: Int(max(1, seconds)), tv_usec: 0)
            while let current = info, connected < 0 {
                let socketFD = socket(current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
                if socketFD >= 0 {
                    _ = setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                    _ = setsockopt(socketFD, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                    if connect(socketFD, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 {
                        connected = socketFD
                    } else {
                        _ = Self.closeSocket(socketFD)
                    }
                }
                info = current.pointee.ai_next
            }
            guard connected >= 0 else { throw failure("cannot connect (\(String(cString: strerror(errno))))") }
            fd = connected
        }

        func close() {
            tls?.close()
            tls = nil
            _ = Self.closeSocket(fd)
        }

        /// Upgrades the connection (after the server's 220 to STARTTLS); what was buffered before is dropped.
        func startTLS(host: String, caFile: String?) throws {
            buffer.removeAll()
            tls = try TLSClientSession(fd: fd, host: host, caFile: caFile, failure: failure)
        }

        private static func closeSocket(_ fd: Int32) -> Int32 {
            #if canImport(Glibc)
            Glibc.close(fd)
            #else
            Darwin.close(fd)
            #endif
        }

        private static func sendBytes(_ fd: Int32, _ pointer: UnsafeRawPointer?, _ count: Int) -> Int {
            #if canImport(Glibc)
            Glibc.send(fd, pointer, count, Int32(MSG_NOSIGNAL))
            #else
            Darwin.send(fd, pointer, count, 0)
            #endif
        }

        func command(_ line: String, expect codes: Set<Int>, shown: String? = nil) throws -> Reply {
            try write(line + "\r\n", step: shown ?? line)
            return try expect(codes, after: shown ?? line)
        }

        @discardableResult
        func expect(_ codes: Set<Int>, after step: String) throws -> Reply {
            let reply = try readReply(step: step)
            guard codes.contains(reply.code) else {
                throw failure("\(step) was refused: \(reply.lines.last.map { "\(reply.code) \($0)" } ?? String(reply.code))")
            }
            return reply
        }

        private func write(_ text: String, step: String) throws {
            if let tls {
                guard tls.write(Array(text.utf8)) else { throw failure("the TLS connection failed while sending \(step)") }
                return
            }
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let sent = bytes.withUnsafeMutableBytes { raw in
                    Self.sendBytes(fd, raw.baseAddress.map { UnsafeRawPointer($0 + offset) }, raw.count - offset)
                }
                guard sent > 0 else { throw failure("the connection failed while sending \(step)") }
                offset += sent
            }
            bytes.removeAll()
        }

        private func readLine(step: String) throws -> String {
            while true {
                if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    var line = Array(buffer[..<end])
                    buffer.removeSubrange(...end)
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    return String(decoding: line, as: UTF8.self)
                }
                if let tls {
                    guard let chunk = tls.read() else { throw failure("the TLS connection ended after \(step)") }
                    buffer += chunk
                } else {
                    var chunk = [UInt8](repeating: 0, count: 4096)
                    let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    guard count > 0 else {
                        throw failure(count == 0 ? "the server closed the connection after \(step)" : "no answer to \(step) in time")
                    }
                    buffer += chunk[..<count]
                }
                guard buffer.count < 64 * 1024 else { throw failure("the answer to \(step) is too long") }
            }
        }

        private func readReply(step: String) throws -> Reply {
            var lines: [String] = []
            while true {
                let line = try readLine(step: step)
                guard line.count >= 3, let code = Int(line.prefix(3)) else { throw failure("an answer to \(step) is not SMTP") }
                lines.append(String(line.dropFirst(4)))
                if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { return Reply(code: code, lines: lines) }
            }
        }
    }
}
