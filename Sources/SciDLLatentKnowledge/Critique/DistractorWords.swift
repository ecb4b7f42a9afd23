import Foundation
import SciDLSupport
import SciDLTensor

/// The distractor experiment: a meaningless word that splits the pairs in two, which CCS may find instead of
/// the truth.
extension Challenges {
    /// "banana/shed": a random half of the examples gets `words[0]` appended to both members of its pair,
    /// the other half `words[1]`. The competing feature `word` is 1 where `words[0]` was appended.
    public static func distractor(
        _ dataset: LabelledDataset, template: PromptTemplate, words: [String], seed: UInt64
    ) throws -> ChallengeCondition {
        guard words.count == 2, words.allSatisfy({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }),
            words[0] != words[1]
        else {
            throw SciDLError("--words needs two different non-empty words, e.g. Banana,Shed (got \(words))")
        }
        let pairs = try template.contrastPairs(for: dataset)
        let half = halves(pairs.count, seed: seed, stream: .distractorWords)
        let marked = zip(pairs, half).map { pair, first in
            let word = first == 1 ? words[0] : words[1]
            return ContrastPair(
                positive: "\(pair.positive). \(word)", negative: "\(pair.negative). \(word)", label: pair.label)
        }
        return ChallengeCondition(name: "distractor \(words[0])/\(words[1])", pairs: marked, features: [.word: half])
    }
}
