import Foundation

/// Scratch folders for tests, named by a prefix and removed when the test process exits normally (a crashed
/// run leaves its folders for a look), so that test runs do not fill the temporary directory.
public enum ScratchFolder {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var made: [URL] = []
    private static let removalAtExit: Void = {
        atexit { ScratchFolder.removeAll() }
    }()

    /// A new folder `prefix-UUID` (then `suffix`, such as a file's extension) in the temporary directory,
    /// created unless `create` is false (a file, or a folder the code under test must create itself).
    public static func url(_ prefix: String, suffix: String = "", create: Bool = true) -> URL {
        _ = removalAtExit
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(prefix)-\(UUID().uuidString)\(suffix)")
        if create { try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        lock.withLock { made.append(url) }
        return url
    }

    /// The same as a path.
    public static func path(_ prefix: String, create: Bool = false) -> String { url(prefix, create: create).path }

    private static func removeAll() {
        for url in lock.withLock({ made }) { try? FileManager.default.removeItem(at: url) }
    }
}
