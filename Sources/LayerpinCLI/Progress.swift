import Foundation
import LayerpinCore

/// Progress on stderr for work that takes longer than about a second: a line when it has run for
/// a second, and one with the time when it ends. Silent for quick work, and when stderr is not a
/// terminal unless `LAYERPIN_PROGRESS=1`.
enum Progress {
    static func run<T>(_ what: String, _ body: () throws -> T) rethrows -> T {
        let enabled =
            HostSystem.standardErrorIsTerminal || ProcessInfo.processInfo.environment["LAYERPIN_PROGRESS"] == "1"
        guard enabled else { return try body() }
        let started = Date()
        let finished = DispatchSemaphore(value: 0)
        let announced = DispatchSemaphore(value: 0)
        let announcer = DispatchGroup()
        DispatchQueue.global().async(group: announcer) {
            if finished.wait(timeout: .now() + 1) == .timedOut {
                Output.diagnostic("\(what)…")
                announced.signal()
            }
        }
        defer {
            finished.signal()
            announcer.wait()
            if announced.wait(timeout: .now()) == .success {
                Output.diagnostic("\(what): done in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            }
        }
        return try body()
    }
}
