import Foundation

extension SlurmSubmission.Status {
    /// What the submission did, in a few lines for the person who ran it (the script itself for a dry run).
    public func lines(dryRun: Bool) -> [String] {
        var lines: [String] = []
        lines.append("\(finished) of \(total) runs finished")
        if !queued.isEmpty { lines.append("\(queued.count) still queued or running on Slurm") }
        if !failed.isEmpty {
            lines.append(
                "\(failed.count) failed or were cancelled (logs in \(logFolder.path)): "
                    + failed.prefix(5).joined(separator: ", ") + (failed.count > 5 ? ", …" : ""))
        }
        if dryRun, let script {
            lines.append("would submit \(submitted.count) runs with \(scriptFile?.path ?? "this script"):")
            lines.append(script.hasSuffix("\n") ? String(script.dropLast()) : script)
            return lines
        }
        if let id = prerequisiteJobID { lines.append("submitted job \(id): the pre-training the array waits for") }
        if let id = jobID {
            lines.append("submitted job \(id): \(submitted.count) runs; run this command again to merge them")
        } else if queued.isEmpty && finished < total {
            lines.append("nothing submitted: the unfinished runs are being trained by another process")
        }
        return lines
    }
}
