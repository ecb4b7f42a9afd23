/// An error meant for a person: what went wrong, where, and how to fix it, in one line.
///
/// The command-line front prints `message` and exits with status 2; libraries throw this instead of
/// crashing on bad input.
public struct SciDLError: Error, CustomStringConvertible, Equatable {
    /// The one-line explanation shown to the user.
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
