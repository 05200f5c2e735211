import LayerpinDigest

extension Verifier {
    /// Checks an image file system read from archives against a manifest, and against the build
    /// outputs it records.
    package static func verify(_ system: ImageFileSystem, against manifest: Manifest) throws(LayerpinError)
        -> VerificationReport
    {
        // Where a file copied to a directory of the image went, the image says.
        let manifest = manifest.settlingDestinations(isDirectory: system.isDirectory)
        var found: [([UInt8], Found)] = []
        func single(_ image: String, digest: Bool = true) {
            let path = Array(image.utf8.drop { $0 == RawPath.separator })
            if let node = system.node(at: path) {
                found.append(
                    (
                        [RawPath.separator] + path,
                        Found(
                            kind: node.kind, executable: node.executable, digest: digest ? node.digest : nil,
                            target: node.target)
                    ))
            }
        }
        for (image, isCoveredDirectory) in manifest.scanRoots {
            found += system.found(under: image)
            if !isCoveredDirectory {
                single(image)  // a top-level name under "/" is an entry itself
            } else if manifest.copiedDirectoryRoots.contains(image) {
                single(image, digest: false)
            }
        }
        for file in manifest.looseFiles { single(file) }
        let outputs = try system.bakedOutputs.map { bytes throws(LayerpinError) in try BuildOutputs.read(bytes) }
        return separatingRuntime(
            compare(expected: manifest.imageEntries(), found: found, outputs: outputs ?? BuildOutputs()), of: manifest)
    }
}
