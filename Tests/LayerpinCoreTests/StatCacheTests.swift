import Foundation
import LayerpinDigest
import LayerpinTestSupport
import Testing

@testable import LayerpinCore

@Suite("The stat cache (outside the context: .git/layerpin/, else the user's cache directory)")
struct StatCacheTests {
    private func fingerprint(_ tree: TreeBuilder) throws -> Fingerprint {
        try Fingerprinter(root: tree.root).fingerprint()
    }

    /// A context that is a git work tree keeping `.git` out: its cache goes in `.git/layerpin/`.
    private func repository(_ spec: String) -> TreeBuilder {
        let tree = TreeBuilder(spec)
        tree.add(".git/")
        tree.file(".dockerignore", ".git\n")
        return tree
    }

    /// Where the cache of `tree` is.
    private func cachePath(_ tree: TreeBuilder) throws -> String {
        try #require(StatCache.Location.forContext(root: tree.root) { $0 == Array(".git".utf8) }).path
    }

    @Test("a cached run gives the same digests and writes the cache atomically")
    func sameDigests() throws {
        let tree = repository("a = one\nb/c = two\nrequirements.txt = six\n")
        defer { tree.remove() }
        let cold = try fingerprint(tree)
        let path = try cachePath(tree)
        #expect(
            path.hasPrefix(
                URL(fileURLWithPath: tree.root).resolvingSymlinksInPath().path + "/.git/layerpin/stat-cache."))
        #expect(FileManager.default.fileExists(atPath: path))
        let warm = try fingerprint(tree)
        #expect(warm.groups.map(\.digest) == cold.groups.map(\.digest))
        #expect(warm.context.digest == cold.context.digest)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: tree.root + "/.git/layerpin")
        #expect(leftovers == [String(path.split(separator: "/").last!)])
        // Nothing of layerpin's in the context itself.
        #expect(!FileManager.default.fileExists(atPath: tree.root + "/.layerpin"))
    }

    @Test("an unchanged re-run does not rewrite the cache; a change does")
    func noRewrite() throws {
        let tree = repository("a = one\nb = two\n")
        defer { tree.remove() }
        _ = try fingerprint(tree)
        usleep(20_000)  // past the racy window of the files just written
        _ = try fingerprint(tree)  // re-hashes the racy entries, rewrites once
        let path = try cachePath(tree)
        let written = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        _ = try fingerprint(tree)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int == written)
        tree.file("c", "three")
        _ = try fingerprint(tree)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int != written)
    }

    @Test("a recorded digest is used only while every stat field matches and the entry is not racy")
    func rules() throws {
        let digest = SHA256Hasher.digest(of: Array("recorded".utf8))
        let entry = ContextEntry(
            path: Array("f".utf8), kind: .file,
            stamp: StatStamp(mode: 0o100644, size: 3, mtimeNanoseconds: 1_000, ctimeNanoseconds: 2_000, inode: 7))
        var cache = StatCache(records: [
            (
                Array("e".utf8),
                .init(
                    stamp: StatStamp(
                        mode: 0o100644, size: 3, mtimeNanoseconds: 1_000, ctimeNanoseconds: 2_000, inode: 7),
                    digest: digest)
            ),
            (
                entry.path,
                .init(
                    stamp: StatStamp(
                        mode: 0o100644, size: 3, mtimeNanoseconds: 1_000, ctimeNanoseconds: 2_000, inode: 7),
                    digest: digest)
            ),
            (
                Array("g".utf8),
                .init(
                    stamp: StatStamp(
                        mode: 0o100644, size: 3, mtimeNanoseconds: 1_000, ctimeNanoseconds: 2_000, inode: 7),
                    digest: digest)
            ),
        ])
        cache.writtenAtNanoseconds = 5_000
        #expect(cache.digests(forSorted: [entry]) == [digest])
        for changed in [
            { (e: inout ContextEntry) in e.stamp.size = 4 }, { $0.stamp.mtimeNanoseconds = 1_001 },
            { $0.stamp.ctimeNanoseconds = 2_001 }, { $0.stamp.inode = 8 }, { $0.stamp.mode = 0o100755 },
        ] {
            var other = entry
            changed(&other)
            #expect(cache.digests(forSorted: [other]) == [nil])
        }
        // Racy: modified no earlier than the cache was written.
        cache.writtenAtNanoseconds = 1_000
        #expect(cache.digests(forSorted: [entry]) == [nil])
    }

    @Test("the cache round-trips through its file")
    func roundTrip() throws {
        let tree = TreeBuilder("x\n")
        defer { tree.remove() }
        let digest = SHA256Hasher.digest(of: [1, 2, 3])
        let cache = StatCache(records: [
            (
                [0x61, 0xFF, 0x0A],
                .init(
                    stamp: StatStamp(
                        mode: 0o100755, size: -1, mtimeNanoseconds: .max, ctimeNanoseconds: .min, inode: .max),
                    digest: digest)
            ),
            (
                [0x61],
                .init(
                    stamp: StatStamp(mode: 0o100644, size: 1, mtimeNanoseconds: 2, ctimeNanoseconds: 3, inode: 4),
                    digest: digest)
            ),
        ])
        let rootDirectory = try OpenDirectory(tree.root)
        let root = rootDirectory.rawValue
        let location = StatCache.Location(directory: tree.root + "/cache", name: "c")
        try cache.write(at: location, contextRoot: root)
        let loaded = StatCache.load(at: location)
        #expect(loaded.records == cache.records)
        #expect(loaded.paths == [[0x61], [0x61, 0xFF, 0x0A]])
        #expect(loaded.writtenAtNanoseconds > 0)
    }

    /// Ways to damage a cache of two records with one-byte paths ("a", then "b").
    enum Corruption: String, CaseIterable, Sendable {
        case truncatedLastRecord, pathLengthPastEnd, strayByteAfterLastRecord, outOfOrder, repeatedPath, otherMagic

        /// Where the second record's path byte is: magic, length, "a", fields, length.
        static let secondPath = 8 + 4 + 1 + 68 + 4

        func apply(_ bytes: inout [UInt8]) {
            switch self {
            case .truncatedLastRecord: bytes.removeLast()
            case .pathLengthPastEnd: bytes[8] = 0xFF
            case .strayByteAfterLastRecord: bytes.append(0)
            case .outOfOrder: bytes.swapAt(12, Self.secondPath)
            case .repeatedPath: bytes[Self.secondPath] = bytes[12]
            case .otherMagic: bytes[0] = UInt8(ascii: "X")
            }
        }
    }

    /// One record, for the tests that damage a cache file.
    static let sampleRecord = StatCache.Record(
        stamp: StatStamp(mode: 0o100644, size: 1, mtimeNanoseconds: 2, ctimeNanoseconds: 3, inode: 4),
        digest: SHA256Hasher.digest(of: [1]))

    @Test("a malformed cache file loads as an empty cache", arguments: Corruption.allCases)
    func malformedFile(_ corruption: Corruption) throws {
        let tree = TreeBuilder("x\n")
        defer { tree.remove() }
        let record = Self.sampleRecord
        let rootDirectory = try OpenDirectory(tree.root)
        let root = rootDirectory.rawValue
        let location = StatCache.Location(directory: tree.root + "/cache", name: "c")
        let name = Array("cache/c".utf8)
        try StatCache(records: [([0x62], record), ([0x61], record)]).write(at: location, contextRoot: root)
        #expect(StatCache.load(at: location).paths == [[0x61], [0x62]])
        // Damaged and then sealed again, so the structural checks (not the checksum) must refuse it.
        var bytes = Array(try #require(try FileSystem.readSmallFile(at: root, name)).dropLast(32))
        corruption.apply(&bytes)
        try FileSystem.writeAtomically(at: root, name, StatCache.sealed(bytes))
        let (cache, outcome) = StatCache.loading(at: location)
        #expect(cache.count == 0)
        #expect(outcome == .damaged)
    }

    @Test("a bit flipped anywhere in the cache file is caught by its checksum; an older format is rebuilt quietly")
    func checksum() throws {
        let tree = TreeBuilder("x\n")
        defer { tree.remove() }
        let record = Self.sampleRecord
        let rootDirectory = try OpenDirectory(tree.root)
        let root = rootDirectory.rawValue
        let location = StatCache.Location(directory: tree.root + "/cache", name: "c")
        let name = Array("cache/c".utf8)
        try StatCache(records: [([0x61], record)]).write(at: location, contextRoot: root)
        let good = try #require(try FileSystem.readSmallFile(at: root, name))
        #expect(StatCache.loading(at: location).outcome == .loaded)
        // A flip in a digest byte is well-formed: only the checksum can see it.
        for offset in [8 + 4 + 1 + 36 + 5, 8 + 4, good.count - 1] {
            var flipped = good
            flipped[offset] ^= 0x01
            try FileSystem.writeAtomically(at: root, name, flipped)
            let (cache, outcome) = StatCache.loading(at: location)
            #expect(cache.count == 0, "offset \(offset)")
            #expect(outcome == .damaged, "offset \(offset)")
        }
        var older = good
        older[6] = UInt8(ascii: "1")
        try FileSystem.writeAtomically(at: root, name, older)
        #expect(StatCache.loading(at: location).outcome == .outdated)
        try FileSystem.writeAtomically(at: root, name, [])
        #expect(StatCache.loading(at: location).outcome == .damaged)
    }

    @Test("where the cache goes: .git/layerpin/ when the context keeps .git out, else the user's cache directory")
    func location() throws {
        let tree = TreeBuilder("app/a = one\n.git/\n")
        defer { tree.remove() }
        let root = URL(fileURLWithPath: tree.root).resolvingSymlinksInPath().path
        let environment = ["HOME": "/home/u", "XDG_CACHE_HOME": "/xdg"]
        let excluded = try #require(
            StatCache.Location.forContext(root: tree.root, environment: environment) { $0 == Array(".git".utf8) })
        #expect(excluded.directory == root + "/.git/layerpin")
        #expect(excluded.name.hasPrefix("stat-cache.") && excluded.name.count == "stat-cache.".count + 16)
        // .git sent with the context: the cache would change what is hashed, so it goes elsewhere.
        let sent = StatCache.Location.forContext(root: tree.root, environment: environment) { _ in false }
        #expect(sent?.directory == "/xdg/layerpin")
        // A context below the repository's root: .git is outside it, whatever .dockerignore says.
        let below = StatCache.Location.forContext(root: tree.root + "/app", environment: environment) { _ in false }
        #expect(below?.directory == root + "/.git/layerpin")
        #expect(below?.name != excluded.name)  // one cache per context
        // A `.git` file (a worktree) is not followed; no XDG: the home's .cache.
        let worktree = TreeBuilder("a = one\n.git = gitdir: /etc\n")
        defer { worktree.remove() }
        let home = StatCache.Location.forContext(root: worktree.root, environment: ["HOME": "/home/u"]) { _ in true }
        #expect(home?.directory == "/home/u/.cache/layerpin")
        #expect(StatCache.Location.forContext(root: worktree.root, environment: [:]) { _ in true } == nil)
    }

    @Test("a cache an older version left in .layerpin/cache is removed, so docker build DIR no longer copies it")
    func legacyRemoved() throws {
        let tree = repository("a = one\n.layerpin/cache = LPSTAT1 old\n")
        defer { tree.remove() }
        _ = try fingerprint(tree)
        #expect(!FileManager.default.fileExists(atPath: tree.root + "/.layerpin/cache"))
    }

    @Test("a content change that keeps size and mtime is still seen (ctime moves)")
    func sameSizeSameMtime() throws {
        let tree = TreeBuilder("src/app.py = print(1)\n")
        defer { tree.remove() }
        let path = tree.root + "/src/app.py"
        let past = Date(timeIntervalSinceNow: -3600)
        try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: path)
        let before = try fingerprint(tree)
        tree.file("src/app.py", "print(2)")
        try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: path)
        let after = try fingerprint(tree)
        #expect(after.context.digest != before.context.digest)
    }

    @Test("a corrupt cache is ignored, never trusted")
    func corrupt() throws {
        let tree = repository("a = one\n")
        defer { tree.remove() }
        let expected = try fingerprint(tree).context.digest
        try Data("LPSTAT2\n\u{1}garbage".utf8).write(to: URL(fileURLWithPath: try cachePath(tree)))
        #expect(try fingerprint(tree).context.digest == expected)
    }

    @Test("a file that keeps changing while hashed is an error, never a torn hash")
    func changingFile() throws {
        let tree = TreeBuilder("grow = x\n")
        defer { tree.remove() }
        let handle = try #require(FileHandle(forWritingAtPath: tree.root + "/grow"))
        let stop = ManagedAtomicFlag()
        let writer = Thread {
            let chunk = Data(repeating: 0x61, count: 4096)
            while !stop.isSet {
                handle.seekToEndOfFile()
                handle.write(chunk)
            }
        }
        writer.start()
        defer {
            stop.set()
            while !writer.isFinished { usleep(1000) }
        }
        usleep(20_000)
        let rootDirectory = try OpenDirectory(tree.root)
        let root = rootDirectory.rawValue
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 64)
        defer { buffer.deallocate() }
        // On a loaded machine the writer may not run during one hash's three reads: then the file
        // did hold still, and its hash is a true one. Over many hashes it must be caught changing.
        var caught = false
        for _ in 0..<200 where !caught {
            do {
                _ = try FileHasher.hashFile(Array("grow".utf8), root: root, hasher: SHA256Hasher(), buffer: buffer)
            } catch {
                guard case LayerpinError.changedWhileHashing(let path) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(path == Array("grow".utf8))
                caught = true
            }
        }
        #expect(caught, "a file growing all the time was never caught changing")
    }
}

/// A flag one thread sets and another polls.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
