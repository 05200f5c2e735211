import Foundation

/// Runs external tools (git, docker) as data sources: looked up explicitly on `PATH`, with an
/// explicit working directory, output streamed or bounded, and a non-zero exit turned into a typed
/// error carrying the command and the tail of its stderr.
package struct ToolRunner: Sendable {
    /// Extra environment variables on top of the inherited environment.
    package var environment: [String: String]

    package init(environment: [String: String] = [:]) {
        self.environment = environment
    }

    /// Runs a tool and returns its stdout (at most `outputLimit` bytes, else an error); with
    /// `mergingStandardError`, stderr joins stdout (for logs).
    package func run(
        _ tool: String, _ arguments: [String], in directory: String, input: [UInt8] = [], outputLimit: Int = 64 << 20,
        mergingStandardError: Bool = false
    ) throws(LayerpinError) -> [UInt8] {
        var output: [UInt8] = []
        var overflow = false
        try stream(tool, arguments, in: directory, input: input, mergingStandardError: mergingStandardError) { chunk in
            if output.count + chunk.count > outputLimit {
                overflow = true
            } else {
                output += chunk
            }
        }
        if overflow {
            throw .toolFailed(
                command: describe(tool, arguments), status: 0, stderrTail: "output exceeded \(outputLimit) bytes")
        }
        return output
    }

    /// Runs a tool, feeding `input` on stdin and handing stdout to `consume` chunk by chunk.
    package func stream(
        _ tool: String, _ arguments: [String], in directory: String, input: [UInt8] = [],
        mergingStandardError: Bool = false, consume: (UnsafeRawBufferPointer) throws(LayerpinError) -> Void
    ) throws(LayerpinError) {
        let command = describe(tool, arguments)
        let process = try makeProcess(tool, arguments, in: directory)
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = mergingStandardError ? stdout : stderr
        do {
            try process.run()
        } catch {
            throw .toolFailed(command: command, status: 127, stderrTail: "\(error)")
        }
        if mergingStandardError { try? stderr.fileHandleForWriting.close() }
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errorTail = StderrCollector(handle: stderr.fileHandleForReading)
        var failure: LayerpinError?
        // With stderr merged into stdout, the last of that is what a failure says.
        var mergedTail: [UInt8] = []
        let descriptor = stdout.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                (try? FileSystem.read(descriptor, into: raw)) ?? 0
            }
            if count == 0 { break }
            if mergingStandardError {
                mergedTail += buffer[max(0, count - 4096)..<count]
                if mergedTail.count > 4096 { mergedTail.removeFirst(mergedTail.count - 4096) }
            }
            if failure == nil {
                let result = buffer.withUnsafeBytes { raw in
                    Result { () throws(LayerpinError) in try consume(UnsafeRawBufferPointer(rebasing: raw[..<count])) }
                }
                if case .failure(let error) = result { failure = error }
            }
        }
        process.waitUntilExit()
        var tail = errorTail.finish()
        if mergingStandardError {
            tail = String(decoding: mergedTail, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let failure { throw failure }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw .toolFailed(command: command, status: process.terminationStatus, stderrTail: tail)
        }
    }

    /// Runs a tool whose stdin is fed by `feed` (given the pipe's descriptor) while its stdout and
    /// stderr go to this process's stderr (progress for people); returns its exit status.
    package func runFeeding(
        _ tool: String, _ arguments: [String], in directory: String,
        feed: (Int32) throws(LayerpinError) -> Void
    ) throws(LayerpinError) -> Int32 {
        let process = try makeProcess(tool, arguments, in: directory)
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.standardError
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw .toolFailed(command: describe(tool, arguments), status: 127, stderrTail: "\(error)")
        }
        let fed = Result { () throws(LayerpinError) in try feed(stdin.fileHandleForWriting.fileDescriptor) }
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        if case .failure(let error) = fed, process.terminationStatus == 0 { throw error }
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    /// A process for `tool` found on PATH, in `directory`, with this runner's environment on top
    /// of the inherited one.
    private func makeProcess(_ tool: String, _ arguments: [String], in directory: String) throws(LayerpinError)
        -> Process
    {
        guard let executable = Self.find(tool) else {
            throw .toolFailed(command: describe(tool, arguments), status: 127, stderrTail: "\(tool) not found on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return process
    }

    /// The first executable named `tool` on `PATH` (or `tool` itself when it is a path).
    static func find(_ tool: String) -> String? {
        if tool.contains("/") { return FileSystem.isExecutable(tool) ? tool : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileSystem.isExecutable(candidate) { return candidate }
        }
        return nil
    }

    private func describe(_ tool: String, _ arguments: [String]) -> String {
        ([tool] + arguments).joined(separator: " ")
    }
}

/// Reads a tool's stderr on a background thread, keeping the last 4 KiB.
private final class StderrCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var tail: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    init(handle: FileHandle) {
        Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                self.lock.lock()
                self.tail += data
                if self.tail.count > 4096 { self.tail.removeFirst(self.tail.count - 4096) }
                self.lock.unlock()
            }
            self.done.signal()
        }.start()
    }

    func finish() -> String {
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: tail, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
