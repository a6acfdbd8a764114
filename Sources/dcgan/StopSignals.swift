import Foundation

/// The first stop signal received, 0 while none has come. Only the handler writes it; the
/// training loop polls it between steps (a `sig_atomic_t`, the one type a handler may set).
nonisolated(unsafe) private var receivedSignal: sig_atomic_t = 0
/// Whether the notice starts with a line break, to end a live progress line on a terminal.
nonisolated(unsafe) private var noticeOnTerminal = false

/// SIGINT, SIGTERM and SIGHUP ask `dcgan train` to stop cleanly: the step in progress
/// finishes, a checkpoint and the metrics are written, and the process exits with 128 plus
/// the signal's number (130 for Ctrl-C), as a shell reports a process the signal killed. A
/// second signal ends the process at once. Installed when training is about to begin; before
/// that (reading the data, say) a signal ends the process at once as usual.
enum StopSignals {
    static let handled = [SIGINT, SIGTERM, SIGHUP]

    static func install() {
        // Initialise the global before a handler can touch it (the handler must not allocate).
        receivedSignal = 0
        noticeOnTerminal = isatty(STDOUT_FILENO) != 0
        var set = sigset_t()
        sigemptyset(&set)
        for number in handled {
            let previous = signal(number, stopHandler)
            // A signal the parent ignores stays ignored (SIG_IGN is 1): `nohup dcgan train` must survive a hangup.
            if unsafeBitCast(previous, to: Int.self) == 1 { signal(number, previous) } else { sigaddset(&set, number) }
        }
        // A process may start with them blocked (a parent's worker thread spawned it): let them in.
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// The signal that asked for the stop, if one has.
    static var received: Int32? { receivedSignal == 0 ? nil : receivedSignal }
}

/// Async-signal-safe: reads and sets one `sig_atomic_t`, writes a constant with write(2), and exits with `_exit`.
private func stopHandler(_ number: Int32) {
    if receivedSignal != 0 { _exit(128 + number) }
    receivedSignal = number
    let notice: StaticString = "\nstopping after the current step to write a checkpoint (a second signal stops at once)\n"
    let skip = noticeOnTerminal ? 0 : 1
    _ = write(STDERR_FILENO, notice.utf8Start + skip, notice.utf8CodeUnitCount - skip)
}
