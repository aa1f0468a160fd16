internal import CCostTLS
import Foundation

/// A TLS client session over a connected socket (OpenSSL's libssl): TLS 1.2 or later, the
/// server's certificate verified against the system's trust store (or one CA file) and matched to
/// the host name, SNI sent. Used by ``SMTPClient`` after STARTTLS.
///
/// Owns its `SSL_CTX` and `SSL`, freed in `deinit`. Not thread-safe: one connection, one thread.
final class TLSClientSession {
    private let context: OpaquePointer
    private let ssl: OpaquePointer

    /// Runs the handshake on `fd`.
    ///
    /// - throws: the message of `failure` naming what failed (never a secret).
    init(fd: Int32, host: String, caFile: String?, failure: (String) -> ControlError) throws {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw failure("TLS is not available (\(Self.lastError()))") }
        // the context is set up before SSL_new: an SSL copies the verify mode and trust store then
        func configure() throws {
            guard ccosttls_require_tls12(context) == 1 else { throw failure("TLS 1.2 cannot be required (\(Self.lastError()))") }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            if let caFile {
                guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                    throw failure("the CA file '\(caFile)' cannot be read (\(Self.lastError()))")
                }
            } else {
                guard SSL_CTX_set_default_verify_paths(context) == 1 else { throw failure("the system's trust store cannot be read") }
            }
        }
        do {
            try configure()
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw failure("TLS is not available (\(Self.lastError()))")
        }
        self.context = context
        self.ssl = ssl
        var v4 = in_addr()
        var v6 = in6_addr()
        let isAddress = inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
        if isAddress {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 else { throw failure("'\(host)' is not an IP address") }
        } else {
            _ = ccosttls_set_server_name(ssl, host)
            guard SSL_set1_host(ssl, host) == 1 else { throw failure("'\(host)' cannot be checked against a certificate") }
        }
        guard SSL_set_fd(ssl, fd) == 1 else { throw failure("TLS cannot use the connection") }
        guard SSL_connect(ssl) == 1 else {
            let verify = SSL_get_verify_result(ssl)
            let reason = verify != X509_V_OK ? String(cString: X509_verify_cert_error_string(verify)) : Self.lastError()
            throw failure("the TLS handshake failed: \(reason)")
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// Writes all of `bytes`; false when the connection failed.
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress.map { $0 + offset }, Int32($0.count - offset)) }
            guard written > 0 else { return false }
            offset += Int(written)
        }
        return true
    }

    /// Up to 4 KiB; `nil` at the end of the stream or on an error.
    func read() -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
        return count > 0 ? Array(chunk[..<Int(count)]) : nil
    }

    /// Sends close_notify (best effort).
    func close() { _ = SSL_shutdown(ssl) }

    private static func lastError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no error reported" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
