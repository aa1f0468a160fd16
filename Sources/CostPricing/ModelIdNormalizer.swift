import Foundation

/// Rewrites of model ids that vendors and gateways add around a model's own id, tried when an id
/// does not match as given.
enum ModelIdNormalizer {
    /// `gpt-5.2-20251211` → `gpt-5.2-2025-12-11` (LiteLLM and OpenRouter emit compact dates);
    /// a real calendar date only, at the end or before `-`, `:`.
    static func dashedDate(_ ref: String) -> String {
        let bytes = Array(ref.utf8)
        guard bytes.count >= 9 else { return ref }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 2)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "-"), i + 9 <= bytes.count,
                bytes[(i + 1)..<(i + 9)].allSatisfy({ $0 >= 48 && $0 <= 57 }),
                i + 9 == bytes.count || bytes[i + 9] == UInt8(ascii: "-") || bytes[i + 9] == UInt8(ascii: ":"),
                bytes[i + 1] == UInt8(ascii: "2"), bytes[i + 2] == UInt8(ascii: "0")
            {
                let digits = bytes[(i + 1)..<(i + 9)].map { Int($0 - 48) }
                let year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
                let month = digits[4] * 10 + digits[5]
                let day = digits[6] * 10 + digits[7]
                if (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day) {
                    out.append(contentsOf: Array("-\(year)-".utf8))
                    out.append(contentsOf: Array(bytes[(i + 5)..<(i + 7)]))
                    out.append(UInt8(ascii: "-"))
                    out.append(contentsOf: Array(bytes[(i + 7)..<(i + 9)]))
                    i += 9
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let bedrockRegions: Set<String> = ["us", "eu", "apac", "global", "jp", "au", "ca", "us-gov"]
    private static let bedrockVendors: Set<String> = [
        "anthropic", "meta", "amazon", "mistral", "cohere", "ai21", "deepseek", "qwen", "openai", "writer", "twelvelabs",
    ]

    /// Other spellings of `ref`, most likely first:
    /// - Bedrock: `us.anthropic.claude-3-5-sonnet-20241022-v2:0` → `anthropic.claude-…-v2:0`, `claude-3-5-sonnet-20241022`
    /// - Vertex: `claude-3-5-sonnet-v2@20241022` → `claude-3-5-sonnet-20241022`, `claude-3-5-sonnet-v2-20241022`
    /// - gateways: `models/gemini-2.0-flash` → `gemini-2.0-flash`; `accounts/x/models/m` → `m`
    /// - `gpt-4o-latest` → `gpt-4o`
    static func alternatives(_ ref: String) -> [String] {
        var result: [String] = []
        func add(_ s: String) {
            if !s.isEmpty, s != ref, !result.contains(s) { result.append(s) }
        }
        var work = ref
        // strip a path: keep what follows the last '/'
        if let slash = work.lastIndex(of: "/") {
            work = String(work[work.index(after: slash)...])
            add(work)
        }
        // Bedrock: [region.]vendor.model[-vN][:N]
        let dotted = work.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        if dotted.count >= 2 {
            var parts = dotted
            if bedrockRegions.contains(parts[0]), parts.count == 3 {
                parts.removeFirst()
                add(parts.joined(separator: "."))
            }
            if bedrockVendors.contains(parts[0]) {
                var model = parts.dropFirst().joined(separator: ".")
                if let colon = model.lastIndex(of: ":"), model[model.index(after: colon)...].allSatisfy(\.isNumber) {
                    model = String(model[..<colon])
                }
                add(model)
                if let v = model.range(of: #"-v\d+$"#, options: .regularExpression) {
                    add(String(model[..<v.lowerBound]))
                }
            }
        }
        // Vertex: name[-vN]@YYYYMMDD
        if let at = work.firstIndex(of: "@") {
            let name = String(work[..<at])
            let date = String(work[work.index(after: at)...])
            if let v = name.range(of: #"-v\d+$"#, options: .regularExpression) {
                add(String(name[..<v.lowerBound]) + "-" + date)
            }
            add(name + "-" + date)
            add(name)
        }
        if work.hasSuffix("-latest") { add(String(work.dropLast("-latest".count))) }
        for r in result where r.contains("-20") {
            let dashed = dashedDate(r)
            if dashed != r { add(dashed) }
        }
        return result
    }
}
