public import Foundation
import Synchronization

/// A pool's configured provisioner, as a store keeps it: the command to run for a new key and
/// what the new key gets (quota, priority). The CLI's `costctl keys provisioner set` writes one;
/// ``target(strategy:)`` turns it into a ``KeyProvisioning/Target``.
///
/// For example:
/// ```swift
/// let setting = ProvisionerSetting(pool: KeyPool(provider: "gemini"), command: "/home/me/bin/new-gemini-key",
///                                  quota: try KeyQuota(requestsPerDay: 1_500, reset: .daily(hour: 0, timeZone: la)))
/// try await settings.setProvisioner(setting)
/// ```
public struct ProvisionerSetting: Sendable, Hashable {
    public var provider: String
    public var project: String?
    /// The executable (an absolute path, or a name looked up in `PATH`).
    public var command: String
    public var arguments: [String]
    public var timeLimit: Duration
    /// The quota and priority of each key it provisions.
    public var quota: KeyQuota
    public var priority: Int
    public var updatedAt: Date

    public init(
        pool: KeyPool, command: String, arguments: [String] = [], timeLimit: Duration = .seconds(120),
        quota: KeyQuota = .unlimited, priority: Int = 0, updatedAt: Date = Date()
    ) {
        provider = pool.provider.lowercased()
        project = pool.project
        self.command = command
        self.arguments = arguments
        self.timeLimit = timeLimit
        self.quota = quota
        self.priority = priority
        self.updatedAt = updatedAt
    }

    /// The pool it provisions for (default strategy).
    public var pool: KeyPool { KeyPool(provider: provider, project: project) }

    /// A ``KeyProvisioning/Target`` that runs the command (``CommandProvisioner``).
    public func target(strategy: SelectionStrategy = .leastUtilized) -> KeyProvisioning.Target {
        KeyProvisioning.Target(
            pool: pool.with { $0.strategy = strategy },
            provisioner: CommandProvisioner(executable: command, arguments: arguments, timeLimit: timeLimit),
            quota: quota, priority: priority)
    }

    /// The setting with its command as an absolute path (a bare name looked up in `PATH`, a
    /// relative path taken from the current directory), checked to be an executable file.
    ///
    /// - throws: ``RotationError`` `.invalidKey` naming the problem.
    public func resolved(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws -> ProvisionerSetting {
        guard !command.isEmpty else { throw RotationError(code: .invalidKey, message: "a provisioner needs a command") }
        guard timeLimit > .zero else {
            throw RotationError(code: .invalidKey, message: "a provisioner's time limit must be positive")
        }
        let manager = FileManager.default
        var copy = self
        if command.contains("/") {
            let absolute = command.hasPrefix("/") ? command : URL(fileURLWithPath: currentDirectory).appendingPathComponent(command).standardized.path
            guard manager.isExecutableFile(atPath: absolute) else {
                throw RotationError(
                    code: .invalidKey,
                    message: "provisioner command '\(command)' is not an executable file (check the path and `chmod +x`)")
            }
            copy.command = absolute
            return copy
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        guard let directory = path.split(separator: ":").first(where: { manager.isExecutableFile(atPath: "\($0)/\(command)") }) else {
            throw RotationError(code: .invalidKey, message: "provisioner command '\(command)' is not found in PATH; give its full path")
        }
        copy.command = "\(directory)/\(command)"
        return copy
    }
}

/// Where provisioner settings are kept (the SQLite store keeps them in the database, so every
/// process that opens it — the CLI, a daemon — uses the same ones).
public protocol ProvisionerSettingsStore: Sendable {
    /// Adds or replaces the setting of its pool.
    func setProvisioner(_ setting: ProvisionerSetting) async throws
    /// Every setting, by pool name.
    func provisioners() async throws -> [ProvisionerSetting]
    /// Removes the setting of the pool named `pool` (`provider` or `provider/project`); `false`
    /// when there was none.
    func removeProvisioner(pool: String) async throws -> Bool
}

/// Provisioner settings in memory (one process, tests).
public final class MemoryProvisionerSettings: ProvisionerSettingsStore {
    private let settings = Mutex<[String: ProvisionerSetting]>([:])

    public init() {}

    public func setProvisioner(_ setting: ProvisionerSetting) async throws {
        settings.withLock { $0[setting.pool.name] = setting }
    }

    public func provisioners() async throws -> [ProvisionerSetting] {
        settings.withLock { $0.values.sorted { $0.pool.name < $1.pool.name } }
    }

    public func removeProvisioner(pool: String) async throws -> Bool {
        settings.withLock { $0.removeValue(forKey: pool) != nil }
    }
}
