import Foundation
import Dispatch

/// Splits `0..<count` into contiguous chunks and runs `body` on each, on all cores when the work is large.
///
/// Small loops run inline: below `minimumPerThread` elements the cost of waking a thread exceeds the work.
/// Each chunk covers a fixed range (a multiple of `granularity` long, but for the last), so results
/// never depend on scheduling.
public func parallelChunks(
    _ count: Int, minimumPerThread: Int = 1 << 15, granularity: Int = 1, _ body: (Range<Int>) -> Void
) {
    let chunks = min(Parallelism.threadCount, max(1, count / max(minimumPerThread, 1)))
    if chunks <= 1 {
        body(0..<count)
        return
    }
    let per = ((count + chunks - 1) / chunks + granularity - 1) / granularity * granularity
    let budget = Parallelism.threadCount
    withoutActuallyEscaping(body) { body in
        let box = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = c * per
            let end = min(count, start + per)
            // Loops nested in a chunk keep the caller's budget, whichever thread runs the chunk.
            if start < end { Parallelism.withThreadBudget(budget) { box.value(start..<end) } }
        }
    }
}

/// Runs `body(i, splitting)` for `count` independent matrix products: one whole product per core at a
/// time when there are at least as many products as cores (`splitting` false), otherwise one after another,
/// each free to split across cores itself (`splitting` true).
public func forEachProduct(_ count: Int, _ body: (_ index: Int, _ splitting: Bool) -> Void) {
    let acrossCores = count >= Parallelism.threadCount
    parallelChunks(count, minimumPerThread: acrossCores ? 1 : count + 1) { range in
        for i in range { body(i, !acrossCores) }
    }
}

/// Where each of consecutive segments of these lengths starts, plus the total at the end.
public func segmentStarts(_ segments: [Int]) -> [Int] {
    var starts = [0]
    for s in segments { starts.append(starts.last! + s) }
    return starts
}

/// How many threads SciDL's own loops use (the BLAS keeps its own setting, one thread: SciDL
/// parallelises around it).
public enum Parallelism {
    /// The cores this process may use: `SCIDL_THREADS` when set (a Slurm task sets it to the CPUs it was
    /// given, since a node's other CPUs belong to other jobs), otherwise every active core.
    public static let coreCount: Int = {
        if let text = ProcessInfo.processInfo.environment["SCIDL_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// The threads the calling thread's loops may use: `coreCount`, or what the innermost
    /// `withThreadBudget` around the call allows.
    public static var threadCount: Int {
        pthread_getspecific(budgetKey).map { Int(bitPattern: $0) } ?? coreCount
    }

    /// Runs `body` with the loops it starts on this thread limited to `threads` (at least 1) — a sweep
    /// training several networks at once gives each its share of the cores. The budget belongs to the
    /// calling thread, so runs side by side never change each other's.
    public static func withThreadBudget<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let saved = pthread_getspecific(budgetKey)
        pthread_setspecific(budgetKey, UnsafeRawPointer(bitPattern: max(1, threads)))
        defer { pthread_setspecific(budgetKey, saved) }
        return try body()
    }

    private static let budgetKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}

/// Lets a non-Sendable closure cross into `concurrentPerform`; callers guarantee disjoint writes.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
