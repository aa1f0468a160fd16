import CostControl
import CostCrypto
import CostRotation
import CostSQLite
import Foundation
import Testing

/// The key store with the real vault in a real database file.
@Suite("Key vault file")
struct KeyVaultFileTests {
    /// A temporary data directory (HOME and XDG_DATA_HOME point into it), removed afterwards.
    struct Sandbox {
        let url: URL

        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-vault-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }

        var environment: [String: String] { ["HOME": url.path, "XDG_DATA_HOME": url.appendingPathComponent("data").path] }
        var paths: ControlPaths { ControlPaths(environment: environment) }

        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    /// 32 random bytes as `COSTCTL_MASTER_KEY` would hold them.
    static func masterKeyText() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }

    @Test("a planted secret never reaches the database file or its log in plain text, base64 or hex")
    func plantedSecret() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let paths = sandbox.paths
        try FileManager.default.createDirectory(at: paths.dataDirectory, withIntermediateDirectories: true)
        // the default key file, created 0600
        _ = try MasterKey.createKeyFile(at: KeyVaultFile.defaultKeyFile(paths: paths).path)
        let (store, vault) = try KeyVaultFile.open(paths: paths, environment: sandbox.environment)
        let marker = "sk-ant-api03-PLANTED-\(UUID().uuidString)-a1b2"
        let sealed = try vault.seal(Data(marker.utf8), associatedData: Data("k1".utf8))
        try await store.addKey(
            APIKey(
                id: "k1", provider: "anthropic", label: "marker-label", sealedSecret: sealed,
                fingerprint: SecretMask.fingerprint(marker), createdAt: Date(), quota: KeyQuota(tokens: 1_000)),
            actor: "test")
        let lease = try #require(try await store.acquire(KeyRequest(tokens: 10), from: KeyPool(provider: "anthropic")).lease)
        _ = try await store.report(lease, outcome: .success(KeyCharge(tokens: 9)))
        _ = try await store.setEnabled(false, id: "k1", reason: "test", actor: "test")
        let key = try #require(try await store.key(id: "k1"))
        #expect(try vault.open(key.sealedSecret, associatedData: Data("k1".utf8)) == Data(marker.utf8))
        try await store.recordReveal(id: "k1", actor: "test")
        let resealed = try vault.seal(Data(marker.utf8), associatedData: Data("k1".utf8))
        _ = try await store.replaceSecret(id: "k1", sealedSecret: resealed, fingerprint: key.fingerprint, actor: "test")

        // read the bytes while the store is open, so the write-ahead log holds the recent pages
        let database = paths.database.path
        var bytes = try Data(contentsOf: URL(fileURLWithPath: database))
        if let log = FileManager.default.contents(atPath: database + "-wal") { bytes.append(log) }
        #expect(bytes.count > 0)
        let plain = Data(marker.utf8)
        let forms: [(String, Data)] = [
            ("plain", plain), ("base64", Data(plain.base64EncodedString().utf8)),
            ("hex", Data(plain.map { String(format: "%02x", $0) }.joined().utf8)),
            ("HEX", Data(plain.map { String(format: "%02X", $0) }.joined().utf8)),
            ("the secret's body", Data("PLANTED".utf8)),
        ]
        for (name, form) in forms {
            #expect(bytes.range(of: form) == nil, "the secret appears in the database (\(name))")
        }
        // the check can fail: the sealed form is there, so these are the right bytes
        #expect(bytes.range(of: resealed) != nil)
        #expect(bytes.range(of: Data("marker-label".utf8)) != nil)
        _ = store
    }

    @Test("two opens share one data key; a second process's vault opens what the first sealed")
    func sharedDataKey() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var environment = sandbox.environment
        environment[MasterKey.environmentVariable] = Self.masterKeyText()
        // several openers at once on a new database: one data key wins, every vault uses it
        let vaults = try await withThrowingTaskGroup(of: Vault.self) { group in
            for _ in 0..<4 {
                group.addTask { [environment] in try KeyVaultFile.open(paths: sandbox.paths, environment: environment).vault }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(vaults.map(\.dataKeyID)).count == 1)
        let sealed = try vaults[0].seal(Data("secret".utf8), associatedData: Data("k".utf8))
        for vault in vaults { #expect(try vault.open(sealed, associatedData: Data("k".utf8)) == Data("secret".utf8)) }
    }

    @Test("another master key is refused with both master key ids; rotation re-wraps and only the new key opens")
    func wrongMasterAndRotation() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var environment = sandbox.environment
        environment[MasterKey.environmentVariable] = Self.masterKeyText()
        let old = try KeyVaultFile.masterKey(paths: sandbox.paths, environment: environment)
        let (_, vault) = try KeyVaultFile.open(paths: sandbox.paths, environment: environment)
        let sealed = try vault.seal(Data("secret".utf8), associatedData: Data("k".utf8))

        var other = environment
        other[MasterKey.environmentVariable] = Self.masterKeyText()
        let new = try KeyVaultFile.masterKey(paths: sandbox.paths, environment: other)
        do {
            _ = try KeyVaultFile.open(paths: sandbox.paths, environment: other)
            Issue.record("another master key opened the vault")
        } catch let error as CryptoError {
            #expect(error.code == .wrongMasterKey)
            #expect(error.message.contains(old.id) && error.message.contains(new.id))
        }

        let rewrapped = try KeyVaultFile.rotateMaster(paths: sandbox.paths, from: old, to: new)
        #expect(rewrapped.masterKeyID == new.id && rewrapped.id == vault.dataKeyID)
        let reopened = try KeyVaultFile.open(paths: sandbox.paths, environment: other).vault
        #expect(try reopened.open(sealed, associatedData: Data("k".utf8)) == Data("secret".utf8))
        #expect(throws: CryptoError.self) { try KeyVaultFile.open(paths: sandbox.paths, environment: environment) }
        // a second rotation from the old key: refused, nothing replaced
        #expect(throws: CryptoError.self) { try KeyVaultFile.rotateMaster(paths: sandbox.paths, from: old, to: new) }
    }

    @Test("no master key: the error says what to set; rotation without a vault says so")
    func missing() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        do {
            _ = try KeyVaultFile.open(paths: sandbox.paths, environment: sandbox.environment)
            Issue.record("opened without a master key")
        } catch let error as CryptoError {
            #expect(error.code == .masterKeyMissing)
        }
        let key = try MasterKey(base64: Self.masterKeyText())
        #expect(throws: ControlError.self) { try KeyVaultFile.rotateMaster(paths: sandbox.paths, from: key, to: key) }
    }
}
