/// A path split into the folder that holds it and its last component.
///
/// Foundation's `NSString.deletingLastPathComponent` traps on one-letter relative paths such
/// as "R" on Linux, so the tool splits paths itself.
public struct PathParts: Equatable, Sendable {
    /// The folder holding the item: "." for a bare relative name, "/" for an item at the root.
    public let folder: String
    /// The last component, without trailing slashes.
    public let name: String

    /// Splits `path` (a trailing slash is ignored).
    public init(_ path: String) {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else {
            (folder, name) = (".", String(trimmed))
            return
        }
        let parent = trimmed[..<slash]
        (folder, name) = (parent.isEmpty ? "/" : String(parent), String(trimmed[trimmed.index(after: slash)...]))
    }
}
