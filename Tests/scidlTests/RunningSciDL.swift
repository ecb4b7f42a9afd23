import Foundation
import XCTest

/// The built `scidl` binary was not beside the tests: a failure, since every command-line test needs it.
struct MissingBinary: Error, CustomStringConvertible {
    var searched: [URL]
    var description: String { "the scidl binary was not found in \(searched.map(\.path)); build it with the tests" }
}

/// The built `scidl` binary: in the runner's own folder on Linux, beside the test bundle on macOS.
func scidlBinary() throws -> URL {
    let folders = [Bundle.main.bundleURL, Bundle(for: CommandLineTests.self).bundleURL.deletingLastPathComponent()]
    let candidates = folders.map { $0.appendingPathComponent("scidl") }
    guard let binary = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
        throw MissingBinary(searched: candidates)
    }
    return binary
}

/// Runs the built `scidl` binary as a user would (with `environment` changed where given).
func scidl(
    _ arguments: [String], environment: [String: String] = [:]
) throws -> (status: Int32, stdout: String, stderr: String) {
    let binary = try scidlBinary()
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// `scidl args` exits with status 2 and one `error:` line that mentions `needle` (progress lines may come
/// before it), never a crash.
func assertOneLineError(
    _ args: [String], mentions needle: String, environment: [String: String] = [:], file: StaticString = #filePath,
    line: UInt = #line
) throws {
    let r = try scidl(args, environment: environment)
    XCTAssertEqual(r.status, 2, "exit status for \(args): \(r.stderr)", file: file, line: line)
    let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
    XCTAssertEqual(errors.count, 1, "expected one error line, got: \(r.stderr)", file: file, line: line)
    XCTAssertTrue(errors.first?.contains(needle) ?? false, "'\(needle)' not in: \(r.stderr)", file: file, line: line)
    XCTAssertFalse(r.stderr.contains("Fatal error"), file: file, line: line)
}
