/// The compiled form of a ``ModelPrice`` that the engine runs: flat buffers of trivial values, so
/// pricing a request copies no strings or dictionaries and takes no reference counts per line.
// @unchecked Sendable: the buffers are allocated and filled in `init`, never written again, and
// freed in `deinit`; every other stored property is an immutable `let` of a Sendable type.
final class PricePlan: @unchecked Sendable {
    struct Step {
        /// 0…9: a stored count of ``Usage`` (see ``Usage/value(code:)``); 255: `otherKinds[otherIndex]`.
        var slot: UInt8
        var otherIndex: Int32
        var descendantsStart: Int32
        var descendantsCount: Int32
        /// The index of the step's ``CostCategory`` in `CostCategory.allCases`.
        var categoryIndex: UInt8
        /// 0: no direction, 1: input, 2: output.
        var direction: UInt8
        /// Where the fast loop sums the step's amount besides its category: 7 (input direction), 8
        /// (output direction) or 9 (no direction), the positions of ``CostBreakdown``'s
        /// `inputTotal`, `outputTotal` and `total` after the seven categories.
        var sumIndex: UInt8
        var isRequests: Bool
        /// Whether `base` and tier rates are per single unit (exact), else per `per` units.
        var exact: Bool
        var per: Int
        var base: Int128
        var tiersStart: Int32
        var tiersCount: Int32
    }

    struct Tier {
        var start: Int
        var rate: Int128
    }

    let lines: [ModelPrice.Line]
    let hasTiers: Bool
    let otherKinds: [UsageKind]
    /// Steps in decomposition order (most specific unit first); `count` of them.
    let steps: UnsafeMutablePointer<Step>
    /// Indices of each step's descendants, `descendantsStart ..< descendantsStart + descendantsCount`.
    let descendants: UnsafeMutablePointer<Int32>
    let tiers: UnsafeMutablePointer<Tier>

    init(lines: [ModelPrice.Line]) {
        var steps: [Step] = []
        var descendants: [Int32] = []
        var tiers: [Tier] = []
        var otherKinds: [UsageKind] = []
        for line in lines {
            let per = Int128(line.unit.per)
            let rates = [line.value.base.units] + line.value.tiers.map(\.price.units)
            let exact = rates.allSatisfy { $0 % per == 0 }
            let slot = Usage.slotCode(line.unit.kind)
            var otherIndex: Int32 = -1
            if slot == 255 {
                otherIndex = Int32(otherKinds.count)
                otherKinds.append(line.unit.kind)
            }
            steps.append(
                Step(
                    slot: slot, otherIndex: otherIndex, descendantsStart: Int32(descendants.count),
                    descendantsCount: Int32(line.descendants.count), categoryIndex: line.category.index,
                    direction: line.unit.direction == "input" ? 1 : line.unit.direction == "output" ? 2 : 0,
                    sumIndex: line.unit.direction == "input" ? 7 : line.unit.direction == "output" ? 8 : 9,
                    isRequests: line.unit.kind == .requests, exact: exact, per: line.unit.per,
                    base: exact ? rates[0] / per : rates[0], tiersStart: Int32(tiers.count),
                    tiersCount: Int32(line.value.tiers.count)))
            descendants += line.descendants.map(Int32.init)
            for t in line.value.tiers {
                tiers.append(Tier(start: t.start, rate: exact ? t.price.units / per : t.price.units))
            }
        }
        self.lines = lines
        self.hasTiers = lines.contains { $0.value.isTiered }
        self.otherKinds = otherKinds
        self.steps = .allocate(capacity: max(1, steps.count))
        self.steps.initialize(from: steps, count: steps.count)
        self.descendants = .allocate(capacity: max(1, descendants.count))
        self.descendants.initialize(from: descendants, count: descendants.count)
        self.tiers = .allocate(capacity: max(1, tiers.count))
        self.tiers.initialize(from: tiers, count: tiers.count)
        count = steps.count
        isFastSafe = PricePlan.isFastSafe(steps: steps, tiers: tiers)
    }

    /// Number of steps (the buffers may be larger by one: never empty allocations).
    let count: Int

    /// The plan of a price with no lines: the engine prices unpriced requests with it (every amount
    /// zero), so that all its paths build the breakdown in one place.
    static let empty = PricePlan(lines: [])

    /// Whether the engine may price this plan without overflow checks (`CostEngine.compute`'s fast
    /// loop): at most ``fastMaxSteps`` steps, each billed per single unit (exact), no requests
    /// step with parts, and every rate (base and tiers) in 0 ..< 2^(63 - b), where 2^b ≥ `count`.
    /// A count is at most 2^63 in magnitude, so each amount is below 2^(126 - b) and any sum of
    /// the plan's amounts (a category, a direction, the total) below 2^126: nothing can overflow.
    let isFastSafe: Bool

    /// The most steps the fast loop takes (its leaf counts live in a fixed stack buffer).
    static let fastMaxSteps = 32

    private static func isFastSafe(steps: [Step], tiers: [Tier]) -> Bool {
        guard steps.count <= fastMaxSteps else { return false }
        let b = Int.bitWidth - (max(steps.count, 1) - 1).leadingZeroBitCount
        let bound = Int128(1) << (63 - b)
        return steps.allSatisfy { step in
            guard step.exact, step.base >= 0, step.base < bound, !(step.isRequests && step.descendantsCount > 0) else {
                return false
            }
            let range = Int(step.tiersStart)..<Int(step.tiersStart + step.tiersCount)
            return tiers[range].allSatisfy { $0.rate >= 0 && $0.rate < bound }
        }
    }

    /// The buffers without ownership, for the engine's hot path: reading them takes no reference
    /// count. Valid while this plan lives.
    var view: View {
        View(
            steps: steps, descendants: descendants, tiers: tiers, count: count, isFastSafe: isFastSafe,
            plan: Unmanaged.passUnretained(self))
    }

    /// A plan's buffers without ownership (see ``view``); `plan` reaches the rest (lines, other
    /// kinds) on the rare paths that need them.
    // @unchecked Sendable: it points at buffers that are never written after the plan's `init`.
    struct View: @unchecked Sendable {
        let steps: UnsafePointer<Step>
        let descendants: UnsafePointer<Int32>
        let tiers: UnsafePointer<Tier>
        let count: Int
        let isFastSafe: Bool
        let plan: Unmanaged<PricePlan>

        /// The rate of `step` for a request of `inputTokens` input tokens: the rate of the last tier
        /// whose start the request passes, else the base rate (tiers are in ascending order).
        @inline(__always)
        func rate(of step: UnsafePointer<Step>, inputTokens: Int) -> Int128 {
            var t = Int(step.pointee.tiersStart + step.pointee.tiersCount) - 1
            while t >= Int(step.pointee.tiersStart) {
                if inputTokens > tiers[t].start { return tiers[t].rate }
                t -= 1
            }
            return step.pointee.base
        }

        init(
            steps: UnsafeMutablePointer<Step>, descendants: UnsafeMutablePointer<Int32>, tiers: UnsafeMutablePointer<Tier>,
            count: Int, isFastSafe: Bool, plan: Unmanaged<PricePlan>
        ) {
            self.steps = UnsafePointer(steps)
            self.descendants = UnsafePointer(descendants)
            self.tiers = UnsafePointer(tiers)
            self.count = count
            self.isFastSafe = isFastSafe
            self.plan = plan
        }
    }

    deinit {
        steps.deinitialize(count: count)
        steps.deallocate()
        descendants.deallocate()
        tiers.deallocate()
    }
}

extension Usage {
    /// The fixed slot of a kind (0…9), or 255 for kinds kept in ``other``.
    static func slotCode(_ kind: UsageKind) -> UInt8 {
        switch kind.rawValue {
        case "input_tokens": 0
        case "output_tokens": 1
        case "cache_read_tokens": 2
        case "cache_write_tokens": 3
        case "cache_write_5m_tokens": 4
        case "cache_write_1h_tokens": 5
        case "output_reasoning_tokens": 6
        case "input_audio_tokens": 7
        case "output_audio_tokens": 8
        case "requests": 9
        default: 255
        }
    }

    @inline(__always)
    func value(code: UInt8) -> Int {
        switch code {
        case 0: inputTokens
        case 1: outputTokens
        case 2: cacheReadTokens
        case 3: cacheWriteTokens
        case 4: cacheWrite5mTokens
        case 5: cacheWrite1hTokens
        case 6: reasoningTokens
        case 7: inputAudioTokens
        case 8: outputAudioTokens
        case 9: requests
        default: 0
        }
    }
}

extension CostCategory {
    /// The position in `allCases` (the order of ``CostBreakdown``'s amounts).
    var index: UInt8 {
        switch self {
        case .input: 0
        case .cacheRead: 1
        case .cacheWrite: 2
        case .output: 3
        case .reasoning: 4
        case .units: 5
        case .fees: 6
        }
    }
}
