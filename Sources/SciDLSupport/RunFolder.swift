import Foundation

/// A folder a command writes its results into, owned by the command and settings that made it.
///
/// Opening one (1) refuses a folder made by another command, or by this command with other settings, so
/// results are never overwritten or mixed; (2) takes an advisory lock held until the process ends, so two
/// processes cannot write one folder at once; (3) removes the temporary files of writes that were killed
/// (`.NAME.tmp-PID`, see `AtomicFile`); (4) records the command and settings in `scidl-run.json`.
public final class RunFolder: @unchecked Sendable {
    public let url: URL
    /// When this process opened it: a command's results are timed from here.
    public let opened = Date()
    public let command: String
    private let lockDescriptor: Int32

    public static let recordName = "scidl-run.json"
    static let lockName = ".scidl-lock"
    /// Files that mean a folder holds results, whoever made them.
    static let resultNames = [
        "summary.json", "results.csv", "report.html", "metrics.jsonl", "checkpoint.safetensors", "config.json", "runs",
    ]

    /// What `scidl-run.json` holds.
    struct Record: Codable, Equatable {
        var command: String
        var settings: String
    }

    /// Opens `url` (created if missing) for `command` with `settings`, a canonical description of everything
    /// that determines the results (a config's JSON, the arguments that matter).
    /// - Parameter adopting: whether to take over a folder that holds these result files but no record (made
    ///   by a SciDL from before records, or by hand); by default such a folder is refused.
    /// - Parameter sameSettings: whether a folder made with other settings is refused (a grokking run folder
    ///   without a checkpoint may simply be started again, with any settings).
    public init(
        _ url: URL, command: String, settings: String, sameSettings: Bool = true,
        adopting: (Set<String>) -> Bool = { _ in false }
    ) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw SciDLError("cannot create \(url.path): \(Self.describe(error)); pick another --out")
        }
        let lockPath = url.appendingPathComponent(Self.lockName).path
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else {
            throw SciDLError("cannot write in \(url.path): \(String(cString: strerror(errno))); pick another --out")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw SciDLError(
                "another scidl process is writing \(url.path): wait for it to finish, or pick another --out")
        }
        lockDescriptor = fd
        self.url = url
        self.command = command
        let recordURL = url.appendingPathComponent(Self.recordName)
        let wanted = Record(command: command, settings: settings)
        let holds = Self.resultNames.filter { fm.fileExists(atPath: url.appendingPathComponent($0).path) }
        // A folder without results (new, or one whose run failed before writing any) is simply taken.
        if !holds.isEmpty, let data = try? Data(contentsOf: recordURL) {
            guard let record = try? JSONDecoder().decode(Record.self, from: data) else {
                throw SciDLError("\(recordURL.path) is damaged: delete it only if the folder is yours to overwrite")
            }
            guard record.command == command else {
                throw SciDLError(
                    """
                    \(url.path) holds the results of `scidl \(record.command)`, not of `scidl \(command)`: \
                    pick another --out
                    """)
            }
            guard record.settings == settings || !sameSettings else {
                throw SciDLError(
                    """
                    \(url.path) holds `scidl \(command)` results made with other settings: run with the same \
                    settings to continue them, or pick another --out
                    """)
            }
        } else if !holds.isEmpty, !adopting(Set(holds)) {
            throw SciDLError(
                """
                \(url.path) already holds results (\(holds.joined(separator: ", "))) that SciDL did not \
                record making: pick another --out
                """)
        }
        Self.removeStaleTemporaryFiles(in: url)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(wanted), to: recordURL)
    }

    deinit {
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    /// Whether a process holds the folder at `url` open right now (its lock is taken).
    public static func isBusy(_ url: URL) -> Bool {
        let fd = open(url.appendingPathComponent(lockName).path, O_RDWR)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
    }

    /// The record of the folder at `url`, if it has one: the command and settings that made it.
    public static func record(at url: URL) -> (command: String, settings: String)? {
        guard let data = try? Data(contentsOf: url.appendingPathComponent(recordName)),
            let r = try? JSONDecoder().decode(Record.self, from: data)
        else { return nil }
        return (r.command, r.settings)
    }

    /// Temporary files of atomic writes (`.NAME.tmp-PID`) in the folder and its subfolders: with the lock
    /// held, no other process is writing them, so they are what killed writes left behind.
    static func removeStaleTemporaryFiles(in url: URL) {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: url, includingPropertiesForKeys: nil) else { return }
        for case let file as URL in walker {
            let name = file.lastPathComponent
            if name.hasPrefix("."), name.contains(".tmp-") { try? fm.removeItem(at: file) }
        }
    }

    /// A file-system error as a sentence ("permission denied"), not a Foundation error dump.
    public static func describe(_ error: any Error) -> String {
        if let e = error as? SciDLError { return e.message }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        switch ns.code {
        case NSFileWriteNoPermissionError: return "permission denied"
        case NSFileWriteOutOfSpaceError: return "no space left on the device"
        case NSFileWriteVolumeReadOnlyError: return "the file system is read-only"
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "no such file or folder"
        default: return printable(ns.localizedDescription)
        }
    }
}

extension RunFolder {
    /// `<command>-<date>-<time>`: the folder name a run gets when no `--out` is given.
    public static func defaultName(_ command: String, at date: Date = Date()) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.locale = Locale(identifier: "en_US_POSIX")
        return "\(command)-\(f.string(from: date))"
    }

    /// `runs/<command>-<date>-<time>`, relative to the working directory.
    public static func defaultPath(_ command: String) -> String { "runs/" + defaultName(command) }
}
