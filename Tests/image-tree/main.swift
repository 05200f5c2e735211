// layerpin-image-tree ARCHIVE: every entry of a `docker save` archive's file system, read through
// layerpin's own image reader (layers stacked, whiteouts applied), one a line, sorted by path:
// KIND EXEC VALUE PATH (VALUE the SHA-256 of a file, a symlink's target, `-` otherwise). Two
// listings diff to the images' difference in paths, kinds, content, exec bits and link targets;
// the end-to-end difference test (Tests/e2e/image-difference.sh) compares images with it.
import Foundation
import LayerpinCore

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: layerpin-image-tree ARCHIVE\n".utf8))
    exit(2)
}
do {
    let system = try ImageFileSystem.readImageArchive(CommandLine.arguments[1])
    FileHandle.standardOutput.write(Data(system.listing().utf8))
} catch {
    FileHandle.standardError.write(Data("layerpin-image-tree: \(CommandLine.arguments[1]): \(error)\n".utf8))
    exit(2)
}
