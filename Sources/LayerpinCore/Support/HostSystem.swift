/// The few facts and settings of the running process the executable needs, through the one file
/// that makes POSIX calls.
package enum HostSystem {
    /// Writing to a pipe whose reader has gone (a failed `docker build` stops reading its context)
    /// fails with EPIPE instead of killing the process. The executable sets it once, at start.
    package static func ignoreBrokenPipe() {
        FileSystem.ignoreBrokenPipe()
    }

    /// SIGINT, SIGTERM and SIGHUP remove the temporary files being written, then exit 128 + the
    /// signal. The executable sets it once, at start.
    package static func removeTemporaryFilesOnInterrupt() {
        FileSystem.removeTemporaryFilesOnInterrupt()
    }

    /// Whether standard error is a terminal (progress lines are for people).
    package static var standardErrorIsTerminal: Bool {
        FileSystem.isTerminal(2)
    }

    /// The machine's hardware name (`uname -m`).
    package static var machine: String {
        FileSystem.machine
    }

    /// What the system says an `errno` means.
    package static func describe(errno code: Int32) -> String {
        FileSystem.describe(errno: code)
    }
}
