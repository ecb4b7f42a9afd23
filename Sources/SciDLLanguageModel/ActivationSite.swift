/// Where in a transformer an activation is read, named as TransformerLens names its hooks, so results and
/// cache files say `blocks.11.hook_resid_post` whatever model they came from.
public enum ActivationSite: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// `hook_embed`: the token embeddings (for BERT, after the embedding LayerNorm).
    case embed
    /// `blocks.{i}.hook_resid_post`: the residual stream after block i (0-based).
    case residualPost(block: Int)
    /// `ln_final.hook_normalized`: a decoder's final norm applied to the last residual stream.
    case finalNorm

    /// The numbering of `--layers`: 0 is the embeddings, i the output of the i-th block (1-based).
    public init(layer: Int) { self = layer == 0 ? .embed : .residualPost(block: layer - 1) }

    /// The `--layers` number of this site (nil for the final norm).
    public var layer: Int? {
        switch self {
        case .embed: 0
        case .residualPost(let block): block + 1
        case .finalNorm: nil
        }
    }

    /// Parses a TransformerLens name.
    public init?(name: String) {
        if name == "hook_embed" {
            self = .embed
            return
        }
        if name == "ln_final.hook_normalized" {
            self = .finalNorm
            return
        }
        let parts = name.split(separator: ".")
        guard parts.count == 3, parts[0] == "blocks", parts[2] == "hook_resid_post", let i = Int(parts[1]), i >= 0
        else { return nil }
        self = .residualPost(block: i)
    }

    public var description: String {
        switch self {
        case .embed: "hook_embed"
        case .residualPost(let block): "blocks.\(block).hook_resid_post"
        case .finalNorm: "ln_final.hook_normalized"
        }
    }

    /// Order of computation.
    var order: Int {
        switch self {
        case .embed: 0
        case .residualPost(let block): block + 1
        case .finalNorm: Int.max
        }
    }

    public static func < (a: ActivationSite, b: ActivationSite) -> Bool { a.order < b.order }
}
