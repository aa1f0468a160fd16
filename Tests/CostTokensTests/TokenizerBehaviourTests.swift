import Foundation
import Testing

@testable import CostTokens

@Suite("BPETokenizer behaviour")
struct TokenizerBehaviourTests {
    static let cl100k = try? BPETokenizer(encoding: .cl100kBase)
    static let o200k = try? BPETokenizer(encoding: .o200kBase)

    @Test("known ids")
    func knownIDs() throws {
        let cl100k = try #require(Self.cl100k)
        let o200k = try #require(Self.o200k)
        #expect(cl100k.encode("hello world") == [15339, 1917])
        #expect(o200k.encode("hello world") == [24912, 2375])
        #expect(cl100k.count("hello world") == 2)
        #expect(cl100k.encode("") == [])
        #expect(cl100k.count("") == 0)
        #expect(cl100k.vocabularySize == 100_256)
        #expect(o200k.vocabularySize == 199_998)
    }

    @Test(
        "special tokens: ordinary text by default, ids when allowed",
        arguments: [
            (
                TokenEncodingName.cl100kBase, "hello <|endoftext|> world<|endofprompt|>",
                [15339, 220, 100257, 1917, 100276],
                [15339, 83739, 8862, 728, 428, 91, 29, 1917, 27, 91, 408, 1073, 41681, 91, 29]
            ),
            (
                .cl100kBase, "<|fim_prefix|>x<|fim_suffix|>", [100258, 87, 100260],
                [27, 91, 69, 318, 14301, 91, 29, 87, 27, 91, 69, 318, 38251, 91, 29]
            ),
            (.cl100kBase, "<<|endoftext|>|>", [27, 100257, 91, 29], [2501, 91, 8862, 728, 428, 91, 70944, 29]),
            (.cl100kBase, "<|endoftext", [27, 91, 8862, 728, 428], [27, 91, 8862, 728, 428]),
            (
                .o200kBase, "hello <|endoftext|> world<|endofprompt|>", [24912, 220, 199999, 2375, 200018],
                [24912, 464, 91, 419, 1440, 919, 91, 29, 2375, 27, 91, 419, 1440, 82467, 91, 29]
            ),
            (.o200kBase, "<<|endoftext|>|>", [27, 199999, 91, 29], [5354, 91, 419, 1440, 919, 91, 56629, 29]),
        ])
    func specialTokens(encoding: TokenEncodingName, text: String, allowed: [Int], ordinary: [Int]) throws {
        try checkSpecial(encoding: encoding, text: text, allowed: allowed, ordinary: ordinary)
    }

    /// Text before a special token is encoded on its own, as in tiktoken: `\s++$` matches at
    /// the special token, not only at the end of the text.
    @Test(
        "special tokens split the text into separately encoded segments",
        arguments: [
            (TokenEncodingName.cl100kBase, "hello  <|endoftext|>x", [15339, 256, 100257, 87]),
            (.cl100kBase, "a \n\n <|endoftext|>  b  ", [64, 4815, 220, 100257, 220, 293, 256]),
            (.cl100kBase, "<|endoftext|><|endoftext|>", [100257, 100257]),
            (.cl100kBase, "x<|endofprompt|>\n\n\n", [87, 100276, 1432]),
            (.cl100kBase, "don't<|endoftext|>'s", [15357, 956, 100257, 596]),
            (.o200kBase, "hello  <|endoftext|>x", [24912, 256, 199999, 87]),
            (.o200kBase, "a \n\n <|endoftext|>  b  ", [64, 1202, 220, 199999, 220, 287, 256]),
            (.o200kBase, "x<|endofprompt|>\n\n\n", [87, 200018, 2499]),
            (.o200kBase, "don't<|endoftext|>'s", [91418, 199999, 885]),
        ])
    func specialSegments(encoding: TokenEncodingName, text: String, allowed: [Int]) throws {
        let tokenizer = try BPETokenizer(encoding: encoding, allowsSpecialTokens: true)
        #expect(tokenizer.encode(text) == allowed)
        #expect(tokenizer.count(batch: [text]) == [allowed.count])
        #expect(tokenizer.decode(allowed) == text)
    }

    private func checkSpecial(encoding: TokenEncodingName, text: String, allowed: [Int], ordinary: [Int]) throws {
        let plain = try BPETokenizer(encoding: encoding)
        #expect(plain.encode(text) == ordinary)
        var special = plain
        special.allowsSpecialTokens = true
        #expect(special.encode(text) == allowed)
        #expect(special.count(text) == allowed.count)
        #expect(special.decode(allowed) == text)
        #expect(plain.decode(ordinary) == text)
    }

    @Test("the examples in Documentation/Tokenizer.md")
    func documentationExamples() throws {
        let tokenizer = try BPETokenizer(model: "gpt-4o")
        #expect(tokenizer.encoding == .o200kBase)
        #expect(tokenizer.encode("hello world") == [24912, 2375])
        #expect(tokenizer.count("hello world") == 2)
        #expect(tokenizer.decode([24912, 2375]) == "hello world")
        let gpt4 = try BPETokenizer(encoding: .cl100kBase)
        #expect(gpt4.encode("hello world") == [15339, 1917])
        #expect(gpt4.encode("<|endoftext|>").count == 7)
        var special = gpt4
        special.allowsSpecialTokens = true
        #expect(special.encode("hi<|endoftext|>") == [6151, 100257])
        #expect(gpt4.count(batch: ["one", "two three"]) == [1, 2])
    }

    @Test("one tokenizer shared by concurrent tasks gives the same answers")
    func concurrentUse() async throws {
        let tokenizer = try BPETokenizer(encoding: .o200kBase)
        var generator = SplitMix64(seed: 99)
        let texts = (0..<64).map { _ in generator.randomText(maxScalars: 300) }
        let expected = texts.map { tokenizer.encode($0) }
        let results = await withTaskGroup(of: [[Int]].self) { group in
            for _ in 0..<8 { group.addTask { texts.map { tokenizer.encode($0) } } }
            var all: [[[Int]]] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 8)
        for result in results { #expect(result == expected) }
    }

    @Test("files are read in chunks with the same result as the whole text", arguments: TokenEncodingName.allCases)
    func chunkedFiles(encoding: TokenEncodingName) throws {
        let tokenizer = try BPETokenizer(encoding: encoding)
        var generator = SplitMix64(seed: 5)
        var text = ""
        while text.utf8.count < 60_000 {
            text += generator.randomText(maxScalars: 60) + (Bool.random(using: &generator) ? " word " : "\n")
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("costtokens-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(text.utf8).write(to: url)
        let expected = tokenizer.count(text)
        for chunkSize in [300, 4096, 1 << 20] {
            #expect(try tokenizer.count(contentsOf: url, chunkSize: chunkSize) == expected)
        }
        #expect(try tokenizer.encode(contentsOf: url) == tokenizer.encode(text))
        // An invalid byte far into the file is reported at its absolute offset.
        var bytes = Array(text.utf8)
        var position = 45_000
        while bytes[position] >= 0x80 { position += 1 }
        bytes[position] = 0xFF
        try Data(bytes).write(to: url)
        #expect {
            _ = try tokenizer.count(contentsOf: url, chunkSize: 4096)
        } throws: { error in
            (error as? CostTokensError)?.byteOffset == position
        }
    }

    @Test("special token ids are tiktoken's")
    func specialIDs() {
        #expect(TokenEncodingName.cl100kBase.specialTokens["<|endoftext|>"] == 100_257)
        #expect(TokenEncodingName.cl100kBase.specialTokens["<|endofprompt|>"] == 100_276)
        #expect(TokenEncodingName.o200kBase.specialTokens["<|endoftext|>"] == 199_999)
        #expect(TokenEncodingName.o200kBase.specialTokens["<|endofprompt|>"] == 200_018)
    }

    @Test("decode(encode(s)) == s on random Unicode strings", arguments: TokenEncodingName.allCases)
    func roundTrip(encoding: TokenEncodingName) throws {
        let tokenizer = try BPETokenizer(encoding: encoding)
        var generator = SplitMix64(seed: 42)
        let long = ProcessInfo.processInfo.environment["COSTCTL_LONG_TESTS"] == "1"
        for _ in 0..<(long ? 50_000 : 1_500) {
            let text = generator.randomText(maxScalars: 40)
            let ids = tokenizer.encode(text)
            #expect(tokenizer.decode(ids) == text)
            #expect(try tokenizer.decodeBytes(ids) == Array(text.utf8))
            #expect(tokenizer.count(text) == ids.count)
        }
    }

    @Test("decode is lossy but never fails: partial characters and unknown ids become U+FFFD")
    func lossyDecode() throws {
        let tokenizer = try #require(Self.cl100k)
        let ids = tokenizer.encode("\u{1D400}")
        #expect(ids.count > 1)
        #expect(tokenizer.decode(ids.dropLast()) == "\u{FFFD}")
        #expect(tokenizer.decode([15339, 999_999]) == "hello\u{FFFD}")
        #expect(throws: CostTokensError.self) { try tokenizer.decodeBytes([999_999]) }
        #expect(tokenizer.tokenBytes(15339) == Array("hello".utf8))
        #expect(tokenizer.tokenBytes(-1) == nil)
    }

    @Test("batch APIs equal one-by-one results", arguments: TokenEncodingName.allCases)
    func batch(encoding: TokenEncodingName) throws {
        let tokenizer = try BPETokenizer(encoding: encoding)
        var generator = SplitMix64(seed: 7)
        let texts = (0..<400).map { _ in generator.randomText(maxScalars: 200) } + ["", "hello world"]
        #expect(tokenizer.count(batch: texts) == texts.map { tokenizer.count($0) })
        #expect(tokenizer.encode(batch: texts) == texts.map { tokenizer.encode($0) })
        #expect(tokenizer.count(batch: []) == [])
    }

    @Test("UTF-8 bytes and files: invalid UTF-8 is reported with its offset")
    func invalidUTF8() throws {
        let tokenizer = try #require(Self.o200k)
        #expect(try tokenizer.encode(utf8: Array("hello world".utf8)) == [24912, 2375])
        #expect(try tokenizer.count(utf8: Array("hello world".utf8)) == 2)
        let cases: [([UInt8], Int)] = [
            ([0x61, 0x62, 0xFF], 2), ([0xC0, 0x80], 0), ([0x61, 0xED, 0xA0, 0x80], 1), ([0xE4, 0xB8], 0),
            ([0xF4, 0x90, 0x80, 0x80], 0), (Array("0123456789abcdef".utf8) + [0x80], 16),
        ]
        for (bytes, offset) in cases {
            #expect {
                _ = try tokenizer.count(utf8: bytes)
            } throws: { error in
                let error = error as? CostTokensError
                return error?.code == .invalidUTF8 && error?.byteOffset == offset
            }
        }
        let directory = FileManager.default.temporaryDirectory
        let good = directory.appendingPathComponent("costtokens-\(UUID().uuidString).txt")
        let bad = directory.appendingPathComponent("costtokens-\(UUID().uuidString).txt")
        defer {
            try? FileManager.default.removeItem(at: good)
            try? FileManager.default.removeItem(at: bad)
        }
        try Data("hello world".utf8).write(to: good)
        try Data([0x68, 0x69, 0xFE]).write(to: bad)
        #expect(try tokenizer.encode(contentsOf: good) == [24912, 2375])
        #expect(try tokenizer.count(contentsOf: good) == 2)
        do {
            _ = try tokenizer.count(contentsOf: bad)
            Issue.record("invalid UTF-8 was accepted")
        } catch let error as CostTokensError {
            #expect(error.code == .invalidUTF8)
            #expect(error.byteOffset == 2)
            #expect(error.message.contains(bad.path))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(throws: CostTokensError.self) {
            _ = try tokenizer.count(contentsOf: directory.appendingPathComponent("no-such-file-\(UUID().uuidString)"))
        }
    }
}

/// A small deterministic generator of random texts from hand-picked and random scalars.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    static let pieces: [String] = [
        " ", "  ", "\n", "\r\n", "\t", "'s", "'LL", "'Ve", "don't", "Hello", "WORLD", "x", "123456", "3.14",
        "é", "e\u{301}", "中文", "日本語", "한국어", "Привет", "שלום", "مرحبا", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️",
        "\u{3000}", "\u{A0}", "\u{2028}", "<|endoftext|>", "!!", "...", "//", "ǅ", "ʰ", "Ⅻ", "½", "\u{1D400}",
    ]

    mutating func randomText(maxScalars: Int) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 1...max(1, maxScalars / 3), using: &self) {
            if Bool.random(using: &self) {
                text += Self.pieces.randomElement(using: &self) ?? ""
            } else {
                let planes: [ClosedRange<UInt32>] = [0x20...0x7E, 0x80...0x2FFF, 0x3000...0xD7FF, 0xE000...0xFFFD, 0x1_0000...0x10_FFFF]
                let range = planes.randomElement(using: &self) ?? 0x20...0x7E
                if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &self)) { text.unicodeScalars.append(scalar) }
            }
        }
        return text
    }
}
