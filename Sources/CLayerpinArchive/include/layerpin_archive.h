#ifndef LAYERPIN_ARCHIVE_H
#define LAYERPIN_ARCHIVE_H
/* libarchive, loaded when first used rather than when layerpin starts: it and the libraries it
 * links (libxml2, ICU, nettle, lzma, bzip2, lz4, zstd, acl) are a dozen shared objects and some
 * 20 MB a cold start would read for commands that never touch an archive (digest, plan, deploy with
 * nothing to build). Only the declarations come from <archive.h>; every call goes through the
 * table `layerpin_archive_load` fills. Called only from Sources/LayerpinArchive/LibArchive.swift. */
#include <archive.h>
#include <archive_entry.h>

/* The libarchive functions layerpin calls. */
#define LAYERPIN_ARCHIVE_FUNCTIONS(X)                                                             \
    X(archive_entry_clear) X(archive_entry_copy_pathname) X(archive_entry_copy_symlink)            \
    X(archive_entry_filetype) X(archive_entry_free) X(archive_entry_hardlink) X(archive_entry_mtime) \
    X(archive_entry_new) X(archive_entry_pathname) X(archive_entry_perm) X(archive_entry_set_filetype) \
    X(archive_entry_set_gid) X(archive_entry_set_mtime) X(archive_entry_set_perm)                  \
    X(archive_entry_set_size) X(archive_entry_set_uid) X(archive_entry_size) X(archive_entry_symlink) \
    X(archive_error_string) X(archive_libzstd_version) X(archive_read_data) X(archive_read_free)     \
    X(archive_read_new) X(archive_read_next_header) X(archive_read_open) X(archive_read_open_fd)     \
    X(archive_read_support_filter_gzip) X(archive_read_support_filter_zstd)                        \
    X(archive_read_support_format_tar) X(archive_write_add_filter_gzip) X(archive_write_close)      \
    X(archive_write_data) X(archive_write_fail) X(archive_write_free) X(archive_write_header)       \
    X(archive_write_new) X(archive_write_open_fd) X(archive_write_set_bytes_in_last_block)          \
    X(archive_write_set_filter_option) X(archive_write_set_format_pax_restricted)

/* One pointer per function, each of the type <archive.h> declares. */
struct layerpin_archive {
#define LAYERPIN_ARCHIVE_POINTER(name) __typeof__(name) *_Nonnull name;
    LAYERPIN_ARCHIVE_FUNCTIONS(LAYERPIN_ARCHIVE_POINTER)
#undef LAYERPIN_ARCHIVE_POINTER
};

/* Loads libarchive once (thread-safe) and returns its table; NULL when the library or one of its
 * functions cannot be found, with the loader's reason in `*error` (valid for the process). */
const struct layerpin_archive *_Nullable layerpin_archive_load(const char *_Nullable *_Nonnull error);

/* libarchive's AE_IF* constants are cast macros Swift cannot import: re-exported as values. */
static const unsigned int CLAYERPIN_AE_IFMT = AE_IFMT;
static const unsigned int CLAYERPIN_AE_IFREG = AE_IFREG;
static const unsigned int CLAYERPIN_AE_IFLNK = AE_IFLNK;
static const unsigned int CLAYERPIN_AE_IFDIR = AE_IFDIR;
static const unsigned int CLAYERPIN_AE_IFIFO = AE_IFIFO;
static const unsigned int CLAYERPIN_AE_IFCHR = AE_IFCHR;
static const unsigned int CLAYERPIN_AE_IFBLK = AE_IFBLK;
static const unsigned int CLAYERPIN_AE_IFSOCK = AE_IFSOCK;
#endif
