@testable import CostCrypto
import CostRotation
import Foundation
import Testing

/// 00 01 02 … 1f as a master key (base64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").
private let fixedMaster = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

private func hexBytes(_ text: String) throws -> [UInt8] {
    try #require(Hex.decode(text), "not hex: \(text)")
}

@Suite("AES-256-GCM")
struct AES256GCMTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var key: String
        var nonce: String
        var plaintext: String
        var associatedData: String
        var ciphertext: String
        var tag: String
        var testDescription: String { name }
    }

    /// McGrew and Viega, "The Galois/Counter Mode of Operation", test cases 13, 14 and 16 (AES-256,
    /// 96-bit nonces); outputs confirmed with Python's `cryptography` AESGCM.
    static let vectors: [Vector] = [
        Vector(
            name: "test case 13: empty plaintext", key: String(repeating: "00", count: 32),
            nonce: String(repeating: "00", count: 12), plaintext: "", associatedData: "", ciphertext: "",
            tag: "530f8afbc74536b9a963b4f1c4cb738b"
        ),
        Vector(
            name: "test case 14: one zero block", key: String(repeating: "00", count: 32),
            nonce: String(repeating: "00", count: 12), plaintext: String(repeating: "00", count: 16),
            associatedData: "", ciphertext: "cea7403d4d606b6e074ec5d3baf39d18",
            tag: "d0d1c8a799996bf0265b98b5d48ab919"
        ),
        Vector(
            name: "test case 16: associated data, partial block",
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            nonce: "cafebabefacedbaddecaf888",
            plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            associatedData: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b"
        ),
    ]

    @Test("published vectors, both directions", arguments: vectors)
    func vector(_ vector: Vector) throws {
        let key = try hexBytes(vector.key)
        let nonce = try hexBytes(vector.nonce)
        let plaintext = try hexBytes(vector.plaintext)
        let aad = try hexBytes(vector.associatedData)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: 16)
        try key.withUnsafeBytes { k in
            try nonce.withUnsafeBytes { n in
                try aad.withUnsafeBytes { a in
                    try plaintext.withUnsafeBytes { p in
                        try ciphertext.withUnsafeMutableBytes { c in
                            try tag.withUnsafeMutableBytes { t in
                                try AES256GCM.seal(p, key: k, nonce: n, authenticating: a, ciphertext: c, tag: t)
                            }
                        }
                    }
                }
            }
        }
        #expect(Hex.lowercase(ciphertext) == vector.ciphertext)
        #expect(Hex.lowercase(tag) == vector.tag)

        func open(tag: [UInt8]) throws -> (Bool, [UInt8]) {
            var opened = [UInt8](repeating: 0xAA, count: ciphertext.count)
            let ok = try key.withUnsafeBytes { k in
                try nonce.withUnsafeBytes { n in
                    try aad.withUnsafeBytes { a in
                        try ciphertext.withUnsafeBytes { c in
                            try tag.withUnsafeBytes { t in
                                try opened.withUnsafeMutableBytes { p in
                                    try AES256GCM.open(c, tag: t, key: k, nonce: n, authenticating: a, plaintext: p)
                                }
                            }
                        }
                    }
                }
            }
            return (ok, opened)
        }
        let (ok, opened) = try open(tag: tag)
        #expect(ok)
        #expect(opened == plaintext)
        var badTag = tag
        badTag[15] ^= 0x01
        let (rejected, cleared) = try open(tag: badTag)
        #expect(!rejected)
        #expect(cleared.allSatisfy { $0 == 0 }, "plaintext of a failed check must be cleared")
    }
}

@Suite("Vault")
struct VaultTests {
    static let keyID = Data("key-3".utf8)
    static let secret = Data("sk-ant-api03-Xb4mQ9wz7PqLr2Tn8VcK5yHs1GdJ6fBe-a1b2".utf8)

    @Test("seal then open gives the plaintext back, for any length")
    func roundTrip() throws {
        let (vault, _) = try Vault.create(master: MasterKey.generate())
        for length in [0, 1, 15, 16, 17, 51, 4096] {
            let plaintext = Data(try SecureRandom.bytes(length))
            let sealed = try vault.seal(plaintext, associatedData: Self.keyID)
            #expect(sealed.count == plaintext.count + Vault.minimumSealedByteCount)
            #expect(try vault.open(sealed, associatedData: Self.keyID) == plaintext)
        }
    }

    @Test("works through the SecretSealer requirements")
    func asSecretSealer() throws {
        let sealer: any SecretSealer = try Vault.create(master: MasterKey.generate()).vault
        let sealed = try sealer.seal(Self.secret, associatedData: Self.keyID)
        #expect(try sealer.open(sealed, associatedData: Self.keyID) == Self.secret)
        #expect(throws: CryptoError.self) { try sealer.open(sealed, associatedData: Data("key-4".utf8)) }
    }

    @Test("the blob is self-describing: version, data key id, fresh nonce per seal")
    func layout() throws {
        let (vault, wrapped) = try Vault.create(master: MasterKey.generate())
        let first = try vault.seal(Self.secret, associatedData: Self.keyID)
        let second = try vault.seal(Self.secret, associatedData: Self.keyID)
        #expect(first[0] == 1)
        #expect(Hex.lowercase(first[1..<17]) == wrapped.id)
        #expect(wrapped.id == vault.dataKeyID)
        #expect(first[17..<29] != second[17..<29], "a nonce must never repeat")
        #expect(first != second)
        let secretBytes = [UInt8](Self.secret)
        #expect(!first.windows(ofCount: 8).contains { Array($0) == Array(secretBytes[0..<8]) })
    }

    @Test("opens a blob and a wrapped key built independently in Python from the documented format")
    func documentedFormat() throws {
        // python3 + cryptography's AESGCM: master = bytes(range(32)), data key = bytes(range(100, 132)),
        // data key id = bytes(range(200, 216)), wrapping nonce bytes(range(1, 13)), sealing nonce
        // bytes(range(50, 62)), associated data "key-7" (see Documentation/Vault.md for the layout).
        let master = try MasterKey(base64: fixedMaster)
        #expect(master.id == "9b0154ab05cc2a85")
        let wrapped = WrappedDataKey(
            version: 1, id: "c8c9cacbcccdcecfd0d1d2d3d4d5d6d7", masterKeyID: "9b0154ab05cc2a85",
            nonce: try #require(Data(base64Encoded: "AQIDBAUGBwgJCgsM")),
            ciphertext: try #require(Data(base64Encoded: "YY88soT9mu0gzw0oYGKYWzY2l4nvFCq+3SKHWx439EY=")),
            tag: try #require(Data(base64Encoded: "fxLEfnn92FX8y2O11h1D9w=="))
        )
        let sealed = try #require(
            Data(
                base64Encoded: "AcjJysvMzc7P0NHS09TV1tcyMzQ1Njc4OTo7PD2L+BMnggDRwKvElu58CJuky3YvOdxGFbQwqWFAoDPe+0IkL6cGq2iizkMt1Som"
            )
        )
        let vault = try Vault(master: master, wrapped: wrapped)
        let opened = try vault.open(sealed, associatedData: Data("key-7".utf8))
        #expect(String(decoding: opened, as: UTF8.self) == "sk-ant-api03-format-check-a1b2")
    }

    @Test("the wrapped data key survives JSON and reopens the vault")
    func persistence() throws {
        let master = try MasterKey.generate()
        let (vault, wrapped) = try Vault.create(master: master)
        let sealed = try vault.seal(Self.secret, associatedData: Self.keyID)
        let json = try JSONEncoder().encode(wrapped)
        let text = String(decoding: json, as: UTF8.self)
        for field in ["\"version\":1", "\"id\"", "\"masterKeyID\"", "\"nonce\"", "\"ciphertext\"", "\"tag\""] {
            #expect(text.contains(field))
        }
        let decoded = try JSONDecoder().decode(WrappedDataKey.self, from: json)
        #expect(decoded == wrapped)
        let reopened = try Vault(master: master, wrapped: decoded)
        #expect(try reopened.open(sealed, associatedData: Self.keyID) == Self.secret)
        // Another vault from the same master key has another data key and refuses the blob.
        let (other, _) = try Vault.create(master: master)
        let error = try #require(throws: CryptoError.self) { try other.open(sealed, associatedData: Self.keyID) }
        #expect(error.code == .unknownDataKey)
        #expect(error.message.contains(vault.dataKeyID))
    }

    @Test("master-key rotation re-wraps the data key; sealed secrets are untouched")
    func rotation() throws {
        let masterA = try MasterKey.generate()
        let masterB = try MasterKey.generate()
        let (vaultA, wrappedA) = try Vault.create(master: masterA)
        let sealed = try vaultA.seal(Self.secret, associatedData: Self.keyID)

        let wrappedB = try Vault(master: masterA, wrapped: wrappedA).rewrap(under: masterB)
        #expect(wrappedB.id == wrappedA.id)
        #expect(wrappedB.masterKeyID == masterB.id)
        #expect(wrappedB.ciphertext != wrappedA.ciphertext)

        let vaultB = try Vault(master: masterB, wrapped: wrappedB)
        #expect(try vaultB.open(sealed, associatedData: Self.keyID) == Self.secret)

        // A no longer opens the new wrapping: by the recorded id ...
        let wrong = try #require(throws: CryptoError.self) { try Vault(master: masterA, wrapped: wrappedB) }
        #expect(wrong.code == .wrongMasterKey)
        #expect(wrong.message.contains(masterA.id) && wrong.message.contains(masterB.id))
        // ... and by the cipher itself, even with the id forged to A's.
        var forged = wrappedB
        forged.masterKeyID = masterA.id
        let failed = try #require(throws: CryptoError.self) { try Vault(master: masterA, wrapped: forged) }
        #expect(failed.code == .authenticationFailed)
        // And B does not open the old wrapping.
        let old = try #require(throws: CryptoError.self) { try Vault(master: masterB, wrapped: wrappedA) }
        #expect(old.code == .wrongMasterKey)
    }

    // MARK: - Errors

    @Test("a changed byte anywhere after the version fails authentication, never garbage")
    func tamperEveryByte() throws {
        let (vault, _) = try Vault.create(master: MasterKey.generate())
        let sealed = try vault.seal(Self.secret, associatedData: Self.keyID)
        // id bytes (1..<17) report the other data key; nonce, ciphertext and tag fail authentication.
        for index in 1..<sealed.count {
            var tampered = sealed
            tampered[index] ^= 0x20
            let error = try #require(throws: CryptoError.self) { try vault.open(tampered, associatedData: Self.keyID) }
            let region = index < 17 ? "id" : index < 29 ? "nonce" : index < sealed.count - 16 ? "ciphertext" : "tag"
            #expect(error.code == (region == "id" ? .unknownDataKey : .authenticationFailed), "byte \(index) (\(region))")
            #expect(!error.message.contains("sk-ant"))
        }
    }

    @Test(
        "wrong associated data fails authentication",
        arguments: [Data("key-4".utf8), Data(), Data("key-3 ".utf8), Data("KEY-3".utf8)]
    )
    func wrongAssociatedData(_ associatedData: Data) throws {
        let (vault, _) = try Vault.create(master: MasterKey.generate())
        let sealed = try vault.seal(Self.secret, associatedData: Self.keyID)
        let error = try #require(throws: CryptoError.self) { try vault.open(sealed, associatedData: associatedData) }
        #expect(error.code == .authenticationFailed)
        #expect(error.message.contains("failed authentication"))
    }

    @Test("truncated data: shorter than header + tag is `truncated`, a shorter ciphertext fails authentication")
    func truncation() throws {
        let (vault, _) = try Vault.create(master: MasterKey.generate())
        let sealed = try vault.seal(Self.secret, associatedData: Self.keyID)
        for length in [0, 1, 17, 29, 44] {
            let error = try #require(throws: CryptoError.self) {
                try vault.open(sealed.prefix(length), associatedData: Self.keyID)
            }
            #expect(error.code == .truncated, "length \(length)")
            #expect(error.message.contains("\(length) bytes") && error.message.contains("45"))
        }
        for length in [45, 46, sealed.count - 1] {
            let error = try #require(throws: CryptoError.self) {
                try vault.open(sealed.prefix(length), associatedData: Self.keyID)
            }
            #expect(error.code == .authenticationFailed, "length \(length)")
        }
    }

    @Test("an unknown version is named, with what to do", arguments: [UInt8(0), 2, 0x7f, 0xff])
    func unknownVersion(_ version: UInt8) throws {
        let (vault, _) = try Vault.create(master: MasterKey.generate())
        var sealed = try vault.seal(Self.secret, associatedData: Self.keyID)
        sealed[0] = version
        let error = try #require(throws: CryptoError.self) { try vault.open(sealed, associatedData: Self.keyID) }
        #expect(error.code == .unknownVersion)
        #expect(error.message.contains("version \(version)") && error.message.contains("Upgrade"))

        var wrapped = try Vault.create(master: MasterKey.generate()).wrapped
        wrapped.version = Int(version)
        let wrappedError = try #require(throws: CryptoError.self) { try Vault(master: MasterKey.generate(), wrapped: wrapped) }
        #expect(wrappedError.code == .unknownVersion)
    }

    @Test("a tampered or malformed wrapped data key is refused")
    func tamperedWrappedKey() throws {
        let master = try MasterKey.generate()
        let wrapped = try Vault.create(master: master).wrapped
        let tamperings: [(String, (inout WrappedDataKey) -> Void, CryptoError.Code)] = [
            ("ciphertext", { $0.ciphertext[3] ^= 1 }, .authenticationFailed),
            ("tag", { $0.tag[0] ^= 1 }, .authenticationFailed),
            ("nonce", { $0.nonce[11] ^= 1 }, .authenticationFailed),
            ("id", { $0.id = String(repeating: "ab", count: 16) }, .authenticationFailed),
            ("short ciphertext", { $0.ciphertext = $0.ciphertext.prefix(31) }, .malformed),
            ("short tag", { $0.tag = $0.tag.prefix(12) }, .malformed),
            ("id not hex", { $0.id = String(repeating: "zz", count: 16) }, .malformed),
        ]
        for (name, change, code) in tamperings {
            var copy = wrapped
            change(&copy)
            let error = try #require(throws: CryptoError.self, "\(name)") { try Vault(master: master, wrapped: copy) }
            #expect(error.code == code, "\(name)")
        }
    }

    @Test("errors and descriptions never contain the secret or key bytes")
    func noLeaks() throws {
        let master = try MasterKey(base64: fixedMaster)
        let (vault, wrapped) = try Vault.create(master: master)
        let sealed = try vault.seal(Self.secret, associatedData: Self.keyID)
        var messages: [String] = [String(describing: master), String(reflecting: master), "\(vault)"]
        var dumped = ""
        dump(master, to: &dumped)
        dump(vault, to: &dumped)
        messages.append(dumped)
        let failures: [() throws -> Void] = [
            { _ = try vault.open(sealed.prefix(50), associatedData: Self.keyID) },
            { _ = try vault.open(sealed, associatedData: Data("x".utf8)) },
            { _ = try Vault(master: MasterKey.generate(), wrapped: wrapped) },
            { _ = try MasterKey(base64: "sk-ant-api03-Xb4mQ9wz7PqLr2Tn8VcK5yHs1GdJ6fBe-a1b2") },
            { _ = try MasterKey(base64: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd") },
        ]
        for failure in failures {
            do { try failure() } catch { messages.append(String(describing: error)) }
        }
        #expect(messages.count == 9)
        let secretText = String(decoding: Self.secret, as: UTF8.self)
        for message in messages {
            #expect(!message.contains(secretText))
            #expect(!message.contains("Xb4mQ9wz"))
            #expect(!message.contains(fixedMaster))
            #expect(!message.contains("AAECAwQFBgcICQoLDA0"))
            #expect(!message.contains("000102030405"))
        }
    }

    @Test("seals and opens from many tasks at once")
    func concurrent() async throws {
        let (vault, _) = try Vault.create(master: MasterKey.generate())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<32 {
                group.addTask {
                    let plaintext = Data("secret-\(index)".utf8)
                    let id = Data("key-\(index)".utf8)
                    let sealed = try vault.seal(plaintext, associatedData: id)
                    #expect(try vault.open(sealed, associatedData: id) == plaintext)
                }
            }
            try await group.waitForAll()
        }
    }
}

extension Data {
    /// Consecutive runs of `count` bytes.
    fileprivate func windows(ofCount count: Int) -> [Data] {
        guard self.count >= count else { return [] }
        return (0...(self.count - count)).map { self[(startIndex + $0)..<(startIndex + $0 + count)] }
    }
}
