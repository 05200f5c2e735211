#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one file that makes POSIX file-system calls. Paths are raw bytes from `readdir` on,
/// never `String`s (Foundation turns non-UTF-8 names into U+FFFD); every call is retried on EINTR.
enum FileSystem {
    /// What `lstat` says about an entry, in the units the walker and the stat cache use.
    struct Status: Equatable {
        var mode: UInt32
        var size: Int64
        var mtimeNanoseconds: Int64
        var ctimeNanoseconds: Int64
        var inode: UInt64
        var device: UInt64

        var isDirectory: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
        var isRegular: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFREG) }
        var isSymlink: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFLNK) }
        var isOwnerExecutable: Bool { mode & UInt32(S_IXUSR) != 0 }

        /// Whether two looks at a file show the same content stamp: size, mtime, ctime, inode.
        func sameContentStamp(as other: Status) -> Bool {
            size == other.size && mtimeNanoseconds == other.mtimeNanoseconds
                && ctimeNanoseconds == other.ctimeNanoseconds && inode == other.inode
        }

        /// A name for a kind that cannot be part of a context.
        var specialKindName: String {
            switch mode & UInt32(S_IFMT) {
            case UInt32(S_IFIFO): "FIFO"
            case UInt32(S_IFSOCK): "socket"
            case UInt32(S_IFCHR): "character device"
            case UInt32(S_IFBLK): "block device"
            default: "special file"
            }
        }
    }

    struct CallError: Error {
        var operation: String
        var errno: Int32
    }

    /// Runs a call returning -1 on error, retrying on EINTR.
    @discardableResult
    static func check<T: BinaryInteger>(_ operation: String, _ body: () -> T) throws(CallError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code != EINTR { throw CallError(operation: operation, errno: code) }
        }
    }

    @discardableResult
    static func withCString<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) throws(CallError) -> R) throws(CallError)
        -> R
    {
        var terminated = path
        terminated.append(0)
        return try terminated.withUnsafeBufferPointer { buffer throws(CallError) -> R in
            try buffer.withMemoryRebound(to: CChar.self) { chars throws(CallError) -> R in try body(chars.baseAddress!)
            }
        }
    }

    /// Opens a directory (following a symlink only for the root the user named).
    static func openRoot(_ path: [UInt8]) throws(CallError) -> Int32 {
        try withCString(path) { cPath throws(CallError) in
            try check("open") { open(cPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        }
    }

    /// Opens a directory relative to `directory`, refusing to follow a symlink in its last component.
    static func openDirectory(at directory: Int32, _ path: [UInt8]) throws(CallError) -> Int32 {
        try withCString(path) { cPath throws(CallError) in
            try check("open") { openat(directory, cPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        }
    }

    /// Opens a regular file for reading without following a symlink and without blocking on a FIFO.
    static func openFile(at directory: Int32, _ path: [UInt8]) throws(CallError) -> Int32 {
        try withCString(path) { cPath throws(CallError) in
            try check("open") { openat(directory, cPath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        }
    }

    static func duplicate(_ descriptor: Int32) throws(CallError) -> Int32 {
        try check("dup") { fcntl(descriptor, F_DUPFD_CLOEXEC, 0) }
    }

    static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    /// One child of a directory listing: its name and its `lstat` (or the errno of a failed one).
    struct ListedChild {
        var name: [UInt8]
        var status: Result<Status, CallError>
    }

    /// The children of a directory (without `.` and `..`), in no particular order, each `lstat`ed
    /// straight from the `dirent` name (no copy of the name to make a C string).
    static func listing(inDirectory descriptor: Int32) throws(CallError) -> [ListedChild] {
        let copy = try check("dup") { dup(descriptor) }
        guard let stream = fdopendir(copy) else {
            let code = errno
            Glibc.close(copy)
            throw CallError(operation: "opendir", errno: code)
        }
        defer { closedir(stream) }
        var children: [ListedChild] = []
        var raw = stat()
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw CallError(operation: "readdir", errno: errno) }
                return children
            }
            let child: ListedChild? = withUnsafeBytes(of: &entry.pointee.d_name) { bytes in
                let name = bytes.bindMemory(to: UInt8.self)
                let length = strnlen(bytes.baseAddress!.assumingMemoryBound(to: CChar.self), name.count)
                if (length == 1 && name[0] == 0x2E) || (length == 2 && name[0] == 0x2E && name[1] == 0x2E) {
                    return nil
                }
                let cName = bytes.baseAddress!.assumingMemoryBound(to: CChar.self)
                let status = Result { () throws(CallError) in
                    try check("lstat") { fstatat(dirfd(stream), cName, &raw, AT_SYMLINK_NOFOLLOW) }
                    return Status(raw)
                }
                return ListedChild(name: Array(name.prefix(length)), status: status)
            }
            if let child { children.append(child) }
        }
    }

    /// `fstatat(…, AT_SYMLINK_NOFOLLOW)` of one name.
    static func linkStatus(at directory: Int32, _ name: [UInt8]) throws(CallError) -> Status {
        var raw = stat()
        try withCString(name) { cName throws(CallError) in
            try check("lstat") { fstatat(directory, cName, &raw, AT_SYMLINK_NOFOLLOW) }
        }
        return Status(raw)
    }

    static func status(of descriptor: Int32) throws(CallError) -> Status {
        var raw = stat()
        try check("fstat") { fstat(descriptor, &raw) }
        return Status(raw)
    }

    /// The target of a symlink, raw bytes.
    static func linkTarget(at directory: Int32, _ name: [UInt8], sizeHint: Int) throws(CallError) -> [UInt8] {
        var capacity = max(sizeHint + 1, 256)
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let count = try withCString(name) { cName throws(CallError) in
                try check("readlink") {
                    buffer.withUnsafeMutableBufferPointer { out in
                        out.withMemoryRebound(to: CChar.self) {
                            readlinkat(directory, cName, $0.baseAddress!, capacity)
                        }
                    }
                }
            }
            if count < capacity { return Array(buffer.prefix(count)) }
            capacity *= 2
        }
    }

    /// Whether the current user may read the entry.
    static func isReadable(at directory: Int32, _ name: [UInt8]) -> Bool {
        (try? withCString(name) { cName throws(CallError) in
            try check("access") { faccessat(directory, cName, R_OK, AT_EACCESS) }
        }) != nil
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(CallError) -> Int {
        try check("read") { Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
    }

    /// Reads a whole (small) file relative to `directory`; nil when it does not exist.
    static func readSmallFile(at directory: Int32, _ path: [UInt8], limit: Int = 16 << 20) throws(CallError) -> [UInt8]?
    {
        let descriptor: Int32
        do {
            descriptor = try openFile(at: directory, path)
        } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { return nil }
            throw error
        }
        defer { close(descriptor) }
        let info = try status(of: descriptor)
        guard info.isRegular else { throw CallError(operation: "read", errno: EINVAL) }
        guard info.size <= Int64(limit) else { throw CallError(operation: "read", errno: EFBIG) }
        // Read straight into a buffer of the stat size plus one byte (to see growth), neither
        // zero-filled first nor copied after (this reads the stat cache); a file that grew goes on
        // in chunks.
        var failure: CallError?
        var out = [UInt8](unsafeUninitializedCapacity: Int(info.size) + 1) { buffer, initialized in
            initialized = 0
            while initialized < buffer.count {
                let rest = UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[initialized...]))
                switch Result(catching: { () throws(CallError) in try read(descriptor, into: rest) }) {
                case .success(0): return
                case .success(let count): initialized += count
                case .failure(let error):
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
        guard out.count > Int(info.size) else { return out }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(CallError) in try read(descriptor, into: buffer) }
            }.get()
            if count == 0 { return out }
            out += chunk[..<count]
            guard out.count <= limit else { throw CallError(operation: "read", errno: EFBIG) }
        }
    }

    /// Writes `bytes` to `path` (relative to `directory`) through a temporary name in the same
    /// directory, flushed, then renamed over the target: readers see the old or the new file, never
    /// a part.
    static func writeAtomically(at directory: Int32, _ path: [UInt8], _ bytes: [UInt8], mode: mode_t = 0o644)
        throws(CallError)
    {
        var temporary = path
        temporary += Array(".tmp.\(getpid()).\(UInt32.random(in: 0...UInt32.max))".utf8)
        let descriptor = try withCString(temporary) { cPath throws(CallError) in
            try check("open") { openat(directory, cPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode) }
        }
        func removeTemporary() {
            _ = try? withCString(temporary) { cPath throws(CallError) in unlinkat(directory, cPath, 0) }
        }
        do {
            try bytes.withUnsafeBytes { raw in Result { () throws(CallError) in try writeAll(descriptor, raw) } }.get()
            try check("fchmod") { fchmod(descriptor, mode) }  // exactly `mode`, whatever the umask
            try check("fsync") { fsync(descriptor) }
        } catch {
            close(descriptor)
            removeTemporary()
            throw error
        }
        close(descriptor)
        do {
            try withCString(temporary) { cOld throws(CallError) in
                try withCString(path) { cNew throws(CallError) in
                    try check("rename") { renameat(directory, cOld, directory, cNew) }
                }
            }
        } catch {
            removeTemporary()
            throw error
        }
    }

    /// Writes all of `bytes` to `descriptor`.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(CallError) {
        var offset = 0
        while offset < bytes.count {
            offset += try check("write") { write(descriptor, bytes.baseAddress! + offset, bytes.count - offset) }
        }
    }

    /// A new file only this user can read, created exclusively (never through a planted name or
    /// link) in `directory`: its path and a descriptor open for writing.
    static func createTemporaryFile(in directory: String, suffix: String) throws(CallError) -> (String, Int32) {
        while true {
            let path = directory + "/layerpin-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" + suffix
            do {
                let descriptor = try withCString(Array(path.utf8)) { cPath throws(CallError) in
                    try check("open") { open(cPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
                }
                return (path, descriptor)
            } catch  where error.errno == EEXIST {
                continue
            }
        }
    }

    /// Creates (or truncates) a file for writing, relative to the current directory.
    static func create(_ path: [UInt8]) throws(CallError) -> Int32 {
        try withCString(path) { cPath throws(CallError) in
            try check("open") { open(cPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        }
    }

    static func rename(_ old: [UInt8], to new: [UInt8]) throws(CallError) {
        try withCString(old) { cOld throws(CallError) in
            try withCString(new) { cNew throws(CallError) in try check("rename") { Glibc.rename(cOld, cNew) } }
        }
    }

    static func unlink(_ path: [UInt8]) {
        _ = try? withCString(path) { cPath throws(CallError) in Glibc.unlink(cPath) }
    }

    /// The current working directory.
    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Creates a directory relative to `directory` unless it exists.
    static func makeDirectory(at directory: Int32, _ path: [UInt8]) throws(CallError) {
        do {
            try withCString(path) { cPath throws(CallError) in
                try check("mkdir") { mkdirat(directory, cPath, 0o755) }
            }
        } catch  where error.errno == EEXIST {
            return
        }
    }
}

extension FileSystem.Status {
    /// The fields of a `stat` result.
    init(_ raw: stat) {
        mode = UInt32(raw.st_mode)
        size = Int64(raw.st_size)
        #if canImport(Darwin)
            mtimeNanoseconds = Int64(raw.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(raw.st_mtimespec.tv_nsec)
            ctimeNanoseconds = Int64(raw.st_ctimespec.tv_sec) * 1_000_000_000 + Int64(raw.st_ctimespec.tv_nsec)
        #else
            mtimeNanoseconds = Int64(raw.st_mtim.tv_sec) * 1_000_000_000 + Int64(raw.st_mtim.tv_nsec)
            ctimeNanoseconds = Int64(raw.st_ctim.tv_sec) * 1_000_000_000 + Int64(raw.st_ctim.tv_nsec)
        #endif
        inode = UInt64(raw.st_ino)
        device = UInt64(raw.st_dev)
    }
}
