import Foundation
import SciDLSupport
import SciDLTensor

/// The probes a run fitted, saved in its folder as `probes.safetensors` so that `scidl eval` can apply them
/// to other data, templates or models without refitting: per probe its method, template, layer and seed,
/// direction and bias, the pairs it trained and was tested on, and the side statistics of its
/// normalisation; for the run, the normalisation settings and where the activations came from.
public struct SavedProbes: Sendable {
    public struct Probe: Sendable {
        public var template: String
        public var layer: Int
        public var seed: UInt64
        public var probe: FittedProbe
        public var split: PairSplit
        public var sides: SideNormalisation?
        /// The sign decision for the truth made on its training pairs, per direction (`ProbeResult.truthReversals`).
        public var truthReversals: [Bool]
    }

    public var probes: [Probe]
    /// The normalisation (and test fraction) they were fitted under.
    public var settings: ElicitSettings
    /// Where the activations came from: data, model, position…
    public var provenance: ProbeProvenance
    /// Per template, a hash of the activations the probes were fitted on (`activationsHash`): the same
    /// activations again are scored on each probe's own held-out pairs.
    public var activations: [String: String]

    public static let fileName = "probes.safetensors"
    static let format = "scidl-probes-2"
    /// Probes saved before each probe's sign was decided on its training pairs: they cannot be oriented.
    static let unorientedFormat = "scidl-probes-1"

    public init(
        results: [ProbeResult], settings: ElicitSettings, provenance: ProbeProvenance, activations: [String: String]
    ) {
        probes = results.map {
            Probe(
                template: $0.template, layer: $0.layer, seed: $0.seed, probe: $0.probe, split: $0.split, sides: $0.sides,
                truthReversals: $0.truthReversals)
        }
        self.settings = settings
        self.provenance = provenance
        self.activations = activations
    }

    /// The probes of `results`, fitted on `sets` (each template's or condition's activations, hashed so that
    /// `scidl eval` knows them again), written into `directory`.
    public static func save(
        _ results: [ProbeResult], settings: ElicitSettings, sets: [(name: String, activations: ContrastActivations)],
        to directory: URL, provenance: ProbeProvenance
    ) throws {
        let hashes = Dictionary(
            sets.map { ($0.name, activationsHash($0.activations)) }, uniquingKeysWith: { a, _ in a })
        try SavedProbes(results: results, settings: settings, provenance: provenance, activations: hashes)
            .write(to: directory)
    }

    /// A hash of activations' contents (both sides, labels and layer names).
    public static func activationsHash(_ a: ContrastActivations) -> String {
        var hasher = ContentHash.Hasher()
        a.forEachPairMajorChunk { hasher.update($0) }
        hasher.update("\(a.labels)\(a.layers)")
        return hasher.hex
    }

    private static let encoder = {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        return e
    }()

    public func write(to directory: URL) throws {
        var tensors: [String: Tensor] = [:]
        func vector(_ v: [Float]) -> Tensor { Tensor(shape: [v.count], scalars: v) }
        var index: [[String: Any]] = []
        for (i, p) in probes.enumerated() {
            let key = "probe.\(i)."
            tensors[key + "direction"] = vector(p.probe.direction)
            tensors[key + "train"] = vector(p.split.train.map(Float.init))
            tensors[key + "test"] = vector(p.split.test.map(Float.init))
            tensors[key + "reversed"] = vector(p.truthReversals.map { $0 ? 1 : 0 })
            if let s = p.sides {
                tensors[key + "mean_positive"] = vector(s.meanPositive)
                tensors[key + "mean_negative"] = vector(s.meanNegative)
                tensors[key + "scale_positive"] = vector(s.scalePositive)
                tensors[key + "scale_negative"] = vector(s.scaleNegative)
            }
            var entry: [String: Any] = [
                "method": p.probe.method.rawValue, "template": p.template, "layer": p.layer, "seed": "\(p.seed)",
                // The bias as text: a Float's shortest decimal form reads back to the same bits.
                "bias": "\(p.probe.bias)",
            ]
            if let loss = p.probe.loss { entry["loss"] = "\(loss)" }
            index.append(entry)
        }
        let json = { (o: Any) in
            String(decoding: try JSONSerialization.data(withJSONObject: o, options: .sortedKeys), as: UTF8.self)
        }
        var metadata = [
            "format": Self.format, "probes": try json(index),
            "normalisation": settings.normalisation.rawValue, "variance_scaling": "\(settings.scalingVariance)",
            "min_cluster_size": "\(settings.minClusterSize)", "test_fraction": "\(settings.testFraction)",
            "activations": try json(activations), "provenance": String(decoding: try Self.encoder.encode(provenance), as: UTF8.self),
        ]
        metadata["ccs_symmetric_confidence"] = "\(settings.ccs.symmetricConfidence)"
        try SafetensorsFile(tensors: tensors, metadata: metadata)
            .write(to: directory.appendingPathComponent(Self.fileName))
    }

    /// Reads the probes saved in a run folder.
    public init(contentsOf directory: URL) throws {
        let url = directory.appendingPathComponent(Self.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SciDLError(
                """
                \(directory.path) holds no \(Self.fileName): give the folder of an elicit or challenge run (runs \
                made before SciDL saved probes need running again)
                """)
        }
        let file = try SafetensorsFile(contentsOf: url)
        func bad(_ why: String) -> SciDLError { SciDLError("\(url.path) is damaged: \(why); run the experiment again") }
        let m = file.metadata
        if m["format"] == Self.unorientedFormat {
            throw SciDLError(
                """
                \(url.path) was saved before SciDL decided each probe's sign on its training pairs, so its probes \
                cannot be oriented: run the experiment again
                """)
        }
        guard m["format"] == Self.format,
            let index = m["probes"].flatMap({ try? JSONSerialization.jsonObject(with: Data($0.utf8)) })
                as? [[String: Any]],
            let normalisation = m["normalisation"].flatMap(Normalisation.init(rawValue:))
        else { throw bad("it is not a SciDL probe file") }
        var settings = ElicitSettings()
        settings.normalisation = normalisation
        settings.scalingVariance = m["variance_scaling"] == "true"
        settings.minClusterSize = m["min_cluster_size"].flatMap(Int.init) ?? settings.minClusterSize
        settings.testFraction = m["test_fraction"].flatMap(Double.init) ?? settings.testFraction
        settings.ccs.symmetricConfidence = m["ccs_symmetric_confidence"] == "true"
        self.settings = settings
        func dictionary(_ key: String) -> [String: String] {
            m[key].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] } ?? [:]
        }
        if let text = m["provenance"] {
            guard let read = try? JSONDecoder().decode(ProbeProvenance.self, from: Data(text.utf8)) else {
                throw bad("where its activations came from is not readable")
            }
            provenance = read
        } else {
            provenance = ProbeProvenance()
        }
        activations = dictionary("activations")
        probes = try index.enumerated().map { i, entry in
            let key = "probe.\(i)."
            guard let method = (entry["method"] as? String).flatMap(ProbeMethod.init(rawValue:)),
                let template = entry["template"] as? String, let layer = entry["layer"] as? Int,
                let seed = (entry["seed"] as? String).flatMap(UInt64.init),
                let bias = (entry["bias"] as? String).flatMap(Float.init),
                let direction = file.tensors[key + "direction"]?.scalars,
                let train = file.tensors[key + "train"]?.scalars.map({ Int($0) }),
                let test = file.tensors[key + "test"]?.scalars.map({ Int($0) }),
                let reversed = file.tensors[key + "reversed"]?.scalars.map({ $0 != 0 }),
                reversed.count == (method == .random ? RandomBaseline.directions : 1)
            else { throw bad("probe \(i) is incomplete") }
            var sides: SideNormalisation?
            if let mp = file.tensors[key + "mean_positive"]?.scalars,
                let mn = file.tensors[key + "mean_negative"]?.scalars,
                let sp = file.tensors[key + "scale_positive"]?.scalars,
                let sn = file.tensors[key + "scale_negative"]?.scalars
            {
                guard [mn.count, sp.count, sn.count].allSatisfy({ $0 == mp.count }), mp.count == direction.count else {
                    throw bad("probe \(i)'s normalisation does not match its width")
                }
                sides = SideNormalisation(meanPositive: mp, meanNegative: mn, scalePositive: sp, scaleNegative: sn)
            }
            return Probe(
                template: template, layer: layer, seed: seed,
                probe: FittedProbe(
                    method: method, direction: direction, bias: bias,
                    loss: (entry["loss"] as? String).flatMap(Float.init)),
                split: PairSplit(train: train, test: test), sides: sides, truthReversals: reversed)
        }
    }
}
