import Foundation

/// A one-line progress display for long work: a bar, the step, caller-supplied fields, the rate and the
/// time left. On a terminal it redraws in place; otherwise (CI, a log file) it prints a line now and then.
public final class ProgressBar {
    public let total: Int
    private let start: Date
    private let startStep: Int
    private var lastDraw = Date.distantPast
    private let interactive: Bool
    private let label: String

    /// - Parameters:
    ///   - total: the step count at completion.
    ///   - startStep: the step the work starts from (non-zero when resuming).
    public init(total: Int, startStep: Int = 0, label: String = "") {
        self.total = total
        self.startStep = startStep
        self.start = Date()
        self.label = label
        self.interactive = isatty(STDERR_FILENO) != 0
    }

    /// Shows progress at `step`; redraws at most 10 times a second (every 10 s without a terminal).
    public func update(step: Int, fields: [(String, String)] = [], force: Bool = false) {
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= (interactive ? 0.1 : 10) else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let done = step - startStep
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - step) / rate : 0
        let fraction = total > 0 ? Double(step) / Double(total) : 1
        let width = 24
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar =
            String(repeating: "█", count: min(filled, width)) + String(repeating: "░", count: max(0, width - filled))
        let extra = fields.map { "\($0.0) \($0.1)" }.joined(separator: "  ")
        // Slow work (whole runs) reads better per minute than as "0.0 it/s".
        let speed = rate >= 0.1 ? String(format: "%.1f it/s", rate) : String(format: "%.2f it/min", rate * 60)
        let line = "\(label)\(bar) \(step)/\(total)  \(extra)  \(speed)  ETA \(formatDuration(eta))"
        if interactive {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Ends the line.
    public func finish() {
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// "1h02m", "3m05s" or "12.3s".
public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    if seconds >= 3600 { return String(format: "%dh%02dm", Int(seconds) / 3600, Int(seconds) % 3600 / 60) }
    if seconds >= 60 { return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60) }
    return String(format: "%.1fs", seconds)
}
