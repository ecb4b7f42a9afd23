import Foundation

/// Writes files so that readers see either the old contents or the new, never a torn file.
///
/// Data goes to a temporary file beside the target, is flushed, then renamed over it; if writing fails
/// (a full disk, say) the temporary file is removed and the old file is left as it was.
public enum AtomicFile {
    /// Replaces `url` with `data` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
                throw SciDLError("cannot create \(tmp.path): check that the folder is writable")
            }
            let handle = try FileHandle(forWritingTo: tmp)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw SciDLError(
                """
                could not write \(url.path): \(describe(error)) (is the disk full or read-only? nothing was \
                overwritten)
                """
            )
        }
        if rename(tmp.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw SciDLError("could not replace \(url.path): \(reason)")
        }
    }

    /// Replaces `url` with a UTF-8 string atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    private static func describe(_ error: Error) -> String { RunFolder.describe(error) }
}
