import Foundation
import Synchronization

/// The terminal while `costctl watch` runs: the alternate screen, a hidden cursor, keys read
/// without Enter (no canonical mode, no echo), frames drawn in place, and everything put back on
/// exit or on SIGINT/SIGTERM. Plain ANSI (VT100) sequences only, so it works over SSH.
final class TerminalScreen: Sendable {
    private struct State {
        var saved: termios?
        var active = false
        var resized = false
    }

    private let state = Mutex(State())

    /// Columns and rows of the terminal on standard output (TIOCGWINSZ); `COLUMNS`/`LINES` or 80×24 otherwise.
    static func size() -> (width: Int, height: Int) {
        var ws = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 {
            return (Int(ws.ws_col), Int(ws.ws_row))
        }
        let env = ProcessInfo.processInfo.environment
        return (env["COLUMNS"].flatMap(Int.init) ?? 80, env["LINES"].flatMap(Int.init) ?? 24)
    }

    /// Switches to the alternate screen with the cursor hidden and keys read one by one.
    func enter() {
        state.withLock { state in
            var saved = termios()
            if tcgetattr(STDIN_FILENO, &saved) == 0 {
                state.saved = saved
                var raw = saved
                raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
                withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                    cc[Int(VMIN)] = 0
                    cc[Int(VTIME)] = 0
                }
                _ = tcsetattr(STDIN_FILENO, TCSANOW, &raw)
            }
            state.active = true
            // the alternate screen, cleared once; frames overwrite it from then on
            Self.write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
        }
    }

    /// Puts the terminal back as it was (idempotent).
    func leave() {
        state.withLock { Self.restore(&$0) }
    }

    /// Puts the terminal back and exits with `status`, after any frame being written.
    func leaveAndExit(_ status: Int32) -> Never {
        state.withLock { state in
            Self.restore(&state)
            Foundation.exit(status)
        }
    }

    private static func restore(_ state: inout State) {
        guard state.active else { return }
        state.active = false
        write("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        if var saved = state.saved { _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
    }

    /// Draws a frame in place: cursor home, each line followed by clear-to-end-of-line, then clear
    /// below the last line; one write, no full-screen clear, so nothing flickers.
    func draw(_ lines: [String]) {
        var out = "\u{1B}[H"
        for (i, line) in lines.enumerated() {
            out += line + "\u{1B}[K"
            if i < lines.count - 1 { out += "\r\n" }
        }
        out += "\u{1B}[J"
        state.withLock { state in
            if state.active { Self.write(out) }
        }
    }

    /// Marks the window as resized (from SIGWINCH); ``takeResize()`` reads and clears the mark.
    func markResized() { state.withLock { $0.resized = true } }

    func takeResize() -> Bool {
        state.withLock { state in
            defer { state.resized = false }
            return state.resized
        }
    }

    /// Waits up to `milliseconds` for input and returns the bytes typed (empty when none).
    static func readKeys(waiting milliseconds: Int32) -> [UInt8] {
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, milliseconds) > 0 else { return [] }
        if descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0, descriptor.revents & Int16(POLLIN) == 0 {
            return [0x04]  // the terminal went away: treat as end of input
        }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(STDIN_FILENO, &buffer, buffer.count)
        if n == 0 { return [0x04] }
        return n > 0 ? Array(buffer.prefix(n)) : []
    }

    private static func write(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(STDOUT_FILENO, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
