/*
 * cref: the lean C reference for `make bench` -- what this machine allows.
 *
 *   cref [-j THREADS] DIR
 *
 * An fts walk of DIR (FTS_PHYSICAL: symlinks are not followed, only regular
 * files are hashed), largest file first (as layerpin schedules), THREADS
 * (default 2) pthreads pulling the next file from a shared atomic index, SHA-256
 * through EVP with the digest
 * fetched once (EVP_MD_fetch) and one EVP_MD_CTX plus one 256 KiB buffer per
 * thread. A top-level ".layerpin" directory (layerpin's stat cache) is skipped.
 *
 * Prints the SHA-256 of the byte-sorted lines "HEX  ./PATH\n", formatted like
 * `sha256sum -` ("HEX  -"), so it equals the output of
 *   find . -type f -print0 | xargs -0 sha256sum | LC_ALL=C sort | sha256sum
 * run inside DIR (for names without backslash or newline). A summary goes to
 * stderr.
 *
 * Build: cc -O2 -o cref cref.c -lcrypto -lpthread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define BUF_SIZE (256 * 1024)
#define HASH_LEN 32

struct entry {
    char *path;
    off_t size;
    unsigned char digest[HASH_LEN];
};

static struct entry *entries;
static size_t nentries;
static atomic_size_t next_index;
static atomic_int failed;
static EVP_MD *sha256;

static void die(const char *what) {
    perror(what);
    exit(2);
}

/* Largest first: a big file started last would leave one thread hashing alone. */
static int cmp_larger_first(const void *a, const void *b) {
    off_t x = ((const struct entry *)a)->size, y = ((const struct entry *)b)->size;
    return (x < y) - (x > y);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int hash_file(EVP_MD_CTX *ctx, unsigned char *buf, struct entry *e) {
    int fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (!EVP_DigestInit_ex2(ctx, sha256, NULL)) {
        close(fd);
        return -1;
    }
    off_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, BUF_SIZE);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        total += n;
        /* Trust the lstat size: a short read that reaches it is EOF, so the
         * usual extra read() returning 0 is skipped (one read per small file). */
        if ((size_t)n < BUF_SIZE && total >= e->size)
            break;
    }
    close(fd);
    unsigned int len = 0;
    if (!EVP_DigestFinal_ex(ctx, e->digest, &len) || len != HASH_LEN)
        return -1;
    return 0;
}

static void *worker(void *arg) {
    (void)arg;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *buf = aligned_alloc(4096, BUF_SIZE);
    if (!ctx || !buf)
        die("alloc");
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&next_index, 1, memory_order_relaxed);
        if (i >= nentries)
            break;
        if (hash_file(ctx, buf, &entries[i]) != 0) {
            fprintf(stderr, "cref: %s: %s\n", entries[i].path, strerror(errno));
            atomic_store(&failed, 1);
        }
    }
    EVP_MD_CTX_free(ctx);
    free(buf);
    return NULL;
}

int main(int argc, char **argv) {
    int threads = 2;
    int opt;
    while ((opt = getopt(argc, argv, "j:")) != -1) {
        if (opt == 'j')
            threads = atoi(optarg);
        else {
            fprintf(stderr, "usage: cref [-j THREADS] DIR\n");
            return 2;
        }
    }
    if (optind != argc - 1 || threads < 1) {
        fprintf(stderr, "usage: cref [-j THREADS] DIR\n");
        return 2;
    }
    if (chdir(argv[optind]) != 0)
        die(argv[optind]);

    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!sha256) {
        fprintf(stderr, "cref: EVP_MD_fetch(SHA256) failed\n");
        return 2;
    }

    /* Walk. */
    char *roots[] = {".", NULL};
    FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
    if (!fts)
        die("fts_open");
    size_t cap = 1 << 16;
    entries = malloc(cap * sizeof *entries);
    if (!entries)
        die("malloc");
    FTSENT *f;
    uint64_t bytes = 0;
    errno = 0;
    while ((f = fts_read(fts)) != NULL) {
        switch (f->fts_info) {
        case FTS_D:
            if (f->fts_level == 1 && strcmp(f->fts_name, ".layerpin") == 0)
                fts_set(fts, f, FTS_SKIP);
            break;
        case FTS_F:
            if (nentries == cap) {
                cap *= 2;
                entries = realloc(entries, cap * sizeof *entries);
                if (!entries)
                    die("realloc");
            }
            entries[nentries].path = strdup(f->fts_path);
            entries[nentries].size = f->fts_statp->st_size;
            bytes += (uint64_t)f->fts_statp->st_size;
            nentries++;
            break;
        case FTS_DNR:
        case FTS_ERR:
        case FTS_NS:
            fprintf(stderr, "cref: %s: %s\n", f->fts_path, strerror(f->fts_errno));
            failed = 1;
            break;
        default:
            break;
        }
    }
    if (errno != 0)
        die("fts_read");
    fts_close(fts);
    qsort(entries, nentries, sizeof *entries, cmp_larger_first);

    /* Hash. */
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    for (int t = 0; t < threads; t++)
        if (pthread_create(&tids[t], NULL, worker, NULL) != 0)
            die("pthread_create");
    for (int t = 0; t < threads; t++)
        pthread_join(tids[t], NULL);

    /* Combine: sha256 of the sorted "HEX  PATH\n" lines, as sha256sum|sort|sha256sum. */
    static const char hexd[] = "0123456789abcdef";
    char **lines = malloc((nentries ? nentries : 1) * sizeof *lines);
    for (size_t i = 0; i < nentries; i++) {
        size_t pl = strlen(entries[i].path);
        char *l = malloc(2 * HASH_LEN + 2 + pl + 2);
        for (int k = 0; k < HASH_LEN; k++) {
            l[2 * k] = hexd[entries[i].digest[k] >> 4];
            l[2 * k + 1] = hexd[entries[i].digest[k] & 15];
        }
        l[2 * HASH_LEN] = ' ';
        l[2 * HASH_LEN + 1] = ' ';
        memcpy(l + 2 * HASH_LEN + 2, entries[i].path, pl);
        l[2 * HASH_LEN + 2 + pl] = '\n';
        l[2 * HASH_LEN + 3 + pl] = '\0';
        lines[i] = l;
    }
    qsort(lines, nentries, sizeof *lines, cmp_str);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char out[HASH_LEN];
    unsigned int olen = 0;
    EVP_DigestInit_ex2(ctx, sha256, NULL);
    for (size_t i = 0; i < nentries; i++)
        EVP_DigestUpdate(ctx, lines[i], strlen(lines[i]));
    EVP_DigestFinal_ex(ctx, out, &olen);
    for (unsigned int k = 0; k < olen; k++)
        printf("%02x", out[k]);
    printf("  -\n");
    fprintf(stderr, "cref: %zu files, %llu bytes, %d threads\n", nentries,
            (unsigned long long)bytes, threads);
    return failed ? 1 : 0;
}
