public import CostBudget
import CostPricing
public import Foundation

/// A budget as people write it on a command line or in a config file: words for the scope,
/// the period and the ladder, turned into a ``Budget`` with messages that say what to type instead.
///
/// For example:
/// ```swift
/// var definition = BudgetDefinition(name: "growth", limit: "500")
/// definition.scope = "team=growth"
/// definition.period = "monthly"
/// definition.profile = "premium"
/// let budget = try definition.budget(timeZone: TimeZone(identifier: "Europe/Berlin")!)
/// ```
public struct BudgetDefinition: Sendable, Hashable {
    public var name: String
    /// `global`, `org=ID`, `team=ID`, `user=ID`, `project=ID`, `key=ID`, or `tag:KEY=VALUE`.
    public var scope: String = "global"
    /// Only requests to this provider, when set.
    public var provider: String?
    /// Only requests for this model id, when set.
    public var model: String?
    /// A dollar limit (`500`, `$0.50`); exactly one of ``limit``, ``tokens`` and ``requests``.
    public var limit: String?
    /// A token limit (input, cache reads and writes included, plus output).
    public var tokens: Int?
    /// A request-count limit.
    public var requests: Int?
    /// `daily`, `weekly`, `monthly`, `quarterly`, `yearly`, a rolling window (`24h`, `7d`,
    /// `rolling-24h`), or a range of dates `2026-11-01..2026-11-30` (both days included).
    public var period: String = "monthly"
    /// The first day of a weekly period: 1 = Sunday … 7 = Saturday.
    public var firstWeekday: Int = 2
    /// `standard`, `free`, `premium` or `enterprise`.
    public var profile: String = "standard"
    /// Thresholds laid over the profile: `hard-stop=150`, `throttling=92.5`.
    public var thresholds: [String] = []
    /// Levels switched off: `throttling`, `model-downgrade`, ….
    public var disabledLevels: [String] = []
    /// The throttling level's rate: `N/s`, `N/min` or `N/h`, optionally `,burst=B` (`10/min,burst=3`).
    public var throttle: String?
    /// What a deferred request is told to wait, in seconds.
    public var queueRetryAfterSeconds: Int = 60

    public init(name: String, limit: String? = nil) {
        self.name = name
        self.limit = limit
    }

    /// The budget, with calendar periods and date ranges read in `timeZone`.
    ///
    /// - throws: ``ControlError`` `.invalidInput` naming the bad part and what would be accepted.
    public func budget(timeZone: TimeZone) throws -> Budget {
        let subject = try Self.subject(scope)
        let limit = try budgetLimit()
        let period = try Self.period(period, timeZone: timeZone, firstWeekday: firstWeekday)
        var ladder = try Self.profile(named: profile)
        for item in thresholds {
            let (level, threshold) = try Self.threshold(item)
            do {
                ladder = try ladder.setting(level, to: threshold)
            } catch let error as BudgetError {
                throw ControlError(code: .invalidInput, message: "--threshold \(item): \(error.message)")
            }
        }
        if !disabledLevels.isEmpty {
            ladder = ladder.disabling(Set(try disabledLevels.map { try Self.level($0) }))
        }
        let rate = try throttle.map(Self.throttleRate) ?? .default
        guard queueRetryAfterSeconds > 0 else {
            throw ControlError(code: .invalidInput, message: "the queue retry delay must be at least 1 second, not \(queueRetryAfterSeconds)")
        }
        do {
            return try Budget(
                name: name, scope: BudgetScope(subject, provider: provider.flatMap(Self.nonEmpty), model: model.flatMap(Self.nonEmpty)),
                limit: limit, period: period, profile: ladder, throttle: rate, queueRetryAfter: .seconds(queueRetryAfterSeconds))
        } catch let error as BudgetError {
            throw ControlError(code: .invalidInput, message: error.message)
        }
    }

    private static func nonEmpty(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    private func budgetLimit() throws -> BudgetLimit {
        let given = [limit != nil, tokens != nil, requests != nil].filter { $0 }.count
        guard given == 1 else {
            throw ControlError(
                code: .invalidInput,
                message: given == 0
                    ? "budget '\(name)' needs a limit: dollars (--limit 500), tokens (--tokens 2000000) or requests (--requests 10000)"
                    : "budget '\(name)' takes one limit: dollars, tokens or requests, not several")
        }
        if let tokens {
            guard tokens > 0 else { throw ControlError(code: .invalidInput, message: "the token limit must be positive, not \(tokens)") }
            return .tokens(tokens)
        }
        if let requests {
            guard requests > 0 else { throw ControlError(code: .invalidInput, message: "the request limit must be positive, not \(requests)") }
            return .requests(requests)
        }
        let text = limit ?? ""
        guard let amount = Money(text), !amount.isNegative, amount != .zero else {
            throw ControlError(code: .invalidInput, message: "the limit '\(text)' is not a positive dollar amount (examples: 500, $0.50)")
        }
        return .money(amount)
    }

    /// Parses a scope: `global`, `org=ID`, `team=ID`, `user=ID`, `project=ID`, `key=ID`, `tag:KEY=VALUE`.
    public static func subject(_ text: String) throws -> BudgetScope.Subject {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "global" { return .global }
        let example = "use global, org=ID, team=ID, user=ID, project=ID, key=ID or tag:KEY=VALUE"
        if trimmed.lowercased().hasPrefix("tag:") || trimmed.lowercased().hasPrefix("tag.") {
            let rest = trimmed.dropFirst(4)
            guard let equals = rest.firstIndex(of: "="), equals != rest.startIndex, rest.index(after: equals) != rest.endIndex else {
                throw ControlError(code: .invalidInput, message: "scope '\(text)': a tag scope is tag:KEY=VALUE (example: tag:env=prod)")
            }
            return .tag(key: String(rest[..<equals]), value: String(rest[rest.index(after: equals)...]))
        }
        guard let equals = trimmed.firstIndex(of: "=") else {
            throw ControlError(code: .invalidInput, message: "scope '\(text)' is not known; \(example)")
        }
        let kind = trimmed[..<equals].lowercased()
        let value = String(trimmed[trimmed.index(after: equals)...])
        guard !value.isEmpty else { throw ControlError(code: .invalidInput, message: "scope '\(text)' has no value; \(example)") }
        switch kind {
        case "org": return .org(value)
        case "team": return .team(value)
        case "user": return .user(value)
        case "project": return .project(value)
        case "key", "key_id", "key-id": return .key(value)
        default:
            throw ControlError(
                code: .invalidInput,
                message: "scope '\(text)': '\(kind)' is not a scope; \(example)" + Suggest.didYouMean(kind, in: ["org", "team", "user", "project", "key"]))
        }
    }

    /// Parses a period word (see ``period``).
    public static func period(_ text: String, timeZone: TimeZone, firstWeekday: Int = 2) throws -> BudgetPeriod {
        let word = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch word {
        case "daily", "day": return .daily(in: timeZone)
        case "weekly", "week": return .weekly(in: timeZone, firstWeekday: firstWeekday)
        case "monthly", "month": return .monthly(in: timeZone)
        case "quarterly", "quarter": return .quarterly(in: timeZone)
        case "yearly", "year", "annual": return .yearly(in: timeZone)
        default: break
        }
        var rolling = Substring(word)
        if rolling.hasPrefix("rolling-") || rolling.hasPrefix("rolling:") { rolling = rolling.dropFirst(8) }
        if let unit = rolling.last, unit == "h" || unit == "d", let n = Int(rolling.dropLast()) {
            guard n > 0, n <= 36_500 else {
                throw ControlError(code: .invalidInput, message: "period '\(text)': a rolling window is 1h to 36500d")
            }
            return unit == "h" ? .rolling(hours: n) : .rolling(days: n)
        }
        if let dots = word.range(of: "..") {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            func midnight(_ day: CivilDate?) -> Date? {
                day.flatMap { calendar.date(from: DateComponents(year: $0.year, month: $0.month, day: $0.day)) }
            }
            guard let start = midnight(CivilDate(word[..<dots.lowerBound])), let lastMidnight = midnight(CivilDate(word[dots.upperBound...]))
            else {
                throw ControlError(code: .invalidInput, message: "period '\(text)': a date range is FIRST..LAST (example: 2026-11-01..2026-11-30)")
            }
            let end = LocalTime(timeZone).nextBucketStart(.day, after: lastMidnight)
            guard end > start else {
                throw ControlError(code: .invalidInput, message: "period '\(text)': the last day is before the first")
            }
            return .custom(start: start, end: end)
        }
        throw ControlError(
            code: .invalidInput,
            message: "period '\(text)' is not known; use daily, weekly, monthly, quarterly, yearly, a rolling window (24h, 7d) or a date range (2026-11-01..2026-11-30)")
    }

    /// A named ladder profile.
    public static func profile(named name: String) throws -> LadderProfile {
        let key = name.trimmingCharacters(in: .whitespaces).lowercased()
        if let profile = LadderProfile.named[key] { return profile }
        throw ControlError(
            code: .invalidInput,
            message: "profile '\(name)' is not known; use standard, free, premium or enterprise" + Suggest.didYouMean(key, in: LadderProfile.named.keys.sorted()))
    }

    /// A ladder level by its name (`warning`, `model-downgrade`, …; `downgrade`, `switch`, `queue` also work).
    public static func level(_ text: String) throws -> LadderLevel {
        let key = text.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: "-")
        let aliases: [String: LadderLevel] = [
            "downgrade": .modelDowngrade, "switch": .providerSwitch, "queue": .requestQueue, "stop": .hardStop, "hardstop": .hardStop,
            "throttle": .throttling, "notify": .notification, "warn": .warning,
        ]
        if let level = LadderLevel.allCases.first(where: { $0.description == key }) ?? aliases[key] { return level }
        let names = LadderLevel.allCases.map(\.description)
        throw ControlError(
            code: .invalidInput,
            message: "'\(text)' is not a ladder level; use " + names.joined(separator: ", ") + Suggest.didYouMean(key, in: names))
    }

    /// `LEVEL=PERCENT` (`hard-stop=150`, `throttling=92.5%`).
    static func threshold(_ text: String) throws -> (LadderLevel, Threshold) {
        guard let equals = text.firstIndex(of: "=") else {
            throw ControlError(code: .invalidInput, message: "threshold '\(text)' is not LEVEL=PERCENT (example: hard-stop=150)")
        }
        let level = try level(String(text[..<equals]))
        var number = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        if number.hasSuffix("%") { number.removeLast() }
        // basis points, exactly: at most two decimals
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int(parts[0]), whole >= 0,
            parts.count == 1 || (parts[1].count <= 2 && !parts[1].isEmpty && parts[1].allSatisfy(\.isNumber))
        else {
            throw ControlError(code: .invalidInput, message: "threshold '\(text)': the percent must be a number with at most two decimals (example: 92.5)")
        }
        var fraction = parts.count == 2 ? String(parts[1]) : "0"
        while fraction.count < 2 { fraction += "0" }
        let basisPoints = BudgetPeriodMath.clamped(whole, times: 100) + (Int(fraction) ?? 0)
        guard basisPoints > 0, basisPoints <= Threshold.maxBasisPoints else {
            throw ControlError(code: .invalidInput, message: "threshold '\(text)': must be above 0% and at most 1000%")
        }
        return (level, Threshold(basisPoints: basisPoints))
    }

    /// `N/s`, `N/min`, `N/h`, with an optional `,burst=B`.
    static func throttleRate(_ text: String) throws -> ThrottleRate {
        let example = "use N/s, N/min or N/h, optionally with ,burst=B (example: 10/min,burst=3)"
        let parts = text.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let ratePart = parts.first, let slash = ratePart.firstIndex(of: "/"), let count = Int(ratePart[..<slash]), count > 0 else {
            throw ControlError(code: .invalidInput, message: "throttle '\(text)': \(example)")
        }
        let interval: Duration
        switch ratePart[ratePart.index(after: slash)...] {
        case "s", "sec", "second": interval = .seconds(1)
        case "m", "min", "minute": interval = .seconds(60)
        case "h", "hour": interval = .seconds(3600)
        default: throw ControlError(code: .invalidInput, message: "throttle '\(text)': \(example)")
        }
        var burst = max(1, count)
        for extra in parts.dropFirst() {
            guard extra.hasPrefix("burst="), let b = Int(extra.dropFirst(6)), b > 0 else {
                throw ControlError(code: .invalidInput, message: "throttle '\(text)': \(example)")
            }
            burst = b
        }
        return ThrottleRate(requests: count, per: interval, burst: burst)
    }
}

/// Overflow-safe products for parsing.
enum BudgetPeriodMath {
    static func clamped(_ a: Int, times b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : product
    }
}
