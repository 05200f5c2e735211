#ifndef LAYERPIN_SYSTEM_H
#define LAYERPIN_SYSTEM_H
/* The C library calls Swift cannot make itself: glibc has no openat2 wrapper, syscall(2) is
 * variadic, and <malloc.h> is not part of Swift's Glibc module. Called only from
 * Sources/LayerpinCore/Support/FileSystem.swift. (No system header here: Swift takes those from
 * Glibc, and a second copy would make their names ambiguous.) */

/* openat2(2) resolving `path` beneath `directory` without following any symlink on the way
 * (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), with open(2) `flags`: one call
 * where opening each component in turn takes one per directory. Returns the descriptor, or -1
 * with errno set (ENOSYS where the kernel, before Linux 5.6, or a seccomp filter has none). */
int layerpin_open_beneath(int directory, const char *path, int flags);

/* getdents64(2): the next entries of the directory open at `directory`, into `buffer`, as Linux
 * `struct linux_dirent64` records (d_ino u64, d_off s64, d_reclen u16, d_type u8, then d_name with
 * its NUL): what readdir(3) reads, without the DIR stream it allocates per directory (32 KiB) and
 * the descriptor it takes over. Returns the bytes filled, 0 at the end, or -1 with errno (ENOSYS
 * where the system has no getdents64). */
long layerpin_read_directory(int directory, void *buffer, unsigned long size);

/* Has malloc grow its heaps by at least `bytes` at a time (glibc's M_TOP_PAD; nothing elsewhere).
 * Each thread that allocates gets an arena of its own, and glibc otherwise extends an arena's heap
 * a few pages at a time, one mprotect(2) per step, each of which stalls every other thread's page
 * faults: a walk on 16 threads made some 1,700 of them. The reserve is address space, not memory. */
void layerpin_grow_heaps_by(long bytes);

#endif
