import CLayerpinSystem
import LayerpinDigest
import Synchronization

#if canImport(Glibc)
    import Glibc
    private let systemClose = Glibc.close
    private let systemRead = Glibc.read
    private let systemWrite = Glibc.write
    private let systemUnlink = Glibc.unlink
#elseif canImport(Darwin)
    import Darwin
    private let systemClose = Darwin.close
    private let systemRead = Darwin.read
    private let systemWrite = Darwin.write
    private let systemUnlink = Darwin.unlink
#endif

/// An open file descriptor with one owner: it is never copied, and it is closed exactly once, when
/// its owner goes away. Calls that only use a descriptor someone else owns take its `rawValue`.
struct FileDescriptor: ~Copyable {
    /// The descriptor number, lent to calls (and threads) while the owner keeps it open.
    let rawValue: Int32

    init(owning rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Hands the descriptor to a caller that closes it itself (with `FileSystem.close`).
    consuming func release() -> Int32 {
        let rawValue = rawValue
        discard self
        return rawValue
    }

    deinit {
        _ = systemClose(rawValue)
    }
}

/// A file this process created exclusively (a random name, mode 0600, never through a planted name
/// or link) and removed when the value goes away: a spool for a docker stream or standard input,
/// which cannot outlive the command that needed it.
package struct SpoolFile: ~Copyable {
    package let path: String
    let descriptor: FileDescriptor
    /// Its entry in the table an interrupt empties.
    private let slot: Int?

    /// `slot`: its entry in the interrupt table, registered before the file was created.
    init(path: String, descriptor: consuming FileDescriptor, slot: Int?) {
        self.path = path
        self.descriptor = descriptor
        self.slot = slot
    }

    deinit {
        FileSystem.unlink(Array(path.utf8))
        FileSystem.TemporaryFiles.unregister(slot)
    }
}

/// The one file that makes POSIX calls (file system, terminal, signals). Paths are raw bytes from
/// `readdir` on, never `String`s (Foundation turns non-UTF-8 names into U+FFFD); every call is
/// retried on EINTR. A test greps the other sources for these calls.
enum FileSystem {
    /// What `lstat` says about an entry, in the units the walker and the stat cache use.
    struct Status: Equatable {
        var stamp: StatStamp
        var device: UInt64

        var mode: UInt32 { stamp.mode }
        var size: Int64 { stamp.size }
        /// The stamp a context entry records: a directory's size is 0 (its `st_size` is the file
        /// system's business, and differs between machines).
        var stampOfEntry: StatStamp {
            var entry = stamp
            if isDirectory { entry.size = 0 }
            return entry
        }
        var isDirectory: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
        var isRegular: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFREG) }
        var isSymlink: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFLNK) }
        var isOwnerExecutable: Bool { mode & UInt32(S_IXUSR) != 0 }

        /// The kind of an entry that cannot be part of a context.
        var specialKind: SpecialFileKind {
            switch mode & UInt32(S_IFMT) {
            case UInt32(S_IFIFO): .fifo
            case UInt32(S_IFSOCK): .socket
            case UInt32(S_IFCHR): .characterDevice
            case UInt32(S_IFBLK): .blockDevice
            default: .other
            }
        }
    }

    /// A failed call: which one, and the `errno` it set.
    struct CallError: Error {
        var operation: String
        var errno: Int32

        /// A path component that should be a directory is not one.
        var isNotADirectory: Bool { errno == ENOTDIR }
        /// A directory where a file was wanted.
        var isDirectory: Bool { errno == EISDIR }
        /// A symlink where `openFileBeneath` wanted a directory or the file itself: the tree changed.
        var isSymlinkOnPath: Bool { errno == ELOOP || errno == ENOTDIR }
    }

    /// The errno of a path that does not exist.
    static var noSuchFile: Int32 { ENOENT }

    /// What the system says an `errno` means.
    static func describe(errno code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// Whether a descriptor is a terminal.
    static func isTerminal(_ descriptor: Int32) -> Bool {
        isatty(descriptor) == 1
    }

    /// Whether the file at `path` exists and this user may run it.
    static func isExecutable(_ path: String) -> Bool {
        access(path, X_OK) == 0
    }

    /// Writing to a pipe whose reader has gone (a failed `docker build` stops reading its context)
    /// returns EPIPE instead of killing the process. Set once, by the executable.
    static func ignoreBrokenPipe() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Temporary files in the making, removed by the signal handler when SIGINT, SIGTERM or SIGHUP
    /// stops the process: a fixed table allocated before the handler is installed, so the handler
    /// only reads memory and calls `unlinkat` and `_exit` (both async-signal-safe).
    enum TemporaryFiles {
        static let slots = 64
        static let nameCapacity = Int(PATH_MAX) + 1
        /// Per slot: the directory descriptor (`Int32`, -1 when free), then the NUL-terminated name;
        /// a multiple of 8 bytes, so every slot's descriptor is aligned.
        static let slotSize = (MemoryLayout<Int32>.stride + nameCapacity + 7) / 8 * 8
        nonisolated(unsafe) static let table: UnsafeMutableRawPointer = {
            let table = UnsafeMutableRawPointer.allocate(byteCount: slots * slotSize, alignment: 8)
            for slot in 0..<slots { table.storeBytes(of: Int32(-1), toByteOffset: slot * slotSize, as: Int32.self) }
            return table
        }()
        static let lock = Mutex<Void>(())

        /// Records a temporary file (`name` relative to `directory`, or absolute); returns its slot,
        /// or nil when the table is full or the name too long (then an interrupt leaves it behind,
        /// for the next run to clean).
        static func register(directory: Int32, _ name: [UInt8]) -> Int? {
            guard name.count < nameCapacity else { return nil }
            return lock.withLock { _ -> Int? in
                for slot in 0..<slots
                where table.load(fromByteOffset: slot * slotSize, as: Int32.self) == -1 {
                    let base = table + slot * slotSize + MemoryLayout<Int32>.stride
                    name.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: name.count) }
                    base.storeBytes(of: UInt8(0), toByteOffset: name.count, as: UInt8.self)
                    table.storeBytes(of: directory, toByteOffset: slot * slotSize, as: Int32.self)
                    return slot
                }
                return nil
            }
        }

        static func unregister(_ slot: Int?) {
            guard let slot else { return }
            lock.withLock { _ in table.storeBytes(of: Int32(-1), toByteOffset: slot * slotSize, as: Int32.self) }
        }

        /// The handler: remove every registered file, then exit 128 + the signal, as a shell reports it.
        static let handler: @convention(c) (Int32) -> Void = { signal in
            for slot in 0..<TemporaryFiles.slots {
                let directory = TemporaryFiles.table.load(
                    fromByteOffset: slot * TemporaryFiles.slotSize, as: Int32.self)
                guard directory != -1 else { continue }
                let name = (TemporaryFiles.table + slot * TemporaryFiles.slotSize + MemoryLayout<Int32>.stride)
                    .assumingMemoryBound(to: CChar.self)
                unlinkat(directory, name, 0)
            }
            _exit(128 + signal)
        }
    }

    /// Installs the handler that removes temporary files on SIGINT, SIGTERM and SIGHUP, and
    /// unblocks them (a parent's blocked mask is inherited). A signal the parent made ignored
    /// (`nohup`, a background job of a script) stays ignored. Set once, by the executable; child
    /// processes get the default disposition back when they exec.
    static func removeTemporaryFilesOnInterrupt() {
        _ = TemporaryFiles.table  // allocated now, never inside the handler
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            var previous = sigaction()
            sigaction(signalNumber, nil, &previous)
            if unsafeBitCast(previous.__sigaction_handler.sa_handler, to: Int.self)
                == unsafeBitCast(SIG_IGN, to: Int.self)
            {
                continue
            }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = TemporaryFiles.handler
            sigemptyset(&action.sa_mask)
            sigaction(signalNumber, &action, nil)
            sigaddset(&unblocked, signalNumber)
        }
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
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
    static func openRoot(_ path: [UInt8]) throws(CallError) -> FileDescriptor {
        FileDescriptor(
            owning: try withCString(path) { cPath throws(CallError) in
                try check("open") { open(cPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            })
    }

    /// Opens a directory relative to `directory`, refusing to follow a symlink in its last component.
    static func openDirectory(at directory: Int32, _ path: [UInt8]) throws(CallError) -> FileDescriptor {
        FileDescriptor(
            owning: try withCString(path) { cPath throws(CallError) in
                try check("open") { openat(directory, cPath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            })
    }

    /// Opens a regular file for reading without following a symlink and without blocking on a FIFO.
    /// A relative `path` is taken from `directory`, an absolute one as it is. With
    /// `followingSymlinks` (a file the user named, not one inside a context) a symlink is followed.
    static func openFile(at directory: Int32, _ path: [UInt8], followingSymlinks: Bool = false) throws(CallError)
        -> FileDescriptor
    {
        let flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followingSymlinks ? 0 : O_NOFOLLOW)
        return FileDescriptor(
            owning: try withCString(path) { cPath throws(CallError) in
                try check("open") { openat(directory, cPath, flags) }
            })
    }

    /// Whether the kernel answered `openat2` with ENOSYS once (before Linux 5.6, or a seccomp
    /// filter that does not know it): every later open walks the components instead.
    private static let withoutOpenat2 = Atomic<Bool>(false)

    /// Opens a regular file below `directory` never following a symlink, so a directory swapped
    /// for a symlink anywhere on the path fails (`ELOOP`, `ENOTDIR`) instead of leading out of the
    /// tree: in one `openat2` call that refuses every symlink on the way, else one component at a
    /// time, each directory opened `O_DIRECTORY | O_NOFOLLOW` from the one before.
    static func openFileBeneath(at directory: Int32, _ path: [UInt8]) throws(CallError) -> FileDescriptor {
        let components = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
        guard components.count > 1, path.first != UInt8(ascii: "/") else { return try openFile(at: directory, path) }
        if !withoutOpenat2.load(ordering: .relaxed) {
            let (opened, code) = try withCString(path) { cPath in
                let opened = layerpin_open_beneath(directory, cPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)
                return (opened, errno)
            }
            if opened >= 0 { return FileDescriptor(owning: opened) }
            // EPERM: a seccomp filter's answer, or the file's; the component walk tells which.
            if code == ENOSYS { withoutOpenat2.store(true, ordering: .relaxed) }
            if code != ENOSYS && code != EPERM { throw CallError(operation: "open", errno: code) }
        }
        var parent = try openDirectory(at: directory, Array(components[0]))
        for component in components.dropFirst().dropLast() {
            parent = try openDirectory(at: parent.rawValue, Array(component))
        }
        return try openFile(at: parent.rawValue, Array(components[components.count - 1]))
    }

    /// The current directory, for a path named on the command line.
    static var currentDirectoryDescriptor: Int32 { AT_FDCWD }

    /// A file named on the command line (relative to the current directory), or standard input for `-`.
    static func openInput(_ path: String) throws(CallError) -> FileDescriptor {
        path == "-" ? try duplicate(0) : try openFile(at: currentDirectoryDescriptor, Array(path.utf8))
    }

    static func duplicate(_ descriptor: Int32) throws(CallError) -> FileDescriptor {
        FileDescriptor(owning: try check("dup") { fcntl(descriptor, F_DUPFD_CLOEXEC, 0) })
    }

    /// Closes a descriptor that was `release`d from its `FileDescriptor`.
    static func close(_ descriptor: Int32) {
        _ = systemClose(descriptor)
    }

    /// The children of one directory (without `.` and `..`), sorted by name bytes, each with its
    /// `lstat` or the error of a failed one. The names lie back to back in one buffer: listing a
    /// directory allocates per directory, not per child (the walk lists every directory of a context).
    struct DirectoryListing {
        /// Every child's name, each followed by a NUL (a C string in place), in `readdir` order.
        private var names: [UInt8] = []
        /// Per child, in name order once listed: where its name lies in `names`, whether `readdir`
        /// typed it a directory or left it untyped, and its status.
        private var children: [(start: Int, count: Int, maybeDirectory: Bool, status: Result<Status, CallError>)] = []

        var count: Int { children.count }
        var indices: Range<Int> { children.indices }

        func status(at index: Int) -> Result<Status, CallError> { children[index].status }

        /// The name of child `index`.
        func name(at index: Int) -> [UInt8] { withName(index) { Array($0) } }

        /// `parent/name` of child `index` (`name` at the root), made in one allocation.
        func path(at index: Int, below parent: [UInt8]) -> [UInt8] {
            withName(index) { RawPath.join(parent, $0) }
        }

        fileprivate mutating func append(_ name: UnsafeBufferPointer<UInt8>, maybeDirectory: Bool) {
            children.append(
                (names.count, name.count, maybeDirectory, .failure(CallError(operation: "lstat", errno: 0))))
            names.append(contentsOf: name)
            names.append(0)
        }

        fileprivate func maybeDirectory(_ index: Int) -> Bool { children[index].maybeDirectory }

        /// `lstat`s child `index` relative to `directory`, by its name in place.
        fileprivate mutating func lstat(_ index: Int, in directory: Int32) {
            let start = children[index].start
            children[index].status = names.withUnsafeBufferPointer { names in
                names.withMemoryRebound(to: CChar.self) { names in
                    var raw = stat()
                    return Result { () throws(CallError) in
                        try check("lstat") { fstatat(directory, names.baseAddress! + start, &raw, AT_SYMLINK_NOFOLLOW) }
                        return Status(raw)
                    }
                }
            }
        }

        fileprivate func withName<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            let child = children[index]
            return names.withUnsafeBufferPointer {
                body(UnsafeBufferPointer(rebasing: $0[child.start..<child.start + child.count]))
            }
        }

        /// Puts the children in name-byte order (the listings' order), comparing names in place.
        fileprivate mutating func sort() {
            names.withUnsafeBufferPointer { names in
                children.sort { lhs, rhs in
                    TreeListing.order(
                        UnsafeBufferPointer(rebasing: names[lhs.start..<lhs.start + lhs.count]),
                        UnsafeBufferPointer(rebasing: names[rhs.start..<rhs.start + rhs.count])) < 0
                }
            }
        }
    }

    /// The children of a directory, each `lstat`ed by its `dirent` name in place. The children
    /// `readdir` types as directories (or leaves untyped) are `lstat`ed first, and each directory
    /// found is handed to `directoryFound` (name and status) at once: a walk can have another
    /// thread list it while this one `lstat`s its siblings, each `lstat` a read on a cold disk.
    static func listing(
        inDirectory descriptor: Int32, directoryFound: (UnsafeBufferPointer<UInt8>, Status) -> Void = { _, _ in }
    ) throws(CallError) -> DirectoryListing {
        // From the start, whoever listed this directory before: the context root is walked more
        // than once per command, through descriptors that share its position.
        _ = try check("lseek") { lseek(descriptor, 0, SEEK_SET) }
        var listing = DirectoryListing()
        // A buffer on the thread's stack: `getdents64` straight into it, no DIR stream to allocate.
        try withUnsafeTemporaryAllocation(byteCount: 16 << 10, alignment: 8) { buffer throws(CallError) in
            while true {
                let filled = layerpin_read_directory(descriptor, buffer.baseAddress, UInt(buffer.count))
                if filled < 0 { throw CallError(operation: "readdir", errno: errno) }
                if filled == 0 { return }
                var offset = 0
                while offset < filled {
                    // struct linux_dirent64: d_ino, d_off (8 bytes each), d_reclen (2), d_type (1), d_name.
                    let record = buffer.baseAddress! + offset
                    let length = Int(record.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
                    let type = record.load(fromByteOffset: 18, as: UInt8.self)
                    let start = (record + 19).assumingMemoryBound(to: UInt8.self)
                    let name = UnsafeBufferPointer(
                        start: start, count: strnlen((record + 19).assumingMemoryBound(to: CChar.self), length - 19))
                    offset += length
                    if (name.count == 1 && name[0] == 0x2E) || (name.count == 2 && name[0] == 0x2E && name[1] == 0x2E) {
                        continue
                    }
                    listing.append(name, maybeDirectory: type == UInt8(DT_DIR) || type == UInt8(DT_UNKNOWN))
                }
            }
        }
        for index in listing.indices where listing.maybeDirectory(index) {
            listing.lstat(index, in: descriptor)
            if case .success(let status) = listing.status(at: index), status.isDirectory {
                listing.withName(index) { directoryFound($0, status) }
            }
        }
        for index in listing.indices where !listing.maybeDirectory(index) { listing.lstat(index, in: descriptor) }
        listing.sort()
        return listing
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
        try check("read") { systemRead(descriptor, buffer.baseAddress, buffer.count) }
    }

    /// Reads a whole (small) file relative to `directory` (an absolute path as it is); nil when it
    /// does not exist. A directory is EISDIR, another kind of file EINVAL, one over `limit` EFBIG.
    static func readSmallFile(
        at directory: Int32, _ path: [UInt8], limit: Int = 16 << 20, followingSymlinks: Bool = false
    ) throws(CallError) -> [UInt8]? {
        let file: FileDescriptor
        do {
            file = try openFile(at: directory, path, followingSymlinks: followingSymlinks)
        } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { return nil }
            throw error
        }
        return try readWhole(file.rawValue, status: try status(of: file.rawValue), limit: limit)
    }

    /// Reads the whole of an open file whose `fstat` is `info` (see `readSmallFile`).
    static func readWhole(_ descriptor: Int32, status info: Status, limit: Int) throws(CallError) -> [UInt8] {
        guard info.isRegular else { throw CallError(operation: "read", errno: info.isDirectory ? EISDIR : EINVAL) }
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

    /// Writes `bytes` to `path` (relative to `directory`) atomically; see the streaming form.
    static func writeAtomically(at directory: Int32, _ path: [UInt8], _ bytes: [UInt8], mode: UInt32 = 0o644)
        throws(CallError)
    {
        do {
            try writeAtomically(at: directory, path, mode: mode) { descriptor throws(CallError) in
                try bytes.withUnsafeBytes { raw in Result { () throws(CallError) in try writeAll(descriptor, raw) } }
                    .get()
            }
        } catch {
            switch error {
            case .system(let failure), .body(let failure): throw failure
            }
        }
    }

    /// Writes `path` (relative to `directory`) through a temporary name in the same directory,
    /// created exclusively (random name, never through a planted name or link), filled by `body`,
    /// flushed, given exactly `mode`, then renamed over the target: readers see the old or the new
    /// file, never a part. On any failure the temporary file is removed and the target untouched.
    static func writeAtomically<Failure: Error>(
        at directory: Int32, _ path: [UInt8], mode: UInt32 = 0o644, _ body: (Int32) throws(Failure) -> Void
    ) throws(WriteError<Failure>) {
        // Registered for the interrupt handler before it exists, so no moment leaves it unknown.
        var slot: Int?
        func createTemporary(_ name: inout [UInt8]) throws(WriteError<Failure>) -> FileDescriptor {
            while true {
                name = path + Array(".tmp.\(UInt64.random(in: 0...UInt64.max))".utf8)
                TemporaryFiles.unregister(slot)
                slot = TemporaryFiles.register(directory: directory, name)
                do throws(CallError) {
                    let raw = try withCString(name) { cPath throws(CallError) in
                        try check("open") {
                            openat(directory, cPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                        }
                    }
                    return FileDescriptor(owning: raw)
                } catch  where error.errno == EEXIST {
                    continue
                } catch {
                    throw .system(error)
                }
            }
        }
        var temporary: [UInt8] = []
        defer { TemporaryFiles.unregister(slot) }
        let file = try createTemporary(&temporary)
        func removeTemporary() {
            _ = try? withCString(temporary) { cPath throws(CallError) in unlinkat(directory, cPath, 0) }
        }
        do throws(Failure) {
            try body(file.rawValue)
        } catch {
            removeTemporary()
            throw .body(error)
        }
        do {
            try check("fchmod") { fchmod(file.rawValue, mode_t(mode)) }  // exactly `mode`, whatever the umask
            try check("fsync") { fsync(file.rawValue) }
            try withCString(temporary) { cOld throws(CallError) in
                try withCString(path) { cNew throws(CallError) in
                    try check("rename") { renameat(directory, cOld, directory, cNew) }
                }
            }
        } catch {
            removeTemporary()
            throw .system(error)
        }
    }

    /// Why a write failed: a system call, or the body that produced the content.
    enum WriteError<Failure: Error>: Error {
        case system(CallError)
        case body(Failure)
    }

    /// Writes all of `bytes` to `descriptor`.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(CallError) {
        var offset = 0
        while offset < bytes.count {
            offset += try check("write") { systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset) }
        }
    }

    /// The directory for spool files: `$TMPDIR`, else `/tmp`.
    static var temporaryDirectory: String {
        var directory = getenv("TMPDIR").map { String(cString: $0) } ?? ""
        while directory.count > 1 && directory.hasSuffix("/") { directory.removeLast() }
        return directory.isEmpty ? "/tmp" : directory
    }

    /// A new spool file in `directory` (`layerpin-<random><suffix>`), filled by `body`; on any
    /// failure it is removed again.
    static func spool<Failure: Error>(
        in directory: String, suffix: String, _ body: (Int32) throws(Failure) -> Void
    ) throws(WriteError<Failure>) -> SpoolFile {
        while true {
            let path = directory + "/layerpin-\(UInt64.random(in: 0...UInt64.max))" + suffix
            // Registered for the interrupt handler before it exists, so no moment leaves it unknown.
            let slot = TemporaryFiles.register(directory: AT_FDCWD, Array(path.utf8))
            let raw: Int32
            do throws(CallError) {
                raw = try withCString(Array(path.utf8)) { cPath throws(CallError) in
                    try check("open") { open(cPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
                }
            } catch  where error.errno == EEXIST {
                TemporaryFiles.unregister(slot)
                continue
            } catch {
                TemporaryFiles.unregister(slot)
                throw .system(error)
            }
            let file = SpoolFile(path: path, descriptor: FileDescriptor(owning: raw), slot: slot)
            do throws(Failure) {
                try body(file.descriptor.rawValue)
            } catch {
                throw .body(error)  // `file` goes away here, and removes itself
            }
            return file
        }
    }

    /// The names `writeAtomically` gives its temporary files: `NAME.tmp.DIGITS`.
    static func isTemporaryName(_ name: [UInt8]) -> Bool {
        let marker = Array(".tmp.".utf8)
        guard let digits = name.indices.reversed().first(where: { !(0x30...0x39).contains(name[$0]) }),
            digits < name.count - 1, digits + 1 >= marker.count
        else { return false }
        return name[(digits + 1 - marker.count)...digits].elementsEqual(marker) && digits + 1 > marker.count
    }

    static func unlink(at directory: Int32, _ name: [UInt8]) {
        _ = try? withCString(name) { cName throws(CallError) in unlinkat(directory, cName, 0) }
    }

    static func unlink(_ path: [UInt8]) {
        _ = try? withCString(path) { cPath throws(CallError) in systemUnlink(cPath) }
    }

    /// The current working directory.
    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The processors online (at least 1).
    static var onlineProcessors: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// How many threads read (and `lstat`) at once: bounded, and more than the cores, since on a
    /// cold cache each waits on the disk's latency, not on a core. Measured on the 80,000-file
    /// tree after dropping the page cache (`make bench`): 16 readers hash it in 0.85 of the time
    /// of 4, and 16 walkers `lstat` it in 0.8 of the time of 2; more gain nothing.
    static let requestsInFlight = max(16, onlineProcessors)

    /// Set once, before the first threads allocate: 64 MiB steps (see `layerpin_grow_heaps_by`).
    private static let heapsGrowInLargeSteps: Void = layerpin_grow_heaps_by(64 << 20)

    /// Runs `body(0)` … `body(count - 1)` at once, each on a thread of its own (the calling thread
    /// runs `body(0)`), and returns when every one has returned. Unlike
    /// `DispatchQueue.concurrentPerform`, which runs no more at a time than there are cores, a
    /// thread blocked on a read keeps its place: a cold disk's reads wait on latency, not on a core.
    /// A thread that cannot be created runs its part on the calling thread, after the others start.
    static func onThreads(_ count: Int, _ body: (Int) -> Void) {
        _ = heapsGrowInLargeSteps
        final class Part {
            let body: (Int) -> Void
            let index: Int
            init(_ body: @escaping (Int) -> Void, _ index: Int) {
                self.body = body
                self.index = index
            }
        }
        withoutActuallyEscaping(body) { body in
            var threads: [pthread_t] = []
            var inline: [Int] = []
            for index in 1..<max(1, count) {
                let part = Unmanaged.passRetained(Part(body, index)).toOpaque()
                var thread = pthread_t()
                let created = pthread_create(
                    &thread, nil,
                    { raw in
                        let part = Unmanaged<Part>.fromOpaque(raw!).takeRetainedValue()
                        part.body(part.index)
                        return nil
                    }, part)
                if created == 0 {
                    threads.append(thread)
                } else {
                    Unmanaged<Part>.fromOpaque(part).release()
                    inline.append(index)
                }
            }
            body(0)
            for index in inline { body(index) }
            for thread in threads { pthread_join(thread, nil) }
        }
    }

    /// The machine's hardware name (`uname -m`: `x86_64`, `aarch64`, `armv7l`).
    static var machine: String {
        var names = utsname()
        guard uname(&names) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &names.machine) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Creates a new directory relative to `directory`; an existing one is an error (EEXIST).
    static func makeNewDirectory(at directory: Int32, _ path: [UInt8], mode: mode_t) throws(CallError) {
        try withCString(path) { cPath throws(CallError) in
            try check("mkdir") { mkdirat(directory, cPath, mode) }
        }
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
        #if canImport(Darwin)
            let mtime = Int64(raw.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(raw.st_mtimespec.tv_nsec)
            let ctime = Int64(raw.st_ctimespec.tv_sec) * 1_000_000_000 + Int64(raw.st_ctimespec.tv_nsec)
        #else
            let mtime = Int64(raw.st_mtim.tv_sec) * 1_000_000_000 + Int64(raw.st_mtim.tv_nsec)
            let ctime = Int64(raw.st_ctim.tv_sec) * 1_000_000_000 + Int64(raw.st_ctim.tv_nsec)
        #endif
        stamp = StatStamp(
            mode: UInt32(raw.st_mode), size: Int64(raw.st_size), mtimeNanoseconds: mtime, ctimeNanoseconds: ctime,
            inode: UInt64(raw.st_ino))
        device = UInt64(raw.st_dev)
    }
}

/// The value of `body`, its call error turned into the caller's error by `map` (for values that
/// cannot be assigned inside a `do` block, such as a `FileDescriptor`).
func mapping<Value: ~Copyable, Mapped: Error>(
    _ map: (FileSystem.CallError) -> Mapped, _ body: () throws(FileSystem.CallError) -> Value
) throws(Mapped) -> Value {
    do {
        return try body()
    } catch {
        throw map(error)
    }
}
