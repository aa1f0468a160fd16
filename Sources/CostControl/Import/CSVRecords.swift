internal import Foundation

/// RFC 4180 records from lines: quoted fields may hold commas, doubled quotes and newlines (a record
/// then spans several lines, joined until its quotes balance).
struct CSVRecords {
    private var pending: [UInt8] = []
    private var open = false
    static let limit = 16 << 20

    enum Outcome {
        case record([String])
        case incomplete
        case tooLong
    }

    /// Feeds one line; returns a record once its quotes balance.
    mutating func feed(_ line: UnsafeBufferPointer<UInt8>) -> Outcome {
        if open { pending.append(10) }
        pending.append(contentsOf: line)
        if pending.count > CSVRecords.limit {
            pending.removeAll()
            open = false
            return .tooLong
        }
        for byte in line where byte == 34 { open.toggle() }
        if open { return .incomplete }
        let fields = CSVRecords.split(pending)
        pending.removeAll(keepingCapacity: true)
        return .record(fields)
    }

    /// Whether a record is still open at the end of the input.
    var hasPartialRecord: Bool { open }

    static func split(_ bytes: [UInt8]) -> [String] {
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == 34 {
                    if index + 1 < bytes.count, bytes[index + 1] == 34 {
                        field.append(34)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == 34 {
                quoted = true
            } else if byte == 44 {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            } else {
                field.append(byte)
            }
            index += 1
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields
    }
}

/// Records of a CSV file with a header row, as dictionaries keyed by column name.
struct CSVTable {
    var records = CSVRecords()
    var header: [String]?

    enum Outcome {
        case row([String: Any])
        case none
        case bad(String)
    }

    mutating func feed(_ line: UnsafeBufferPointer<UInt8>) -> Outcome {
        if header == nil, !records.hasPartialRecord, LineBytes.isBlank(line) { return .none }
        switch records.feed(line) {
        case .incomplete: return .none
        case .tooLong: return .bad("record longer than 16 MB")
        case .record(let fields):
            guard let header else {
                // A byte-order mark before the first column name.
                var names = fields.map { $0.trimmingCharacters(in: .whitespaces) }
                if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
                header = names
                return .none
            }
            if fields.count == 1, fields[0].trimmingCharacters(in: .whitespaces).isEmpty { return .none }
            guard fields.count == header.count else {
                return .bad("row with \(fields.count) columns (the header has \(header.count))")
            }
            var row: [String: Any] = [:]
            for (name, value) in zip(header, fields) where !value.isEmpty { row[name] = value }
            return .row(row)
        }
    }

    /// A data row, counted in `output` (a malformed row is counted and skipped there).
    mutating func row(_ line: UnsafeBufferPointer<UInt8>, into output: inout ParseOutput) -> [String: Any]? {
        switch feed(line) {
        case .none:
            return nil
        case .bad(let reason):
            output.records += 1
            output.skip("malformed row (\(reason))")
            return nil
        case .row(let row):
            output.records += 1
            return row
        }
    }

    /// The end of the file: an open quote there leaves a malformed row.
    func finish(into output: inout ParseOutput) {
        guard records.hasPartialRecord else { return }
        output.records += 1
        output.skip("malformed row (unterminated quote at the end of the file)")
    }
}
