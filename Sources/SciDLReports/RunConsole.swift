import Foundation

/// Where a long experiment talks to the person waiting for it: progress bars and one-line notes, both on
/// standard error so that standard output keeps only the results. `.silent` for callers that want neither.
public struct RunConsole: Sendable {
    public var isSilent: Bool

    /// Bars and notes on standard error.
    public static let terminal = RunConsole(isSilent: false)
    /// Neither.
    public static let silent = RunConsole(isSilent: true)

    /// One line, e.g. "activations for truth read from the cache".
    public func note(_ line: String) {
        guard !isSilent else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A progress bar, or nil when silent.
    public func progressBar(total: Int, label: String) -> ProgressBar? {
        isSilent ? nil : ProgressBar(total: total, label: label)
    }
}
