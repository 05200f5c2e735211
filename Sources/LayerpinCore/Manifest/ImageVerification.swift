import LayerpinDigest

extension Verifier {
    /// Checks an image file system read from archives against a manifest.
    package static func verify(_ system: ImageFileSystem, against manifest: Manifest) -> VerificationReport {
        var found: [([UInt8], Found)] = []
        for directory in manifest.coveredDirectories {
            found += system.found(under: directory)
            let path = Array(directory.utf8.drop { $0 == RawPath.separator })
            if manifest.copiedDirectoryRoots.contains(directory), let node = system.nodes[path] {
                found.append(
                    (
                        [RawPath.separator] + path,
                        Found(kind: node.kind, executable: node.executable, digest: nil, target: node.target)
                    ))
            }
        }
        for file in manifest.looseFiles {
            let path = Array(file.utf8.drop { $0 == RawPath.separator })
            if let node = system.nodes[path] {
                found.append(
                    (
                        [RawPath.separator] + path,
                        Found(kind: node.kind, executable: node.executable, digest: node.digest, target: node.target)
                    ))
            }
        }
        return separatingRuntime(compare(expected: manifest.imageEntries(), found: found), of: manifest)
    }
}
