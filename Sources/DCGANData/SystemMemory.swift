import Foundation

/// The memory this process may still take, so that a configuration or a dataset that cannot
/// fit is refused with both numbers before it is allocated, rather than killed by the kernel.
public enum SystemMemory {
    /// Bytes available: the kernel's estimate of what can be allocated without swapping
    /// (MemAvailable in /proc/meminfo), or less where a control group (v2 or v1) limits the
    /// process; nil where neither can be read.
    public static func available() -> Int? {
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)).flatMap { text in
            text.split(separator: "\n").first { $0.hasPrefix("MemAvailable:") }
                .flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }.map { $0 * 1024 }
        }
        let limits = [("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                      ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")]
        let cgroup = limits.lazy.compactMap { limit, usage -> Int? in
            guard let max = number(limit), let used = number(usage) else { return nil }
            return Swift.max(0, max - used)
        }.first
        return [meminfo, cgroup].compactMap { $0 }.min()
    }

    /// The one-line refusal of `bytes` for `what` ("<what> needs about X of memory, but only Y
    /// is available"), or nil when they fit (or nothing can be known).
    public static func shortfall(_ bytes: Double, for what: String) -> String? {
        guard let available = available(), bytes > Double(available) else { return nil }
        return "\(what) needs about \(describe(bytes)) of memory, but only \(describe(Double(available))) is available"
    }

    /// Bytes this process holds in memory now (its resident set, from /proc/self/statm).
    public static func residentBytes() -> Int? {
        (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))
            .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
            .map { $0 * Int(sysconf(Int32(_SC_PAGESIZE))) }
    }

    /// "3.2 GiB", "410 MiB".
    public static func describe(_ bytes: Double) -> String {
        bytes >= Double(1 << 30) ? String(format: "%.1f GiB", bytes / Double(1 << 30)) : String(format: "%.0f MiB", bytes / Double(1 << 20))
    }

    /// The number a control-group file holds ("max" and absent files read nil).
    private static func number(_ path: String) -> Int? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
