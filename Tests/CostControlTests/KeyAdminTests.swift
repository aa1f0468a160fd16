import CostControl
import CostRotation
import Foundation
import Testing

/// `KeyAdmin` (what `costctl keys` runs) over the in-memory key store and a real vault.
@Suite("Key administration")
struct KeyAdminTests {
    static let secret = "sk-ant-api03-PLANTED-0123456789abcdefWXYZ"

    static func admin() throws -> KeyAdmin {
        KeyAdmin(store: MemoryKeyStore(random: { 0.5 }), sealer: try Vault.create(master: try MasterKey.generate()).vault, actor: "cli:test")
    }

    @Test("add seals the secret, shows only the fingerprint, and refuses a second key with the same id")
    func add() async throws {
        let admin = try Self.admin()
        let quota = try KeySpec.quota(tokensPer30d: 1_000_000, timeZone: .gmt)
        let row = try await admin.add(KeySpec(provider: "Anthropic", label: "Team K3", quota: quota), secret: Data((Self.secret + "\n").utf8))
        #expect(row.id == "team-k3" && row.provider == "anthropic" && row.fingerprint == "sk-ant-…WXYZ")
        #expect(row.reset == "rolling30" && row.meters.map(\.limit) == ["1000000"])
        let stored = try #require(try await admin.store.key(id: "team-k3"))
        #expect(!String(decoding: stored.sealedSecret, as: UTF8.self).contains("PLANTED"))
        let encoded = String(decoding: try JSONEncoder().encode(row), as: UTF8.self)
        #expect(!encoded.contains("PLANTED"))
        await #expect(throws: ControlError.self) {
            try await admin.add(KeySpec(provider: "anthropic", label: "team k3"), secret: Data(Self.secret.utf8))
        }
    }

    @Test("secrets of the wrong shape are refused without being echoed", arguments: [
        ("anthropic", ""), ("anthropic", "sk-ant-with space-0123456789"), ("anthropic", "sk-proj-0123456789abcdef"),
        ("gemini", "sk-ant-api03-0123456789abcdef"), ("openai", "short"), ("openai", "sk-ünïcode-0123456789"),
    ])
    func shapes(provider: String, secret: String) async throws {
        let admin = try Self.admin()
        do {
            try await admin.add(KeySpec(provider: provider, label: "x"), secret: Data(secret.utf8))
            Issue.record("accepted \(provider) secret")
        } catch let error as ControlError {
            #expect(error.code == .invalidInput)
            if secret.count >= 8 { #expect(!error.message.contains(secret)) }
        }
        #expect(try await admin.list().isEmpty)
    }

    @Test("reveal needs confirmation, returns the secret and is audited; pick leaves nothing leased")
    func revealAndPick() async throws {
        let admin = try Self.admin()
        try await admin.add(KeySpec(provider: "anthropic", label: "a", quota: try KeyQuota(requestsPerDay: 1)), secret: Data(Self.secret.utf8))
        await #expect(throws: ControlError.self) { _ = try await admin.reveal(id: "a", confirmed: false) }
        #expect(try await admin.audit(keyID: "a").map(\.operation) == [.add])
        #expect(try await admin.reveal(id: "a", confirmed: true) == Self.secret)
        #expect(try await admin.audit(keyID: "a").map(\.operation) == [.add, .reveal])
        // one request a day: two picks in a row both find the key, so the first held nothing
        for _ in 0..<2 {
            let pick = try await admin.pick(provider: "anthropic", tokens: 100)
            #expect(pick.key?.id == "a" && pick.secret == nil)
        }
        let revealed = try await admin.pick(provider: "anthropic", tokens: 100, reveal: true)
        #expect(revealed.secret == Self.secret)
        #expect(try await admin.audit(keyID: "a").map(\.operation) == [.add, .reveal, .reveal])
        let none = try await admin.pick(provider: "openai", tokens: 1)
        #expect(none.key == nil && none.selection.summary == "no key: the pool has no keys")
    }

    @Test("disable, enable, rotate, remove; unknown ids get a suggestion")
    func lifecycle() async throws {
        let admin = try Self.admin()
        try await admin.add(KeySpec(provider: "openai", label: "prod-1"), secret: Data("sk-proj-aaaaaaaaaaaaaaaaaaaa1111".utf8))
        #expect(try await admin.setEnabled(false, id: "prod-1", reason: "billing").status == "disabled")
        #expect(try await admin.setEnabled(true, id: "prod-1").status == "active")
        let rotated = try await admin.rotate(id: "prod-1", secret: Data("sk-proj-bbbbbbbbbbbbbbbbbbbb2222".utf8))
        #expect(rotated.fingerprint == "sk-proj-…2222")
        #expect(try await admin.reveal(id: "prod-1", confirmed: true) == "sk-proj-bbbbbbbbbbbbbbbbbbbb2222")
        do {
            try await admin.remove(id: "prod-2")
            Issue.record("removed an unknown key")
        } catch let error as RotationError {
            #expect(error.code == .unknownKey && error.message.contains("did you mean 'prod-1'"))
        }
        try await admin.remove(id: "prod-1")
        #expect(try await admin.list().isEmpty)
        #expect(try await admin.audit().map(\.operation) == [.add, .disable, .enable, .rotate, .reveal, .remove])
    }

    @Test("quota words: defaults per measure, --reset, and conflicting resets")
    func quotaWords() throws {
        let la = try #require(TimeZone(identifier: "America/Los_Angeles"))
        #expect(try KeySpec.quota(requestsPerDay: 1_500, timeZone: la).reset == .daily(hour: 0, timeZone: la))
        #expect(try KeySpec.quota(spendPerMonth: "50", timeZone: .gmt).reset == .monthly(day: 1, timeZone: .gmt))
        #expect(try KeySpec.quota(tokensPer30d: 5, reset: "monthly:15", timeZone: .gmt).reset == .monthly(day: 15, timeZone: .gmt))
        #expect(throws: ControlError.self) { try KeySpec.quota(tokensPer30d: 5, spendPerMonth: "5", timeZone: .gmt) }
        #expect(throws: ControlError.self) { try KeySpec.quota(spendPerMonth: "five", timeZone: .gmt) }
        #expect(throws: RotationError.self) { try KeySpec.quota(tokensPer30d: 0, timeZone: .gmt) }
    }
}
