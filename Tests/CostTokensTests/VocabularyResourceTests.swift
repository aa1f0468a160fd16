import Foundation
import Testing

@testable import CostTokens

/// The compact `.ctkv` resources round-trip to the published `.tiktoken` files.
@Suite("Vocabulary resources")
struct VocabularyResourceTests {
    /// Rebuilds the `.tiktoken` text (`base64(token) rank` lines) from the loaded vocabulary.
    static func tiktokenText(_ vocabulary: Vocabulary) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(vocabulary.count * 20)
        for rank in 0..<vocabulary.count {
            text.append(contentsOf: Data(vocabulary.token(rank)).base64EncodedString().utf8)
            text.append(UInt8(ascii: " "))
            text.append(contentsOf: String(rank).utf8)
            text.append(UInt8(ascii: "\n"))
        }
        return text
    }

    @Test("the resource rebuilds the original file, byte for byte (SHA-256)", arguments: TokenEncodingName.allCases)
    func roundTrip(encoding: TokenEncodingName) throws {
        let vocabulary = try encoding.loadVocabulary()
        #expect(vocabulary.count == (encoding == .cl100kBase ? 100_256 : 199_998))
        #expect(vocabulary.originalSHA256 == encoding.vocabularySHA256)
        let text = Self.tiktokenText(vocabulary)
        #expect(text.withUnsafeBytes { SHA256Digest.hexHash($0) } == encoding.vocabularySHA256)
        // Where the project's shared/ folder is beside it, compare with the file itself.
        let shared = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/vocab/\(encoding.rawValue).tiktoken")
        if let original = try? Data(contentsOf: shared) {
            #expect(Array(original) == text)
        }
    }

    @Test("every token maps back to its rank through the hash table", arguments: TokenEncodingName.allCases)
    func ranks(encoding: TokenEncodingName) throws {
        let vocabulary = try encoding.loadVocabulary()
        var wrong = 0
        for rank in stride(from: 0, to: vocabulary.count, by: 7) {
            let token = vocabulary.token(rank)
            if let base = token.baseAddress, vocabulary.rank(of: base, token.count) != UInt32(rank) { wrong += 1 }
        }
        #expect(wrong == 0)
    }

    @Test("the bundled scalar classes (Unicode 16.0) are loaded and agree with the toolchain's tables")
    func scalarClasses() throws {
        let table = ScalarClassTable.shared
        #expect(table.source == "resource")
        #expect(ScalarClassTable.loadResource() != nil)
        // Spot checks: Lu, Ll, Lo (CJK Ext. B), Nd (math digit), Mn, White_Space, unassigned.
        #expect(table.classOf(0x41) == ScalarClass.letter | ScalarClass.upperish)
        #expect(table.classOf(0x1C89) == ScalarClass.letter | ScalarClass.upperish)  // new in 16.0
        #expect(table.classOf(0x2_0000) == ScalarClass.letter | ScalarClass.upperish | ScalarClass.lowerish)
        #expect(table.classOf(0x1_D7CE) == ScalarClass.number)
        #expect(table.classOf(0x0301) == ScalarClass.mark | ScalarClass.upperish | ScalarClass.lowerish)
        #expect(table.classOf(0x3000) == ScalarClass.whitespace)
        #expect(table.classOf(0x3_2C6F) == 0)  // assigned in Unicode 17.0: unassigned for tiktoken
        // Where the toolchain knows Unicode 16 or later, the resource equals its tables up to 16.0.
        guard let age = Unicode.Scalar(0x1C89)?.properties.age, age.major >= 16 else { return }
        var differences = 0
        for value in stride(from: UInt32(0), to: 0x11_0000, by: 3) where table.classOf(value) != ScalarClass.compute(value) {
            differences += 1
        }
        #expect(differences == 0)
    }

    @Test("SHA-256 matches known answers")
    func sha256() {
        func digest(_ text: String) -> String { Array(text.utf8).withUnsafeBytes { SHA256Digest.hexHash($0) } }
        #expect(digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(digest(String(repeating: "a", count: 1000)).hasPrefix("41edece42d63e8d9bf515a9ba6932e1c"))
    }

    @Test("a damaged resource is refused with an actionable error")
    func corrupt() throws {
        let url = try #require(VocabularyFile.resourceURL("cl100k_base", extension: "ctkv"))
        var data = try Data(contentsOf: url)
        data[data.count - 1] ^= 0xFF
        #expect {
            _ = try VocabularyFile.parse(data, expectedOriginalSHA256: TokenEncodingName.cl100kBase.vocabularySHA256, name: "x")
        } throws: { error in
            (error as? CostTokensError)?.code == .corruptVocabulary
        }
        #expect(throws: CostTokensError.self) {
            _ = try VocabularyFile.parse(Data("nope".utf8), expectedOriginalSHA256: "", name: "x")
        }
    }
}
