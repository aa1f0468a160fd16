import ArgumentParser
import CostControl
import Foundation

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "A live dashboard: today's spend against budgets, spend by model, key quotas, alerts, the month's projection.",
        discussion: """
            Redraws in place every --interval and when the window is resized; q quits (Ctrl-C too).
            Plain ANSI, so it works over SSH. When standard output is not a terminal, or with --once,
            it prints one frame and exits (--json: the data of that frame).

            Examples:
              costctl watch
              costctl watch --team search --interval 2s
              costctl watch --once --tz Europe/Berlin
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("How often to re-read the database: 5s, 500ms, 1m (or seconds).", valueName: "duration"))
    var interval: String = "5s"

    @Option(help: ArgumentHelp("Only this team's spend, budgets and alerts (keys are shown for every team).", valueName: "team"))
    var team: String?

    @Flag(help: "Print one frame and exit.")
    var once = false

    /// `--interval` in seconds.
    static func seconds(_ text: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        var value: Double?
        if let number = Double(trimmed) {
            value = number
        } else if let (suffix, scale) = units.first(where: { trimmed.hasSuffix($0.0) }), let number = Double(trimmed.dropLast(suffix.count)) {
            value = number * scale
        }
        guard let value, value.isFinite, value >= 0.2, value <= 3_600 else {
            throw ValidationError("--interval '\(text)' must be a duration from 200ms to 1h (examples: 5s, 500ms, 1m)")
        }
        return value
    }

    func validate() throws {
        _ = try Self.seconds(interval)
        if let team, team.isEmpty { throw ValidationError("--team needs a team name") }
    }

    func run() async throws {
        let sources = try DashboardSources.open(paths: global.paths, catalog: try global.catalog())
        let zone = global.timeZone
        let every = try Self.seconds(interval)
        if global.json {
            try Output.json(try await DashboardSnapshot.gather(from: sources, team: team, timeZone: zone), snakeCase: true)
            return
        }
        guard !once, isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            let snapshot = try await DashboardSnapshot.gather(from: sources, team: team, timeZone: zone)
            let width = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 100
            // no footer line: nothing to quit
            for line in DashboardLayout.frame(snapshot, width: width, height: 10_000, footer: "").dropLast() {
                Output.line(line)
            }
            return
        }
        let screen = TerminalScreen()
        var signalSources = [any DispatchSourceSignal]()
        for (signalNumber, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143)), (SIGHUP, Int32(129))] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { screen.leaveAndExit(status) }
            source.resume()
            signalSources.append(source)
        }
        signal(SIGWINCH, SIG_IGN)
        let resize = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
        resize.setEventHandler { screen.markResized() }
        resize.resume()
        signalSources.append(resize)
        screen.enter()
        defer { screen.leave() }
        let footer = "q quit · every \(interval) · \(team.map { "team \($0) · " } ?? "")\(global.db ?? "default database")"
        var snapshot = try await DashboardSnapshot.gather(from: sources, team: team, timeZone: zone)
        var size = TerminalScreen.size()
        var nextRead = Date().addingTimeInterval(every)
        screen.draw(DashboardLayout.frame(snapshot, width: size.width, height: size.height, footer: footer))
        while true {
            let keys = TerminalScreen.readKeys(waiting: 100)
            if keys.contains(where: { $0 == UInt8(ascii: "q") || $0 == UInt8(ascii: "Q") || $0 == 0x03 || $0 == 0x04 }) { break }
            var redraw = screen.takeResize()
            let now = TerminalScreen.size()
            if now != size {
                size = now
                redraw = true
            }
            if Date() >= nextRead {
                snapshot = try await DashboardSnapshot.gather(from: sources, team: team, timeZone: zone)
                nextRead = Date().addingTimeInterval(every)
                redraw = true
            }
            if redraw { screen.draw(DashboardLayout.frame(snapshot, width: size.width, height: size.height, footer: footer)) }
        }
        withExtendedLifetime(signalSources) {}
    }
}
