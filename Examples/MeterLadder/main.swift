// Embeds the Meter in a small program that calls a fake provider, and shows every level of the
// budget ladder being hit as spend grows: warning, notification, throttling (with a wait), model
// downgrade, provider switch, request queue, emergency and hard stop — with the alerts the
// monitor sent and the budget's projection at the end.
//
//   swift run meter-ladder
//
// The walk itself is `LadderDemo` in CostControl (its test runs the same scenario); this file
// only prints it. The clock is simulated, so the output is the same on every run.
import CostControl
import Foundation

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func percent(_ share: Double) -> String {
    String(format: "%.1f%%", share * 100)
}

do {
    let walk = try await LadderDemo().run()
    let budget = walk.budget
    print("budget '\(budget.name)': \(budget.limit) per month for \(budget.scope), \(budget.profile.name) ladder")
    print("  " + budget.profile.enabledLevels.map { "\($0.level) \($0.threshold)" }.joined(separator: ", "))
    print("fake provider: acme/acme-large asked for every call; acme-small and globex/globex-chat share its class")
    print("")
    let header = [
        pad("#", 3), pad("priority", 10), pad("estimate", 9), pad("level", 16), pad("action", 44), pad("model used", 19),
        pad("cost", 7), pad("spent", 7), "used",
    ]
    print(header.joined(separator: " "))
    for call in walk.calls {
        let action = call.action.description.count > 44 ? String(call.action.description.prefix(43)) + "…" : call.action.description
        let columns = [
            pad("\(call.number)", 3), pad(call.priority.rawValue, 10), pad(call.estimate.description, 9),
            pad(call.level?.description ?? "-", 16), pad(action, 44), pad(call.modelUsed ?? "(not called)", 19),
            pad(call.cost?.description ?? "-", 7), pad(call.spentAfter.description, 7), percent(call.utilizationAfter),
        ]
        print(columns.joined(separator: " ") + (call.note.isEmpty ? "" : "  — \(call.note)"))
    }
    print("")
    print("alerts sent (once per level per period; a level reached only by a request's estimate, not by spend, sends none):")
    for alert in walk.alerts {
        print("  [\(alert.severity)] \(alert.message)")
    }
    print("")
    print("projection: \(walk.projection.summary)")
} catch {
    FileHandle.standardError.write(Data("meter-ladder: \(error)\n".utf8))
    exit(1)
}
