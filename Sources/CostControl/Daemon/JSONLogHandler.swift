public import Foundation
public import Logging
import Synchronization

/// A swift-log `LogHandler` that writes one JSON object per line: `ts` (ISO 8601 with
/// milliseconds, UTC), `level`, `message`, `job` (the `job` metadata, or `null`) and `metadata`
/// (every other entry, values as strings; lists and dictionaries as JSON). For log collectors
/// (journald, Loki, CloudWatch) that read structured lines.
///
/// The daemon logs job names, slots, counts and error messages that are written without secrets;
/// nothing it logs holds a key, a channel URL or a password.
///
/// For example:
/// ```swift
/// LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
/// Logger(label: "costctl.daemon").info("job finished", metadata: ["job": "report"])
/// // {"job":"report","level":"info","message":"job finished","metadata":{},"ts":"2026-11-22T08:00:00.412Z"}
/// ```
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    public let label: String
    private let write: @Sendable (String) -> Void

    /// - parameters:
    ///   - write: receives each line, newline included (standard error by default).
    public init(label: String, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let job = merged.removeValue(forKey: "job")
        write(Self.line(at: Date(), level: event.level, message: event.message.description, job: job.map(Self.text), metadata: merged))
    }

    /// One log line (with its newline).
    public static func line(at instant: Date, level: Logger.Level, message: String, job: String?, metadata: Logger.Metadata) -> String {
        let object: [String: Any] = [
            "ts": instant.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
            "level": level.rawValue, "message": message, "job": job ?? NSNull(),
            "metadata": metadata.mapValues(text),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// A metadata value as text: strings as they are, lists and dictionaries as compact JSON.
    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array, .dictionary:
            let data = (try? JSONSerialization.data(withJSONObject: plain(value), options: [.sortedKeys, .fragmentsAllowed])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    private static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(plain)
        case .dictionary(let values): values.mapValues(plain)
        }
    }

    private static let lock = Mutex(())

    /// Writes `line` to standard error in one `write(2)` under a lock, so lines never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        lock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }
}
