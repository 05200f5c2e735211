internal import CLayerpinArchive

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The kind of a tar entry.
public enum ArchiveEntryKind: Sendable, Equatable {
    case file, directory, symlink
    /// A hard link to an earlier entry (its path in `ArchiveEntryHeader.linkTarget`).
    case hardlink
    /// A FIFO, device or socket.
    case special
}

/// The header of one tar entry: raw-byte path and link target, normalised mode.
public struct ArchiveEntryHeader: Sendable, Equatable {
    public var path: [UInt8]
    public var kind: ArchiveEntryKind
    /// Permission bits (`0o7777` at most).
    public var permissions: UInt32
    public var size: Int64
    public var mtime: Int64
    /// A symlink's target, or the path a hard link names.
    public var linkTarget: [UInt8]?

    public init(
        path: [UInt8], kind: ArchiveEntryKind, permissions: UInt32, size: Int64, mtime: Int64,
        linkTarget: [UInt8]? = nil
    ) {
        self.path = path
        self.kind = kind
        self.permissions = permissions
        self.size = size
        self.mtime = mtime
        self.linkTarget = linkTarget
    }
}

/// What libarchive refused, with the entry it was at when known.
public struct ArchiveError: Error, Sendable, Equatable {
    public var message: String
    public var entry: [UInt8]?

    public init(message: String, entry: [UInt8]? = nil) {
        self.message = message
        self.entry = entry
    }
}

/// Writes a tar archive to a file descriptor: POSIX pax (ustar headers, pax extended headers only
/// where a name needs them), optionally gzip-compressed without a timestamp. The one place that
/// calls libarchive's writer.
public final class TarWriter {
    private let lib: layerpin_archive
    private let archive: OpaquePointer
    private let entry: OpaquePointer
    private var finished = false

    public init(fileDescriptor: Int32, gzip: Bool) throws(ArchiveError) {
        let lib = try libarchive()
        self.lib = lib
        guard let archive = lib.archive_write_new(), let entry = lib.archive_entry_new() else {
            throw ArchiveError(message: "out of memory")
        }
        self.archive = archive
        self.entry = entry
        try check(lib.archive_write_set_format_pax_restricted(archive))
        if gzip {
            try check(lib.archive_write_add_filter_gzip(archive))
            // No name and no time in the gzip header: the same entries give the same bytes.
            try check(lib.archive_write_set_filter_option(archive, "gzip", "timestamp", nil))
        }
        try check(lib.archive_write_set_bytes_in_last_block(archive, 1))
        try check(lib.archive_write_open_fd(archive, fileDescriptor))
    }

    /// A writer that is dropped before `finish` failed: libarchive's fail path writes neither the
    /// rest of the entry nor the end-of-archive marker, so a reader of the stream sees a broken tar,
    /// never a valid one missing files.
    deinit {
        if !finished { _ = lib.archive_write_fail(archive) }
        _ = lib.archive_write_free(archive)
        lib.archive_entry_free(entry)
    }

    /// Starts an entry; a file's bytes follow through `write`.
    /// A context holds files, directories and symlinks only: a hard link or a special file is
    /// refused, never written as something else.
    public func append(_ header: ArchiveEntryHeader) throws(ArchiveError) {
        let type: UInt32
        switch header.kind {
        case .file: type = CLAYERPIN_AE_IFREG
        case .directory: type = CLAYERPIN_AE_IFDIR
        case .symlink: type = CLAYERPIN_AE_IFLNK
        case .hardlink, .special:
            throw ArchiveError(message: "a \(header.kind) cannot be written to a context archive", entry: header.path)
        }
        _ = lib.archive_entry_clear(entry)
        withCString(header.path) { lib.archive_entry_copy_pathname(entry, $0) }
        lib.archive_entry_set_filetype(entry, type)
        lib.archive_entry_set_perm(entry, mode_t(header.permissions))
        lib.archive_entry_set_size(entry, header.kind == .file ? header.size : 0)
        lib.archive_entry_set_mtime(entry, time_t(header.mtime), 0)
        lib.archive_entry_set_uid(entry, 0)
        lib.archive_entry_set_gid(entry, 0)
        if let target = header.linkTarget, header.kind == .symlink {
            withCString(target) { lib.archive_entry_copy_symlink(entry, $0) }
        }
        try check(lib.archive_write_header(archive, entry), entry: header.path)
    }

    /// Writes bytes of the current file entry.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        var offset = 0
        while offset < bytes.count {
            let written = lib.archive_write_data(archive, bytes.baseAddress! + offset, bytes.count - offset)
            guard written > 0 else { throw ArchiveError(message: lastError("write failed")) }
            offset += written
        }
    }

    /// Writes the end-of-archive marker and flushes.
    public func finish() throws(ArchiveError) {
        finished = true
        try check(lib.archive_write_close(archive))
    }

    private func check(_ status: Int32, entry path: [UInt8]? = nil) throws(ArchiveError) {
        // ARCHIVE_WARN: e.g. a name that is not valid in the C locale's charset, written as raw bytes.
        if status == ARCHIVE_OK || status == ARCHIVE_WARN { return }
        throw ArchiveError(message: lastError("libarchive error \(status)"), entry: path)
    }

    private func lastError(_ fallback: String) -> String {
        lib.archive_error_string(archive).map { String(cString: $0) } ?? fallback
    }
}

/// Reads a tar archive (plain, gzip, or zstd when libarchive has libzstd built in: no external
/// programs, whatever the input claims to be) from a file descriptor or from another archive's
/// entry. The one place that calls libarchive's reader.
public final class TarReader {
    private let lib: layerpin_archive
    private let archive: OpaquePointer
    private var source: Source?
    private var current: [UInt8]?

    /// Where the bytes come from when they are not a file descriptor.
    private final class Source {
        let read: (UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int
        var buffer: UnsafeMutableRawBufferPointer
        var failure: ArchiveError?

        init(read: @escaping (UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int) {
            self.read = read
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        }

        deinit { buffer.deallocate() }
    }

    /// Reads the archive on a file descriptor (not closed here).
    public convenience init(fileDescriptor: Int32) throws(ArchiveError) {
        try self.init { lib, archive throws(ArchiveError) in
            guard lib.archive_read_open_fd(archive, fileDescriptor, 256 << 10) == ARCHIVE_OK else {
                throw ArchiveError(
                    message: lib.archive_error_string(archive).map { String(cString: $0) } ?? "cannot open")
            }
        }
    }

    /// Reads the archive held in the current data of `outer` (a layer inside an image archive).
    public convenience init(entryOf outer: TarReader) throws(ArchiveError) {
        let source = Source { buffer throws(ArchiveError) in try outer.read(into: buffer) }
        try self.init { lib, archive throws(ArchiveError) in
            let context = Unmanaged.passUnretained(source).toOpaque()
            let status = lib.archive_read_open(
                archive, context, nil,
                { _, context, block in
                    let source = Unmanaged<TarReader.Source>.fromOpaque(context!).takeUnretainedValue()
                    switch Result(catching: { () throws(ArchiveError) in try source.read(source.buffer) }) {
                    case .success(let count):
                        block?.pointee = UnsafeRawPointer(source.buffer.baseAddress)
                        return count
                    case .failure(let error):
                        source.failure = error
                        return -1
                    }
                }, nil)
            guard status == ARCHIVE_OK else {
                throw source.failure
                    ?? ArchiveError(
                        message: lib.archive_error_string(archive).map { String(cString: $0) } ?? "cannot open")
            }
        }
        self.source = source
    }

    private init(open: (layerpin_archive, OpaquePointer) throws(ArchiveError) -> Void) throws(ArchiveError) {
        let lib = try libarchive()
        self.lib = lib
        guard let archive = lib.archive_read_new() else { throw ArchiveError(message: "out of memory") }
        self.archive = archive
        // Only tar, and only filters built into libarchive: archive_read_support_filter_all would
        // run external programs (lrzip, …) on crafted input.
        _ = lib.archive_read_support_format_tar(archive)
        _ = lib.archive_read_support_filter_gzip(archive)
        if lib.archive_libzstd_version() != nil { _ = lib.archive_read_support_filter_zstd(archive) }
        try open(lib, archive)
    }

    deinit {
        _ = lib.archive_read_free(archive)
    }

    /// The next entry's header; nil at the end of the archive.
    public func next() throws(ArchiveError) -> ArchiveEntryHeader? {
        var entry: OpaquePointer?
        let status = lib.archive_read_next_header(archive, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
            throw ArchiveError(message: failure("corrupt or truncated archive"), entry: current)
        }
        let path = bytes(lib.archive_entry_pathname(entry)) ?? []
        current = path
        let type = UInt32(lib.archive_entry_filetype(entry))
        let hardlink = bytes(lib.archive_entry_hardlink(entry))
        let kind: ArchiveEntryKind
        if hardlink != nil {
            kind = .hardlink
        } else if type == CLAYERPIN_AE_IFREG {
            kind = .file
        } else if type == CLAYERPIN_AE_IFDIR {
            kind = .directory
        } else if type == CLAYERPIN_AE_IFLNK {
            kind = .symlink
        } else {
            kind = .special
        }
        return ArchiveEntryHeader(
            path: path, kind: kind, permissions: UInt32(lib.archive_entry_perm(entry)) & 0o7777,
            size: lib.archive_entry_size(entry), mtime: Int64(lib.archive_entry_mtime(entry)),
            linkTarget: kind == .symlink ? bytes(lib.archive_entry_symlink(entry)) : hardlink)
    }

    /// Reads the current entry's data; 0 at its end.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let count = lib.archive_read_data(archive, buffer.baseAddress, buffer.count)
        if count < 0 {
            throw source?.failure ?? ArchiveError(message: failure("corrupt or truncated data"), entry: current)
        }
        return count
    }

    private func failure(_ fallback: String) -> String {
        if let failure = source?.failure { return failure.message }
        return lib.archive_error_string(archive).map { String(cString: $0) } ?? fallback
    }

    private func bytes(_ text: UnsafePointer<CChar>?) -> [UInt8]? {
        guard let text else { return nil }
        return Array(UnsafeRawBufferPointer(start: text, count: strlen(text)))
    }
}

/// libarchive's functions, loaded the first time an archive is read or written (see
/// CLayerpinArchive): a command that never touches one never loads it.
private func libarchive() throws(ArchiveError) -> layerpin_archive {
    var reason: UnsafePointer<CChar>?
    guard let table = layerpin_archive_load(&reason) else {
        throw ArchiveError(message: reason.map { String(cString: $0) } ?? "cannot load libarchive")
    }
    return table.pointee
}

private func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
    (bytes + [0]).withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
    }
}
