import Foundation

/// The batch script SciDL hands to `sbatch`: a job array with one task per run (or a single job), its
/// resources as `#SBATCH` lines, and one `scidl` command.
///
/// The script is complete on its own: what `--dry-run` prints is what would be submitted, and a lab can
/// submit the written file by hand.
public struct SbatchScript: Sendable, Equatable {
    /// A command argument that the shell replaces by the task's index in the array.
    public static let arrayTaskIndex = "$SLURM_ARRAY_TASK_ID"

    /// `--job-name`.
    public var jobName: String
    public var resources: SlurmResources
    /// The array's task indices (nil: a single job, not an array).
    public var arrayIndices: [Int]?
    /// A job that must succeed before this one starts (`--dependency=afterok:ID`).
    public var afterSuccessOf: String?
    /// Where each task's output goes (`NAME-JOB_TASK.out`).
    public var logFolder: URL
    /// The command each task runs; `arrayTaskIndex` stands for the task's index.
    public var command: [String]

    public init(
        jobName: String, resources: SlurmResources, arrayIndices: [Int]? = nil, afterSuccessOf: String? = nil,
        logFolder: URL, command: [String]
    ) {
        self.jobName = jobName
        self.resources = resources
        self.arrayIndices = arrayIndices
        self.afterSuccessOf = afterSuccessOf
        self.logFolder = logFolder
        self.command = command
    }

    /// The script's text.
    public var text: String {
        var directives = ["--job-name=\(jobName)"]
        if let arrayIndices {
            directives.append(
                "--array=\(Self.arraySpecification(arrayIndices))"
                    + (resources.arrayParallelism.map { "%\($0)" } ?? ""))
            directives.append("--output=\(logFolder.path)/%x-%A_%a.out")
        } else {
            directives.append("--output=\(logFolder.path)/%x-%j.out")
        }
        if let afterSuccessOf {
            // Without it, tasks waiting on a job that failed would stay pending forever.
            directives += ["--dependency=afterok:\(afterSuccessOf)", "--kill-on-invalid-dep=yes"]
        }
        directives += resources.directives
        let arguments = command.map { $0 == Self.arrayTaskIndex ? "\"\($0)\"" : Self.shellQuoted($0) }
        return """
            #!/bin/bash
            # Written by scidl. Running the same scidl command again merges the finished runs; with --slurm it
            # also resubmits the runs that are neither finished nor queued.
            \(directives.map { "#SBATCH \($0)" }.joined(separator: "\n"))
            set -euo pipefail
            export SCIDL_THREADS="${SLURM_CPUS_PER_TASK:-1}"
            exec \(arguments.joined(separator: " "))

            """
    }

    /// Sorted, distinct indices in Slurm's range notation: [0, 1, 2, 5, 7, 8] → "0-2,5,7-8".
    public static func arraySpecification(_ indices: [Int]) -> String {
        let sorted = Array(Set(indices)).sorted()
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count, sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// `text` as one single-quoted shell word.
    static func shellQuoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
        return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
