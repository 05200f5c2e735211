import Dispatch
import LayerpinDigest
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Hashes the regular files of a context on several threads, each with one reused buffer and one
/// reused SHA-256 context.
///
/// A file is read through a descriptor opened one component at a time from the root without
/// following any symlink, and without blocking; its `fstat` before and after the read must agree
/// (size, mtime, ctime), else it is read again, and a file still changing after three reads is an
/// error: a hash is never torn. Every attempt must open the very file the walk listed (device and
/// inode): one swapped for another file, or reached through a swapped directory, is an error naming
/// the path, never hashed.
struct FileHasher {
    /// What was hashed: the digest and the status it was hashed under (for the stat cache).
    struct HashedFile: Sendable {
        var digest: Digest
        var status: FileSystem.Status
    }

    static let bufferSize = 1 << 20
    static let attempts = 3

    /// A file to hash and, when known, the `lstat` the walk saw (which saves an `fstat`).
    struct Job: Sendable {
        var path: [UInt8]
        var walked: FileSystem.Status?
    }

    /// Hashes the files of `jobs` (paths relative to `root`); results in the same order.
    static func hash(_ jobs: [Job], root: Int32, workers: Int) throws(LayerpinError) -> [HashedFile] {
        if jobs.isEmpty { return [] }
        let next = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let failure = Mutex<LayerpinError?>(nil)
        let results = UnsafeMutableBufferPointer<HashedFile?>.allocate(capacity: jobs.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let shared = UncheckedSendable(value: results)
        let threadCount = max(1, min(workers, jobs.count))
        // A file larger than the buffer keeps a core busy hashing (and, from the page cache,
        // copying): no more of those at once than there are cores, or the threads' buffers evict
        // each other from the caches. Small files, whose cold reads wait on the disk, use every thread.
        let largeFiles = DispatchSemaphore(value: FileSystem.onlineProcessors)
        // Largest first (LPT scheduling): a big file started last would leave one core hashing
        // alone while the others idle.
        let order = jobs.indices.sorted { (jobs[$0].walked?.size ?? 0) > (jobs[$1].walked?.size ?? 0) }
        FileSystem.onThreads(threadCount) { _ in
            let hasher = SHA256Hasher()
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 64)
            defer { buffer.deallocate() }
            while !stop.load(ordering: .relaxed) {
                let slot = next.add(1, ordering: .relaxed).oldValue
                if slot >= jobs.count { return }
                let index = order[slot]
                let large = (jobs[index].walked?.size ?? 0) > bufferSize
                if large { largeFiles.wait() }
                defer { if large { largeFiles.signal() } }
                switch Result(catching: { () throws(LayerpinError) in
                    try hashFile(
                        jobs[index].path, walked: jobs[index].walked, root: root, hasher: hasher, buffer: buffer)
                }) {
                case .success(let result):
                    shared.value[index] = result
                case .failure(let error):
                    failure.withLock { if $0 == nil { $0 = error } }
                    stop.store(true, ordering: .relaxed)
                    return
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.map { $0! }
    }

    /// Hashes one file. The status before the read is the walk's `lstat` on the first attempt
    /// (an `fstat` on later ones); the `fstat` after it must agree in size, mtime, ctime and inode.
    static func hashFile(
        _ path: [UInt8], walked: FileSystem.Status? = nil, root: Int32, hasher: SHA256Hasher,
        buffer: UnsafeMutableRawBufferPointer
    ) throws(LayerpinError) -> HashedFile {
        var expected = walked
        for _ in 0..<attempts {
            let file: FileDescriptor
            do {
                file = try FileSystem.openFileBeneath(at: root, path)
            } catch  where error.isSymlinkOnPath {
                throw .changedWhileHashing(path: path)  // it, or a directory above it, became a symlink
            } catch {
                throw .systemCall(operation: error.operation, path: path, errno: error.errno)
            }
            let descriptor = file.rawValue
            do {
                let opened = try FileSystem.status(of: descriptor)
                if let walked, opened.stamp.inode != walked.stamp.inode || opened.device != walked.device {
                    throw LayerpinError.changedWhileHashing(path: path)  // another file than the walk listed
                }
                let before = expected ?? opened
                expected = nil
                guard before.isRegular else { throw LayerpinError.changedWhileHashing(path: path) }
                var remaining = before.size
                var truncated = false
                // Trust the size: no final read() to see end of file; the fstat after catches growth.
                while remaining > 0 {
                    let count = try FileSystem.read(descriptor, into: buffer)
                    if count == 0 {
                        truncated = true
                        break
                    }
                    hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<min(count, Int(remaining))]))
                    remaining -= Int64(count)
                }
                let digest = hasher.finalize()
                let after = try FileSystem.status(of: descriptor)
                if truncated || remaining < 0 || !after.isRegular || after.stamp != before.stamp {
                    continue
                }
                return HashedFile(digest: digest, status: after)
            } catch let error as FileSystem.CallError {
                hasher.reset()
                throw .systemCall(operation: error.operation, path: path, errno: error.errno)
            } catch let error as LayerpinError {
                throw error
            } catch {
                preconditionFailure("unexpected error \(error)")
            }
        }
        throw .changedWhileHashing(path: path)
    }
}

/// Hands a value to concurrent work that touches disjoint parts of it.
struct UncheckedSendable<Value>: @unchecked Sendable {
    var value: Value
}
