@testable import CostCrypto
import Foundation
import Testing

/// A fresh directory under the system temporary directory, removed by the caller.
private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("costctl-masterkey-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func permissions(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? Int)
}

private func chmod(_ path: String, _ mode: Int) throws {
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
}

@Suite("MasterKey")
struct MasterKeyTests {
    static let base64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

    @Test("from base64: 32 bytes exactly, whitespace ignored, same id for the same key")
    func base64() throws {
        let key = try MasterKey(base64: Self.base64)
        let again = try MasterKey(base64: "  \(Self.base64)\n")
        let fromBytes = try MasterKey(bytes: [UInt8](0..<32))
        #expect(key.id == again.id && key.id == fromBytes.id)
        #expect(key.id.count == 16)
        #expect(try MasterKey.generate().id != key.id)
        #expect(key.description == "MasterKey(id: \(key.id), <redacted>)")
    }

    @Test("the wrong size or encoding is refused without quoting the text")
    func invalid() throws {
        let short = try #require(throws: CryptoError.self) { try MasterKey(base64: "c2hvcnQga2V5") }
        #expect(short.code == .invalidKey)
        #expect(short.message.contains("9 bytes") && short.message.contains("openssl rand -base64 32"))
        #expect(!short.message.contains("c2hvcnQga2V5"))
        // 64 hex digits are not accepted as hex: the variable is base64 only (this decodes to 48 bytes).
        let hex = String(repeating: "ab", count: 32)
        let hexError = try #require(throws: CryptoError.self) { try MasterKey(base64: hex) }
        #expect(hexError.code == .invalidKey)
        let notBase64 = try #require(throws: CryptoError.self) { try MasterKey(base64: "not base64 at all!") }
        #expect(notBase64.code == .invalidEncoding)
        #expect(!notBase64.message.contains("at all"))
        let bytes = try #require(throws: CryptoError.self) { try MasterKey(bytes: [1, 2, 3]) }
        #expect(bytes.code == .invalidKey)
    }

    @Test("load: the environment variable wins, then COSTCTL_MASTER_KEY_FILE, then the given file")
    func loadOrder() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("master.key").path
        let fileKey = try MasterKey.createKeyFile(at: path)
        let envKey = try MasterKey(base64: Self.base64)

        #expect(try MasterKey.load(environment: ["COSTCTL_MASTER_KEY": Self.base64], keyFile: path).id == envKey.id)
        #expect(try MasterKey.load(environment: ["COSTCTL_MASTER_KEY_FILE": path]).id == fileKey.id)
        #expect(try MasterKey.load(environment: ["COSTCTL_MASTER_KEY": ""], keyFile: path).id == fileKey.id)
        let missing = try #require(throws: CryptoError.self) { try MasterKey.load(environment: [:]) }
        #expect(missing.code == .masterKeyMissing)
        #expect(missing.message.contains("COSTCTL_MASTER_KEY") && missing.message.contains("0600"))
        let badEnv = try #require(throws: CryptoError.self) {
            try MasterKey.load(environment: ["COSTCTL_MASTER_KEY": "dG9vIHNob3J0"])
        }
        #expect(badEnv.code == .invalidKey)
        #expect(badEnv.message.contains("COSTCTL_MASTER_KEY is 9 bytes"))
    }

    @Test("a new key file is 0600, holds base64 and a newline, and reads back as the same key")
    func createKeyFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("master.key").path
        let created = try MasterKey.createKeyFile(at: path)
        #expect(try permissions(of: path) == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        #expect(Data(base64Encoded: text.trimmingCharacters(in: .newlines))?.count == 32)
        #expect(try MasterKey(contentsOfKeyFile: path).id == created.id)

        // Never overwritten.
        let exists = try #require(throws: CryptoError.self) { try MasterKey.createKeyFile(at: path) }
        #expect(exists.code == .keyFileExists)
        #expect(try MasterKey(contentsOfKeyFile: path).id == created.id)
        // A missing directory is an actionable error, and leaves nothing behind.
        let nowhere = directory.appendingPathComponent("no/such/dir/master.key").path
        let missing = try #require(throws: CryptoError.self) { try MasterKey.createKeyFile(at: nowhere) }
        #expect(missing.code == .keyFileUnavailable)
        #expect(missing.message.contains(nowhere))
    }

    @Test(
        "a key file readable by group or others is refused with the chmod that fixes it",
        arguments: [0o644, 0o640, 0o604, 0o660, 0o666, 0o700 | 0o007, 0o620, 0o602]
    )
    func loosePermissions(mode: Int) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("master.key").path
        try MasterKey.createKeyFile(at: path)
        try chmod(path, mode)
        let error = try #require(throws: CryptoError.self) { try MasterKey(contentsOfKeyFile: path) }
        #expect(error.code == .insecureKeyFile)
        let octal = String(repeating: "0", count: 4 - String(mode, radix: 8).count) + String(mode, radix: 8)
        #expect(error.message.contains("permissions \(octal)"))
        #expect(error.message.contains("chmod 600 \(path)"))
        // Fixed as the message says, it loads.
        try chmod(path, 0o600)
        _ = try MasterKey(contentsOfKeyFile: path)
    }

    @Test("owner-only permissions are accepted", arguments: [0o600, 0o400])
    func privatePermissions(mode: Int) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("master.key").path
        let created = try MasterKey.createKeyFile(at: path)
        try chmod(path, mode)
        #expect(try MasterKey(contentsOfKeyFile: path).id == created.id)
        try chmod(path, 0o600)
    }

    @Test("a hand-written key file (openssl rand -base64 32 > file) works once chmod 600")
    func handWritten() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("master.key").path
        try Data("\(Self.base64)\n".utf8).write(to: URL(fileURLWithPath: path))
        try chmod(path, 0o644)
        #expect(throws: CryptoError.self) { try MasterKey(contentsOfKeyFile: path) }
        try chmod(path, 0o600)
        #expect(try MasterKey(contentsOfKeyFile: path).id == MasterKey(base64: Self.base64).id)
    }

    @Test("missing files, directories and bad contents give clear errors that name the path, not the contents")
    func badFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missingPath = directory.appendingPathComponent("absent.key").path
        let missing = try #require(throws: CryptoError.self) { try MasterKey(contentsOfKeyFile: missingPath) }
        #expect(missing.code == .keyFileUnavailable)
        #expect(missing.message.contains(missingPath) && missing.message.contains("No such file"))

        try chmod(directory.path, 0o700)
        let notFile = try #require(throws: CryptoError.self) { try MasterKey(contentsOfKeyFile: directory.path) }
        #expect(notFile.code == .insecureKeyFile)
        #expect(notFile.message.contains("not a regular file"))

        let garbage = directory.appendingPathComponent("garbage.key").path
        try Data("sk-ant-api03-this-is-not-a-master-key\n".utf8).write(to: URL(fileURLWithPath: garbage))
        try chmod(garbage, 0o600)
        let bad = try #require(throws: CryptoError.self) { try MasterKey(contentsOfKeyFile: garbage) }
        #expect(bad.code == .invalidEncoding || bad.code == .invalidKey)
        #expect(bad.message.contains(garbage))
        #expect(!bad.message.contains("sk-ant"))

        let huge = directory.appendingPathComponent("huge.key").path
        try Data(repeating: 0x41, count: 10_000).write(to: URL(fileURLWithPath: huge))
        try chmod(huge, 0o600)
        let large = try #require(throws: CryptoError.self) { try MasterKey(contentsOfKeyFile: huge) }
        #expect(large.code == .invalidKey)
        #expect(large.message.contains("larger than 4096"))
    }
}
