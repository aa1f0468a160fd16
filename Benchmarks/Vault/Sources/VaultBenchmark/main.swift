import CostCrypto
import Foundation

// Seal, open and unwrap latencies of the vault, one call at a time: p50 and p99 over ITERATIONS calls.

let iterations = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 100_000

func percentiles(_ label: String, _ samples: [Duration]) {
    let sorted = samples.sorted()
    func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
    let p50 = nanoseconds(sorted[sorted.count / 2])
    let p99 = nanoseconds(sorted[min(sorted.count - 1, sorted.count * 99 / 100)])
    print("\(label): p50 \(p50) ns, p99 \(p99) ns over \(sorted.count) calls")
}

func measure(_ count: Int, _ body: () throws -> Void) rethrows -> [Duration] {
    let clock = ContinuousClock()
    var samples: [Duration] = []
    samples.reserveCapacity(count)
    for _ in 0..<count {
        let start = clock.now
        try body()
        samples.append(clock.now - start)
    }
    return samples
}

let master = try MasterKey.generate()
let (vault, wrapped) = try Vault.create(master: master)
// A typical API key: 114 characters, about the length of an Anthropic key.
let secret = Data(("sk-ant-api03-" + String(repeating: "Xb4mQ9wz7PqLr2Tn8VcK5yHs", count: 4) + "-a1b2").utf8)
let keyID = Data("key-3".utf8)
var sealed = try vault.seal(secret, associatedData: keyID)

print("secret: \(secret.count) bytes, sealed: \(sealed.count) bytes")
percentiles("seal", try measure(iterations) { sealed = try vault.seal(secret, associatedData: keyID) })
percentiles("open", try measure(iterations) { _ = try vault.open(sealed, associatedData: keyID) })
percentiles("unwrap (Vault(master:wrapped:))", try measure(iterations / 10) {
    _ = try Vault(master: master, wrapped: wrapped)
})
