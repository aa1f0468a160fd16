import Synchronization

/// The breakdown contexts of catalog prices, one per distinct (model identity, price) content, kept
/// for the life of the process, so that a ``CostBreakdown`` can refer to one without a reference
/// count (see ``CostBreakdown/owner``).
///
/// Only ``ResolvedModel`` interns, once per price of each model it resolves: the table grows with
/// the distinct prices resolved, never with requests. A catalog built again with the same content
/// (a reload, or a test that builds catalogs in a loop) finds the contexts already there; a reload
/// that changes prices adds one context per changed price resolved afterwards. Contexts whose
/// content comes from requests (unknown model ids, service-tier variants, explicit prices) are not
/// interned: their breakdowns own them.
///
/// Content is compared by the price's lines (unit definitions included, so two registries that
/// give a price key different units never share a context) and the identity's three strings.
enum InternedContexts {
    /// Interned contexts by a 64-bit fingerprint of their content (a bucket per fingerprint, almost
    /// always of one), each with its price's plan; and the same entries by the plan object they
    /// hold, for the common case of a catalog price resolved again (by another id). The second
    /// table is keyed only by plans that interned contexts hold (for ever), so an
    /// `ObjectIdentifier` found there can only name that very plan.
    private struct State {
        var byContent: [UInt64: [ResolvedModel.Prepared]] = [:]
        var byPlan: [ObjectIdentifier: ResolvedModel.Prepared] = [:]
    }

    private static let state = Mutex(State())

    /// The interned context for `model` priced at `price`, valid for the life of the process, with
    /// the plan of the price it holds (equal to `price`'s plan).
    static func prepared(model: ModelIdentity, price: ModelPrice) -> ResolvedModel.Prepared {
        let plan = ObjectIdentifier(price.plan)
        let lines = price.lines
        let fingerprint = fingerprint(model, lines)
        return state.withLock { state in
            if let known = state.byPlan[plan], known.context._withUnsafeGuaranteedRef({ $0.model == model }) {
                return known
            }
            let bucket = state.byContent[fingerprint] ?? []
            for candidate in bucket {
                let equal = candidate.context._withUnsafeGuaranteedRef { $0.model == model && $0.price?.lines == lines }
                if equal { return candidate }
            }
            let context = CostBreakdown.Context(model: model, price: price, unpricedReason: nil)
            // retained once, never released: the context (so its price and plan) lives on
            let prepared = ResolvedModel.Prepared(context: Unmanaged.passRetained(context), plan: price.plan.view)
            state.byContent[fingerprint] = bucket + [prepared]
            if state.byPlan[plan] == nil { state.byPlan[plan] = prepared }
            return prepared
        }
    }

    /// The identity's strings and each line's key and rates (equal content, equal fingerprint),
    /// with the lookup cache's byte hash: cheaper than `Hasher` over the same strings.
    private static func fingerprint(_ model: ModelIdentity, _ lines: [ModelPrice.Line]) -> UInt64 {
        var h = LookupCache.hash(model: model.model, provider: model.provider)
        h = mix(h, LookupCache.hash(model: model.source, provider: nil))
        for line in lines {
            h = mix(h, LookupCache.hash(model: line.unit.priceKey, provider: nil))
            h = mix(h, UInt64(truncatingIfNeeded: line.value.base.units))
            h = mix(h, UInt64(truncatingIfNeeded: line.value.base.units >> 64))
            h = mix(h, UInt64(line.value.tiers.count))
        }
        return h
    }

    private static func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
        let x = (h ^ v) &* 0xBF58_476D_1CE4_E5B9
        return x ^ (x >> 31)
    }
}
