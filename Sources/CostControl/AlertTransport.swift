internal import CostCrypto
internal import CostRotation
import CostBudget
import Foundation
#if canImport(FoundationNetworking)
internal import FoundationNetworking
#endif

/// Sends one alert to one channel: the channel kind's message format over HTTP (URLSession),
/// SMTP (``SMTPClient``) or a command's standard input. Errors name the step and the receiver's
/// answer, never the URL, routing key, password or signing secret.
enum AlertTransport {
    /// What came of one attempt.
    enum Outcome: Sendable, Equatable {
        case delivered(String)
        /// Worth another attempt (a timeout, a 5xx, a 429, a refused connection).
        case retry(String)
        /// Will not work however often it is tried (a 4xx, a missing command).
        case permanent(String)
    }

    /// The generic webhook's signature header value: `sha256=` and the lowercase hex HMAC-SHA256 of
    /// the body under the secret.
    static func signature(body: Data, secret: String) -> String {
        "sha256=" + Hex.lowercase(HMACSHA256.authenticationCode(for: body, key: Array(secret.utf8)))
    }

    static func send(_ alert: Alert, kind: AlertChannelKind, secret: AlertChannelSecret, options: AlertChannelOptions) async -> Outcome {
        switch kind {
        case .webhook:
            let body = AlertPayloads.genericJSON(alert)
            var headers = ["X-Costctl-Idempotency-Key": alert.key, "X-Costctl-Event": alert.kind.rawValue]
            if let signing = secret.signingSecret { headers["X-Costctl-Signature"] = signature(body: body, secret: signing) }
            return await post(secret.target, body: body, headers: headers, timeLimit: options.timeLimit)
        case .slack:
            return await post(secret.target, body: AlertPayloads.slack(alert), headers: [:], timeLimit: options.timeLimit)
        case .discord:
            return await post(secret.target, body: AlertPayloads.discord(alert), headers: [:], timeLimit: options.timeLimit)
        case .teams:
            return await post(secret.target, body: AlertPayloads.teams(alert), headers: [:], timeLimit: options.timeLimit)
        case .pagerduty:
            let endpoint = options.endpoint ?? "https://events.pagerduty.com/v2/enqueue"
            return await post(endpoint, body: AlertPayloads.pagerDuty(alert, routingKey: secret.target), headers: [:], timeLimit: options.timeLimit)
        case .smtp:
            return await email(alert, secret: secret, options: options)
        case .command:
            return await command(alert, path: secret.target, options: options)
        }
    }

    // MARK: - HTTP

    private static func post(_ target: String, body: Data, headers: [String: String], timeLimit: Duration) async -> Outcome {
        guard let url = URL(string: target) else { return .permanent("the channel's URL is not valid") }
        var request = URLRequest(url: url, timeoutInterval: max(1, timeLimit.seconds))
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("costctl", forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = max(1, timeLimit.seconds)
        configuration.timeoutIntervalForResource = max(1, timeLimit.seconds)
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let status: Int
        do {
            status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                session.dataTask(with: request) { _, response, error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else {
                        continuation.resume(returning: (response as? HTTPURLResponse)?.statusCode ?? 0)
                    }
                }.resume()
            }
        } catch {
            // URLError's description holds the URL, which is a secret: only its code goes out
            let code = (error as? URLError)?.code.rawValue ?? -1
            return .retry("HTTP request failed (\(code == URLError.timedOut.rawValue ? "timed out" : "URL error \(code)"))")
        }
        switch status {
        case 200..<300: return .delivered("HTTP \(status)")
        case 408, 425, 429, 500..<600, 0: return .retry("HTTP \(status)")
        default: return .permanent("HTTP \(status)")
        }
    }

    // MARK: - SMTP

    private static func email(_ alert: Alert, secret: AlertChannelSecret, options: AlertChannelOptions) async -> Outcome {
        do {
            let client = try SMTPClient(url: secret.target, insecure: options.smtpInsecure, caFile: options.smtpCAFile, timeLimit: options.timeLimit)
            let (subject, body) = AlertPayloads.email(alert)
            let from = options.from ?? "costctl@\(client.host)"
            let reply = try await client.send(
                from: from, to: options.to, subject: subject, body: body,
                headers: [("X-Costctl-Idempotency-Key", alert.key), ("X-Costctl-Severity", alert.severity.rawValue)])
            return .delivered("SMTP 250 \(reply)".trimmingCharacters(in: .whitespaces))
        } catch let error as ControlError {
            let permanent = ["does not offer STARTTLS", "not an smtp", "CA file", "TLS handshake failed"].contains { error.message.contains($0) }
            return permanent ? .permanent(error.message) : .retry(error.message)
        } catch {
            return .retry("SMTP failed")
        }
    }

    // MARK: - Command

    private static func command(_ alert: Alert, path: String, options: AlertChannelOptions) async -> Outcome {
        guard FileManager.default.isExecutableFile(atPath: path) else { return .permanent("the hook '\(path)' is not an executable file") }
        let environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "COSTCTL_ALERT_KEY": alert.key, "COSTCTL_ALERT_SEVERITY": alert.severity.rawValue]
        do {
            let result = try await CommandRun.start(
                executable: path, arguments: [], environment: environment, timeLimit: .milliseconds(Int64((options.timeLimitSeconds ?? 30) * 1000)),
                grace: .seconds(2), outputLimit: 4096, input: AlertPayloads.genericJSON(alert))
            if result.timedOut { return .retry("the hook ran past its time limit and was stopped") }
            switch result.termination {
            case .exit(0): return .delivered("exit 0")
            case .exit(let status):
                let tail = String(decoding: result.standardError.suffix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                return .retry("the hook exited with status \(status)" + (tail.isEmpty ? "" : ": \(tail)"))
            case .signal(let signal): return .retry("the hook was killed by signal \(signal)")
            }
        } catch {
            return .permanent("the hook '\(path)' could not be started")
        }
    }
}
