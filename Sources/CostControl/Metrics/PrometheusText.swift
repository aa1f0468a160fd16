public import Foundation

/// The Prometheus text exposition format, version 0.0.4: what node_exporter's textfile collector
/// and a scrape of `/metrics` read.
///
/// Each family is written as a `# HELP` line, a `# TYPE` line and its samples, one a line:
/// `name{label="value",…} value`. Label values escape backslash, double quote and newline
/// (`\\`, `\"`, `\n`); help text escapes backslash and newline.
///
/// For example:
/// ```swift
/// let text = try PrometheusText.render(snapshot)
/// try PrometheusText.write(text, to: URL(fileURLWithPath: "/var/lib/node_exporter/textfile/costctl.prom"))
/// ```
public enum PrometheusText {
    /// The content type a server would send with this text.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The snapshot in the text format, families in order, empty families left out.
    ///
    /// - throws: ``ControlError`` `.invalidInput` for an invalid metric or label name, or two
    ///   families with one name (a bug in the collector, never user data: label values are escaped).
    public static func render(_ snapshot: MetricsSnapshot) throws -> String {
        var out = ""
        var seen = Set<String>()
        for family in snapshot.families where !family.samples.isEmpty {
            guard MetricFamily.isValidName(family.name), seen.insert(family.name).inserted else {
                throw ControlError(code: .invalidInput, message: "metric family name '\(family.name)' is invalid or repeated")
            }
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                out += family.name
                if !sample.labels.isEmpty {
                    var parts: [String] = []
                    for label in sample.labels {
                        guard MetricLabel.isValidName(label.name) else {
                            throw ControlError(code: .invalidInput, message: "label name '\(label.name)' of \(family.name) is invalid")
                        }
                        parts.append("\(label.name)=\"\(escapeLabelValue(label.value))\"")
                    }
                    out += "{" + parts.joined(separator: ",") + "}"
                }
                out += " " + sample.value.text + "\n"
            }
        }
        return out
    }

    /// `\` → `\\`, `"` → `\"`, newline → `\n`.
    public static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// `\` → `\\`, newline → `\n`.
    public static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Writes `text` to `url` atomically, as textfile collectors require: into a temporary file in
    /// the same directory (named with a leading dot and without the `.prom` suffix, so a collector
    /// never reads it), flushed, then renamed over the target. A reader sees the old file or the new
    /// one, never a half-written one.
    ///
    /// - throws: ``ControlError`` `.io` naming the path when the directory is missing or not writable.
    public static func write(_ text: String, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ControlError(code: .io, message: "cannot write \(url.path): \(String(cString: strerror(errno))) (is \(directory.path) a writable directory?)")
        }
        var ok = true
        Array(text.utf8).withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0, errno == EINTR { continue }
                if n <= 0 {
                    ok = false
                    return
                }
                offset += n
            }
        }
        if ok { ok = fsync(fd) == 0 }
        let reason = String(cString: strerror(errno))
        close(fd)
        guard ok, rename(temporary.path, url.path) == 0 else {
            let renameReason = ok ? String(cString: strerror(errno)) : reason
            unlink(temporary.path)
            throw ControlError(code: .io, message: "cannot write \(url.path): \(renameReason)")
        }
    }
}
