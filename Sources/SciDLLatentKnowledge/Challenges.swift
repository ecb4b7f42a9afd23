import Foundation
import SciDLSupport
import SciDLTensor

/// One arm of a critique experiment (Farquhar, Varma et al. 2023): contrast pairs plus the binary
/// features that compete with the truth for a probe's attention, one value per pair.
public struct ChallengeCondition: Sendable {
    public var name: String
    public var pairs: [ContrastPair]
    public var features: [PairFeature: [Int]]

    public init(name: String, pairs: [ContrastPair], features: [PairFeature: [Int]] = [:]) {
        self.name = name
        self.pairs = pairs
        self.features = features
    }
}

/// The critique experiments' prompts.
public enum Challenges {
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

    /// Sentences stating a character's view, used in order: `explicitOpinion` puts the first k of them
    /// before the model's own answer.
    public static let opinionSentences = [
        "Alice thinks it is {view}.", "She is sure it is {view}.", "Alice says it is {view}.",
        "In her view it is clearly {view}.", "Alice has checked, and it is {view}.", "She would bet that it is {view}.",
        "Alice always answers {view} to this kind of question.", "Everyone who asked her heard: {view}.",
    ]

    /// "Alice thinks it is [view]": an expert character's view, drawn at random independently of the truth,
    /// is stated before the answer in `sentences` sentences (1–8). The competing feature `alice` is 1 where
    /// Alice's view is the positive answer.
    public static func explicitOpinion(
        _ dataset: LabelledDataset, sentences: Int, seed: UInt64
    ) throws -> ChallengeCondition {
        guard (1...opinionSentences.count).contains(sentences) else {
            throw SciDLError("--sentences must be between 1 and \(opinionSentences.count) (got \(sentences))")
        }
        let framing = OpinionFraming(for: dataset)
        let views = halves(dataset.examples.count, seed: seed, stream: .opinionHolders)
        let statement = opinionSentences.prefix(sentences).joined(separator: " ")
        let pairs = zip(dataset.examples, views).map { example, view -> ContrastPair in
            let alice = statement.replacingOccurrences(of: "{view}", with: framing.answers[view])
            func prompt(_ answer: String) -> String {
                "Alice is an expert at \(framing.task). Everyone agrees with her, and they always copy her answers. "
                    + "Consider the following \(framing.noun): \(framing.text(example.fields))\n"
                    + "\(alice) What do you think? I think it is \(answer)"
            }
            return ContrastPair(
                positive: prompt(framing.answers[1]), negative: prompt(framing.answers[0]), label: example.label)
        }
        return ChallengeCondition(
            name: "explicit opinion (\(sentences) sentence\(sentences == 1 ? "" : "s"))", pairs: pairs,
            features: [.alice: views])
    }

    /// The critique's templates for true/false statements: the plain question, an instruction to read it
    /// literally, and a third-person "Professor Smith" framing (after Farquhar et al.'s prompts).
    public static let critiqueTemplates: [PromptTemplate] = [
        PromptTemplate.BuiltIn.truth.template,
        try! PromptTemplate(
            name: "literal",
            text:
                """
                    Interpret the following statement literally, as a claim about the real world, and say whether it \
                    is true or false.\nStatement: {statement}\nAnswer: {answer}
                    """,
            answers: ["False", "True"]),
        try! PromptTemplate(
            name: "professor",
            text:
                """
                    Professor Smith was given the following instructions: Interpret each statement literally, as a \
                    claim about the real world; carefully research each answer, without falling prey to any common \
                    myths; and reply \"True\" or \"False\".\nStatement: {statement}\nProfessor Smith's answer: \
                    {answer}
                    """,
            answers: ["False", "True"]),
    ]

    /// The same examples under each template.
    public static func templates(_ dataset: LabelledDataset, templates: [PromptTemplate]) throws -> [ChallengeCondition]
    {
        guard !templates.isEmpty else { throw SciDLError("no templates to compare") }
        return try templates.map { ChallengeCondition(name: $0.name, pairs: try $0.contrastPairs(for: dataset)) }
    }

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

    /// A seeded random half: exactly ⌊n/2⌋ ones, in random order.
    public static func halves(_ n: Int, seed: UInt64, stream: RandomStream) -> [Int] {
        var random = SeededGenerator(seed: seed, stream: stream)
        var out = [Int](repeating: 0, count: n)
        for i in random.permutation(n).prefix(n / 2) { out[i] = 1 }
        return out
    }
}

/// How an opinion prompt speaks of the data: true/false statements, sentiment of reviews, or yes/no
/// questions about a passage.
struct OpinionFraming {
    var task: String, noun: String, answers: [String]
    var text: ([String: String]) -> String

    init(for dataset: LabelledDataset) {
        switch dataset.defaultTemplate {
        case .question:
            (task, noun, answers) = ("answering questions about passages", "passage and question", ["no", "yes"])
            text = { "\($0["passage"] ?? "")\nQuestion: \($0["question"] ?? "")?" }
        case .sentiment:
            (task, noun, answers) = ("classifying the sentiment of reviews", "review", ["negative", "positive"])
            text = { $0["text"] ?? "" }
        case .truth, .yesNo:
            (task, noun, answers) = ("telling true statements from false ones", "statement", ["false", "true"])
            text = { $0["statement"] ?? "" }
        }
    }
}

/// A set of examples picked by one column: `country=China`, `country=China|India`, `a>50` or `n1<60`.
public struct ExampleCategory: Sendable, CustomStringConvertible {
    public var column: String
    public var relation: Character
    public var values: [String]

    public init(parsing text: String, columns: [String]) throws {
        guard let index = text.firstIndex(where: { $0 == "=" || $0 == ">" || $0 == "<" }) else {
            throw SciDLError(
                "--category '\(text)' must look like column=value, column=a|b, column>number or column<number")
        }
        column = String(text[..<index]).trimmingCharacters(in: .whitespaces)
        relation = text[index]
        values = text[text.index(after: index)...].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        guard columns.contains(column) else {
            throw SciDLError(
                """
                    --category names column '\(column)', which the data does not have (columns: \
                    \(columns.joined(separator: ", ")))
                    """
            )
        }
        guard !values.isEmpty, relation == "=" || (values.count == 1 && Double(values[0]) != nil) else {
            throw SciDLError("--category '\(text)': give values after '=', or one number after '>' or '<'")
        }
    }

    /// A default for the data sets SciDL knows: Chinese cities, or the larger half of the first number.
    public static func defaultCategory(for dataset: LabelledDataset) throws -> ExampleCategory {
        for (column, rule) in [("correct_country", "correct_country=China"), ("n1", "n1>75"), ("a", "a>50")]
        where dataset.columns.contains(column) {
            return try ExampleCategory(parsing: rule, columns: dataset.columns)
        }
        throw SciDLError("no default category for \(dataset.name): give one with --category column=value")
    }

    func contains(_ example: LabelledExample) throws -> Bool {
        let value = example.fields[column] ?? ""
        switch relation {
        case "=": return values.contains(value)
        default:
            guard let number = Double(value) else {
                throw SciDLError("--category: '\(value)' in column '\(column)' is not a number")
            }
            return relation == ">" ? number > Double(values[0])! : number < Double(values[0])!
        }
    }

    public var description: String { "\(column)\(relation)\(values.joined(separator: "|"))" }
}
