import Foundation
import LayerpinCore
import Testing

@Suite("The docker CLI as a data source", .serialized)
struct DockerClientTests {
    /// A stand-in for the docker CLI: the real one is driven by the end-to-end tests.
    private let shell = DockerClient(docker: "/bin/sh")

    private func spoolFiles() throws -> Set<String> {
        Set(
            try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter {
                $0.hasPrefix("layerpin-\(getpid())-")
            })
    }

    @Test("spool streams a command's output into a new file only this user can read")
    func spool() throws {
        let path = try shell.spool(["-c", "printf 'layer bytes'"])
        defer { unlink(path) }
        #expect(FileManager.default.contents(atPath: path) == Data("layer bytes".utf8))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
    }

    @Test("a failing command leaves no spool file behind")
    func failingCommand() throws {
        let before = try spoolFiles()
        #expect(throws: LayerpinError.self) { try shell.spool(["-c", "printf partial; exit 3"]) }
        #expect(try spoolFiles() == before)
    }
}
