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
    withoutActuallyEscaping(body) { body in
        let box = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = c * per
            let end = min(count, start + per)
            if start < end { box.value(start..<end) }
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

/// How many threads SciDL's own loops use (the BLAS keeps its own setting).
public enum Parallelism {
    nonisolated(unsafe) public static var threadCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Lets a non-Sendable closure cross into `concurrentPerform`; callers guarantee disjoint writes.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

import Foundation
