public import CostBudget
import Foundation

/// The kinds of notification channel, each with its own message format.
public enum AlertChannelKind: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// Any HTTPS endpoint: the alert as JSON, optionally signed (`X-Costctl-Signature: sha256=<hex>`).
    case webhook
    /// A Slack incoming webhook (`text` + Block Kit blocks).
    case slack
    /// A Discord webhook (`content` + one embed).
    case discord
    /// A Microsoft Teams incoming webhook / Workflows URL (an Adaptive Card message).
    case teams
    /// PagerDuty Events API v2 (a routing key; `dedup_key` is the alert's key).
    case pagerduty
    /// Email over SMTP.
    case smtp
    /// An executable that reads the alert as JSON on stdin.
    case command

    public var description: String { rawValue }
}

/// What a channel keeps sealed in the vault: the URL, routing key, SMTP URL (with its
/// credentials) or command path, and a webhook's signing secret. Never printed, never stored plain.
public struct AlertChannelSecret: Sendable, Hashable, Codable {
    public var target: String
    public var signingSecret: String?

    public init(target: String, signingSecret: String? = nil) {
        self.target = target
        self.signingSecret = signingSecret
    }

    private enum CodingKeys: String, CodingKey {
        case target
        case signingSecret = "signing_secret"
    }
}

extension AlertChannelSecret: CustomStringConvertible {
    /// Never the secret.
    public var description: String { "AlertChannelSecret(target: …, signed: \(signingSecret != nil))" }
}

/// A channel's options that hold no secret.
public struct AlertChannelOptions: Sendable, Hashable, Codable {
    /// SMTP: the recipients.
    public var to: [String]
    /// SMTP: the sender (default `costctl@<host name>`).
    public var from: String?
    /// SMTP: allow a plain-text session (`smtp://` without STARTTLS). Off by default.
    public var smtpInsecure: Bool
    /// SMTP: a PEM file of the CA(s) that sign the server's certificate (default: the system's trust store).
    public var smtpCAFile: String?
    /// PagerDuty: the Events API endpoint (default `https://events.pagerduty.com/v2/enqueue`).
    public var endpoint: String?
    /// How long one delivery may take, in seconds (default 10; 30 for a command).
    public var timeLimitSeconds: Double?

    public init(
        to: [String] = [], from: String? = nil, smtpInsecure: Bool = false, smtpCAFile: String? = nil, endpoint: String? = nil,
        timeLimitSeconds: Double? = nil
    ) {
        self.to = to
        self.from = from
        self.smtpInsecure = smtpInsecure
        self.smtpCAFile = smtpCAFile
        self.endpoint = endpoint
        self.timeLimitSeconds = timeLimitSeconds
    }

    private enum CodingKeys: String, CodingKey {
        case to, from, endpoint
        case smtpInsecure = "smtp_insecure"
        case smtpCAFile = "smtp_ca_file"
        case timeLimitSeconds = "time_limit_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            to: try c.decodeIfPresent([String].self, forKey: .to) ?? [], from: try c.decodeIfPresent(String.self, forKey: .from),
            smtpInsecure: try c.decodeIfPresent(Bool.self, forKey: .smtpInsecure) ?? false,
            smtpCAFile: try c.decodeIfPresent(String.self, forKey: .smtpCAFile),
            endpoint: try c.decodeIfPresent(String.self, forKey: .endpoint),
            timeLimitSeconds: try c.decodeIfPresent(Double.self, forKey: .timeLimitSeconds))
    }

    var timeLimit: Duration { .milliseconds(Int64((timeLimitSeconds ?? 10) * 1000)) }
}

/// A channel to add: name, kind, the secret target, options, severity and rate limit.
///
/// For example:
/// ```swift
/// let spec = AlertChannelSpec(name: "ops", kind: .slack, secret: AlertChannelSecret(target: url))
/// try await center.addChannel(spec)
/// ```
public struct AlertChannelSpec: Sendable {
    public var name: String
    public var kind: AlertChannelKind
    public var secret: AlertChannelSecret
    public var options: AlertChannelOptions
    public var minimumSeverity: AlertSeverity
    /// Deliveries per minute at most (0: no limit).
    public var ratePerMinute: Int

    public init(
        name: String, kind: AlertChannelKind, secret: AlertChannelSecret, options: AlertChannelOptions = AlertChannelOptions(),
        minimumSeverity: AlertSeverity = .info, ratePerMinute: Int = 30
    ) {
        self.name = name
        self.kind = kind
        self.secret = secret
        self.options = options
        self.minimumSeverity = minimumSeverity
        self.ratePerMinute = ratePerMinute
    }

    /// Checks the spec; messages never contain the secret.
    ///
    /// - throws: ``ControlError`` `.invalidInput`.
    public func validate() throws {
        func invalid(_ message: String) -> ControlError { ControlError(code: .invalidInput, message: message) }
        guard !name.isEmpty, name.count <= 64,
            name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) })
        else { throw invalid("channel name '\(name)' must be 1-64 letters, digits, '-', '_' or '.'") }
        let target = secret.target.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !target.isEmpty else { throw invalid("channel '\(name)': the \(kind) target is empty") }
        guard ratePerMinute >= 0 else { throw invalid("channel '\(name)': the rate limit cannot be negative") }
        switch kind {
        case .webhook, .slack, .discord, .teams:
            guard let url = URL(string: target), let scheme = url.scheme?.lowercased(), ["https", "http"].contains(scheme), url.host != nil else {
                throw invalid("channel '\(name)': the \(kind) URL is not an http(s) URL (the value is not shown: it is a secret)")
            }
            if kind != .webhook, secret.signingSecret != nil {
                throw invalid("channel '\(name)': only a generic webhook is signed; \(kind) authenticates by its URL")
            }
        case .pagerduty:
            guard target.count >= 8, target.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw invalid("channel '\(name)': a PagerDuty routing key is letters and digits (32 characters); the value is not shown")
            }
        case .smtp:
            guard let url = URL(string: target), let scheme = url.scheme?.lowercased(), scheme == "smtp" || scheme == "smtps", url.host != nil else {
                throw invalid("channel '\(name)': the SMTP server must be an smtp:// URL (smtp://user:password@host:587, STARTTLS) or an smtps:// URL (smtps://user:password@host:465, TLS from the first byte); the value is not shown")
            }
            guard !options.to.isEmpty else { throw invalid("channel '\(name)': an SMTP channel needs --to ADDRESS") }
            if let caFile = options.smtpCAFile, !FileManager.default.isReadableFile(atPath: caFile) {
                throw invalid("channel '\(name)': the CA file '\(caFile)' cannot be read")
            }
            for address in options.to + [options.from].compactMap({ $0 }) where !SMTPClient.isPlainAddress(address) {
                throw invalid("channel '\(name)': '\(address)' is not an email address (name@example.com)")
            }
        case .command:
            guard target.hasPrefix("/") else { throw invalid("channel '\(name)': the command must be an absolute path") }
            guard FileManager.default.isExecutableFile(atPath: target) else {
                throw invalid("channel '\(name)': '\(target)' is not an executable file")
            }
        }
    }
}

/// Masked forms of channel targets: enough to recognize, never enough to use.
public enum AlertChannelMask {
    /// `https://hooks.slack.com/…/XXXX` (host and the last four characters), `…ab12` for a routing
    /// key, `smtp://user@host:587` for SMTP (no password), the path for a command.
    public static func mask(_ secret: AlertChannelSecret, kind: AlertChannelKind) -> String {
        let target = secret.target
        let signed = secret.signingSecret == nil ? "" : " (signed)"
        switch kind {
        case .pagerduty:
            return "…" + String(target.suffix(4))
        case .command:
            return target
        case .smtp:
            guard let components = URLComponents(string: target), let host = components.host else { return "smtp://…" }
            let user = components.user.map { "\($0)@" } ?? ""
            let scheme = components.scheme?.lowercased() == "smtps" ? "smtps" : "smtp"
            return "\(scheme)://\(user)\(host)" + (components.port.map { ":\($0)" } ?? "")
        case .webhook, .slack, .discord, .teams:
            guard let components = URLComponents(string: target), let host = components.host else { return "…" }
            let tail = target.count > 12 ? String(target.suffix(4)) : ""
            return "\(components.scheme ?? "https")://\(host)" + (components.port.map { ":\($0)" } ?? "") + "/…/" + tail + signed
        }
    }
}
