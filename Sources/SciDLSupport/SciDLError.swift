/// An error meant for a person: what went wrong, where, and how to fix it, in one line.
///
/// The command-line front prints `message` and exits with status 2; libraries throw this instead of
/// crashing on bad input.
public struct SciDLError: Error, CustomStringConvertible, Equatable {
    /// The one-line explanation shown to the user.
    public let message: String

    /// The longest message shown; a longer one keeps its start (what went wrong) and its end (how to fix it).
    public static let maximumLength = 300

    public init(_ message: String) {
        // Whatever a message quotes, it stays one printable line of at most `maximumLength` characters.
        let line = printable(message, limit: .max)
        if line.count <= Self.maximumLength {
            self.message = line
        } else {
            self.message = String(line.prefix(Self.maximumLength - 81)) + " … " + String(line.suffix(78))
        }
    }

    public var description: String { message }
}
