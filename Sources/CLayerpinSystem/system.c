#include "layerpin_system.h"

#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#if defined(__linux__)
#include <linux/openat2.h>
#endif

int layerpin_open_beneath(int directory, const char *path, int flags) {
#if defined(__linux__) && defined(SYS_openat2)
    struct open_how how = {0};
    how.flags = (unsigned long long)flags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, directory, path, &how, sizeof how);
#else
    (void)directory;
    (void)path;
    (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}

long layerpin_read_directory(int directory, void *buffer, unsigned long size) {
#if defined(__linux__) && defined(SYS_getdents64)
    return syscall(SYS_getdents64, directory, buffer, size);
#else
    (void)directory;
    (void)buffer;
    (void)size;
    errno = ENOSYS;
    return -1;
#endif
}

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void layerpin_grow_heaps_by(long bytes) {
#if defined(__GLIBC__)
    mallopt(M_TOP_PAD, (int)bytes);
#else
    (void)bytes;
#endif
}
