public import CostPricing
public import Foundation

/// Metrics at one instant, as families of samples: what `costctl metrics` prints in the Prometheus
/// text format (``PrometheusText``) or as JSON.
///
/// For example:
/// ```swift
/// let snapshot = try await MetricsCollector(sources: sources).snapshot()
/// print(try PrometheusText.render(snapshot))
/// ```
public struct MetricsSnapshot: Sendable, Hashable, Encodable {
    /// When the figures were read (UTC).
    public var generatedAt: Date
    public var families: [MetricFamily]

    public init(generatedAt: Date, families: [MetricFamily]) {
        self.generatedAt = generatedAt
        self.families = families
    }

    /// The family named `name`.
    public func family(_ name: String) -> MetricFamily? { families.first { $0.name == name } }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(Timestamp.format(generatedAt), forKey: AnyKey("generated_at"))
        try c.encode(families, forKey: AnyKey("families"))
    }
}

/// One metric family: a name, its help text, counter or gauge, and its samples.
public struct MetricFamily: Sendable, Hashable, Encodable {
    public enum Kind: String, Sendable, Hashable, Encodable {
        case counter, gauge
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [MetricSample]

    public init(name: String, help: String, kind: Kind, samples: [MetricSample] = []) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }

    /// Whether `name` is a valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(name, forKey: AnyKey("name"))
        try c.encode(help, forKey: AnyKey("help"))
        try c.encode(kind, forKey: AnyKey("type"))
        try c.encode(samples, forKey: AnyKey("samples"))
    }
}

/// One sample: label pairs (in the order printed) and a value.
public struct MetricSample: Sendable, Hashable, Encodable {
    public var labels: [MetricLabel]
    public var value: MetricValue

    public init(_ labels: [MetricLabel] = [], _ value: MetricValue) {
        self.labels = labels
        self.value = value
    }

    /// The value of the label `name`.
    public func label(_ name: String) -> String? { labels.first { $0.name == name }?.value }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(Dictionary(labels.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }), forKey: AnyKey("labels"))
        try c.encode(value.text, forKey: AnyKey("value"))
    }
}

/// A label pair.
public struct MetricLabel: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// Whether `name` is a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with the
    /// reserved `__`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_", !name.hasPrefix("__") else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }
}

/// A sample's value. Money stays exact up to the output, where its decimal string is printed (a
/// Prometheus value is a float64; the scraper rounds, we do not).
public enum MetricValue: Sendable, Hashable {
    case money(Money)
    case count(Int)
    /// A ratio or any other measured quantity.
    case number(Double)

    /// The value as the text format writes it: `12.5`, `3`, `0.25`, `NaN`, `+Inf`.
    public var text: String {
        switch self {
        case .money(let m): m.decimalString
        case .count(let n): String(n)
        case .number(let d):
            if d.isNaN { "NaN" } else if d == .infinity { "+Inf" } else if d == -.infinity { "-Inf" } else { Self.plain(d) }
        }
    }

    /// A finite double without trailing `.0` for whole numbers (`3`, `0.125`, `1.5e-07`).
    static func plain(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
