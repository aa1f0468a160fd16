import Foundation
import Testing

@testable import CostTokens

@Suite("Calibrated token estimates")
struct TokenEstimatorTests {
    struct Check: Decodable {
        var text: String
        var features: [Int]
        var predictions: [String: Double]
    }

    struct CalibrationFile: Decodable {
        var features: [String]
        var checks: [Check]
    }

    static func calibration() throws -> CalibrationFile {
        let url = try #require(VocabularyFile.resourceURL("estimator_profiles", extension: "json"))
        return try JSONDecoder().decode(CalibrationFile.self, from: Data(contentsOf: url))
    }

    @Test("features and predictions agree with the calibration script's")
    func parityWithScript() throws {
        let file = try Self.calibration()
        #expect(file.features == TextFeatures.names)
        #expect(file.checks.count >= 5)
        let table = try EstimatorTable.shared.get()
        let tokenizer = try BPETokenizer(encoding: .o200kBase)
        for check in file.checks {
            var features = TextFeatures()
            features.add(check.text, tokenizer: tokenizer)
            #expect(features.values == check.features, "\(check.text)")
            for (name, expected) in check.predictions {
                let profile = try #require(table.profiles[name])
                let predicted = TokenEstimator.predict(coefficients: profile.coefficients, features: features)
                #expect(abs(predicted - expected) < 1e-5, "\(name): \(predicted) vs \(expected)")
            }
        }
    }

    @Test(
        "models without a public tokenizer get a named estimate, never an exact count",
        arguments: [
            ("claude-sonnet-4-5", "claude-estimate"), ("claude-3-5-haiku-20241022", "claude-estimate"),
            ("anthropic/claude-opus-4.1", "claude-estimate"),
            ("anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-estimate"),
            ("us.anthropic.claude-sonnet-4-20250514-v1:0", "claude-estimate"),
            ("claude-3-5-sonnet-v2@20241022", "claude-estimate"),
            ("claude-opus-4-7", "claude-opus-4-7-estimate"), ("claude-2.1", "claude-2-estimate"),
            ("gemini-2.5-pro", "gemini-estimate"), ("google/gemini-2.5-flash", "gemini-estimate"),
            ("gemini-2.0-flash", "gemini-2.0-estimate"), ("gemma3:4b", "gemma3-estimate"),
            ("mistral-large-latest", "mistral-tekken-estimate"), ("codestral-2501", "mistral-tekken-estimate"),
            ("mistral:7b", "mistral-sentencepiece-estimate"), ("mixtral-8x7b", "mistral-sentencepiece-estimate"),
            ("llama3.1:8b", "generic-estimate"), ("qwen2.5-coder:7b", "generic-estimate"),
            ("deepseek-chat", "generic-estimate"),
        ]
    )
    func estimators(model: String, method: String) throws {
        let estimator = try TokenEstimator(model: model)
        #expect(!estimator.isExact)
        #expect(estimator.method == method)
        #expect(estimator.reference != nil)
        let estimate = estimator.estimate("The quick brown fox jumps over the lazy dog. 東京は日本の首都です。")
        #expect(!estimate.isExact)
        #expect(estimate.method == method)
        #expect(estimate.lower < estimate.count && estimate.count < estimate.upper)
    }

    @Test(
        "models whose encoding we ship are counted exactly",
        arguments: [("gpt-4o", TokenEncodingName.o200kBase), ("gpt-oss:20b", .o200kBase), ("gpt-oss-120b", .o200kBase),
                    ("gpt-4", .cl100kBase)]
    )
    func exact(model: String, encoding: TokenEncodingName) throws {
        let estimator = try TokenEstimator(model: model)
        let text = "Exact counts need the real vocabulary: 12345 ✓"
        let estimate = estimator.estimate(text)
        #expect(estimator.isExact && estimator.reference == nil)
        #expect(estimate == .exact(try BPETokenizer(encoding: encoding).count(text), method: encoding.rawValue))
    }

    @Test("the provider picks the family of a model name nobody knows")
    func providerFallback() throws {
        #expect(try TokenEstimator(model: "claude-next", provider: "anthropic").method == "claude-estimate")
        #expect(try TokenEstimator(model: "brand-new", provider: "anthropic").method == "claude-estimate")
        #expect(try TokenEstimator(model: "brand-new", provider: "google").method == "gemini-estimate")
        #expect(try TokenEstimator(model: "brand-new", provider: "nobody").method == "generic-estimate")
        #expect(try TokenEstimator(model: "brand-new").method == "generic-estimate")
    }

    @Test("a proxy reference has a wider band than the reference itself")
    func proxyBands() throws {
        let text = String(repeating: "Budgets hold when estimates are honest about their error. ", count: 40)
        let gemma = try TokenEstimator(model: "gemma3:4b").estimate(text)
        let gemini = try TokenEstimator(model: "gemini-2.5-pro").estimate(text)
        #expect(gemini.count == gemma.count)
        #expect(gemini.lower < gemma.lower && gemini.upper > gemma.upper)
        let claude = try TokenEstimator(model: "claude-opus-4-1").estimate(text)
        let opus47 = try TokenEstimator(model: "claude-opus-4-7").estimate(text)
        // Opus 4.7's tokenizer uses 1.0-1.35x the tokens of earlier Claude models (Anthropic).
        #expect(opus47.count > claude.count && opus47.upper > claude.upper)
    }

    @Test("empty and tiny texts")
    func tiny() throws {
        let estimator = try TokenEstimator(model: "claude-sonnet-4-5")
        #expect(estimator.estimate("") == TokenEstimate(count: 0, isExact: false, lower: 0, upper: 0, method: "claude-estimate"))
        let one = estimator.estimate("a")
        #expect(one.count >= 1 && one.lower >= 1 && !one.isExact)
    }

    /// The features by the definition, scalar by scalar (the byte scanner must agree).
    static func referenceFeatures(_ text: String, _ tokenizer: BPETokenizer) -> [Int] {
        var values = [Int](repeating: 0, count: TextFeatures.names.count)
        var runs: [(scriptClass: Int, text: String)] = []
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: values[4] += 1
            case 0x20, 0x09: values[5] += 1
            case 0x30...0x39: values[6] += 1
            default: break
            }
            let scriptClass = TextFeatures.scriptClass(scalar.value)
            if runs.last?.scriptClass == scriptClass {
                runs[runs.count - 1].text.unicodeScalars.append(scalar)
            } else {
                runs.append((scriptClass, String(scalar)))
            }
        }
        for run in runs { values[run.scriptClass] += tokenizer.count(run.text) }
        return values
    }

    @Test("the byte scanner agrees with the scalar definition on random text")
    func scannerMatchesDefinition() throws {
        let tokenizer = try BPETokenizer(encoding: .o200kBase)
        // Scalars from every class and every UTF-8 length, with combining marks and emoji.
        let pool: [UInt32] = [
            0x41, 0x7A, 0x20, 0x09, 0x0A, 0x0D, 0x33, 0x2E, 0xE9, 0x301, 0x3B1, 0x416, 0x5D0, 0x627, 0x915, 0xE01,
            0x1100, 0x1E00, 0x1DFF, 0x1E9E, 0x2014, 0x3000, 0x3042, 0x30A2, 0x4E00, 0x9FFF, 0xA640, 0xABFF, 0xAC00,
            0xD7AF, 0xFF01, 0xFFEF, 0x1F600, 0x200D, 0x20000, 0x2FFFF, 0x10FFFF,
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...60, using: &generator) {
                if let scalar = Unicode.Scalar(pool.randomElement(using: &generator) ?? 0x41) { text.append(scalar) }
            }
            let string = String(text)
            var features = TextFeatures()
            features.add(string, tokenizer: tokenizer)
            #expect(features.values == Self.referenceFeatures(string, tokenizer), "\(string.unicodeScalars.map { $0.value })")
        }
    }

    @Test("features add up over pieces cut at a space before a letter")
    func additive() throws {
        let tokenizer = try BPETokenizer(encoding: .o200kBase)
        let left = "日本語のテキスト and\n\n  12 digits"
        let right = " more Привет text"
        var whole = TextFeatures()
        whole.add(left + right, tokenizer: tokenizer)
        var parts = TextFeatures()
        parts.add(left, tokenizer: tokenizer)
        var second = TextFeatures()
        second.add(right, tokenizer: tokenizer)
        parts.add(second)
        #expect(parts == whole)
    }

    @Test("files are estimated in chunks, equal to the whole text, and bad UTF-8 is reported")
    func files() throws {
        let estimator = try TokenEstimator(model: "gemini-2.5-pro")
        let paragraph = "The ledger keeps every event. 東京の会議は 10:30 に始まります。 Привет!\n\tfunc f() { return 42 }\n"
        let text = String(repeating: paragraph, count: 1 + 2 * BPETokenizer.chunkSize / paragraph.utf8.count)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("estimator-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(text.utf8).write(to: url)
        #expect(try estimator.estimate(contentsOf: url) == estimator.estimate(text))
        #expect(try estimator.estimate(utf8: Array(text.utf8)) == estimator.estimate(text))

        var bytes = Array("valid prefix ".utf8)
        bytes.append(0xFF)
        try Data(bytes).write(to: url)
        #expect {
            _ = try estimator.estimate(contentsOf: url)
        } throws: { error in
            let error = error as? CostTokensError
            return error?.code == .invalidUTF8 && error?.byteOffset == 13
        }
        #expect {
            _ = try estimator.estimate(contentsOf: url.appendingPathExtension("missing"))
        } throws: { error in
            (error as? CostTokensError)?.code == .unreadableFile
        }
    }
}
