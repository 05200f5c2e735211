#include "layerpin_archive.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* The soname libarchive 3 has kept since 2.8. */
#ifdef __APPLE__
#define LAYERPIN_ARCHIVE_LIBRARY "libarchive.13.dylib"
#else
#define LAYERPIN_ARCHIVE_LIBRARY "libarchive.so.13"
#endif

static struct layerpin_archive table;
static const struct layerpin_archive *loaded;
static const char *failure;
static char reason[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *library = dlopen(LAYERPIN_ARCHIVE_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(reason, sizeof reason, "cannot load %s: %s", LAYERPIN_ARCHIVE_LIBRARY, dlerror());
        failure = reason;
        return;
    }
#define LAYERPIN_ARCHIVE_RESOLVE(name)                                                                \
    if (!(table.name = (__typeof__(name) *)dlsym(library, #name))) {                                  \
        snprintf(reason, sizeof reason, "%s has no %s", LAYERPIN_ARCHIVE_LIBRARY, #name);              \
        failure = reason;                                                                             \
        return;                                                                                       \
    }
    LAYERPIN_ARCHIVE_FUNCTIONS(LAYERPIN_ARCHIVE_RESOLVE)
#undef LAYERPIN_ARCHIVE_RESOLVE
    loaded = &table;
}

const struct layerpin_archive *layerpin_archive_load(const char **error) {
    pthread_once(&once, load);
    *error = failure;
    return loaded;
}
