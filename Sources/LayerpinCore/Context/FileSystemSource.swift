import Foundation
import LayerpinDigest

/// The file system under a root descriptor. Directories are opened one component at a time with
/// `O_NOFOLLOW`, so the walk cannot be led out of the root.
struct FileSystemSource: ContextSource {
    var rootDirectory: Int32

    func openRoot() throws(LayerpinError) -> Int32 {
        do {
            return try FileSystem.duplicate(rootDirectory).release()
        } catch {
            throw .systemCall(operation: error.operation, path: [], errno: error.errno)
        }
    }

    /// Opens by path from the root without following a symlink in the last component, then checks
    /// that it is the very directory the parent listed (device and inode): a directory swapped for a
    /// symlink during the walk is refused, so the walk cannot be led out of the root.
    func open(_ entry: ContextEntry) throws(LayerpinError) -> Int32 {
        func failed(_ error: FileSystem.CallError) -> LayerpinError {
            .systemCall(operation: error.operation, path: entry.path, errno: error.errno)
        }
        let directory = try mapping(failed) { () throws(FileSystem.CallError) in
            try FileSystem.openDirectory(at: rootDirectory, entry.path)
        }
        let status = try mapping(failed) { () throws(FileSystem.CallError) in
            try FileSystem.status(of: directory.rawValue)
        }
        guard status.stamp.inode == entry.stamp.inode && status.device == entry.device else {
            throw .systemCall(operation: "open", path: entry.path, errno: ESTALE)
        }
        return directory.release()
    }

    func children(
        of directory: Int32, path: [UInt8], directoryFound: (ContextEntry) -> Void
    ) throws(LayerpinError) -> [SourceChild] {
        let listed: FileSystem.DirectoryListing
        do {
            listed = try FileSystem.listing(inDirectory: directory) { name, status in
                directoryFound(
                    ContextEntry(
                        path: RawPath.join(path, name), kind: .directory, stamp: status.stampOfEntry,
                        device: status.device))
            }
        } catch {
            throw .systemCall(operation: error.operation, path: path, errno: error.errno)
        }
        var children: [SourceChild] = []
        children.reserveCapacity(listed.count)
        for index in listed.indices {
            let status: FileSystem.Status
            switch listed.status(at: index) {
            case .success(let found): status = found
            case .failure(let error) where error.errno == ENOENT: continue  // removed since readdir
            case .failure(let error):
                throw .systemCall(
                    operation: error.operation, path: listed.path(at: index, below: path), errno: error.errno)
            }
            let childPath = listed.path(at: index, below: path)
            let kind: EntryKind
            if status.isDirectory {
                kind = .directory
            } else if status.isRegular {
                kind = .file
            } else if status.isSymlink {
                kind = .symlink
            } else {
                children.append(.special(path: childPath, kind: status.specialKind))
                continue
            }
            children.append(
                .entry(
                    ContextEntry(path: childPath, kind: kind, stamp: status.stampOfEntry, device: status.device)))
        }
        return children
    }

    func close(_ directory: Int32) {
        FileSystem.close(directory)
    }

    func linkTarget(_ path: [UInt8], name: [UInt8], in directory: Int32, size: Int64) throws(LayerpinError) -> [UInt8] {
        do {
            return try FileSystem.linkTarget(at: directory, name, sizeHint: Int(size))
        } catch {
            throw .systemCall(operation: error.operation, path: path, errno: error.errno)
        }
    }

    func checkReadable(_ path: [UInt8], name: [UInt8], in directory: Int32) throws(LayerpinError) {
        if !FileSystem.isReadable(at: directory, name) {
            throw .systemCall(operation: "open", path: path, errno: EACCES)
        }
    }
}
