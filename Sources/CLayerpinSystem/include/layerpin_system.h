#ifndef LAYERPIN_SYSTEM_H
#define LAYERPIN_SYSTEM_H
/* The one system call Swift cannot make itself: glibc has no openat2 wrapper, and syscall(2) is
 * variadic. Called only from Sources/LayerpinCore/Support/FileSystem.swift. (No system header
 * here: Swift takes those from Glibc, and a second copy would make their names ambiguous.) */

/* openat2(2) resolving `path` beneath `directory` without following any symlink on the way
 * (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), with open(2) `flags`: one call
 * where opening each component in turn takes one per directory. Returns the descriptor, or -1
 * with errno set (ENOSYS where the kernel, before Linux 5.6, or a seccomp filter has none). */
int layerpin_open_beneath(int directory, const char *path, int flags);

#endif
