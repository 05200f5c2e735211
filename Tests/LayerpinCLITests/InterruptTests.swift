import Foundation
import LayerpinTestSupport
import Testing

/// SIGINT, SIGTERM and SIGHUP remove the temporary files being written (an atomic write's
/// `NAME.tmp.N`, a spool file in `$TMPDIR`), and the exit status is 128 + the signal, as a shell
/// reports it. A stale `*.tmp.*` in `.layerpin/` is removed by the next plan and never archived.
@Suite("Interrupted, layerpin leaves no temporary file behind (the built binary)")
struct InterruptTests {
    /// Starts layerpin, waits until `appeared` says its temporary file exists, sends `signal`,
    /// and returns the exit status.
    static func interrupt(
        _ arguments: [String], in directory: String, environment: [String: String] = [:], signal: Int32,
        stdin: Pipe? = nil, appeared: () -> Bool
    ) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandRunner.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ["PATH": "/usr/bin:/bin", "LAYERPIN_DOCKER": "/nonexistent/docker"].merging(
            environment
        ) { $1 }
        if let stdin { process.standardInput = stdin }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var waited = 0
        while !appeared() && process.isRunning && waited < 20_000 {
            usleep(1000)
            waited += 1
        }
        #expect(process.isRunning, "layerpin ended before its temporary file was seen")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func names(in directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }

    @Test("context --tar FILE: the atomic write's temporary name is removed", arguments: [SIGINT, SIGTERM, SIGHUP])
    func atomicWrite(signal: Int32) throws {
        let tree = TreeBuilder("small.txt = x\n")
        let out = TreeBuilder()
        defer {
            tree.remove()
            out.remove()
        }
        // A large sparse file: the archive takes seconds to write, time enough to interrupt it.
        let big = tree.root + "/big.bin"
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: big))
        try handle.truncate(atOffset: 8 << 30)
        try handle.close()
        let status = try Self.interrupt(
            ["context", "--root", tree.root, "--tar", out.root + "/context.tar"], in: out.root, signal: signal
        ) {
            Self.names(in: out.root).contains { $0.hasPrefix("context.tar.tmp.") }
        }
        #expect(status == 128 + signal)
        #expect(Self.names(in: out.root).isEmpty, "left behind: \(Self.names(in: out.root))")
    }

    @Test("verify --image-archive -: the spool file in $TMPDIR is removed", arguments: [SIGINT, SIGTERM])
    func spool(signal: Int32) throws {
        let spool = TreeBuilder()
        let work = TreeBuilder()
        defer {
            spool.remove()
            work.remove()
        }
        let input = Pipe()
        input.fileHandleForWriting.write(Data(repeating: 0, count: 4096))  // and never an end
        let status = try Self.interrupt(
            ["verify", "--image-archive", "-"], in: work.root, environment: ["TMPDIR": spool.root], signal: signal,
            stdin: input
        ) {
            !Self.names(in: spool.root).isEmpty
        }
        try input.fileHandleForWriting.close()
        #expect(status == 128 + signal)
        #expect(Self.names(in: spool.root).isEmpty, "left behind: \(Self.names(in: spool.root))")
    }

    @Test("a stale .layerpin/*.tmp.* is removed by the next plan, and never archived; a fresh one is kept")
    func staleTemporaryFiles() throws {
        let tree = TreeBuilder("app.py = print(1)\n.layerpin/manifest.json.tmp.123456789 = stale\n")
        defer { tree.remove() }
        let stale = tree.root + "/.layerpin/manifest.json.tmp.123456789"
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: stale)
        try Data("fresh".utf8).write(to: URL(fileURLWithPath: tree.root + "/.layerpin/cache.tmp.42"))
        let listed = try CommandRunner.layerpin(["context", "--tar", "-"], in: tree.root)
        #expect(listed.status == 0)
        #expect(listed.stdout.count > 0)
        #expect(!listed.stdoutText.contains(".tmp."), "a temporary file was archived")
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: tree.root + "/.layerpin/cache.tmp.42"))  // maybe a live run's
    }
}

@Suite("Written files: never through a link, errors one short line (the built binary)")
struct WrittenFileTests {
    @Test("a destination that is a symlink is replaced, its target never written")
    func symlinkedDestination() throws {
        let tree = TreeBuilder("app.py = print(1)\n")
        let out = TreeBuilder("victim = precious\n")
        defer {
            tree.remove()
            out.remove()
        }
        try FileManager.default.createSymbolicLink(atPath: out.root + "/context.tar", withDestinationPath: "victim")
        let result = try CommandRunner.layerpin(["context", "--root", tree.root, "--tar", out.root + "/context.tar"])
        #expect(result.status == 0)
        #expect(try String(contentsOfFile: out.root + "/victim", encoding: .utf8) == "precious")
        let attributes = try FileManager.default.attributesOfItem(atPath: out.root + "/context.tar")
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
    }

    @Test("a path past PATH_MAX is named in one short line")
    func longPath() throws {
        let long = "/tmp/" + String(repeating: "d", count: 200) + "/" + String(repeating: "e", count: 5000)
        let result = try CommandRunner.layerpin(["context", "--root", long])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.count < 300, "\(result.stderr.count) bytes")
        #expect(result.stderr.contains("characters)…"))
    }
}
