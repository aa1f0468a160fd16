internal import CostPricing
public import Foundation

/// A reading of the vendor's own usage meter: "current session: 10% used" at a time.
///
/// For example, `session=10%@2026-11-02T20:59Z` or `week=15%@2026-11-07T23:00Z`.
public struct MeterReading: Sendable, Hashable, CustomStringConvertible {
    /// The window kind of the current plan the meter shows (`session`, `week`).
    public var kind: String
    /// The fraction used, in percent, exactly (`12.5` is `125/10`).
    public var percent: PlanScale
    /// When the meter was read.
    public var at: Date

    public init(kind: String, percent: PlanScale, at: Date) {
        self.kind = kind
        self.percent = percent
        self.at = at
    }

    /// Parses `KIND=N%@TIME`.
    ///
    /// - throws: ``OptimizerError`` `.invalidInput` with an example.
    public init(parsing text: String) throws {
        let example = "(examples: session=10%@2026-11-02T20:59Z, week=15%@2026-11-07T23:00Z)"
        guard let equals = text.firstIndex(of: "="), let at = text.lastIndex(of: "@"), equals < at else {
            throw OptimizerError(code: .invalidInput, message: "meter reading '\(text)' is not KIND=PERCENT%@TIME \(example)")
        }
        let kind = text[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
        var number = text[text.index(after: equals)..<at].trimmingCharacters(in: .whitespaces)
        if number.hasSuffix("%") { number.removeLast() }
        guard !kind.isEmpty, let percent = try? PlanScale(parsing: number),
            percent.numerator <= 100 * percent.denominator
        else {
            throw OptimizerError(
                code: .invalidInput, message: "meter reading '\(text)': the percentage must be more than 0 and at most 100 \(example)")
        }
        guard let date = Timestamp.parseOrNil(String(text[text.index(after: at)...])) else {
            throw OptimizerError(code: .invalidInput, message: "meter reading '\(text)': the time is not an ISO 8601 date-time \(example)")
        }
        self.init(kind: kind, percent: percent, at: date)
    }

    public var description: String { "\(kind)=\(percent)%@\(Timestamp.format(at))" }
}

/// Where a window's allowance comes from: for Claude, a meter reading wins over rate-limit refusals,
/// which win over the public estimate; published figures (Gemini's daily caps) need no calibration.
public enum CalibrationSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// A reading of the vendor's meter (`--meter`).
    case meter
    /// Usage at the moment the vendor refused a request for a usage limit (found in imported logs).
    case rateLimit = "rate_limit"
    /// A figure the vendor publishes (Gemini's requests per day).
    case published
    /// A public estimate (the default for Claude's allowances in dollars).
    case estimate

    /// The factor this source puts on confidence: 1 for a meter, 0.9 for rate limits, 0.95 for
    /// published figures, 0.7 for estimates.
    public var confidenceFactor: Double {
        switch self {
        case .meter: 1.0
        case .rateLimit: 0.9
        case .published: 0.95
        case .estimate: 0.7
        }
    }
}

/// The allowance of one window kind of the current plan, calibrated, and how.
public struct WindowCalibration: Sendable, Hashable {
    /// The window key (`session`, `week`, `day:gemini-2.5-pro`).
    public var window: String
    public var source: CalibrationSource
    /// The allowance of the current plan's window, in the window's measure.
    public var allowance: Int128
    public var measure: WindowMeasure
    /// What it was computed from, for people.
    public var detail: String
}

/// Calibrates the current plan's windows from meter readings, then rate-limit refusals.
struct Calibrator {
    var plan: SubscriptionPlan
    /// Requests of the plan's providers, time-ordered, refusals excluded.
    var samples: [PlanUsageSample]
    /// Refusals for a usage limit, time-ordered.
    var refusals: [PlanUsageSample]

    func samples(for window: PlanWindow) -> [PlanUsageSample] {
        samples.filter { plan.covers(provider: $0.provider) && window.counts(model: $0.model) }
    }

    /// The calibrated windows by key.
    ///
    /// - throws: ``OptimizerError`` `.invalidInput` for a reading of a kind the plan does not have,
    ///   `.uncalibratable` for a reading in a window without usage.
    func calibrate(meters: [MeterReading]) throws -> [String: WindowCalibration] {
        var result: [String: WindowCalibration] = [:]
        for reading in meters.sorted(by: { $0.at < $1.at }) {
            let windows = plan.windows.filter { $0.kind == reading.kind }
            guard !windows.isEmpty else {
                let kinds = Set(plan.windows.map(\.kind)).sorted()
                throw OptimizerError(
                    code: .invalidInput,
                    message: "\(plan.id) has no '\(reading.kind)' window to read a meter of"
                        + (kinds.isEmpty ? " (it has no usage windows)" : "; its windows: \(kinds.joined(separator: ", "))"))
            }
            for window in windows {
                guard let (tally, used) = WindowReplay.usage(at: reading.at, samples(for: window), window: window), used > 0 else {
                    throw OptimizerError(
                        code: .uncalibratable,
                        message: "no recorded usage in the \(reading.kind) window at \(Timestamp.format(reading.at)), so the reading \(reading) cannot be turned into an allowance; import your logs first (costctl import claude-code) or read the meter during a window with usage")
                }
                let allowance = used * 100 * reading.percent.denominator / reading.percent.numerator
                result[window.key] = WindowCalibration(
                    window: window.key, source: .meter, allowance: allowance, measure: window.measure,
                    detail: "\(window.measure.text(used)) used from \(Timestamp.format(tally.start)) to the reading at \(Timestamp.format(reading.at)) = \(reading.percent)%")
            }
        }
        for window in plan.windows where result[window.key] == nil {
            if let calibration = rateLimitCalibration(window) { result[window.key] = calibration }
        }
        return result
    }

    /// The lowest usage at which the vendor refused a request in this window kind: the window was full.
    /// A refusal is put in the window whose end is nearest the reset time the vendor gave, or, without
    /// one, in the shortest window that contains it.
    func rateLimitCalibration(_ window: PlanWindow) -> WindowCalibration? {
        var lowest: (Int128, Date)?
        for refusal in refusals where plan.covers(provider: refusal.provider) && window.counts(model: refusal.model) {
            let containing = plan.windows.compactMap { candidate -> (PlanWindow, WindowTally, Int128)? in
                guard let (tally, used) = WindowReplay.usage(at: refusal.timestamp, samples(for: candidate), window: candidate)
                else { return nil }
                return (candidate, tally, used)
            }
            let chosen: (PlanWindow, WindowTally, Int128)?
            if let reset = refusal.resetsAt {
                chosen = containing.min { abs($0.1.end.timeIntervalSince(reset)) < abs($1.1.end.timeIntervalSince(reset)) }
            } else {
                chosen = containing.min { $0.0.length < $1.0.length }
            }
            guard let (hit, _, used) = chosen, hit.key == window.key, used > 0 else { continue }
            if lowest == nil || used < (lowest?.0 ?? 0) { lowest = (used, refusal.timestamp) }
        }
        guard let (used, at) = lowest else { return nil }
        return WindowCalibration(
            window: window.key, source: .rateLimit, allowance: used, measure: window.measure,
            detail: "refused for a usage limit at \(Timestamp.format(at)) after \(window.measure.text(used)) in the window")
    }
}
