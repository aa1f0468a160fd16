import CostPricing
import Foundation
import Synchronization
import Testing

@testable import CostRotation

/// A clock the tests move by hand.
final class TestClock: Sendable {
    private let value: Mutex<Date>

    init(_ start: Date) { value = Mutex(start) }

    var now: Date { value.withLock { $0 } }
    func advance(by seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
    func set(_ date: Date) { value.withLock { $0 = date } }
    var function: @Sendable () -> Date { { [self] in self.now } }
}

/// Random numbers the tests choose: a fixed value, or an even sweep of [0, 1) in `count` steps.
final class TestRandom: Sendable {
    private let counter = Mutex(0)
    private let fixed: Double?
    private let count: Int

    init(fixed: Double) {
        self.fixed = fixed
        count = 1
    }

    init(sweep count: Int) {
        fixed = nil
        self.count = count
    }

    func next() -> Double {
        if let fixed { return fixed }
        let index = counter.withLock { value -> Int in
            defer { value += 1 }
            return value
        }
        return (Double(index % count) + 0.5) / Double(count)
    }

    var function: @Sendable () -> Double { { [self] in self.next() } }
}

/// TEST ONLY, NOT ENCRYPTION: reverses the bytes and XORs them with the associated data, so that
/// the sealed form differs from the secret and opening with another key id gives other bytes.
/// The real sealer is CostCrypto's vault.
struct TestOnlyReversingSealer: SecretSealer {
    func seal(_ plaintext: Data, associatedData: Data) throws -> Data { transform(Data(plaintext.reversed()), associatedData) }

    func open(_ sealed: Data, associatedData: Data) throws -> Data { Data(transform(sealed, associatedData).reversed()) }

    private func transform(_ data: Data, _ associatedData: Data) -> Data {
        guard !associatedData.isEmpty else { return data }
        let mask = Array(associatedData)
        return Data(data.enumerated().map { $0.element ^ mask[$0.offset % mask.count] })
    }
}

enum Fixture {
    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    static func zone(_ id: String) -> TimeZone { TimeZone(identifier: id)! }

    static func money(_ text: String) -> Money { Money(text)! }

    static let sealer = TestOnlyReversingSealer()

    /// A key whose secret is `secret-<id>`, sealed with the test sealer.
    static func key(
        _ id: String, provider: String = "anthropic", project: String? = nil, quota: KeyQuota = .unlimited,
        priority: Int = 0, at: Date = date("2026-11-01T00:00:00Z")
    ) throws -> APIKey {
        let sealed = try sealer.seal(Data("secret-\(id)".utf8), associatedData: Data(id.utf8))
        return try APIKey(
            id: id, provider: provider, project: project, label: "label-\(id)", sealedSecret: sealed,
            fingerprint: "sk-…\(id)", createdAt: at, quota: quota, priority: priority)
    }

    static func store(_ keys: [APIKey], clock: TestClock, random: TestRandom = TestRandom(fixed: 0.5)) async throws
        -> MemoryKeyStore
    {
        let store = MemoryKeyStore(now: clock.function, random: random.function)
        for key in keys { try await store.addKey(key, actor: "test") }
        return store
    }
}

/// A temporary directory of executable /bin/sh scripts (removed when released).
final class ScriptDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-scripts-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `body` after a `#!/bin/sh` line as `name`, executable; returns its path.
    func script(_ name: String, _ body: String) throws -> String {
        let file = "\(path)/\(name)"
        // O_CLOEXEC: a process another test spawns meanwhile must not inherit the write end (which
        // would make running the script fail with ETXTBSY)
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        let bytes = Array("#!/bin/sh\n\(body)\n".utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file)
        return file
    }

    /// A file in the directory.
    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// The lines of a file in the directory (none when it does not exist).
    func lines(of name: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: file(name)) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// Collects the events an alert sink receives.
final class EventLog: Sendable {
    private let events = Mutex<[KeyEvent]>([])

    var all: [KeyEvent] { events.withLock { $0 } }
    var sink: @Sendable (KeyEvent) async -> Void { { [self] event in self.events.withLock { $0.append(event) } } }
}
