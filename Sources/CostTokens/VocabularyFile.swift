import Foundation

/// Reads the compact `.ctkv` vocabulary resources made by `Scripts/vocab/make_vocab.py`.
///
/// Layout (little-endian): magic `CTKVOC01`, u32 token count, u32 payload size, 32 bytes SHA-256
/// of the original `.tiktoken` file, 32 bytes SHA-256 of the payload, then the payload: one u8
/// length per token, then all token bytes in rank order.
enum VocabularyFile {
    static let magic = Array("CTKVOC01".utf8)
    static let headerSize = 80

    /// Parses and checks `data`: magic, sizes and the payload's SHA-256.
    static func parse(_ data: Data, expectedOriginalSHA256: String, name: String) throws -> Vocabulary {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> Vocabulary in
            func corrupt(_ what: String) -> CostTokensError {
                CostTokensError(
                    code: .corruptVocabulary,
                    message: "the bundled vocabulary \(name).ctkv \(what); reinstall the package or regenerate "
                        + "Sources/CostTokens/Resources with Scripts/vocab/make_vocab.sh")
            }
            guard raw.count >= headerSize, Array(raw[0..<8]) == magic else { throw corrupt("is not a CTKVOC01 file") }
            let count = Int(raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian)
            let payloadSize = Int(raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian)
            guard raw.count == headerSize + payloadSize, payloadSize >= count else { throw corrupt("is truncated") }
            let original = SHA256Digest.hex(Array(raw[16..<48]))
            guard original == expectedOriginalSHA256 else {
                throw corrupt("was made from a file with SHA-256 \(original), not the published \(expectedOriginalSHA256)")
            }
            let payload = UnsafeRawBufferPointer(rebasing: raw[headerSize...])
            guard SHA256Digest.hash(payload) == Array(raw[48..<80]) else { throw corrupt("fails its SHA-256 check") }
            return try Vocabulary(
                lengths: UnsafeRawBufferPointer(rebasing: payload[0..<count]),
                tokenBytes: UnsafeRawBufferPointer(rebasing: payload[count...]),
                originalSHA256: original)
        }
    }

    /// Loads the bundled resource for `encoding`.
    static func load(_ encoding: TokenEncodingName) throws -> Vocabulary {
        guard let url = resourceURL(encoding.rawValue, extension: "ctkv") else {
            throw CostTokensError(
                code: .corruptVocabulary,
                message: "the bundled vocabulary \(encoding.rawValue).ctkv is missing from the CostTokens resources; "
                    + "reinstall the package")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw CostTokensError(
                code: .corruptVocabulary,
                message: "cannot read the bundled vocabulary at \(url.path): \(error.localizedDescription)")
        }
        return try parse(data, expectedOriginalSHA256: encoding.originalSHA256, name: encoding.rawValue)
    }

    /// The URL of a file in this module's `Resources` folder.
    static func resourceURL(_ name: String, extension ext: String) -> URL? {
        Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources")
            ?? Bundle.module.url(forResource: name, withExtension: ext)
    }
}
