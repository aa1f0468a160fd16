import CostControl
import Foundation

/// Printing: aligned tables for people, stable JSON for programs, errors on standard error.
enum Output {
    /// The bytes of a file named on the command line, or of standard input for `-`.
    static func read(_ path: String, option: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ControlError(code: .io, message: "cannot read \(option) file \(path)")
        }
        return data
    }

    static func line(_ text: String = "") {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Pretty, key-sorted JSON of an `Encodable` value; `snakeCase` writes `retry_after_seconds`
    /// for a property named `retryAfterSeconds`; `isoDates` writes dates as ISO 8601 text.
    static func json(_ value: some Encodable, snakeCase: Bool = false, isoDates: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        if isoDates { encoder.dateEncodingStrategy = .iso8601 }
        FileHandle.standardOutput.write(try encoder.encode(value))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// One line of compact, key-sorted JSON (for JSON Lines output).
    static func jsonLine(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(value))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    static func error(code: String, message: String, suggestions: [String] = [], json: Bool) {
        if json {
            struct Body: Encodable {
                var error: Inner
                struct Inner: Encodable {
                    var code: String
                    var message: String
                    var suggestions: [String]
                }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(Body(error: .init(code: code, message: message, suggestions: suggestions))))
                ?? Data(#"{"error":{"code":"internal"}}"#.utf8)
            FileHandle.standardError.write(data + Data("\n".utf8))
        } else {
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        }
    }

    /// A column of a table.
    struct Column {
        var title: String
        var rightAligned = false
    }

    /// Renders rows under a header, columns padded to their widest cell.
    static func table(_ columns: [Column], _ rows: [[String]]) {
        var widths = columns.map(\.title.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return columns[i].rightAligned ? pad + cell : (i == cells.count - 1 ? cell : cell + pad)
            }.joined(separator: "  ")
        }
        line(render(columns.map(\.title)))
        for row in rows { line(render(row)) }
    }

    /// `1234567` → `1,234,567`.
    static func count(_ n: Int) -> String { UsageReportText.count(n) }

    /// A price per block as people read it: `$2.50/MTok`, `$10/K`, `$0.006/hour`.
    static func rate(_ value: PriceValue, per: Int) -> String {
        let unit: String =
            switch per {
            case 1_000_000: "MTok"
            case 1_000: "K"
            case 3_600: "hour"
            case 1_000_000_000: "G"
            case 1: "each"
            default: "\(per)"
            }
        var text = value.base.display(maxPlaces: 6) + "/" + unit
        if value.isTiered {
            text += " (" + value.tiers.map { ">\(count($0.start)): \($0.price.display(maxPlaces: 6))" }.joined(separator: ", ") + ")"
        }
        return text
    }

    static func date(_ date: Date, in zone: TimeZone) -> String {
        if zone.identifier == "UTC" || zone.identifier == "GMT" { return Timestamp.format(date) }
        let f = ISO8601DateFormatter()
        f.timeZone = zone
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
