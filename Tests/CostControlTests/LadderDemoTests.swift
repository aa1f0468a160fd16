import CostBudget
import CostControl
import Foundation
import Testing

/// The `meter-ladder` example's scenario, through the library: every level is reached in order,
/// with the action its rule gives.
@Suite("LadderDemo")
struct LadderDemoTests {
    @Test("the walk reaches every level of the ladder in order, with the right action and model")
    func walk() async throws {
        let walk = try await LadderDemo().run()
        let calls = walk.calls
        #expect(calls.map(\.level) == [
            nil, .warning, .notification, .throttling, .throttling, .throttling, .modelDowngrade, .providerSwitch,
            .requestQueue, .requestQueue, .emergency, .emergency, .hardStop,
        ])
        // every level appears, and never a lower one after a higher one
        let levels = calls.compactMap(\.level)
        #expect(Set(levels) == Set(LadderLevel.allCases) && levels == levels.sorted())
        #expect(calls.map(\.passed) == [true, true, true, true, false, true, true, true, false, true, false, true, false])
        #expect(calls[4].action == .throttle(wait: .seconds(2)) && calls[5].action == .throttle(wait: .zero))
        #expect(calls[6].modelUsed == "acme/acme-small" && calls[6].cost == Money("0.01"))
        #expect(calls[7].modelUsed == "globex/globex-chat" && calls[7].cost == Money("0.035"))
        #expect(calls[8].priority == .background && calls[8].action == .queue(retryAfter: .seconds(60)))
        #expect(calls[9].priority == .normal && calls[9].action == .allowAndAlert)
        #expect(calls[10].priority == .normal && calls[10].action == .reject(retryAt: Date(timeIntervalSince1970: 1_775_001_600)))
        #expect(calls[11].priority == .critical && calls[11].passed)
        #expect(calls[12].priority == .critical && !calls[12].passed)
        #expect(calls.last?.spentAfter == Money("1.055"))
        // alerts follow the budget's spend (a level a refused or rerouted request reached by its
        // estimate alone sends none)
        #expect(walk.alerts.map(\.level) == [.warning, .notification, .throttling, .modelDowngrade, .requestQueue, .emergency])
        #expect(walk.projection.isExhausted && !walk.projection.isOnTrack)
        // $1.055 between midnight and 12:00:02: a rate of $1.055 × 86,400 / 43,202 a day
        #expect(walk.projection.burnRatePerDay == Money("1.055")!.units * 86_400 / 43_202)
    }
}
