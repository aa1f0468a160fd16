import CostRotation
import Testing

@Suite("SecretMask")
struct SecretMaskTests {
    @Test(
        "keeps a known vendor prefix and the last 4 characters",
        arguments: [
            ("sk-ant-api03-Xb4mQ9wz7PqLr2Tn8VcK5yHs1GdJ6fBe-a1b2", "sk-ant-…a1b2"),
            ("sk-proj-abcdefghijklmnopqrstuvwxyz0123", "sk-proj-…0123"),
            ("sk-svcacct-abcdefghijklmnopqrstuvwxyz9876", "sk-svcacct-…9876"),
            ("sk-or-v1-0123456789abcdef0123456789abcdef", "sk-or-v1-…cdef"),
            ("sk-0123456789abcdefghijklmnopQRST", "sk-…QRST"),
            ("AIzaSyD3xY7kLmN0pQrStUvWxYz12349QwE", "AIza…9QwE"),
            ("gsk_abcdefghijklmnopqrstuvwxyz012345", "gsk_…2345"),
            ("xai-abcdefghijklmnopqrstuvwxyz012345", "xai-…2345"),
            ("  sk-ant-api03-Xb4mQ9wz7PqLr2Tn8VcK5yHs1GdJ6fBe-a1b2\n", "sk-ant-…a1b2"),
        ]
    )
    func prefixed(secret: String, fingerprint: String) {
        #expect(SecretMask.fingerprint(secret) == fingerprint)
    }

    @Test(
        "no known prefix: only the last 4 characters",
        arguments: [
            ("0123456789abcdefXYZW", "…XYZW"),
            ("Bearer-like-token-without-vendor-7777", "…7777"),
            ("ska-notaprefix-0123456789abcd", "…abcd"),
        ]
    )
    func unprefixed(secret: String, fingerprint: String) {
        #expect(SecretMask.fingerprint(secret) == fingerprint)
    }

    @Test(
        "short secrets are fully masked; a prefix is dropped when too little would stay hidden",
        arguments: [
            ("", "••••"),
            ("hunter2", "••••"),
            ("sk-ant-short", "••••"),
            ("0123456789abcde", "••••"),  // 15 characters
            ("sk-ant-0123456789abc", "…9abc"),  // 20 characters: 9 hidden after the prefix, too few
            ("sk-ant-0123456789abcdef", "sk-ant-…cdef"),  // 12 hidden: enough
        ]
    )
    func short(secret: String, fingerprint: String) {
        #expect(SecretMask.fingerprint(secret) == fingerprint)
    }

    @Test("a fingerprint never contains the hidden middle", arguments: [
        "sk-ant-api03-Xb4mQ9wz7PqLr2Tn8VcK5yHs1GdJ6fBe-a1b2", "AIzaSyD3xY7kLmN0pQrStUvWxYz12349QwE",
    ])
    func hidesMiddle(secret: String) {
        let fingerprint = SecretMask.fingerprint(secret)
        let middle = secret.dropFirst(8).dropLast(4)
        #expect(!fingerprint.contains(middle.prefix(4)))
        #expect(fingerprint.count <= 16)
    }
}
