internal import Foundation

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

// MARK: - Key files

extension MasterKey {
    /// The longest key file read, in bytes: base64 of 32 bytes is 44 characters plus a newline.
    static let maximumKeyFileSize = 4096

    /// The master key in the file at `path`: the standard base64 of 32 bytes (as ``createKeyFile(at:)``
    /// writes it), surrounding whitespace ignored.
    ///
    /// The file must be a regular file owned by the current user and readable by nobody else: no
    /// permission bits for group or others (0600 or 0400). Anything looser is refused before the key
    /// is read, with the `chmod` that fixes it, as ssh does for private keys.
    ///
    /// For example:
    /// ```swift
    /// let master = try MasterKey(contentsOfKeyFile: "/home/me/.config/costctl/master.key")
    /// ```
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/insecureKeyFile`` for loose permissions, another
    ///   owner or not a regular file, ``CryptoError/Code/keyFileUnavailable`` when it cannot be read,
    ///   and the errors of ``init(base64:)``. Messages name the path, never the contents.
    public init(contentsOfKeyFile path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.fileError(path, "cannot be read", errno: errno) }
        defer { close(descriptor) }
        // Check the opened file itself, so it cannot be swapped between the check and the read.
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Self.fileError(path, "cannot be examined", errno: errno) }
        try Self.checkPrivate(status, path: path)
        var contents = [UInt8](repeating: 0, count: Self.maximumKeyFileSize + 1)
        defer { SecretBytes.cleanse(&contents) }
        var count = 0
        while count < contents.count {
            let received = contents.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress.map { $0 + count }, buffer.count - count)
            }
            if received < 0 {
                if errno == EINTR { continue }
                throw Self.fileError(path, "cannot be read", errno: errno)
            }
            if received == 0 { break }
            count += received
        }
        guard count <= Self.maximumKeyFileSize else {
            throw CryptoError(
                code: .invalidKey,
                message: "master key file \(path) is larger than \(Self.maximumKeyFileSize) bytes; it should hold "
                    + "one line of base64 (44 characters); is it the right file?"
            )
        }
        var text = Array(contents[0..<count])
        defer { SecretBytes.cleanse(&text) }
        try self.init(base64Text: text, source: "master key file \(path)")
    }

    /// Makes a new random master key and writes it to a new file at `path` with permissions 0600, as
    /// its standard base64 and a newline. The file is created with those permissions (never readable by
    /// others, not even for a moment) and an existing file is never overwritten. The directory must exist.
    ///
    /// For example:
    /// ```swift
    /// let master = try MasterKey.createKeyFile(at: "/home/me/.config/costctl/master.key")
    /// print(master.id)  // keep the file safe: without it nothing sealed can be opened
    /// ```
    ///
    /// - throws: ``CryptoError`` ``CryptoError/Code/keyFileExists`` when `path` exists,
    ///   ``CryptoError/Code/keyFileUnavailable`` when it cannot be written.
    @discardableResult
    public static func createKeyFile(at path: String) throws -> MasterKey {
        let master = try generate()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST {
                throw CryptoError(
                    code: .keyFileExists,
                    message: "\(path) already exists; a master key file is never overwritten (data sealed "
                        + "under the old key would be lost). Choose another path, or remove the file "
                        + "yourself if nothing uses it"
                )
            }
            throw fileError(path, "cannot be created", errno: code)
        }
        var written = false
        defer {
            close(descriptor)
            if !written { unlink(path) }
        }
        // The umask can only remove bits from 0o600; set them exactly in case it removed the owner's.
        guard fchmod(descriptor, 0o600) == 0 else { throw fileError(path, "cannot be made private", errno: errno) }
        var text = master.secret.withUnsafeBytes { key in
            [UInt8](Data(key).base64EncodedData()) + [0x0a]
        }
        defer { SecretBytes.cleanse(&text) }
        var offset = 0
        while offset < text.count {
            let result = text.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw fileError(path, "cannot be written", errno: errno)
            }
            offset += result
        }
        guard fsync(descriptor) == 0 else { throw fileError(path, "cannot be flushed to disk", errno: errno) }
        written = true
        return master
    }

    // MARK: - Checks

    private static func checkPrivate(_ status: stat, path: String) throws {
        let mode = UInt32(status.st_mode)
        guard mode & 0o170000 == 0o100000 else {
            throw CryptoError(
                code: .insecureKeyFile,
                message: "master key file \(path) is not a regular file; point to the file that holds the key"
            )
        }
        let owner = UInt32(status.st_uid)
        let user = UInt32(geteuid())
        guard owner == user else {
            throw CryptoError(
                code: .insecureKeyFile,
                message: "master key file \(path) belongs to user id \(owner), not to you (user id \(user)); "
                    + "a key file must be yours: `chown \(user) \(path)` (as its owner or root)"
            )
        }
        let permissions = mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw CryptoError(
                code: .insecureKeyFile,
                message: "master key file \(path) has permissions \(octal(permissions)); others can read it, "
                    + "so it is refused. Run `chmod 600 \(path)` (and, if others may have read it, rotate "
                    + "the master key)"
            )
        }
    }

    private static func octal(_ permissions: UInt32) -> String {
        let digits = String(permissions, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func fileError(_ path: String, _ problem: String, errno code: Int32) -> CryptoError {
        CryptoError(
            code: .keyFileUnavailable,
            message: "master key file \(path) \(problem): \(String(cString: strerror(code)))"
        )
    }
}
