import Foundation
import Dispatch
import SciDLTensor
import XCTest

final class ThreadBudgetTests: XCTestCase {
    /// A budget belongs to the thread that set it: two runs side by side each see their own, loops nested in
    /// their chunks keep it, and it ends with the closure.
    func testBudgetsAreScopedToTheirThreadAndInheritedByNestedLoops() {
        let all = Parallelism.coreCount
        XCTAssertEqual(Parallelism.threadCount, all)
        let seen = Seen()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            Parallelism.withThreadBudget(i + 1) {
                for _ in 0..<1000 { seen.record(run: i, budget: Parallelism.threadCount) }
                parallelChunks(64, minimumPerThread: 1) { _ in
                    seen.record(run: 10 + i, budget: Parallelism.threadCount)
                }
            }
        }
        XCTAssertEqual(seen.budgets(run: 0), [1])
        XCTAssertEqual(seen.budgets(run: 1), [2])
        XCTAssertEqual(seen.budgets(run: 10), [1], "a budget of 1 runs its loop inline")
        XCTAssertEqual(seen.budgets(run: 11), [2], "chunks run elsewhere keep the caller's budget")
        XCTAssertEqual(Parallelism.threadCount, all, "the budget ends with its closure")
    }
}

/// Budgets recorded from several threads.
private final class Seen: @unchecked Sendable {
    private var byRun: [Int: Set<Int>] = [:]
    private let lock = NSLock()
    func record(run: Int, budget: Int) { lock.withLock { byRun[run, default: []].insert(budget) } }
    func budgets(run: Int) -> Set<Int> { lock.withLock { byRun[run] ?? [] } }
}
