import Foundation
import SciDLAutodiff
import SciDLSupport
import SciDLTensor

/// A run's full training state in one safetensors file: model weights (`model.*`), AdamW moments
/// (`adam.m.*`, `adam.v.*`), Grokfast's memory (`grokfast.average.*`, or `grokfast.window.K.*` for the K-th
/// oldest gradient of the window), and in the metadata the step, the config, the minibatch generator and the
/// wall time so far. Written atomically: a crash mid-write leaves the previous checkpoint intact.
public struct Checkpoint {
    public static let fileName = "checkpoint.safetensors"
    static let format = "scidl-grok-checkpoint-1"

    public var step: Int
    public var config: GrokConfig
    public var weights: [String: Tensor]
    public var optimizer: AdamW
    /// Grokfast's state by parameter name: the average, and the window oldest first.
    var filterAverage: [String: Tensor] = [:]
    var filterWindow: [[String: Tensor]] = []
    public var minibatchState: [UInt64]
    public var elapsedSeconds: Double

    public init(
        step: Int, config: GrokConfig, model: any Module, optimizer: AdamW, gradientFilter: GradientFilterState? = nil,
        minibatchState: [UInt64], elapsedSeconds: Double
    ) {
        self.step = step
        self.config = config
        let names = model.namedParameters.map(\.name)
        self.weights = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.variable.value) })
        if let gradientFilter {
            filterAverage = Dictionary(uniqueKeysWithValues: zip(names, gradientFilter.average))
            filterWindow = gradientFilter.window.map { Dictionary(uniqueKeysWithValues: zip(names, $0)) }
        }
        self.optimizer = optimizer
        self.minibatchState = minibatchState
        self.elapsedSeconds = elapsedSeconds
    }

    /// Writes the checkpoint atomically into `directory`.
    public func write(to directory: URL, parameterNames: [String]) throws {
        var file = SafetensorsFile()
        for (i, name) in parameterNames.enumerated() {
            file.tensors["model." + name] = weights[name]
            if !optimizer.firstMoments.isEmpty {
                file.tensors["adam.m." + name] = optimizer.firstMoments[i]
                file.tensors["adam.v." + name] = optimizer.secondMoments[i]
            }
        }
        for (name, t) in filterAverage { file.tensors["grokfast.average." + name] = t }
        for (k, gradients) in filterWindow.enumerated() {
            for (name, t) in gradients { file.tensors["grokfast.window.\(k)." + name] = t }
        }
        let configJSON = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        file.metadata = [
            "format": Self.format, "step": String(step), "adam_step": String(optimizer.step),
            "config": configJSON, "minibatch_rng": minibatchState.map(String.init).joined(separator: ","),
            "elapsed_seconds": String(elapsedSeconds),
        ]
        try file.write(to: directory.appendingPathComponent(Self.fileName))
    }

    /// Reads the checkpoint in `directory`, checking that it is complete.
    public init(readingFrom directory: URL) throws {
        let url = directory.appendingPathComponent(Self.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SciDLError(
                """
                no checkpoint in \(directory.path): expected \(Self.fileName) (was the run started with --out \
                \(directory.path)?)
                """
            )
        }
        try self.init(SafetensorsFile(contentsOf: url), source: url.path)
    }

    /// The checkpoint in `file` (read from `source`), checking that it is complete.
    public init(_ file: SafetensorsFile, source: String) throws {
        func corrupt(_ why: String) -> SciDLError {
            SciDLError("checkpoint \(source) is unusable: \(why); start a new run or restore the file")
        }
        let m = file.metadata
        guard m["format"] == Self.format else { throw corrupt("it is not a SciDL grokking checkpoint") }
        guard let step = m["step"].flatMap(Int.init), let adamStep = m["adam_step"].flatMap(Int.init),
            let configText = m["config"], let elapsed = m["elapsed_seconds"].flatMap(Double.init)
        else { throw corrupt("its metadata lacks step, config or timing") }
        guard let config = try? GrokConfig(json: Data(configText.utf8), source: source) else {
            throw corrupt("its config cannot be read or is invalid")
        }
        guard (0...config.steps).contains(step) else {
            throw corrupt("its step \(step) lies outside 0...\(config.steps)")
        }
        guard (0...max(step, 0)).contains(adamStep), elapsed.isFinite, elapsed >= 0 else {
            throw corrupt("its optimizer step or timing is impossible")
        }
        let rngWords = (m["minibatch_rng"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        guard rngWords.count == 4 else { throw corrupt("its random-generator state is damaged") }
        var optimizer = AdamW(
            learningRate: Float(config.learningRate), beta1: Float(config.beta1),
            beta2: Float(config.beta2), epsilon: Float(config.adamEpsilon),
            weightDecay: Float(config.weightDecay))
        optimizer.step = adamStep
        let names = file.tensors.keys.filter { $0.hasPrefix("model.") }.map { String($0.dropFirst(6)) }
        guard !names.isEmpty else { throw corrupt("it holds no model weights") }
        self.step = step
        self.config = config
        self.weights = Dictionary(uniqueKeysWithValues: names.map { ($0, file.tensors["model." + $0]!) })
        self.minibatchState = rngWords
        self.elapsedSeconds = elapsed
        self.optimizer = optimizer
        self.adamMoments = names.reduce(into: [:]) { out, name in
            if let mt = file.tensors["adam.m." + name], let vt = file.tensors["adam.v." + name] { out[name] = (mt, vt) }
        }
        for (key, t) in file.tensors {
            if key.hasPrefix("grokfast.average.") {
                filterAverage[String(key.dropFirst("grokfast.average.".count))] = t
            } else if key.hasPrefix("grokfast.window.") {
                let rest = key.dropFirst("grokfast.window.".count)
                guard let dot = rest.firstIndex(of: "."), let k = Int(rest[..<dot]), (0..<100_000).contains(k) else {
                    throw corrupt("its Grokfast window entry \(key) is damaged")
                }
                while filterWindow.count <= k { filterWindow.append([:]) }
                filterWindow[k][String(rest[rest.index(after: dot)...])] = t
            }
        }
    }

    /// Grokfast's memory as saved, in the model's parameter order.
    public func restoreFilter(_ filter: GradientFilter, for model: any Module) throws -> GradientFilterState {
        let parameters = model.namedParameters
        func ordered(_ byName: [String: Tensor]) throws -> [Tensor] {
            try parameters.map { name, p in
                guard let t = byName[name], t.shape == p.shape else {
                    throw SciDLError(
                        "the checkpoint's Grokfast state for '\(name)' is missing or has the wrong shape; start a new run"
                    )
                }
                return t
            }
        }
        let average = filterAverage.isEmpty ? [] : try ordered(filterAverage)
        return GradientFilterState(filter, average: average, window: try filterWindow.map(ordered))
    }

    /// AdamW moments by parameter name, as read from a file.
    var adamMoments: [String: (Tensor, Tensor)] = [:]

    /// Puts the weights into `model` and returns the optimizer with its moments in the model's order.
    public func restore(into model: any Module) throws -> AdamW {
        try model.load(weights, source: "the checkpoint")
        var opt = optimizer
        if opt.step > 0 {
            for (name, p) in model.namedParameters {
                guard let (m, v) = adamMoments[name], m.shape == p.shape, v.shape == p.shape else {
                    throw SciDLError(
                        """
                        the checkpoint's optimizer state for '\(name)' is missing or has the wrong shape; start a \
                        new run
                        """
                    )
                }
                opt.firstMoments.append(m)
                opt.secondMoments.append(v)
            }
        }
        return opt
    }
}
