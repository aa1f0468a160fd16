import CostBudget
package import Foundation

/// A ``KeyProvisioner`` that runs a command the user configured (their own script that signs up
/// or opens a console and creates a key) and reads the new key from its standard output.
///
/// The contract (Documentation/Rotation.md, "Provisioning"):
/// - standard input is empty (`/dev/null`); the environment is the caller's, without
///   `COSTCTL_MASTER_KEY`, plus `COSTCTL_PROVIDER`, `COSTCTL_POOL`, `COSTCTL_PROJECT` (when the pool
///   has one) and `COSTCTL_TIME_LIMIT` (seconds);
/// - standard output: the key on the first non-empty line (surrounding whitespace trimmed),
///   optionally a later line `label: NAME`; other lines are ignored;
/// - exit status 0 on success; anything else is a failure (standard error explains it);
/// - a time limit (120 s by default): then SIGTERM to the command's process group, and SIGKILL
///   after ``terminationGrace``.
///
/// The key is checked with ``KeyShape`` for the pool's provider. It is never logged: errors carry
/// the exit status and an excerpt of standard error in which anything that is or contains the
/// key (or a piece of it of 8 characters or more) is replaced by its mask, and never standard
/// output.
///
/// For example:
/// ```swift
/// let provisioner = CommandProvisioner(executable: "/home/me/bin/new-gemini-key", timeLimit: .seconds(300))
/// let provisioned = try await provisioner.provisionKey(for: KeyPool(provider: "gemini"))
/// ```
public struct CommandProvisioner: KeyProvisioner, Hashable {
    /// The command's path (absolute, or relative to the working directory).
    public var executable: String
    public var arguments: [String]
    /// How long the command may run before it is terminated.
    public var timeLimit: Duration
    /// How long after SIGTERM the command's process group gets SIGKILL.
    public var terminationGrace: Duration = .seconds(5)
    /// Variables added to the command's environment (after the `COSTCTL_` ones, so they win).
    public var environment: [String: String] = [:]

    /// The most standard output read (the rest is drained and dropped) and the most standard
    /// error kept (its end): 64 KiB each.
    public static let maximumOutput = 64 * 1_024

    /// Variables of the caller's environment the command does not get.
    public static let withheldVariables: Set<String> = ["COSTCTL_MASTER_KEY"]

    public init(executable: String, arguments: [String] = [], timeLimit: Duration = .seconds(120)) {
        self.executable = executable
        self.arguments = arguments
        self.timeLimit = timeLimit
    }

    public func with(_ change: (inout CommandProvisioner) -> Void) -> CommandProvisioner {
        var copy = self
        change(&copy)
        return copy
    }

    /// Runs the command for `pool` and returns the key it printed.
    ///
    /// - throws: ``RotationError`` `.provisionerUnavailable` (not found or not executable),
    ///   `.provisionerFailed` (non-zero exit or a signal), `.provisionerTimedOut`,
    ///   `.provisionerNoKey` (nothing on standard output), `.provisionerBadKey` (not the shape of
    ///   the provider's keys); `CancellationError` when the task is cancelled (the command is
    ///   terminated).
    public func provisionKey(for pool: KeyPool) async throws -> ProvisionedKey {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw RotationError(
                code: .provisionerUnavailable,
                message: "provisioner '\(executable)' does not exist or is not executable; check the path and its permissions (chmod +x)")
        }
        let run = try await CommandRun.start(
            executable: executable, arguments: arguments, environment: environment(for: pool),
            timeLimit: timeLimit, grace: terminationGrace, outputLimit: Self.maximumOutput)
        return try interpret(run, pool: pool)
    }

    /// The command's environment for `pool`.
    package func environment(for pool: KeyPool) -> [String: String] {
        var variables = ProcessInfo.processInfo.environment.filter { !Self.withheldVariables.contains($0.key) }
        variables["COSTCTL_PROVIDER"] = pool.provider
        variables["COSTCTL_POOL"] = pool.name
        variables["COSTCTL_PROJECT"] = pool.project
        variables["COSTCTL_TIME_LIMIT"] = String(Int(timeLimit.seconds.rounded(.up)))
        variables.merge(environment) { $1 }
        return variables
    }

    // MARK: - Reading the result

    /// The key and label of a finished run, or the error that says why there is none.
    package func interpret(_ run: CommandRun.Result, pool: KeyPool) throws -> ProvisionedKey {
        let output = ProvisionerOutput(run.standardOutput)
        let name = "provisioner '\(executable)'"
        func excerpt() -> String { output.scrubbedExcerpt(of: run.standardError) }
        if run.timedOut {
            throw RotationError(
                code: .provisionerTimedOut,
                message: "\(name) timed out: it did not finish within \(format(timeLimit)) and was killed; "
                    + "make it faster or raise its time limit; \(excerpt())")
        }
        switch run.termination {
        case .signal(let signal):
            throw RotationError(
                code: .provisionerFailed, message: "\(name) was killed by signal \(signal); \(excerpt())")
        case .exit(let status) where status != 0:
            throw RotationError(
                code: .provisionerFailed, message: "\(name) exited with status \(status); \(excerpt())")
        case .exit:
            break
        }
        guard let key = output.key else {
            throw RotationError(
                code: .provisionerNoKey,
                message: "\(name) exited with status 0 but printed no key; print the key on the first line of standard output; \(excerpt())")
        }
        if let problem = KeyShape(provider: pool.provider).problem(with: key) {
            throw RotationError(
                code: .provisionerBadKey,
                message: "\(name) printed a key that is refused: \(problem); print only the key on the first line")
        }
        if let label = output.label, label.contains(key) {
            throw RotationError(
                code: .provisionerBadKey, message: "\(name) printed the key in its label line; print a name there")
        }
        return ProvisionedKey(secret: Data(key.utf8), label: output.label)
    }

    private func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}

/// A provisioner's standard output read by the contract: the key on the first non-empty line,
/// an optional `label: NAME` line after it.
package struct ProvisionerOutput: Sendable {
    /// The first non-empty line, trimmed; `nil` when there is none.
    package var key: String?
    /// The value of the first `label:` line after the key (trimmed, control characters dropped,
    /// at most 100 characters); `nil` when absent or empty.
    package var label: String?
    /// Everything on standard output that could be a secret: each non-empty line (trimmed) and
    /// each word of 8 characters or more.
    package var secrets: [String]

    package static let maximumLabelLength = 100

    package init(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        key = lines.first
        label = lines.dropFirst().first { $0.lowercased().hasPrefix("label:") }.flatMap { line in
            let value = line.dropFirst("label:".count).trimmingCharacters(in: .whitespaces)
            let printable = String(value.unicodeScalars.filter { !$0.properties.generalCategory.isControl }.map(Character.init))
            return printable.isEmpty ? nil : String(printable.prefix(Self.maximumLabelLength))
        }
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init).filter { $0.count >= 8 }
        secrets = Array(Set(lines + words)).sorted { $0.count > $1.count }
    }

    /// `text` (standard error) with every word that is or contains one of ``secrets`` — or is a
    /// piece of one, 8 characters or more — replaced by that secret's mask.
    package func scrub(_ text: String) -> String {
        var result = ""
        var rest = text[...]
        while let start = rest.firstIndex(where: { !$0.isWhitespace }) {
            result += rest[..<start]
            let end = rest[start...].firstIndex(where: \.isWhitespace) ?? rest.endIndex
            let word = rest[start..<end]
            if let secret = secrets.first(where: { secret in
                word == secret || (secret.count >= 4 && word.contains(secret)) || (word.count >= 8 && secret.contains(word))
            }) {
                result += SecretMask.fingerprint(secret)
            } else {
                result += word
            }
            rest = rest[end...]
        }
        return result + rest
    }

    /// The end of standard error, scrubbed, on one line: `stderr: …` (its last 5 non-empty lines,
    /// at most 400 characters), or `standard error was empty`.
    package func scrubbedExcerpt(of standardError: Data) -> String {
        let scrubbed = scrub(String(decoding: standardError, as: UTF8.self))
        let lines = scrubbed.split(whereSeparator: \.isNewline)
            .map { line in
                String(line.unicodeScalars.map { $0.properties.generalCategory.isControl ? Character(" ") : Character($0) })
                    .trimmingCharacters(in: .whitespaces)
            }
            .filter { !$0.isEmpty }
        guard !lines.isEmpty else { return "standard error was empty" }
        var excerpt = lines.suffix(5).joined(separator: " | ")
        if excerpt.count > 400 { excerpt = "…" + excerpt.suffix(399) }
        return "stderr: \(excerpt)"
    }
}

extension Unicode.GeneralCategory {
    fileprivate var isControl: Bool { self == .control || self == .format }
}
