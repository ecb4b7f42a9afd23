import Foundation

/// The one engine behind every sweep — the circuit-efficiency grids (`Sweep`, runs trained in this process)
/// and `scidl sweep` (`CommandGrid`, each run a `scidl` process): named runs, each in `DIR/runs/NAME`, run
/// here `workers` at a time or sent to Slurm as one job array (`SlurmSubmission`). A finished run is never
/// redone, and one whose folder another process holds (a Slurm task) is left to it.
public enum SweepEngine {
    /// The folder of run `name` of the sweep in `directory`.
    public static func folder(of name: String, in directory: URL) -> URL {
        directory.appendingPathComponent("runs").appendingPathComponent(name)
    }

    /// What the engine tells its caller while it runs; a finished run brings what its `execute` returned.
    public enum Event<Outcome: Sendable>: Sendable {
        /// Before the first run: how many runs in all, how many left to run here, how many at once.
        case started(runs: Int, toRun: Int, workers: Int)
        /// A run is starting (`index` counts from 1 among those left to run).
        case starting(name: String, index: Int, of: Int)
        /// A run finished.
        case finished(name: String, outcome: Outcome)
        /// A run failed; the others go on.
        case failed(name: String, error: any Error)
        /// A run was skipped because another process holds its folder.
        case busy(name: String)
    }

    /// Runs every run of `names` that is neither finished nor busy, `workers` at once (a caller training in
    /// this process gives each run its share of the cores inside `execute`); `event` is called under a lock,
    /// so a caller may merge results there. A failed run does not stop the others; afterwards one error names the
    /// failed runs with the first one's message, and running the sweep again retries them.
    public static func runHere<Outcome: Sendable>(
        _ names: [String], workers: Int, isFinished: (String) -> Bool, isBusy: (String) -> Bool,
        execute: @Sendable (String) throws -> Outcome, event: @Sendable (Event<Outcome>) -> Void
    ) throws {
        let unfinished = names.filter { !isFinished($0) }
        let pending = unfinished.filter { name in
            let busy = isBusy(name)
            if busy { event(.busy(name: name)) }
            return !busy
        }
        let workers = max(1, min(workers, pending.count))
        event(.started(runs: names.count, toRun: pending.count, workers: workers))
        let state = PoolState(pending)
        let count = pending.count
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let (index, name) = state.next() {
                state.locked { event(.starting(name: name, index: index + 1, of: count)) }
                do {
                    let outcome = try execute(name)
                    state.locked { event(.finished(name: name, outcome: outcome)) }
                } catch {
                    state.locked {
                        state.failures.append((name, error))
                        event(.failed(name: name, error: error))
                    }
                }
            }
        }
        guard let (_, first) = state.failures.first else { return }
        let n = state.failures.count
        let names = state.failures.prefix(3).map(\.0).joined(separator: ", ") + (n > 3 ? ", …" : "")
        throw SciDLError(
            """
            \(n) run\(n == 1 ? "" : "s") failed (\(names)): \(RunFolder.describe(first)); run the sweep again to \
            retry \(n == 1 ? "it" : "them")
            """)
    }

    /// The runs left and the failures, shared by the workers.
    private final class PoolState: @unchecked Sendable {
        private let lock = NSLock()
        private let pending: [String]
        private var cursor = 0
        var failures: [(String, any Error)] = []

        init(_ pending: [String]) { self.pending = pending }

        func next() -> (Int, String)? {
            lock.withLock {
                guard cursor < pending.count else { return nil }
                cursor += 1
                return (cursor - 1, pending[cursor - 1])
            }
        }

        func locked(_ body: () -> Void) { lock.withLock(body) }
    }
}
