#ifndef CLAYERPIN_ARCHIVE_SHIM_H
#define CLAYERPIN_ARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

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
