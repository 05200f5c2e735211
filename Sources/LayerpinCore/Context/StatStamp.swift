/// The `lstat` fields that tell whether a file may have changed since it was last looked at, as
/// git's index keeps them: the full mode (type and permission bits), size, mtime, ctime and inode.
/// One definition for the walk, the file system calls and the stat cache.
public struct StatStamp: Sendable, Hashable {
    /// The full `st_mode`.
    public var mode: UInt32
    /// Bytes of a file; 0 for a directory; the target's length for a symlink.
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var ctimeNanoseconds: Int64
    public var inode: UInt64

    public init(mode: UInt32, size: Int64, mtimeNanoseconds: Int64 = 0, ctimeNanoseconds: Int64 = 0, inode: UInt64 = 0)
    {
        self.mode = mode
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.ctimeNanoseconds = ctimeNanoseconds
        self.inode = inode
    }
}
