import Foundation
import LayerpinCore
import LayerpinTestSupport
import Testing

@Suite("The docker CLI as a data source")
struct DockerClientTests {
    /// Each test spools into a directory of its own, so the tests run in parallel.
    private let spoolDirectory = TreeBuilder()

    /// A stand-in for the docker CLI: the real one is driven by the end-to-end tests.
    private var shell: DockerClient { DockerClient(docker: "/bin/sh", spoolDirectory: spoolDirectory.root) }

    private func spoolFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: spoolDirectory.root)
    }

    @Test("spool streams a command's output into a new file only this user can read, removed after")
    func spool() throws {
        defer { spoolDirectory.remove() }
        var path = ""
        do {
            let file = try shell.spool(["-c", "printf 'layer bytes'"])
            path = file.path
            #expect(FileManager.default.contents(atPath: path) == Data("layer bytes".utf8))
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
            #expect(try spoolFiles().count == 1)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try spoolFiles().isEmpty)
    }

    @Test("a failing command leaves no spool file behind")
    func failingCommand() throws {
        defer { spoolDirectory.remove() }
        #expect(throws: LayerpinError.self) { _ = try shell.spool(["-c", "printf partial; exit 3"]) }
        #expect(try spoolFiles().isEmpty)
    }
}
