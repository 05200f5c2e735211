/// The `lstat` fields that tell whether a file may have changed since it was last looked at, as
/// git's index keeps them: the full mode (type and permission bits), size, mtime, ctime and inode.
/// One definition for the walk, the file system calls and the stat cache.
package struct StatStamp: Sendable, Hashable {
    /// The full `st_mode`.
    package var mode: UInt32
    /// Bytes of a file; 0 for a directory; the target's length for a symlink.
    package var size: Int64
    package var mtimeNanoseconds: Int64
    package var ctimeNanoseconds: Int64
    package var inode: UInt64

    package init(mode: UInt32, size: Int64, mtimeNanoseconds: Int64 = 0, ctimeNanoseconds: Int64 = 0, inode: UInt64 = 0)
    {
        self.mode = mode
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.ctimeNanoseconds = ctimeNanoseconds
        self.inode = inode
    }
}
