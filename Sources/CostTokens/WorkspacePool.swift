import Foundation

/// Idle merge workspaces of one encoding, reused across calls so that a call allocates nothing
/// and finds the piece cache warm (many small documents benefit the most).
///
/// `@unchecked Sendable` proof: `idle` is only read or written while `lock` is held; a workspace
/// taken out of `idle` is used by the one thread that took it until it is put back, and the
/// lock's acquire/release orders that thread's writes before the next taker's reads.
final class WorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    @exclusivity(unchecked) private var idle: [MergeWorkspace] = []
    private let limit: Int

    /// Keeps at most `limit` idle workspaces (each holds a bounded piece cache).
    init(limit: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)) {
        self.limit = limit
    }

    static let cl100k = WorkspacePool()
    static let o200k = WorkspacePool()

    /// Runs `body` with a workspace no other thread uses meanwhile.
    @inline(__always)
    func withWorkspace<Result>(_ body: (MergeWorkspace) -> Result) -> Result {
        let workspace = take()
        defer { giveBack(workspace) }
        return body(workspace)
    }

    /// A workspace for the calling thread only, until it gives it back.
    func take() -> MergeWorkspace {
        lock.lock()
        let reused = idle.popLast()
        lock.unlock()
        return reused ?? MergeWorkspace()
    }

    /// Returns a workspace taken with ``take()``; the caller must not use it afterwards.
    func giveBack(_ workspace: MergeWorkspace) {
        workspace.trim()
        lock.lock()
        if idle.count < limit { idle.append(workspace) }
        lock.unlock()
    }
}
