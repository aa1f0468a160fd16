import CostBudget
import CostControl
import CostCrypto
import CostRotation
import CostSQLite
import Foundation
import Testing

/// Alerts delivered for real to receivers the tests start on 127.0.0.1, through the real SQLite
/// outbox and the real vault.
@Suite("Alert delivery")
struct AlertDeliveryTests {
    /// A database in a temporary directory, a vault, and a clock the test moves.
    struct Bench {
        let directory: URL
        let database: String
        let center: AlertCenter
        let clock: Locked<Date>

        init(policy: AlertDeliveryPolicy = AlertDeliveryPolicy()) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-alerts-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            database = directory.appendingPathComponent("alerts.db").path
            let master = try MasterKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) })
            let vault = try KeyVaultFile.vault(database: database, master: master)
            let clock = Locked(Date(timeIntervalSince1970: 1_795_000_000))
            self.clock = clock
            center = AlertCenter(store: try SQLiteAlertStore(path: database), sealer: vault, policy: policy, now: { clock.withLock { $0 } })
        }

        func advance(_ seconds: Double) { clock.withLock { $0 = $0.addingTimeInterval(seconds) } }
        var now: Date { clock.withLock { $0 } }

        func alert(_ key: String, kind: AlertKind = .costAnomaly, severity: AlertSeverity = .warning, scope: String = "team=search") -> Alert {
            Alert(key: key, kind: kind, severity: severity, at: now, scope: scope, title: "spend jumped", message: "spend is 4x the usual", data: ["value": "4.0"])
        }

        /// Generic webhook channels named `names`, each posting to `/<name>` on `server`.
        func addWebhooks(_ names: [String], on server: LocalHTTPServer) async throws {
            for name in names {
                try await center.addChannel(AlertChannelSpec(name: name, kind: .webhook, secret: AlertChannelSecret(target: server.url("/\(name)"))))
            }
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test("generic webhook: the alert as JSON, the idempotency key and a valid HMAC-SHA256 signature")
    func signedWebhook() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let server = try LocalHTTPServer()
        defer { server.stop() }
        let secret = "whsec-" + UUID().uuidString
        try await bench.center.addChannel(AlertChannelSpec(
            name: "hook", kind: .webhook, secret: AlertChannelSecret(target: server.url("/hooks/costctl"), signingSecret: secret)))
        let result = try await bench.center.raise(bench.alert("anomaly/1"))
        #expect(result.isNew && result.queued == ["hook"])
        let report = try await bench.center.deliver()
        #expect(report.delivered == 1 && report.attempted == 1)
        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1 && request.method == "POST" && request.path == "/hooks/costctl")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["x-costctl-idempotency-key"] == "anomaly/1")
        let expected = "sha256=" + HMACSHA256.authenticationCode(for: request.body, key: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(request.headers["x-costctl-signature"] == expected)
        let body = try request.json()
        #expect(body["key"] as? String == "anomaly/1" && body["kind"] as? String == "cost-anomaly" && body["severity"] as? String == "warning")
        #expect((body["data"] as? [String: String])?["value"] == "4.0" && body["scope"] as? String == "team=search")
        // a second drain sends nothing: the delivered row is never sent again
        #expect(try await bench.center.deliver().attempted == 0)
        #expect(server.requests.count == 1)
    }

    @Test("Slack, Discord, Teams and PagerDuty each get their own documented message shape")
    func chatFormats() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let server = try LocalHTTPServer()
        defer { server.stop() }
        for kind in [AlertChannelKind.slack, .discord, .teams] {
            try await bench.center.addChannel(AlertChannelSpec(name: kind.rawValue, kind: kind, secret: AlertChannelSecret(target: server.url("/\(kind)"))))
        }
        let routingKey = "R0UT1NGKEY0123456789abcdefABCDEF"
        try await bench.center.addChannel(AlertChannelSpec(
            name: "pd", kind: .pagerduty, secret: AlertChannelSecret(target: routingKey),
            options: AlertChannelOptions(endpoint: server.url("/v2/enqueue"))))
        try await bench.center.raise(bench.alert("budget/critical", kind: .budgetLevel, severity: .critical))
        #expect(try await bench.center.deliver().delivered == 4)
        let byPath = Dictionary(server.requests.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })

        let slack = try #require(byPath["/slack"]).json()
        #expect((slack["text"] as? String)?.contains("[CRITICAL] spend jumped") == true)
        let blocks = try #require(slack["blocks"] as? [[String: Any]])
        #expect(blocks.first?["type"] as? String == "section" && (blocks.first?["text"] as? [String: Any])?["type"] as? String == "mrkdwn")

        let discord = try #require(byPath["/discord"]).json()
        let embed = try #require((discord["embeds"] as? [[String: Any]])?.first)
        #expect(embed["title"] as? String == "spend jumped" && embed["color"] as? Int == 0xE74C3C && embed["description"] as? String == "spend is 4x the usual")
        #expect((embed["footer"] as? [String: Any])?["text"] as? String == "budget/critical")

        let teams = try #require(byPath["/teams"]).json()
        #expect(teams["type"] as? String == "message")
        let attachment = try #require((teams["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        let card = try #require(attachment["content"] as? [String: Any])
        #expect(card["type"] as? String == "AdaptiveCard" && card["version"] as? String == "1.4")

        let pagerDuty = try #require(byPath["/v2/enqueue"]).json()
        #expect(pagerDuty["routing_key"] as? String == routingKey && pagerDuty["event_action"] as? String == "trigger")
        #expect(pagerDuty["dedup_key"] as? String == "budget/critical")
        let payload = try #require(pagerDuty["payload"] as? [String: Any])
        #expect(payload["severity"] as? String == "critical" && payload["source"] as? String == "costctl")
        #expect((payload["summary"] as? String)?.hasPrefix("spend jumped") == true)
        // the routing key is masked in the listing
        let rows = try await bench.center.channels()
        #expect(rows.first { $0.name == "pd" }?.target == "…CDEF")
        #expect(rows.first { $0.name == "slack" }?.target == "http://127.0.0.1:\(server.port)/…/lack")
    }

    @Test("a receiver that fails twice (500) then recovers gets the alert once; the retries are recorded with backoff")
    func failThenRecover() async throws {
        let bench = try Bench(policy: AlertDeliveryPolicy().with { $0.baseDelay = .seconds(30) })
        defer { bench.remove() }
        let server = try LocalHTTPServer(statuses: [500, 503])
        defer { server.stop() }
        try await bench.center.addChannel(AlertChannelSpec(name: "flaky", kind: .webhook, secret: AlertChannelSecret(target: server.url("/x"))))
        try await bench.center.raise(bench.alert("flaky/1"))
        #expect(try await bench.center.deliver().retrying == 1)
        // not due yet: nothing is sent before the backoff ends
        bench.advance(10)
        #expect(try await bench.center.deliver().attempted == 0)
        bench.advance(25)
        #expect(try await bench.center.deliver().retrying == 1)
        // the second wait is twice the first
        bench.advance(35)
        #expect(try await bench.center.deliver().attempted == 0)
        bench.advance(30)
        #expect(try await bench.center.deliver().delivered == 1)
        bench.advance(3600)
        #expect(try await bench.center.deliver().attempted == 0)
        #expect(server.requests.count == 3)
        #expect(Set(server.requests.map { $0.headers["x-costctl-idempotency-key"] }) == ["flaky/1"])
        let history = try await bench.center.history()
        #expect(history.map(\.succeeded) == [true, false, false])
        #expect(history.map(\.detail) == ["HTTP 200", "HTTP 503", "HTTP 500"])
        let row = try #require(try await bench.center.alerts().first)
        #expect(row.deliveries.first?.state == .delivered && row.deliveries.first?.attempts == 3)
    }

    @Test("a 4xx answer fails for good; running out of attempts fails for good; both show in history")
    func permanentFailures() async throws {
        let bench = try Bench(policy: AlertDeliveryPolicy().with { $0.maxAttempts = 2; $0.baseDelay = .seconds(1) })
        defer { bench.remove() }
        let gone = try LocalHTTPServer(statuses: [404])
        defer { gone.stop() }
        let down = try LocalHTTPServer(statuses: [500, 500, 500])
        defer { down.stop() }
        try await bench.center.addChannel(AlertChannelSpec(name: "gone", kind: .webhook, secret: AlertChannelSecret(target: gone.url("/"))))
        try await bench.center.addChannel(AlertChannelSpec(name: "down", kind: .webhook, secret: AlertChannelSecret(target: down.url("/"))))
        try await bench.center.raise(bench.alert("p/1"))
        let first = try await bench.center.deliver()
        #expect(first.failed == 1 && first.retrying == 1)
        bench.advance(2)
        #expect(try await bench.center.deliver().failed == 1)
        let states = try #require(try await bench.center.alerts().first).deliveries.map { "\($0.channel):\($0.state.rawValue):\($0.lastError ?? "")" }
        #expect(Set(states) == ["gone:failed:HTTP 404", "down:failed:HTTP 500"])
    }

    @Test("a command hook gets the alert as JSON on stdin")
    func commandHook() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let output = bench.directory.appendingPathComponent("received.json").path
        let script = bench.directory.appendingPathComponent("hook.sh").path
        try "#!/bin/sh\ncat > '\(output)'\necho \"$COSTCTL_ALERT_KEY\" >> '\(output).key'\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        try await bench.center.addChannel(AlertChannelSpec(name: "hook", kind: .command, secret: AlertChannelSecret(target: script)))
        try await bench.center.raise(bench.alert("hooked/1", severity: .info))
        #expect(try await bench.center.deliver().delivered == 1)
        let received = try #require(FileManager.default.contents(atPath: output))
        let json = try #require(try JSONSerialization.jsonObject(with: received) as? [String: Any])
        #expect(json["key"] as? String == "hooked/1" && json["message"] as? String == "spend is 4x the usual")
        #expect(try String(contentsOfFile: output + ".key", encoding: .utf8) == "hooked/1\n")

        // a hook that fails is retried, with its exit status in the history
        let failing = bench.directory.appendingPathComponent("fail.sh").path
        try "#!/bin/sh\necho 'no route to pager' >&2\nexit 3\n".write(toFile: failing, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: failing)
        try await bench.center.addChannel(AlertChannelSpec(name: "fails", kind: .command, secret: AlertChannelSecret(target: failing)))
        try await bench.center.raise(bench.alert("hooked/2"))
        #expect(try await bench.center.deliver().retrying == 1)
        #expect(try await bench.center.history().first { $0.channel == "fails" }?.detail == "the hook exited with status 3: no route to pager")
    }

    @Test("SMTP: EHLO, AUTH PLAIN, MAIL, RCPT, DATA to a local sink when plain text is allowed")
    func smtpDelivery() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let sink = try LocalSMTPSink()
        defer { sink.stop() }
        try await bench.center.addChannel(AlertChannelSpec(
            name: "mail", kind: .smtp, secret: AlertChannelSecret(target: "smtp://alerts:pa%24%24word@127.0.0.1:\(sink.port)"),
            options: AlertChannelOptions(to: ["ops@example.com", "cfo@example.com"], from: "costctl@example.com", smtpInsecure: true)))
        try await bench.center.raise(bench.alert("mail/1", severity: .critical))
        #expect(try await bench.center.deliver().delivered == 1)
        let message = try #require(sink.received.first)
        #expect(message.from == "<costctl@example.com>" && message.recipients == ["<ops@example.com>", "<cfo@example.com>"])
        #expect(message.authentication == "\u{0}alerts\u{0}pa$$word")
        #expect(message.data.contains("Subject: [costctl critical] spend jumped") && message.data.contains("X-Costctl-Idempotency-Key: mail/1"))
        #expect(message.body.contains("spend is 4x the usual") && message.body.contains("Key:      mail/1"))
        #expect(try await bench.center.channels().first?.target == "smtp://alerts@127.0.0.1:\(sink.port)")
    }

    @Test("SMTP without --smtp-insecure: a server without STARTTLS (or refusing it) is a clear error; nothing is sent")
    func smtpRefusesPlainText() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let plain = try LocalSMTPSink()
        defer { plain.stop() }
        let broken = try LocalSMTPSink(advertiseStartTLS: true)
        defer { broken.stop() }
        for (name, sink) in [("plain", plain), ("broken", broken)] {
            try await bench.center.addChannel(AlertChannelSpec(
                name: name, kind: .smtp, secret: AlertChannelSecret(target: "smtp://u:secretpw@127.0.0.1:\(sink.port)"),
                options: AlertChannelOptions(to: ["ops@example.com"])))
        }
        try await bench.center.raise(bench.alert("mail/2"))
        let report = try await bench.center.deliver()
        #expect(report.failed == 1 && report.retrying == 1)
        let errors = try await bench.center.history().compactMap(\.detail)
        #expect(errors.contains { $0.contains("does not offer STARTTLS") && $0.contains("--smtp-insecure") })
        #expect(errors.contains { $0.contains("STARTTLS was refused: 454") })
        #expect(!errors.contains { $0.contains("secretpw") })
        #expect(plain.received.isEmpty && broken.received.isEmpty)
    }

    @Test(
        "SMTP over TLS, STARTTLS (smtp://) or implicit (smtps://, TLS before the greeting): the certificate is verified (a CA file trusts it, the system store does not); AUTH only over TLS; the target masked",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "the test's certificate is made by /usr/bin/openssl (.ci/run installs it)"),
        arguments: ["smtp", "smtps"])
    func smtpTLS(scheme: String) async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let certificate = try #require(try LocalSMTPSink.makeCertificate(in: bench.directory), "needs /usr/bin/openssl")
        let sink = try LocalSMTPSink(certificate: certificate, implicitTLS: scheme == "smtps")
        defer { sink.stop() }
        try await bench.center.addChannel(AlertChannelSpec(
            name: "trusted", kind: .smtp, secret: AlertChannelSecret(target: "\(scheme)://alerts:tlspass@localhost:\(sink.port)"),
            options: AlertChannelOptions(to: ["ops@example.com"], smtpCAFile: certificate.certificate)))
        try await bench.center.addChannel(AlertChannelSpec(
            name: "untrusted", kind: .smtp, secret: AlertChannelSecret(target: "\(scheme)://alerts:tlspass@localhost:\(sink.port)"),
            options: AlertChannelOptions(to: ["ops@example.com"])))
        #expect(try await bench.center.channels().first { $0.name == "trusted" }?.target == "\(scheme)://alerts@localhost:\(sink.port)")
        try await bench.center.raise(bench.alert("tls/1"))
        let report = try await bench.center.deliver()
        #expect(report.delivered == 1 && report.failed == 1)
        let message = try #require(sink.received.first)
        #expect(sink.received.count == 1 && message.overTLS && message.authentication == "\u{0}alerts\u{0}tlspass")
        #expect(message.body.contains("spend is 4x the usual"))
        let failure = try #require(try await bench.center.history().first { $0.channel == "untrusted" }?.detail)
        #expect(failure.contains("TLS handshake failed") && failure.contains("certificate") && !failure.contains("tlspass"))
    }

    @Test("rules: kinds and severity route, cool-down holds repeats, quiet hours defer non-critical alerts")
    func rules() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let server = try LocalHTTPServer()
        defer { server.stop() }
        try await bench.addWebhooks(["ops", "pager"], on: server)
        // the bench clock is 2026-11-18T11:06:40Z: 12:06 in Paris, inside quiet hours 12-14
        try await bench.center.saveRules([
            AlertRule(name: "all", channels: ["ops"], coolDownSeconds: 3600),
            AlertRule(name: "critical", minimumSeverity: .critical, channels: ["pager"],
                      quietHours: QuietHours(startHour: 12, endHour: 14, timeZone: "Europe/Paris")),
            AlertRule(name: "quiet-info", kinds: [.usageSpike], channels: ["pager"],
                      quietHours: QuietHours(startHour: 12, endHour: 14, timeZone: "Europe/Paris")),
        ])
        #expect(try await bench.center.raise(bench.alert("a/1")).queued == ["ops"])
        // same kind and scope within the hour: cooling down on ops
        let repeatResult = try await bench.center.raise(bench.alert("a/2"))
        #expect(repeatResult.queued.isEmpty && repeatResult.coolingDown == ["ops"])
        // another scope is another alert
        #expect(try await bench.center.raise(bench.alert("a/3", scope: "team=ads")).queued == ["ops"])
        // critical bypasses the quiet hours; a usage spike waits for their end (14:00 Paris)
        #expect(Set(try await bench.center.raise(bench.alert("c/1", kind: .keyInvalid, severity: .critical)).queued) == ["ops", "pager"])
        #expect(Set(try await bench.center.raise(bench.alert("s/1", kind: .usageSpike)).queued) == ["ops", "pager"])
        _ = try await bench.center.deliver()
        #expect(server.requests.filter { $0.path == "/pager" }.map { $0.headers["x-costctl-idempotency-key"] } == ["c/1"])
        bench.advance(2 * 3600)
        _ = try await bench.center.deliver()
        #expect(server.requests.filter { $0.path == "/pager" }.count == 2)
        // an unknown channel in a rule is refused, and nothing is saved
        await #expect(throws: ControlError.self) {
            try await bench.center.saveRules([AlertRule(name: "ok", channels: ["ops"]), AlertRule(name: "bad", channels: ["nowhere"])])
        }
        #expect(try await bench.center.rules().map(\.name) == ["all", "critical", "quiet-info"])
    }

    @Test("escalation: a critical alert unacknowledged for N minutes goes to the next channel, once; an acknowledged one does not")
    func escalation() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let server = try LocalHTTPServer()
        defer { server.stop() }
        try await bench.addWebhooks(["chat", "pager"], on: server)
        try await bench.center.saveRules([
            AlertRule(name: "crit", minimumSeverity: .critical, channels: ["chat"], escalation: AlertEscalation(afterMinutes: 30, channel: "pager"))
        ])
        try await bench.center.raise(bench.alert("e/1", severity: .critical))
        try await bench.center.raise(bench.alert("e/2", severity: .critical, scope: "team=ads"))
        _ = try await bench.center.deliver()
        try await bench.center.acknowledge("e/2", by: "alice")
        bench.advance(29 * 60)
        #expect(try await bench.center.deliver().escalated == 0)
        bench.advance(60)
        let report = try await bench.center.deliver()
        #expect(report.escalated == 1 && report.delivered == 1)
        bench.advance(3600)
        #expect(try await bench.center.deliver().escalated == 0)
        #expect(server.requests.filter { $0.path == "/pager" }.map { $0.headers["x-costctl-idempotency-key"] } == ["e/1"])
        #expect(try await bench.center.alerts(unacknowledgedOnly: true).map(\.alert.key) == ["e/1"])
    }

    @Test("per-channel rate limit: at most N deliveries a minute; the rest wait and go later")
    func rateLimit() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let server = try LocalHTTPServer()
        defer { server.stop() }
        try await bench.center.addChannel(AlertChannelSpec(
            name: "slow", kind: .webhook, secret: AlertChannelSecret(target: server.url("/")), ratePerMinute: 2))
        for index in 0..<5 { try await bench.center.raise(bench.alert("r/\(index)", scope: "n=\(index)")) }
        let first = try await bench.center.deliver()
        #expect(first.delivered == 2 && first.rateLimited == 3)
        bench.advance(61)
        #expect(try await bench.center.deliver().delivered == 2)
        bench.advance(61)
        #expect(try await bench.center.deliver().delivered == 1)
        #expect(server.requests.count == 5)
    }

    @Test("budget alerts and key events become alerts with stable keys; raising one twice stores and sends it once")
    func adapters() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let server = try LocalHTTPServer()
        defer { server.stop() }
        try await bench.center.addChannel(AlertChannelSpec(name: "ops", kind: .webhook, secret: AlertChannelSecret(target: server.url("/"))))
        let revoked = KeyEvent.keyRevoked(keyID: "k3", provider: "anthropic", status: 401, at: bench.now)
        let sink = AlertOutboxSink(center: bench.center)
        try await sink.deliver(revoked)
        try await sink.deliver(revoked)
        try await sink.deliver(KeyEvent.provisioningGaveUp(pool: "anthropic", attempts: 3, error: "exit 1", at: bench.now))
        // a budget crossing through the sink BudgetAlertMonitor takes
        let start = Date(timeIntervalSince1970: 1_793_491_200)  // 2026-11-01T00:00:00Z
        let crossing = BudgetAlert(
            budget: "team-search", scope: "team=search", level: .hardStop, threshold: Threshold(percent: 100), used: 1_050,
            limit: .tokens(1_000), period: PeriodWindow(start: start, end: start.addingTimeInterval(30 * 86400)), at: bench.now)
        try await sink.deliver(crossing)
        try await sink.deliver(crossing)
        #expect(try await bench.center.deliver().delivered == 3)
        let budget = try #require(try await bench.center.alerts().first { $0.alert.kind == .budgetLevel })
        #expect(budget.alert.key == "budget-level/team-search/hard-stop/1793491200000" && budget.alert.severity == .critical)
        #expect(budget.alert.data["limit"] == "1000 tokens" && budget.alert.data["used"] == "1050 tokens")
        let alerts = try await bench.center.alerts().filter { $0.alert.kind != .budgetLevel }
        #expect(Set(alerts.map(\.alert.kind)) == [.keyInvalid, .provisioningFailed])
        #expect(alerts.allSatisfy { $0.alert.severity == .critical })
        #expect(alerts.first { $0.alert.kind == .keyInvalid }?.alert.key == "key-invalid/k3/\(Int64(bench.now.timeIntervalSince1970 * 1000))")
    }

    @Test("a planted webhook secret and URL token never reach the database file, listings, history or errors")
    func plantedSecret() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let server = try LocalHTTPServer(statuses: [500])
        defer { server.stop() }
        let marker = "PLANTED" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let signing = "sign-" + marker
        try await bench.center.addChannel(AlertChannelSpec(
            name: "hook", kind: .webhook, secret: AlertChannelSecret(target: server.url("/t/\(marker)/x"), signingSecret: signing)))
        // an unreachable URL carrying the marker: the error must not repeat it
        try await bench.center.addChannel(AlertChannelSpec(
            name: "dead", kind: .slack, secret: AlertChannelSecret(target: "http://127.0.0.1:1/services/\(marker)")))
        try await bench.center.raise(bench.alert("planted/1"))
        _ = try await bench.center.deliver()
        var texts = try await bench.center.channels().map { "\($0)" }
        texts += try await bench.center.history().map { "\($0)" }
        texts += try await bench.center.alerts().map { "\($0)" }
        do {
            try await bench.center.addChannel(AlertChannelSpec(name: "bad", kind: .slack, secret: AlertChannelSecret(target: "ftp://\(marker)")))
        } catch {
            texts.append("\(error)")
        }
        #expect(texts.count > 4)
        for text in texts { #expect(!text.contains(marker), "leaked: \(text)") }
        #expect(server.requests.first?.path == "/t/\(marker)/x")
        let forms = [marker, Data(marker.utf8).base64EncodedString(), Data(signing.utf8).base64EncodedString()]
        for suffix in ["", "-wal", "-shm"] {
            guard let bytes = FileManager.default.contents(atPath: bench.database + suffix) else { continue }
            for form in forms { #expect(bytes.range(of: Data(form.utf8)) == nil, "\(form) in \(suffix)") }
        }
    }

    /// `COSTCTL_ALERT_BENCH=1 swift test --filter raiseLatency`: what `raise` (one transaction: the
    /// alert and its outbox rows, fsynced) and a drain to a local webhook cost, printed.
    @Test("raise and deliver latency (COSTCTL_ALERT_BENCH=1)", .enabled(if: ProcessInfo.processInfo.environment["COSTCTL_ALERT_BENCH"] == "1"))
    func raiseLatency() async throws {
        let bench = try Bench()
        defer { bench.remove() }
        let server = try LocalHTTPServer()
        defer { server.stop() }
        try await bench.center.addChannel(AlertChannelSpec(
            name: "hook", kind: .webhook, secret: AlertChannelSecret(target: server.url("/")), ratePerMinute: 0))
        let count = 2_000
        var samples: [Duration] = []
        let clock = ContinuousClock()
        for index in 0..<count {
            let started = clock.now
            try await bench.center.raise(bench.alert("bench/\(index)", scope: "n=\(index)"))
            samples.append(clock.now - started)
        }
        samples.sort()
        let drainStarted = clock.now
        let report = try await bench.center.deliver()
        let drain = clock.now - drainStarted
        #expect(report.delivered == count)
        func micros(_ duration: Duration) -> Int { Int(duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000) }
        print("raise: p50 \(micros(samples[count / 2])) µs, p99 \(micros(samples[count * 99 / 100])) µs over \(count); deliver: \(count) webhooks in \(micros(drain) / 1000) ms")
    }
}
