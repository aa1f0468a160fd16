import CostPricing
import Foundation
import Testing

@testable import CostRotation

@Suite struct KeyAuditTests {
    typealias F = Fixture

    @Test func everyKeyOperationIsAuditedWithTimeAndActor() async throws {
        let clock = TestClock(F.date("2026-11-01T00:00:00Z"))
        let store = MemoryKeyStore(now: clock.function)
        try await store.addKey(try F.key("a"), actor: "alice")
        clock.advance(by: 60)
        try await store.addKey(try F.key("p"), actor: "provisioner", operation: .provision)
        _ = try await store.setEnabled(false, id: "a", reason: "leaked", actor: "bob")
        _ = try await store.setEnabled(true, id: "a", reason: nil, actor: "bob")
        let sealed = try F.sealer.seal(Data("secret-new".utf8), associatedData: Data("a".utf8))
        let rotated = try await store.replaceSecret(id: "a", sealedSecret: sealed, fingerprint: "sk-…new", actor: "carol")
        #expect(try F.sealer.open(rotated.sealedSecret, associatedData: Data("a".utf8)) == Data("secret-new".utf8))
        try await store.recordReveal(id: "a", actor: "dave")
        #expect(try await store.removeKey(id: "a", actor: "erin"))
        #expect(try await store.removeKey(id: "a", actor: "erin") == false)

        let audit = try await store.auditLog(keyID: nil)
        #expect(audit.map(\.operation) == [.add, .provision, .disable, .enable, .rotate, .reveal, .remove])
        #expect(audit.map(\.actor) == ["alice", "provisioner", "bob", "bob", "carol", "dave", "erin"])
        #expect(audit.map(\.keyID) == ["a", "p", "a", "a", "a", "a", "a"])
        #expect(audit[0].at == F.date("2026-11-01T00:00:00Z"))
        #expect(audit[1].at == F.date("2026-11-01T00:01:00Z"))
        #expect(audit[2].detail == "leaked")
        await #expect(throws: RotationError.self) { try await store.recordReveal(id: "a", actor: "dave") }
        await #expect(throws: RotationError.self) { try await store.addKey(try F.key("p"), actor: "alice") }
    }

    @Test func theSecretAppearsNowhereButInItsSealedForm() async throws {
        let clock = TestClock(F.date("2026-11-01T00:00:00Z"))
        let store = try await F.store([try F.key("a")], clock: clock)
        let secret = "secret-a"
        let key = try #require(try await store.key(id: "a"))
        #expect(!key.sealedSecret.elementsEqual(Data(secret.utf8)))
        #expect(try F.sealer.open(key.sealedSecret, associatedData: Data("a".utf8)) == Data(secret.utf8))
        let selection = try await store.acquire(KeyRequest(tokens: 1), from: KeyPool(provider: "anthropic"))
        let report = try await store.report(try #require(selection.lease), outcome: .unauthorized(status: 401))
        let texts = [
            String(describing: key), String(describing: selection), selection.summary, String(describing: report),
            String(describing: try await store.auditLog(keyID: nil)),
            String(decoding: try JSONEncoder().encode(try await store.auditLog(keyID: nil)), as: UTF8.self),
            String(describing: ProvisionedKey(secret: Data(secret.utf8), label: "new")),
        ]
        for text in texts { #expect(!text.contains(secret), "\(text)") }
    }

    @Test func invalidKeysAndQuotasAreRefused() throws {
        #expect(throws: RotationError.self) { try KeyQuota(tokens: 0) }
        #expect(throws: RotationError.self) { try KeyQuota(spend: Money.zero) }
        #expect(throws: RotationError.self) {
            try APIKey(id: " ", provider: "x", label: "", sealedSecret: Data(), fingerprint: "", createdAt: Date())
        }
    }
}
