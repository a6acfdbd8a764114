import Foundation

/// Parses the `--classes` option: one class or a comma-separated list, each given by index
/// (`5`, `3,5`) or by name (`cat,dog`, case-insensitive).
public enum ClassFilter {
    /// The class indices `spec` names. `classNames` is the dataset's list of names (nil when
    /// it has none, so only indices are accepted) and `classCount` the number of classes.
    /// `source` names the dataset in error messages.
    public static func parse(_ spec: String, classNames: [String]?, classCount: Int, source: String) throws -> Set<Int> {
        var classes = Set<Int>()
        for item in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let token = item.trimmingCharacters(in: .whitespaces)
            if let index = Int(token) {
                guard (0..<classCount).contains(index) else {
                    throw DataError(path: source, "class \(index) is outside 0...\(classCount - 1)")
                }
                classes.insert(index)
            } else if let index = classNames?.firstIndex(where: { $0.lowercased() == token.lowercased() }) {
                classes.insert(index)
            } else {
                let known = classNames.map { ": \($0.joined(separator: ", "))" } ?? " (this dataset has no class names; use indices)"
                throw DataError(path: source, "unknown class '\(token)' in --classes '\(spec)'; known classes\(known)")
            }
        }
        return classes
    }
}
