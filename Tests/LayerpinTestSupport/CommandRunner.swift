import Foundation
import Testing

/// What a run of the built `layerpin` binary did.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: String

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs the built binary (next to the test bundle, or `$LAYERPIN_BIN`) and other programs.
public enum CommandRunner {
    /// The `layerpin` executable under test.
    public static var binary: String {
        if let explicit = ProcessInfo.processInfo.environment["LAYERPIN_BIN"] { return explicit }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        // swift-testing runs inside `<build>/<name>.xctest`; XCTest may pass the bundle's binary.
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("layerpin").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return ".build/debug/layerpin"
    }

    /// Runs `layerpin ARGS` in `directory` with a clean, explicit environment. No docker CLI is
    /// found there unless the test names one, so the walk is current Docker's on every machine.
    public static func layerpin(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], wrapper: [String] = []
    ) throws -> CommandResult {
        let command = wrapper + [binary] + arguments
        let noDocker = ["LAYERPIN_DOCKER": "/nonexistent/docker"]
        return try run(
            command[0], Array(command.dropFirst()), in: directory, environment: noDocker.merging(environment) { $1 })
    }

    /// Runs a program by path, capturing both streams.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
        input: [UInt8] = []
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C", "HOME": NSTemporaryDirectory(), "COLUMNS": "100",
        ]
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let errorData = ErrorDrain(err.fileHandleForReading)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: Array(output), stderr: errorData.text())
    }
}

/// Reads stderr on its own thread so a chatty child never blocks on a full pipe.
private final class ErrorDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }.start()
    }

    func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Compares text with a snapshot file stored next to the tests. A missing or different snapshot
/// fails; `LAYERPIN_RECORD_SNAPSHOTS=1` rewrites it instead.
public func assertSnapshot(
    _ actual: String, named name: String, filePath: String = #filePath,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let url = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
        .appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["LAYERPIN_RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data(actual.utf8).write(to: url)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record(
            "missing snapshot \(name); record it with LAYERPIN_RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
        return
    }
    #expect(actual == expected, "snapshot \(name) differs", sourceLocation: sourceLocation)
}
