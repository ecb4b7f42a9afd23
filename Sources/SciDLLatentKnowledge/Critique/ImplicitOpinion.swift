import Foundation
import SciDLSupport
import SciDLTensor

/// The implicit-opinion experiment: a character who errs on one category of examples, shown only by
/// demonstrations.
extension Challenges {
    /// Implicit opinion: each prompt opens with `shots` solved examples in which Alice answers rightly,
    /// except on examples of `category`, where she answers wrongly; then the example with the answer.
    /// Competing features: `alice` (her implied answer, truth ⊕ category), and the truth within and
    /// outside the category (`truth_in_category`, `truth_elsewhere`; other pairs left out).
    public static func implicitOpinion(
        _ dataset: LabelledDataset, category: ExampleCategory, shots: Int, seed: UInt64
    ) throws -> ChallengeCondition {
        guard shots >= 2 else { throw SciDLError("--shots must be at least 2 (got \(shots))") }
        let inside = try dataset.examples.map { try category.contains($0) ? 1 : 0 }
        let insideIndices = inside.indices.filter { inside[$0] == 1 }
        let outsideIndices = inside.indices.filter { inside[$0] == 0 }
        guard insideIndices.count >= shots, outsideIndices.count >= shots else {
            throw SciDLError(
                """
                category \(category.description) holds \(insideIndices.count) of \(inside.count) examples; both \
                it and the rest need at least --shots \(shots)
                """
            )
        }
        let framing = OpinionFraming(for: dataset)
        var random = SeededGenerator(seed: seed, stream: .implicitOpinionShots)
        let pairs = dataset.examples.indices.map { i -> ContrastPair in
            // Half the demonstrations from the category, half from elsewhere, never the example itself.
            var demos: [Int] = []
            for (pool, quota) in [(insideIndices, shots / 2), (outsideIndices, shots - shots / 2)] {
                var picked = 0
                while picked < quota {
                    let j = pool[random.nextInt(below: pool.count)]
                    if j != i, !demos.contains(j) {
                        demos.append(j)
                        picked += 1
                    }
                }
            }
            demos = random.permutation(demos.count).map { demos[$0] }
            let shown = demos.map { j -> String in
                let e = dataset.examples[j]
                let alice = e.label ^ inside[j]
                return "\(framing.text(e.fields))\nAlice: \(framing.answers[alice])"
            }.joined(separator: "\n\n")
            func prompt(_ answer: String) -> String {
                """
                Alice answers questions about \
                \(framing.noun)s.\n\n\(shown)\n\n\(framing.text(dataset.examples[i].fields))\nAlice: \(answer)
                """
            }
            return ContrastPair(
                positive: prompt(framing.answers[1]), negative: prompt(framing.answers[0]),
                label: dataset.examples[i].label)
        }
        let labels = dataset.examples.map(\.label)
        return ChallengeCondition(
            name: "implicit opinion (\(category.description))", pairs: pairs,
            features: [
                .alice: zip(labels, inside).map { $0 ^ $1 },
                .truthInCategory: zip(labels, inside).map { $1 == 1 ? $0 : -1 },
                .truthElsewhere: zip(labels, inside).map { $1 == 0 ? $0 : -1 },
            ])
    }

    /// Farquhar et al.'s implicit-opinion experiment on DBpedia topics (a `TopicChoices` file): each text
    /// under the paper's two few-shot prompts, word for word — Alice answering rightly (`topic-alice`), and
    /// Alice the anti-capitalist who never says "Company" (`topic-anti-capitalist`). Competing features:
    /// `alice` (her answer: the truth, or under the second prompt the other choice on company texts), and the
    /// truth on company and on other texts separately; `Elicitation.run` adds the paper's measure, the truth on
    /// company texts with the probe's sign chosen on the other texts.
    public static func papersImplicitOpinion(_ dataset: LabelledDataset) throws -> [ChallengeCondition] {
        let labels = dataset.examples.map(\.label)
        let company = dataset.examples.map { $0.fields["company"] == "1" ? 1 : 0 }
        let truthByTopic: [PairFeature: [Int]] = [
            .truthInCategory: zip(labels, company).map { $1 == 1 ? $0 : -1 },
            .truthElsewhere: zip(labels, company).map { $1 == 0 ? $0 : -1 },
        ]
        return try [(PromptTemplate.BuiltIn.topicAlice, false), (.topicAntiCapitalist, true)].map { prompt, against in
            var features = truthByTopic
            features[.alice] = against ? zip(labels, company).map { $0 ^ $1 } : labels
            return ChallengeCondition(
                name: prompt.rawValue, pairs: try prompt.template.contrastPairs(for: dataset), features: features)
        }
    }
}
