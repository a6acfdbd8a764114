import Foundation

/// A failure to read or write a data file: one line naming the file and what is wrong with it,
/// fit to print as-is in a command-line error.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or directory) the problem concerns.
    public let path: String
    /// What went wrong, without the path.
    public let problem: String

    /// An error about `path`: "path: problem".
    public init(path: String, _ problem: String) {
        self.path = path
        // Messages from C libraries may carry line breaks; the promise is one line.
        self.problem = problem.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// "path: problem", one line.
    public var description: String { "\(path): \(problem)" }

    /// The C library's description of an `errno` value.
    public static func systemMessage(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
