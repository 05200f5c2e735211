import LayerpinArchive
import LayerpinTestSupport
import Testing

@testable import LayerpinCore

@Suite("The tar writer")
struct TarWriterTests {
    @Test(
        "a hard link or a special file is refused, naming it, never written as a regular file",
        arguments: [ArchiveEntryKind.hardlink, .special])
    func refusesOtherKinds(kind: ArchiveEntryKind) throws {
        let tree = TreeBuilder()
        defer { tree.remove() }
        let directory = try OpenDirectory(tree.root)
        var refusal: ArchiveError?
        try directory.write(Array("out.tar".utf8)) { descriptor throws(LayerpinError) in
            do throws(ArchiveError) {
                let writer = try TarWriter(fileDescriptor: descriptor, gzip: false)
                try writer.append(
                    ArchiveEntryHeader(
                        path: Array("odd".utf8), kind: kind, permissions: 0o644, size: 0, mtime: 0,
                        linkTarget: kind == .hardlink ? Array("a".utf8) : nil))
            } catch {
                refusal = error
            }
        }
        #expect(refusal?.entry == Array("odd".utf8))
        #expect(refusal?.message.contains("cannot be written") == true)
    }
}
