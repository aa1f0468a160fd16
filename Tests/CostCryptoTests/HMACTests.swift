import CostCrypto
import Testing

/// Bytes from a hex string as printed in the RFCs ("0b0b…", no separators).
private func bytes(hex: String) throws -> [UInt8] {
    let digits = Array(hex.utf8)
    try #require(digits.count.isMultiple(of: 2), "odd number of hex digits")
    var result: [UInt8] = []
    for index in stride(from: 0, to: digits.count, by: 2) {
        let pair = String(decoding: digits[index...index + 1], as: UTF8.self)
        result.append(try #require(UInt8(pair, radix: 16), "not hex: \(pair)"))
    }
    return result
}

private func hex(_ bytes: some Collection<UInt8>) -> String {
    bytes.map { ($0 < 0x10 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// One HMAC-SHA256 test case of RFC 4231, section 4: key and data in hex, the expected code in hex
/// (case 5 gives only the first 128 bits).
struct RFC4231Vector: Sendable, CustomTestStringConvertible {
    var number: Int
    var key: String
    var data: String
    var mac: String
    var testDescription: String { "RFC 4231 test case \(number)" }
}

@Suite("HMAC-SHA256")
struct HMACSHA256Tests {
    static let rfc4231Vectors: [RFC4231Vector] = [
        RFC4231Vector(
            number: 1,
            key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
            data: "4869205468657265",  // "Hi There"
            mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        RFC4231Vector(
            number: 2,
            key: "4a656665",  // "Jefe"
            data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",  // "what do ya want for nothing?"
            mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        RFC4231Vector(
            number: 3,
            key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            data: "dddddddddddddddddddddddddddddddddddddddddddddddddd"
                + "dddddddddddddddddddddddddddddddddddddddddddddddddd",
            mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        RFC4231Vector(
            number: 4,
            key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
            data: "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
                + "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
            mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        RFC4231Vector(
            number: 5,
            key: "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
            data: "546573742057697468205472756e636174696f6e",  // "Test With Truncation"
            mac: "a3b6167473100ee06e0c796c2955552b"
        ),  // truncated to 128 bits
        RFC4231Vector(
            number: 6,
            key: String(repeating: "aa", count: 131),  // larger than the 64-byte block
            // "Test Using Larger Than Block-Size Key - Hash Key First"
            data: "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
                + "65204b6579202d2048617368204b6579204669727374",
            mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        RFC4231Vector(
            number: 7,
            key: String(repeating: "aa", count: 131),
            // "This is a test using a larger than block-size key and a larger than block-size data.
            //  The key needs to be hashed before being used by the HMAC algorithm."
            data: "5468697320697320612074657374207573696e672061206c61726765722074"
                + "68616e20626c6f636b2d73697a65206b657920616e642061206c61726765"
                + "72207468616e20626c6f636b2d73697a6520646174612e20546865206b6579"
                + "206e6565647320746f20626520686173686564206265666f7265206265696e"
                + "6720757365642062792074686520484d414320616c676f726974686d2e",
            mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ]

    @Test("RFC 4231 test vectors", arguments: rfc4231Vectors)
    func rfc4231(vector: RFC4231Vector) throws {
        let key = try bytes(hex: vector.key)
        let data = try bytes(hex: vector.data)
        let expected = try bytes(hex: vector.mac)
        let code = HMACSHA256.authenticationCode(for: data, key: key)
        #expect(code.count == HMACSHA256.byteCount)
        #expect(hex(code.prefix(expected.count)) == vector.mac)
        // The same code through a non-contiguous collection and through the String convenience.
        #expect(HMACSHA256.authenticationCode(for: data.lazy.map { $0 }, key: key) == code)
        if let text = String(validating: data, as: UTF8.self) {
            #expect(HMACSHA256.authenticationCode(for: text, key: key) == code)
        }
    }

    @Test("the RFC 4231 data lengths and key lengths are as published")
    func vectorShapes() throws {
        #expect(try bytes(hex: Self.rfc4231Vectors[2].data).count == 50)
        #expect(try bytes(hex: Self.rfc4231Vectors[3].key).count == 25)
        #expect(try bytes(hex: Self.rfc4231Vectors[5].key).count == 131)
        #expect(try bytes(hex: Self.rfc4231Vectors[6].data).count == 152)
    }

    @Test("an empty key and an empty message are valid inputs")
    func emptyInputs() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'',b'',hashlib.sha256).hexdigest())"
        #expect(
            hex(HMACSHA256.authenticationCode(for: [UInt8](), key: []))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
        )
        #expect(HMACSHA256.authenticationCode(for: "", key: []).count == 32)
    }

    @Test(
        "constant-time comparison",
        arguments: [
            ([UInt8](), [UInt8](), true),
            ([1, 2, 3], [1, 2, 3], true),
            ([1, 2, 3], [1, 2, 4], false),
            ([0, 2, 3], [1, 2, 3], false),
            ([1, 2, 3], [1, 2], false),
            ([], [0], false),
        ]
    )
    func isEqual(a: [UInt8], b: [UInt8], equal: Bool) {
        #expect(HMACSHA256.isEqual(a, b) == equal)
        #expect(HMACSHA256.isEqual(b, a) == equal)
    }
}

@Suite("SecureRandom")
struct SecureRandomTests {
    @Test("returns the requested count", arguments: [0, 1, 16, 32, 1000])
    func count(count: Int) throws {
        #expect(try SecureRandom.bytes(count).count == count)
    }

    @Test("two draws differ")
    func differs() throws {
        #expect(try SecureRandom.bytes(32) != SecureRandom.bytes(32))
    }

    @Test("a negative count is rejected")
    func negative() {
        #expect {
            try SecureRandom.bytes(-1)
        } throws: { error in
            (error as? CryptoError)?.code == .invalidArgument
        }
    }
}

@Suite("HMACIdentifierHasher")
struct HMACIdentifierHasherTests {
    /// 00 01 02 … 1f, base64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".
    static let salt = [UInt8](0..<32)

    /// Expected pseudonyms computed offline with Python for `salt`:
    /// `"u_" + hmac.new(bytes(range(32)), identifier.encode(), hashlib.sha256).digest()[:16].hex()`.
    @Test(
        "matches Python's hmac module",
        arguments: [
            ("alice@example.com", "u_a59fc578d4cb46faab1d6eb348e7c74b"),
            ("bob", "u_928931744d17c7eea7df47260a5a0fc7"),
            ("", "u_d38b42096d80f45f826b44a9d5607de7"),
            ("Zo\u{EB} \u{DC}n\u{EF}code \u{2713}", "u_115a5b3dccbe1a17b686efedf8628d4b"),
            ("user-00042", "u_7db9bcd8b198a7deaa2c25fd1d03ddd2"),
        ]
    )
    func python(identifier: String, pseudonym: String) throws {
        let hasher = try HMACIdentifierHasher(salt: Self.salt)
        #expect(hasher.pseudonym(for: identifier) == pseudonym)
        let fromBase64 = try HMACIdentifierHasher(base64Salt: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")
        #expect(fromBase64.pseudonym(for: identifier) == pseudonym)
    }

    @Test("hashes the UTF-8 as given: no Unicode normalization")
    func noNormalization() throws {
        let hasher = try HMACIdentifierHasher(salt: Self.salt)
        // "Zoé" with a combining acute accent (python: "Zoe\u0301")
        #expect(hasher.pseudonym(for: "Zoe\u{301}") == "u_91c9218f2876da7afb3e30027700a1a5")
        #expect(hasher.pseudonym(for: "Zoe\u{301}") != hasher.pseudonym(for: "Zo\u{E9}"))
    }

    @Test("the base64 salt of the documentation decodes to 16 bytes")
    func documentedSalt() throws {
        let hasher = try HMACIdentifierHasher(base64Salt: "3q2+7wABAgMEBQYHCAkKCw==")
        // python: salt = bytes.fromhex("deadbeef000102030405060708090a0b")
        #expect(hasher.pseudonym(for: "alice@example.com") == "u_eb490c3126c25e1c566be8bd1c5807dc")
    }

    @Test("is deterministic, across instances too")
    func deterministic() throws {
        let first = try HMACIdentifierHasher(salt: Self.salt)
        let second = try HMACIdentifierHasher(salt: Self.salt)
        for identifier in ["alice@example.com", "bob", ""] {
            #expect(first.pseudonym(for: identifier) == first.pseudonym(for: identifier))
            #expect(first.pseudonym(for: identifier) == second.pseudonym(for: identifier))
        }
        #expect(first.pseudonym(for: "alice") != first.pseudonym(for: "bob"))
    }

    @Test("a different salt gives a different pseudonym")
    func differsBySalt() throws {
        var otherSalt = Self.salt
        otherSalt[31] ^= 1
        let hasher = try HMACIdentifierHasher(salt: Self.salt)
        let other = try HMACIdentifierHasher(salt: otherSalt)
        let random = try HMACIdentifierHasher(salt: SecureRandom.bytes(32))
        for identifier in ["alice@example.com", "bob", ""] {
            #expect(hasher.pseudonym(for: identifier) != other.pseudonym(for: identifier))
            #expect(hasher.pseudonym(for: identifier) != random.pseudonym(for: identifier))
        }
    }

    @Test(
        "format: u_ and 32 lowercase hex digits",
        arguments: ["alice@example.com", "", "x", "🙂", String(repeating: "long", count: 500)]
    )
    func format(identifier: String) throws {
        let pseudonym = try HMACIdentifierHasher(salt: Self.salt).pseudonym(for: identifier)
        #expect(pseudonym.hasPrefix("u_"))
        let digits = pseudonym.dropFirst(2)
        #expect(digits.count == 32)
        #expect(digits.allSatisfy { "0123456789abcdef".contains($0) })
        // it is the first half of the full HMAC
        let full = HMACSHA256.authenticationCode(for: identifier, key: Self.salt)
        #expect(String(digits) == hex(full.prefix(16)))
    }

    @Test("accepts salts of 16 bytes and more", arguments: [16, 17, 32, 64, 200])
    func acceptsSalt(count: Int) throws {
        _ = try HMACIdentifierHasher(salt: [UInt8](repeating: 7, count: count))
    }

    @Test("rejects a salt shorter than 16 bytes with an actionable message", arguments: [0, 1, 8, 15])
    func rejectsShortSalt(count: Int) throws {
        let salt = [UInt8](repeating: 0xA5, count: count)
        let error = try #require(throws: CryptoError.self) { try HMACIdentifierHasher(salt: salt) }
        #expect(error.code == .weakKey)
        #expect(error.message.contains("\(count) bytes"))
        #expect(error.message.contains("at least 16"))
        #expect(error.message.contains("openssl rand"))
        #expect(error.description == error.message)
    }

    @Test("rejects a base64 salt that is not base64 or too short, without quoting it")
    func rejectsBadBase64() throws {
        let secret = "not*base64*secret"
        let invalid = try #require(throws: CryptoError.self) { try HMACIdentifierHasher(base64Salt: secret) }
        #expect(invalid.code == .invalidEncoding)
        #expect(!invalid.message.contains(secret))
        #expect(!invalid.message.contains("secret"))
        let short = try #require(throws: CryptoError.self) { try HMACIdentifierHasher(base64Salt: "c2hvcnRzYWx0") }
        #expect(short.code == .weakKey)
        #expect(!short.message.contains("c2hvcnRzYWx0"))
        #expect(!short.message.contains("shortsalt"))
    }

    @Test("never shows the salt in description, debugDescription or dump")
    func redacted() throws {
        let salt: [UInt8] = Array("correct horse battery staple!!".utf8)
        let hasher = try HMACIdentifierHasher(salt: salt)
        var dumped = ""
        dump(hasher, to: &dumped)
        let renderings = [
            hasher.description, hasher.debugDescription, String(describing: hasher), String(reflecting: hasher),
            "\(hasher)", dumped,
        ]
        #expect(hasher.description == "HMACIdentifierHasher(salt: <redacted>)")
        let saltForms = [
            "correct horse", hex(salt), salt.map(String.init).joined(separator: ", "), "\(salt)",
            String(salt[0]) + ", " + String(salt[1]),
        ]
        for rendering in renderings {
            #expect(rendering.contains("<redacted>") || rendering.contains("HMACIdentifierHasher"))
            for form in saltForms {
                #expect(!rendering.contains(form), "salt leaked in \(rendering)")
            }
        }
        #expect(Mirror(reflecting: hasher).children.isEmpty)
    }
}
