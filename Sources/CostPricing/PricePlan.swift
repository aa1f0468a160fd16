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
    }

    /// Number of steps (the buffers may be larger by one: never empty allocations).
    let count: Int

    /// The buffers without ownership, for the engine's hot path: reading them takes no reference
    /// count. Valid while this plan lives.
    var view: View { View(steps: steps, descendants: descendants, tiers: tiers, count: count, plan: Unmanaged.passUnretained(self)) }

    /// A plan's buffers without ownership (see ``view``); `plan` reaches the rest (lines, other
    /// kinds) on the rare paths that need them.
    // @unchecked Sendable: it points at buffers that are never written after the plan's `init`.
    struct View: @unchecked Sendable {
        let steps: UnsafePointer<Step>
        let descendants: UnsafePointer<Int32>
        let tiers: UnsafePointer<Tier>
        let count: Int
        let plan: Unmanaged<PricePlan>

        init(steps: UnsafeMutablePointer<Step>, descendants: UnsafeMutablePointer<Int32>, tiers: UnsafeMutablePointer<Tier>, count: Int, plan: Unmanaged<PricePlan>) {
            self.steps = UnsafePointer(steps)
            self.descendants = UnsafePointer(descendants)
            self.tiers = UnsafePointer(tiers)
            self.count = count
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
