import LayerpinArchive
import LayerpinDigest

extension ImageFileSystem {
    /// Stacks an upper layer, as the engine applies one: first everything it removes from the
    /// layers below (whiteouts, opaque directories' contents, and whatever lay under a path it
    /// turns into a file or a symlink, whether or not the lower layers named that directory), then
    /// all of its entries. The order of its entries never changes the result.
    mutating func stack(_ upper: ImageFileSystem) {
        var removed: [[UInt8]] = upper.whiteouts
        for directory in upper.opaqueDirectories {
            for path in nodes.keys where RawPath.isWithin(path, directory) && path != directory { removed.append(path) }
        }
        for (path, node) in upper.nodes where node.kind != .directory {
            for below in nodes.keys where RawPath.isWithin(below, path) && below != path { removed.append(below) }
        }
        for hidden in removed {
            for path in nodes.keys where RawPath.isWithin(path, hidden) { nodes[path] = nil }
        }
        for (path, node) in upper.nodes { nodes[path] = node }
        baked.merge(upper.baked) { _, upper in upper }
    }

    /// Each baked file only while the file system still holds it, unchanged, as a file: hidden
    /// by a whiteout or an opaque directory, or replaced by a symlink or other bytes, it is gone.
    mutating func settleBakedFiles() {
        for (path, bytes) in baked {
            let node = nodes[path]
            if node?.kind != .file || node?.digest != SHA256Hasher.digest(of: bytes) { baked[path] = nil }
        }
    }

    /// Reads one tar's entries into this tree (hashing files as they stream past).
    mutating func apply(layer reader: TarReader, budget: inout Budget) throws {
        let hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while let header = try reader.next() {
            try budget.count(header)
            guard let relative = Self.clean(header.path) else {
                throw ImageArchiveFailure(problem: .leavesRoot, entry: header.path)
            }
            if relative.isEmpty { continue }  // the root itself
            let path = prefix.isEmpty ? relative : prefix + [RawPath.separator] + relative
            let name = path.lastIndex(of: RawPath.separator).map { Array(path[($0 + 1)...]) } ?? path
            let parent = path.lastIndex(of: RawPath.separator).map { Array(path[..<$0]) } ?? []
            if recordWhiteouts && name.starts(with: ".wh.".utf8) {
                if name == Array(".wh..wh..opq".utf8) {
                    opaqueDirectories.append(parent)
                } else {
                    whiteouts.append(RawPath.join(parent, Array(name.dropFirst(4))))
                }
                continue
            }
            let executable = header.permissions & 0o100 != 0
            switch header.kind {
            case .directory:
                nodes[path] = Node(kind: .directory, executable: false, digest: nil, target: nil)
            case .symlink:
                nodes[path] = Node(kind: .symlink, executable: false, digest: nil, target: header.linkTarget ?? [])
            case .hardlink:
                guard let cleaned = header.linkTarget.flatMap(Self.clean),
                    let linked = nodes[prefix.isEmpty ? cleaned : prefix + [RawPath.separator] + cleaned],
                    linked.kind == .file
                else {
                    throw ImageArchiveFailure(problem: .hardLinkToUnknownFile, entry: header.path)
                }
                nodes[path] = Node(kind: .file, executable: executable, digest: linked.digest, target: nil)
            case .file:
                var total: Int64 = 0
                var kept: [UInt8]? = Self.bakedPaths.contains(path) ? [] : nil
                while true {
                    let count = try reader.read(into: buffer)
                    if count == 0 { break }
                    total += Int64(count)
                    try budget.spend(Int64(count), entry: header.path)
                    let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
                    hasher.update(chunk)
                    if kept != nil { kept! += chunk }
                    if (kept?.count ?? 0) > BuildOutputs.sizeLimit { kept = nil }  // never the image's own
                }
                guard total == header.size else {
                    throw ImageArchiveFailure(
                        problem: .truncatedEntry(read: total, expected: header.size), entry: header.path)
                }
                nodes[path] = Node(kind: .file, executable: executable, digest: hasher.finalize(), target: nil)
                if let kept { baked[path] = kept }
            case .special:
                nodes[path] = Node(kind: .file, executable: false, digest: nil, target: nil)
            }
        }
    }
}
