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
    private struct Key: Hashable {
        let model: ModelIdentity
        let lines: [ModelPrice.Line]

        static func == (a: Key, b: Key) -> Bool { a.model == b.model && a.lines == b.lines }

        /// The identity and each line's key and rates: enough to tell prices apart, and cheaper
        /// than hashing every unit's dimensions (equal keys have equal lines, so equal hashes).
        func hash(into hasher: inout Hasher) {
            hasher.combine(model)
            hasher.combine(lines.count)
            for line in lines {
                hasher.combine(line.unit.priceKey)
                hasher.combine(line.value.base)
                hasher.combine(line.value.tiers.count)
            }
        }
    }

    /// Interned contexts by content, each with its price's plan.
    private static let table = Mutex<[Key: ResolvedModel.Prepared]>([:])

    /// The interned context for `model` priced at `price`, valid for the life of the process, with
    /// the plan of the price it holds (equal to `price`'s plan).
    static func prepared(model: ModelIdentity, price: ModelPrice) -> ResolvedModel.Prepared {
        let key = Key(model: model, lines: price.lines)
        return table.withLock { table in
            if let existing = table[key] { return existing }
            let context = CostBreakdown.Context(model: model, price: price, unpricedReason: nil)
            // retained once, never released: the context (so its price and plan) lives on
            let prepared = ResolvedModel.Prepared(context: Unmanaged.passRetained(context), plan: price.plan.view)
            table[key] = prepared
            return prepared
        }
    }
}
