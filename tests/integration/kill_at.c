/*
 * An LD_PRELOAD library that kills the process with SIGKILL at one chosen point of an
 * atomic write, so a test can check what a killed write leaves on disk. The write's own
 * calls to the C library go through these wrappers; the C library's internal calls (stdio)
 * do not, so only syncspec's direct calls are counted.
 *
 *   KILL_AT    fchmod | write | fsync | rename | renamed
 *              write kills after writing half of the buffer; renamed kills just after the
 *              rename; the others kill just before the call.
 *   KILL_NAME  the prefix of the file's base name, e.g. ".app.yaml." for app.yaml's
 *              temporary file. For rename, the base name of the file renamed.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static void *next(const char *name) {
    void *fn = dlsym(RTLD_NEXT, name);
    if (!fn) abort();
    return fn;
}

static bool armed(const char *point) {
    const char *at = getenv("KILL_AT");
    return at && strcmp(at, point) == 0;
}

static bool name_matches(const char *path) {
    const char *want = getenv("KILL_NAME");
    if (!want) return false;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    return strncmp(base, want, strlen(want)) == 0;
}

static bool fd_matches(int fd) {
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0) return false;
    path[n] = '\0';
    return name_matches(path);
}

static void die(void) {
    raise(SIGKILL);
    abort();
}

ssize_t write(int fd, const void *buf, size_t count) {
    ssize_t (*real)(int, const void *, size_t);
    void *fn = next("write");
    memcpy(&real, &fn, sizeof real);
    if (armed("write") && count > 1 && fd_matches(fd)) {
        real(fd, buf, count / 2);
        die();
    }
    return real(fd, buf, count);
}

int fchmod(int fd, mode_t mode) {
    int (*real)(int, mode_t);
    void *fn = next("fchmod");
    memcpy(&real, &fn, sizeof real);
    if (armed("fchmod") && fd_matches(fd)) die();
    return real(fd, mode);
}

int fsync(int fd) {
    int (*real)(int);
    void *fn = next("fsync");
    memcpy(&real, &fn, sizeof real);
    if (armed("fsync") && fd_matches(fd)) die();
    return real(fd);
}

int rename(const char *from, const char *to) {
    int (*real)(const char *, const char *);
    void *fn = next("rename");
    memcpy(&real, &fn, sizeof real);
    if (armed("rename") && name_matches(from)) die();
    int rc = real(from, to);
    if (armed("renamed") && name_matches(from)) die();
    return rc;
}
