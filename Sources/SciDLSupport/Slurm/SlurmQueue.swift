import Foundation

/// The Slurm cluster as SciDL talks to it: `sbatch` to submit a script, `squeue` to see which tasks of
/// its jobs are still pending or running. Both are run as programs found on `PATH`.
public enum SlurmQueue {
    /// Submits the script at `script` and returns the job id.
    public static func submit(_ script: URL) throws -> String {
        let result = try run("sbatch", ["--parsable", script.path])
        guard result.status == 0 else {
            throw SciDLError(
                "sbatch rejected \(script.path): \(firstLine(result.error, or: "exit status \(result.status)"))")
        }
        // `--parsable` prints "ID" or "ID;CLUSTER".
        guard let id = result.output.split(separator: "\n").first?.split(separator: ";").first,
            id.allSatisfy(\.isNumber)
        else {
            throw SciDLError("sbatch answered '\(printable(result.output))' instead of a job id for \(script.path)")
        }
        return String(id)
    }

    /// The tasks of `jobs` that are pending or running, by job id: their array indices, or `[-1]` for a job
    /// that is not an array. Jobs that have ended are absent.
    public static func activeTasks(of jobs: [String]) throws -> [String: Set<Int>] {
        guard !jobs.isEmpty else { return [:] }
        // Every job of this user, one array task per line: asking for ended ids by name would be an error.
        let result = try run("squeue", ["--me", "--noheader", "--array", "--format=%F %K"])
        guard result.status == 0 else {
            throw SciDLError(
                """
                squeue failed (\(firstLine(result.error, or: "exit status \(result.status)"))): nothing was \
                resubmitted, since runs still queued could not be told apart; try again when the controller answers
                """)
        }
        let wanted = Set(jobs)
        var active: [String: Set<Int>] = [:]
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, wanted.contains(String(fields[0])) else { continue }
            active[String(fields[0]), default: []].insert(Int(fields[1]) ?? -1)
        }
        return active
    }

    /// Runs `program` from `PATH`; a program that is not there is one clear error.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw SciDLError("cannot start \(program): \(RunFolder.describe(error))")
        }
        // sbatch and squeue write little, so reading one pipe to its end before the other cannot stall them.
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            throw SciDLError(
                """
                \(program) was not found on PATH: run on a Slurm login node, or start a one-node cluster on this \
                machine with scripts/slurm-local.sh up
                """)
        }
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self)
        )
    }

    private static func firstLine(_ text: String, or fallback: String) -> String {
        text.split(separator: "\n").first.map { printable($0, limit: 200) } ?? fallback
    }
}
