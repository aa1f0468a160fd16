import CostTokens
import Foundation
import Testing

/// Random and adversarial strings (contractions in any case, digit runs, CRLF, whitespace runs,
/// combining marks, emoji ZWJ sequences, CJK, mixed scripts, random scalars from every plane)
/// with tiktoken's ids, made by Scripts/vocab/make_differential.py.
@Suite("Differential against tiktoken")
struct DifferentialTests {
    static func check(_ url: URL, label: String) throws {
        let data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        let tokenizers = try TokenEncodingName.allCases.map { try BPETokenizer(encoding: $0) }
        var matched = [0, 0]
        var total = 0
        for line in data.split(separator: UInt8(ascii: "\n")) {
            let document = try decoder.decode(TokenVectorTests.Document.self, from: Data(line))
            total += 1
            for (index, tokenizer) in tokenizers.enumerated() {
                let expected = tokenizer.encoding == .cl100kBase ? document.cl100k_base : document.o200k_base
                let ids = tokenizer.encode(document.text)
                if ids == expected {
                    matched[index] += 1
                } else {
                    let scalars = document.text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " ")
                    Issue.record("\(tokenizer.encoding.rawValue): \(ids) != \(expected) for scalars [\(scalars)]")
                }
            }
        }
        for (index, tokenizer) in tokenizers.enumerated() {
            print("\(label) \(tokenizer.encoding.rawValue): \(matched[index]) of \(total) documents reproduced exactly")
        }
        #expect(matched == [total, total])
    }

    @Test("differential.jsonl: every id sequence, both encodings")
    func committedCorpus() throws {
        let url = try #require(Bundle.module.url(forResource: "differential", withExtension: "jsonl", subdirectory: "Vectors"))
        try Self.check(url, label: "differential")
    }

    @Test("exhaustive.jsonl: every string of up to 3 scalars over the scanner's boundary alphabet")
    func exhaustiveShortStrings() throws {
        let url = try #require(Bundle.module.url(forResource: "exhaustive", withExtension: "jsonl", subdirectory: "Vectors"))
        try Self.check(url, label: "exhaustive")
    }

    /// A larger corpus made on demand:
    /// `python Scripts/vocab/make_differential.py /tmp/diff.jsonl 200000 7`, then
    /// `COSTTOKENS_DIFFERENTIAL=/tmp/diff.jsonl swift test`.
    @Test(
        "external differential corpus ($COSTTOKENS_DIFFERENTIAL)",
        .enabled(if: ProcessInfo.processInfo.environment["COSTTOKENS_DIFFERENTIAL"] != nil))
    func externalCorpus() throws {
        let path = try #require(ProcessInfo.processInfo.environment["COSTTOKENS_DIFFERENTIAL"])
        try Self.check(URL(fileURLWithPath: path), label: path)
    }
}
