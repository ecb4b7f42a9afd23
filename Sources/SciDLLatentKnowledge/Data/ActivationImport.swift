import Foundation
import SciDLSupport
import SciDLTensor

/// Activations extracted elsewhere (a bigger model, another framework), read from `.npy`, `.npz` or
/// safetensors files.
///
/// Accepted layouts, with the pair axis ordered (x⁻, x⁺) as in the CCS code (0 = "no", 1 = "yes"):
/// - one array `[n, 2, d]`, or `[layers, n, 2, d]` for several layers (a `.npy` file, or the array named
///   `activations` — or the only array — of an `.npz`/safetensors file);
/// - two arrays `[n, d]` or `[layers, n, d]`: files given separately, or arrays named `positive` and
///   `negative` in one `.npz`/safetensors file;
/// - labels (optional) as an array `labels` in the same file, or a separate `.npy`, `.csv`/`.jsonl` (the
///   data set's label column) or text file with one 0/1 per line.
public enum ActivationImport {
    /// Reads `file` (one of the layouts above) and optional separate `labels`. A safetensors file holding F32
    /// `positive` and `negative` as [layers, n, d] (SciDL's own activation files; the layout to choose for a large
    /// export) stays on disk and is read a layer at a time, so its size is bounded by the disk, not by memory.
    public static func load(_ file: URL, labels labelsFile: URL? = nil) throws -> ContrastActivations {
        if file.pathExtension.lowercased() == "safetensors", let activations = try layerMajor(file, labels: labelsFile)
        {
            return activations
        }
        return try activations(from: readArrays(file), source: file.lastPathComponent, labels: labelsFile)
    }

    /// The activations of a safetensors file in the layer-major layout, left in the file (checked for NaN and
    /// infinity as they are read once); nil for any other layout or dtype, which is read whole.
    static func layerMajor(_ url: URL, labels labelsFile: URL?) throws -> ContrastActivations? {
        guard let file = try? SafetensorsStreamReader(url: url) else { return nil }
        let entries = file.header.entries
        guard let shape = file.shape(of: "positive"), shape.count == 3, !shape.contains(0),
            file.shape(of: "negative") == shape, entries["positive"]?.dtype == "F32",
            entries["negative"]?.dtype == "F32",
            ["labels", "layers"].allSatisfy({ entries[$0] == nil || entries[$0]?.dtype == "F32" })
        else { return nil }
        let activations = try ActivationCache.activations(in: file, labels: labelsFile.map(readLabels))
        for j in activations.layers.indices {
            try activations.forEachBlock(slot: j) { first, positive, negative in
                guard positive.allSatisfy(\.isFinite), negative.allSatisfy(\.isFinite) else {
                    throw SciDLError(
                        """
                        \(url.lastPathComponent): the activations contain NaN or infinite values (layer slot \(j), \
                        pairs from \(first))
                        """)
                }
            }
        }
        return activations
    }

    /// The activations in arrays already read (one of the layouts above), naming `source` in errors.
    public static func activations(
        from arrays: [String: Tensor], source: String, labels labelsFile: URL? = nil
    ) throws -> ContrastActivations {
        var labels = try arrays["labels"].map { try labelList($0, source: source) } ?? []
        if let l = labelsFile { labels = try readLabels(l) }
        let layerNames = try arrays["layers"].map { try layerList($0, source: source) }
        if let positive = arrays["positive"] ?? arrays["x_pos"], let negative = arrays["negative"] ?? arrays["x_neg"] {
            return try make(positive: positive, negative: negative, labels: labels, layers: layerNames, source: source)
        }
        let candidates = arrays.filter { !["labels", "layers"].contains($0.key) }
        guard let stacked = arrays["activations"] ?? (candidates.count == 1 ? candidates.first!.value : nil) else {
            throw SciDLError(
                """
                \(source) has arrays \(arrays.keys.sorted().joined(separator: ", ")); name them 'activations' \
                ([n, 2, d]) or 'positive' and 'negative' ([n, d])
                """
            )
        }
        return try make(stacked: stacked, labels: labels, layers: layerNames, source: source)
    }

    /// Reads separate x⁺ and x⁻ files.
    public static func load(positive: URL, negative: URL, labels labelsFile: URL? = nil) throws -> ContrastActivations {
        func single(_ url: URL) throws -> Tensor {
            let arrays = try readArrays(url)
            guard let t = arrays["positive"] ?? arrays["negative"] ?? (arrays.count == 1 ? arrays.first!.value : nil)
            else {
                throw SciDLError(
                    """
                    \(url.lastPathComponent) holds several arrays \
                    (\(arrays.keys.sorted().joined(separator: ", "))); give one array per file
                    """
                )
            }
            return t
        }
        let labels = try labelsFile.map(readLabels) ?? []
        return try make(
            positive: single(positive), negative: single(negative), labels: labels, layers: nil,
            source: "\(positive.lastPathComponent) / \(negative.lastPathComponent)")
    }

    static func readArrays(_ url: URL) throws -> [String: Tensor] {
        guard let data = try? Data(contentsOf: url, options: .mappedIfSafe) else {
            throw SciDLError("cannot read activation file \(url.path)")
        }
        switch url.pathExtension.lowercased() {
        case "npy": return ["activations": try NumPyFile.array(from: data, source: url.path)]
        case "npz": return try NumPyFile.arrays(fromArchive: data, source: url.path)
        case "safetensors": return try SafetensorsFile(data: data, source: url.path).tensors
        default: throw SciDLError("\(url.lastPathComponent): activation files must be .npy, .npz or .safetensors")
        }
    }

    /// One 0/1 per pair from a `.npy`/`.npz`/safetensors array, a `.csv`/`.jsonl` label column, or text lines.
    public static func readLabels(_ url: URL) throws -> [Int] {
        switch url.pathExtension.lowercased() {
        case "npy", "npz", "safetensors":
            let arrays = try readArrays(url)
            guard let t = arrays["labels"] ?? arrays["activations"] ?? (arrays.count == 1 ? arrays.first!.value : nil)
            else {
                throw SciDLError("\(url.lastPathComponent) has no array named 'labels'")
            }
            return try labelList(t, source: url.lastPathComponent)
        case "csv", "jsonl":
            return try LabelledDataset(contentsOf: url).examples.map(\.label)
        default:
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw SciDLError("cannot read labels file \(url.path)")
            }
            return try text.split(whereSeparator: \.isNewline).enumerated().map { i, line in
                guard let l = LabelledDataset.parseLabel(String(line)) else {
                    throw SciDLError("\(url.lastPathComponent), line \(i + 1): '\(printable(line))' is not a 0/1 label")
                }
                return l
            }
        }
    }

    /// The layer numbers an imported file names: whole numbers, one per layer.
    static func layerList(_ t: Tensor, source: String) throws -> [Int] {
        try t.scalars.map {
            guard $0.isFinite, $0 == $0.rounded(), abs($0) < 1e9 else {
                throw SciDLError("\(source): layer number \($0) in 'layers' is not a whole number")
            }
            return Int($0)
        }
    }

    /// Refuses arrays with an empty axis: every pair, layer and dimension must be there.
    static func checkNotEmpty(_ t: Tensor, source: String) throws {
        guard !t.shape.contains(0) else {
            throw SciDLError("\(source): activations have shape \(t.shape), with an empty axis; nothing to probe")
        }
    }

    static func labelList(_ t: Tensor, source: String) throws -> [Int] {
        guard t.rank == 1 else {
            throw SciDLError("\(source): labels have shape \(t.shape); they must be one 0/1 per pair, [n]")
        }
        return try t.scalars.map {
            guard $0 == 0 || $0 == 1 else { throw SciDLError("\(source): label \($0) is not 0 or 1") }
            return Int($0)
        }
    }

    /// [n, 2, d] or [L, n, 2, d] → x⁺ and x⁻ as [n, L, d].
    static func make(stacked t: Tensor, labels: [Int], layers: [Int]?, source: String) throws -> ContrastActivations {
        guard (t.rank == 3 && t.shape[1] == 2) || (t.rank == 4 && t.shape[2] == 2) else {
            throw SciDLError(
                """
                \(source): activations have shape \(t.shape); expected [n, 2, d] or [layers, n, 2, d] (pair axis: \
                x⁻, x⁺)
                """
            )
        }
        try checkNotEmpty(t, source: source)
        let (l, n, d) = t.rank == 3 ? (1, t.shape[0], t.shape[2]) : (t.shape[0], t.shape[1], t.shape[3])
        if let layers, layers.count != l {
            throw SciDLError("\(source): 'layers' names \(layers.count) layers but the activations have \(l)")
        }
        var positive = [Float](repeating: 0, count: n * l * d)
        var negative = positive
        for layer in 0..<l {
            for i in 0..<n {
                let from = ((layer * n + i) * 2) * d
                let to = (i * l + layer) * d
                for k in 0..<d {
                    negative[to + k] = t.scalars[from + k]
                    positive[to + k] = t.scalars[from + d + k]
                }
            }
        }
        return try ContrastActivations(
            positive: Tensor(shape: [n, l, d], scalars: positive),
            negative: Tensor(shape: [n, l, d], scalars: negative),
            labels: labels, layers: layers ?? Array(0..<l), source: source)
    }

    /// Two [n, d] or [L, n, d] arrays → [n, L, d] each.
    static func make(
        positive p: Tensor, negative q: Tensor, labels: [Int], layers: [Int]?, source: String
    ) throws -> ContrastActivations {
        guard p.shape == q.shape, p.rank == 2 || p.rank == 3 else {
            throw SciDLError(
                "\(source): x⁺ has shape \(p.shape) and x⁻ \(q.shape); both must be [n, d] or [layers, n, d] alike")
        }
        try checkNotEmpty(p, source: source)
        let layerCount = p.rank == 3 ? p.shape[0] : 1
        if let layers, layers.count != layerCount {
            throw SciDLError("\(source): 'layers' names \(layers.count) layers but the activations have \(layerCount)")
        }
        func pairMajor(_ t: Tensor) -> Tensor {
            t.rank == 3 ? t.swappingFirstTwoAxes() : t.reshaped([t.shape[0], 1, t.shape[1]])
        }
        let positive = pairMajor(p)
        let negative = pairMajor(q)
        return try ContrastActivations(
            positive: positive, negative: negative, labels: labels,
            layers: layers ?? Array(0..<positive.shape[1]), source: source)
    }
}
