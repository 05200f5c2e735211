import Foundation
import LayerpinDigest
import LayerpinTestSupport
import Synchronization
import Testing

@testable import LayerpinCore

#if canImport(Glibc)
    import Glibc
#endif

/// Swaps `root/dir` for a symlink to `outside/dir` and back until `finish()`.
private final class DirectorySwapper: Sendable {
    let stop = Atomic<Bool>(false)
    let swaps = Atomic<Int>(0)
    let done = Atomic<Bool>(false)

    init(root: String, outside: String) {
        Thread.detachNewThread { [self] in
            while !stop.load(ordering: .relaxed) {
                rename(root + "/dir", root + "/dir.real")
                symlink(outside + "/dir", root + "/dir")
                usleep(500)  // swapped: long enough for a walk to meet it
                unlink(root + "/dir")
                rename(root + "/dir.real", root + "/dir")
                usleep(2000)  // in place: long enough for a walk to finish
                swaps.add(1, ordering: .relaxed)
            }
            done.store(true, ordering: .releasing)
        }
    }

    func finish() {
        stop.store(true, ordering: .relaxed)
        while !done.load(ordering: .acquiring) { usleep(1000) }
    }
}

/// A directory of the context swapped for a symlink to the outside, over and over, while the walk,
/// the hashing and the archive writer run: never a byte from outside the root.
@Suite("The walk never leaves the root, however the tree changes under it")
struct WalkRaceTests {
    static let inside = "inside-bytes-of-the-context\n"
    static let outside = "OUTSIDE-BYTES-NEVER-TO-SEND\n"  // as long as `inside`: size checks cannot catch it

    @Test("digest and context --tar under a swapping directory: the inside bytes, or an error naming the path")
    func swappedDirectory() throws {
        #expect(Self.inside.utf8.count == Self.outside.utf8.count)
        let tree = TreeBuilder()
        let away = TreeBuilder()
        defer {
            tree.remove()
            away.remove()
        }
        for depth in ["dir/a", "dir/a/b"] {
            tree.file(Array((depth + "/secret.txt").utf8), Array(Self.inside.utf8))
            away.file(Array((depth + "/secret.txt").utf8), Array(Self.outside.utf8))
        }
        let insideDigest = SHA256Hasher.digest(of: Array(Self.inside.utf8))
        let outsideDigest = SHA256Hasher.digest(of: Array(Self.outside.utf8))
        let swapper = DirectorySwapper(root: tree.root, outside: away.root)
        var fingerprints = 0
        var archives = 0
        // Until both have run to the end often enough for the check to mean something (on a loaded
        // machine most rounds meet a swapped directory and stop with an error, as they should).
        var round = 0
        while round < 5000 && (round < 300 || fingerprints < 10 || archives < 10) {
            round += 1
            var fingerprinter = Fingerprinter(root: tree.root)
            fingerprinter.useStatCache = false
            fingerprinter.engine = .named(.current)
            if let fingerprint = try? fingerprinter.fingerprint() {
                fingerprints += 1
                for entry in fingerprint.context.entries where entry.path.starts(with: Array("dir/".utf8)) {
                    guard entry.fingerprint.kind == .file else { continue }
                    #expect(entry.fingerprint.contentDigest != outsideDigest, "round \(round): hashed an outside file")
                    #expect(entry.fingerprint.contentDigest == insideDigest)
                }
            }
            let out = away.root + "/context-\(round).tar"
            if (try? ContextArchive(root: tree.root, generation: .current, mtime: 0).write(toFile: out)) != nil {
                archives += 1
                let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
                #expect(bytes.range(of: Data(Self.outside.utf8)) == nil, "round \(round): archived an outside file")
            }
            unlink(out)
        }
        swapper.finish()
        #expect(swapper.swaps.load(ordering: .relaxed) > 100)
        // Both ran to the end often enough for the check to mean something.
        #expect(fingerprints > 10 && archives > 10, "fingerprints \(fingerprints), archives \(archives)")
    }
}
