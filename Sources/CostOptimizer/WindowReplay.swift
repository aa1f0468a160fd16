public import Foundation

/// The usage of one window, as replayed from the requests.
public struct WindowTally: Sendable, Hashable {
    public var start: Date
    public var end: Date
    /// The usage in the window's measure (10⁻¹⁸ USD, requests or tokens).
    public var amount: Int128
    /// The requests that fell in the window.
    public var samples: Int
}

/// Cuts time-ordered requests into a plan window's windows, the way the vendor counts them.
///
/// First-use windows (Claude's sessions and weeks) start at a request after the previous window
/// ended and last the window's length; calendar windows are days from midnight in the window's
/// time zone (Gemini's daily caps reset at midnight Pacific), correct on clock-change days.
enum WindowReplay {
    /// The windows with usage, in time order. `samples` must be sorted by time and hold only requests
    /// that count in `window` (right provider and model, no rate-limit refusals).
    static func tallies(_ samples: [PlanUsageSample], window: PlanWindow) -> [WindowTally] {
        var result: [WindowTally] = []
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = window.timeZone
        for sample in samples {
            let amount = sample.amount(window.measure)
            if var last = result.last, sample.timestamp < last.end {
                last.amount += amount
                last.samples += 1
                result[result.count - 1] = last
                continue
            }
            let start: Date
            let end: Date
            switch window.anchor {
            case .firstUse:
                start = sample.timestamp
                end = start.addingTimeInterval(window.length)
            case .calendar:
                start = calendar.startOfDay(for: sample.timestamp)
                end = calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)
            }
            result.append(WindowTally(start: start, end: end, amount: amount, samples: 1))
        }
        return result
    }

    /// The usage of the window containing `instant`, counted up to `instant` (inclusive), or `nil`
    /// when no window with usage contains it.
    static func usage(at instant: Date, _ samples: [PlanUsageSample], window: PlanWindow) -> (WindowTally, Int128)? {
        guard let tally = tallies(samples, window: window)
            .last(where: { $0.start <= instant && instant < $0.end })
        else { return nil }
        let used = samples.filter { $0.timestamp >= tally.start && $0.timestamp <= instant }
            .reduce(Int128(0)) { $0 + $1.amount(window.measure) }
        return (tally, used)
    }
}
