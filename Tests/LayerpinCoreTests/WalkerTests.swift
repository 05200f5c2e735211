import LayerpinDigest
import LayerpinTestSupport
import Testing

@testable import LayerpinCore

@Suite("Walking a context on hostile trees")
struct WalkerTests {
    private func paths(_ tree: TreeBuilder) throws -> [String] {
        try BuildContext.scan(root: tree.root, generation: .current).entries.map { RawPath.display($0.path) }
    }

    @Test("one open root walked twice gives the whole context both times (the listing starts over)")
    func rootWalkedTwice() throws {
        let tree = TreeBuilder("a.txt\nb/c.txt\nd.txt\n")
        defer { tree.remove() }
        let root = try OpenDirectory(tree.root)
        let first = try BuildContext.scan(in: root, dockerfile: nil, generation: .current).entries.map(\.path)
        let second = try BuildContext.scan(in: root, dockerfile: nil, generation: .current).entries.map(\.path)
        #expect(first.count == 4)
        #expect(second == first)
    }

    @Test("symlinks are entries, never followed, even to directories outside the root")
    func symlinks() throws {
        let tree = TreeBuilder("a.txt\nout -> /etc\nloop -> loop\nin -> a.txt\n")
        defer { tree.remove() }
        let context = try BuildContext.scan(root: tree.root, generation: .current)
        #expect(context.entries.map { RawPath.display($0.path) } == ["a.txt", "in", "loop", "out"])
        let out = try #require(context.entries.first { $0.path == Array("out".utf8) })
        #expect(out.kind == .symlink)
        #expect(out.linkTarget == Array("/etc".utf8))
    }

    @Test("entries come in byte order, with each directory's contents where `name/` sorts among its siblings")
    func byteOrder() throws {
        // "a/" sorts after "a-b" and "a.c" (0x2d, 0x2e < 0x2f) and before "a0"; "a" itself comes first.
        let tree = TreeBuilder("a/x\na/y/z\na-b\na.c\na0\nab/c\n\u{1}\n~\nb/a-b/q\nb/a/q\n")
        defer { tree.remove() }
        let expected = [
            "\\x01", "a", "a-b", "a.c", "a/x", "a/y", "a/y/z", "a0", "ab", "ab/c", "b", "b/a", "b/a-b", "b/a-b/q",
            "b/a/q", "~",
        ]
        for threads in [1, 2, 8] {
            let entries = try BuildContext.scan(root: tree.root, generation: .current, walkThreads: threads).entries
            #expect(entries.map { RawPath.display($0.path) } == expected, "\(threads) threads")
        }
    }

    @Test("a FIFO that would be sent is an error naming it; an ignored one is skipped without blocking")
    func fifo() throws {
        let tree = TreeBuilder("a.txt\n")
        defer { tree.remove() }
        tree.fifo("sub/pipe")
        #expect {
            try BuildContext.scan(root: tree.root, generation: .current)
        } throws: { error in
            guard case LayerpinError.specialFile(let path, let kind) = error else { return false }
            return path == Array("sub/pipe".utf8) && kind == .fifo
        }
        tree.file(".dockerignore", "sub/pipe\n")
        #expect(try paths(tree) == [".dockerignore", "a.txt", "sub"])
        // Hashing never opens it either.
        #expect(try Fingerprinter(root: tree.root).fingerprint().context.entries.count == 3)
    }

    @Test("non-UTF-8, NFC and NFD names stay distinct raw bytes")
    func rawNames() throws {
        let tree = TreeBuilder()
        defer { tree.remove() }
        tree.file([0x62, 0x61, 0x64, 0xFF], [1])
        tree.file(Array("caf\u{E9}".utf8), [2])
        tree.file(Array("cafe\u{301}".utf8), [3])
        tree.file([0x6E, 0x6C, 0x0A, 0x78], [4])  // "nl\nx"
        let entries = try BuildContext.scan(root: tree.root, generation: .current).entries.map(\.path)
        #expect(entries.count == 4)
        #expect(entries.contains([0x62, 0x61, 0x64, 0xFF]))
        #expect(entries.contains(Array("caf\u{E9}".utf8)))
        #expect(entries.contains(Array("cafe\u{301}".utf8)))
        #expect(entries.contains([0x6E, 0x6C, 0x0A, 0x78]))
        #expect(entries == entries.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test("a root that is not a directory is refused")
    func rootNotADirectory() throws {
        let tree = TreeBuilder("f\n")
        defer { tree.remove() }
        #expect {
            try BuildContext.scan(root: tree.root + "/f", generation: .current)
        } throws: { error in
            if case LayerpinError.notADirectory = error { return true }
            return false
        }
    }

    @Test("<Dockerfile>.dockerignore replaces .dockerignore")
    func dockerfileSpecificIgnore() throws {
        let tree = TreeBuilder("a\nb\nbuild/Dev.Dockerfile\n")
        defer { tree.remove() }
        tree.file(".dockerignore", "a\n")
        tree.file("build/Dev.Dockerfile.dockerignore", "b\n")
        #expect(try paths(tree).contains("b"))
        #expect(try !paths(tree).contains("a"))
        let special = try BuildContext.scan(root: tree.root, dockerfile: "build/Dev.Dockerfile", generation: .current)
        #expect(special.ignoreFile == "build/Dev.Dockerfile.dockerignore")
        #expect(special.entries.map { RawPath.display($0.path) }.contains("a"))
        #expect(!special.entries.map { RawPath.display($0.path) }.contains("b"))
    }
}
