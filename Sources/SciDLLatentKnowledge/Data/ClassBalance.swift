import SciDLReports
import SciDLSupport

/// How the pairs' labels divide between the classes.
public struct ClassBalance: Sendable {
    public var trueCount: Int
    public var falseCount: Int

    public init(_ labels: [Int]) {
        trueCount = labels.filter { $0 == 1 }.count
        falseCount = labels.filter { $0 == 0 }.count
    }

    /// The larger class's share: what always guessing it scores.
    public var majorityShare: Double { Double(max(trueCount, falseCount)) / Double(max(trueCount + falseCount, 1)) }
    /// Beyond 60/40, where accuracy says little without the chance level beside it.
    public var isImbalanced: Bool { majorityShare > 0.6 }

    /// "812 true / 188 false", with the chance level when imbalanced.
    public var description: String {
        let counts = "\(trueCount) true / \(falseCount) false"
        guard isImbalanced else { return counts }
        return "\(counts) (imbalanced: always guessing the larger class scores \(formatNumber(majorityShare)))"
    }

    /// Refuses labels of one class: accuracy and AUROC against them mean nothing. `what` names them
    /// ("the data", "seed 3's test pairs"), `hint` says what to do.
    public func requireBothClasses(_ what: String, hint: String) throws {
        guard trueCount == 0 || falseCount == 0 else { return }
        let only = trueCount == 0 ? "false (label 0)" : "true (label 1)"
        throw SciDLError("\(what): all \(trueCount + falseCount) are \(only), so nothing can be scored; \(hint)")
    }
}
