import Foundation
import LayerpinTestSupport
import Testing

@testable import LayerpinCore

@Suite("A context archive that fails is never a valid tar")
struct ContextArchiveFailureTests {
    @Test("a file that differs from the plan stops the stream without an end-of-archive marker")
    func brokenStream() throws {
        // 35 entries of 3 blocks: libarchive's 20-block writes then end inside an entry.
        var spec = ""
        for index in 0..<35 { spec += "f\(index).txt = \(String(repeating: "x", count: 900))\n" }
        let tree = TreeBuilder(spec + "zz.txt = planned\n")
        defer { tree.remove() }
        var fingerprinter = Fingerprinter(root: tree.root)
        fingerprinter.useStatCache = false
        let manifest = Planner.manifest(of: try fingerprinter.fingerprint(), git: nil, root: tree.root)
        tree.file("zz.txt", "changed\n")
        let out = TreeBuilder()
        defer { out.remove() }
        let path = out.root + "/context.tar"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        #expect(throws: LayerpinError.self) {
            try ContextArchive(root: tree.root, generation: .current, mtime: 0).write(
                to: handle.fileDescriptor, matching: manifest)
        }
        try handle.close()
        // No end-of-archive marker (two zero blocks), and a reader sees the stream break.
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(bytes.count >= 1024 && bytes.suffix(1024).contains { $0 != 0 })
        let listed = try CommandRunner.run("/bin/tar", ["-tf", path])
        #expect(listed.status != 0, "a failed stream read back as a whole archive:\n\(listed.stdoutText)")
        // The same archive, written in full, reads back.
        let whole = out.root + "/whole.tar"
        try ContextArchive(root: tree.root, generation: .current, mtime: 0).write(toFile: whole)
        #expect(try CommandRunner.run("/bin/tar", ["-tf", whole]).status == 0)
    }
}
