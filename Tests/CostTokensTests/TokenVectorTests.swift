import CostTokens
import Foundation
import Testing

/// The published vectors: every document's exact tiktoken ids for both encodings.
@Suite("Token vectors from tiktoken")
struct TokenVectorTests {
    struct Document: Decodable {
        var text: String
        var cl100k_base: [Int]
        var o200k_base: [Int]
    }

    static func documents(_ name: String) throws -> [Document] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "jsonl", subdirectory: "Vectors"))
        let data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Document.self, from: Data($0)) }
    }

    @Test("tokens.jsonl: every id sequence", arguments: TokenEncodingName.allCases)
    func vectors(encoding: TokenEncodingName) throws {
        let documents = try Self.documents("tokens")
        let tokenizer = try BPETokenizer(encoding: encoding)
        var matched = 0
        for (line, document) in documents.enumerated() {
            let expected = encoding == .cl100kBase ? document.cl100k_base : document.o200k_base
            let ids = tokenizer.encode(document.text)
            if ids == expected {
                matched += 1
            } else {
                Issue.record("\(encoding.rawValue): document \(line + 1) differs (\(ids.count) ids, expected \(expected.count))")
            }
            #expect(tokenizer.count(document.text) == expected.count)
        }
        print("\(encoding.rawValue): \(matched) of \(documents.count) documents reproduced exactly")
        #expect(matched == documents.count)
    }
}
