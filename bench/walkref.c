/*
 * walkref: the floor of any unchanged re-run on this machine -- a directory
 * walk with one lstat per entry and nothing else, for `make bench`.
 *
 *   walkref [-j THREADS] DIR
 *
 * THREADS (default 2) pthreads take directories from a shared stack, list
 * each with readdir and fstatat(AT_SYMLINK_NOFOLLOW) every entry relative to
 * the directory's descriptor, and push the subdirectories. No hashing, no
 * sorting, no paths kept. A stat cache (layerpin's or git's index) cannot do
 * less than this: it must lstat every entry to see whether it changed.
 *
 * Prints the number of entries below DIR.
 *
 * Build: cc -O2 -o walkref walkref.c -lpthread
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char **stack;
static size_t top, capacity;
static int active;
static long total;
static int root;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

static void die(const char *what) {
    perror(what);
    exit(2);
}

/* Takes ownership of path. Called with the lock held. */
static void push_locked(char *path) {
    if (top == capacity) {
        capacity = capacity ? capacity * 2 : 1024;
        stack = realloc(stack, capacity * sizeof *stack);
        if (!stack)
            die("realloc");
    }
    stack[top++] = path;
    pthread_cond_signal(&wake);
}

static long list(const char *path) {
    int fd = *path ? openat(root, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : dup(root);
    if (fd < 0)
        die(path);
    DIR *dir = fdopendir(fd);
    if (!dir)
        die("fdopendir");
    long count = 0;
    struct dirent *entry;
    struct stat status;
    while ((entry = readdir(dir))) {
        const char *name = entry->d_name;
        if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)))
            continue;
        if (fstatat(fd, name, &status, AT_SYMLINK_NOFOLLOW) != 0)
            die(name);
        count++;
        if (S_ISDIR(status.st_mode)) {
            size_t length = strlen(path);
            char *child = malloc(length + strlen(name) + 2);
            if (!child)
                die("malloc");
            sprintf(child, length ? "%s/%s" : "%s%s", path, name);
            pthread_mutex_lock(&lock);
            push_locked(child);
            pthread_mutex_unlock(&lock);
        }
    }
    closedir(dir);
    return count;
}

static void *worker(void *arg) {
    (void)arg;
    long count = 0;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (top == 0 && active > 0)
            pthread_cond_wait(&wake, &lock);
        if (top == 0) {
            pthread_cond_broadcast(&wake);
            pthread_mutex_unlock(&lock);
            break;
        }
        char *path = stack[--top];
        active++;
        pthread_mutex_unlock(&lock);
        count += list(path);
        free(path);
        pthread_mutex_lock(&lock);
        active--;
        if (active == 0 && top == 0)
            pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&lock);
    }
    __atomic_fetch_add(&total, count, __ATOMIC_RELAXED);
    return NULL;
}

int main(int argc, char **argv) {
    int threads = 2;
    int opt;
    while ((opt = getopt(argc, argv, "j:")) != -1) {
        if (opt == 'j')
            threads = atoi(optarg);
        else
            return 2;
    }
    if (optind + 1 != argc || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: walkref [-j THREADS] DIR\n");
        return 2;
    }
    root = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        die(argv[optind]);
    pthread_mutex_lock(&lock);
    push_locked(strdup(""));
    pthread_mutex_unlock(&lock);
    pthread_t ids[64];
    for (int i = 0; i < threads; i++)
        if (pthread_create(&ids[i], NULL, worker, NULL) != 0)
            die("pthread_create");
    for (int i = 0; i < threads; i++)
        pthread_join(ids[i], NULL);
    printf("%ld\n", total);
    return 0;
}
