/// A binary property of contrast pairs that probe scores are compared against: the truth, or a feature
/// competing with it for a probe's attention (the appended word, Alice's view, a user's own column).
public struct PairFeature: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The name in tables, CSV headers and JSON keys.
    public let name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }

    public static func < (a: PairFeature, b: PairFeature) -> Bool { a.name < b.name }

    /// Whether x⁺ is the true member: what every probe is scored against.
    public static let truth = PairFeature("truth")
    /// The distractor experiment: 1 where the first word was appended.
    public static let word = PairFeature("word")
    /// The opinion experiments: 1 where Alice's view (stated or implied) is the positive answer.
    public static let alice = PairFeature("alice")
    /// The implicit-opinion experiment: the truth on pairs inside the category (−1 elsewhere).
    public static let truthInCategory = PairFeature("truth_in_category")
    /// The implicit-opinion experiment: the truth on pairs outside the category (−1 inside).
    public static let truthElsewhere = PairFeature("truth_elsewhere")
    /// The implicit-opinion experiment's measure (Farquhar et al.): the truth on pairs inside the category,
    /// with the probe's sign decided on the training pairs outside it.
    public static let truthInCategorySignedElsewhere = PairFeature("truth_in_category_sign_from_elsewhere")
    /// The theorem check's feature h.
    public static let h = PairFeature("h")
}
