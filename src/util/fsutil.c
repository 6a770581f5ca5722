#include "util/fsutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_read_file(char **data, size_t *length, const char *path, size_t max_size) {
    *data = NULL;
    *length = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    int rc = -1;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) goto cleanup;
    for (;;) {
        if (cap - len < 2) {
            if (cap > max_size) {
                errno = EFBIG;
                goto cleanup;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) goto cleanup;
            buf = bigger;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) break;
    }
    if (ferror(f)) goto cleanup;
    if (len > max_size) {
        errno = EFBIG;
        goto cleanup;
    }
    buf[len] = '\0';
    *data = buf;
    *length = len;
    buf = NULL;
    rc = 0;
cleanup:
    free(buf);
    fclose(f);
    return rc;
}

int fs_mkdirs(const char *path) { return fs_mkdirs_tracked(path, NULL); }

int fs_mkdirs_tracked(const char *path, size_t *existed) {
    if (existed) *existed = strlen(path);
    char *copy = strdup(path);
    if (!copy) return -1;
    int rc = 0;
    bool created = false;
    for (char *p = copy + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(copy, 0777) == 0) {
                /* The first folder made: its parent is where the existing path ends. */
                const char *slash = strrchr(copy, '/');
                if (existed && !created) *existed = slash ? (size_t)(slash - copy) : 0;
                created = true;
            } else if (errno != EEXIST) {
                rc = -1;
                break;
            }
            *p = saved;
            if (saved == '\0') break;
        }
    }
    if (rc == 0) {
        struct stat st;
        if (stat(copy, &st) != 0 || !S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            rc = -1;
        }
    }
    free(copy);
    return rc;
}

void fs_rmdirs(const char *path, size_t existed) {
    char *copy = strdup(path);
    if (!copy) return;
    size_t len = strlen(copy);
    while (len > existed) {
        copy[len] = '\0';
        if (rmdir(copy) != 0 && errno != ENOENT) break;
        while (len > existed && copy[len - 1] != '/') len--; /* up to the parent */
        while (len > existed && copy[len - 1] == '/') len--;
    }
    free(copy);
}

/* Through one small buffer, so comparing a large file touches no new memory. */
bool fs_same_content(const char *path, const char *data, size_t length) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char buf[16 * 1024];
    size_t done = 0;
    bool same = true;
    while (same) {
        size_t n = fread(buf, 1, sizeof buf, f);
        if (n == 0) break;
        same = n <= length - done && memcmp(buf, data + done, n) == 0;
        done += n;
    }
    same = same && !ferror(f) && done == length;
    fclose(f);
    return same;
}

char *fs_join(const char *dir, const char *name) {
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    size_t nl = strlen(name);
    char *p = malloc(dl + nl + 2);
    if (!p) return NULL;
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, name, nl + 1);
    return p;
}

/*
 * The mode of a new file, 0666 less the umask. The umask can only be read by setting it,
 * which would race with another thread's temporary file, so it is read once for all.
 */
static mode_t new_file_mode;
static pthread_once_t new_file_mode_once = PTHREAD_ONCE_INIT;

static void read_umask(void) {
    mode_t mask = umask(0);
    umask(mask);
    new_file_mode = 0666 & ~mask;
}

mode_t fs_new_file_mode(void) {
    pthread_once(&new_file_mode_once, read_umask);
    return new_file_mode;
}

mode_t fs_replace_mode(const char *path) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) return st.st_mode & 07777;
    return fs_new_file_mode();
}

/* As many links as Linux follows in one lookup before it gives up with ELOOP. */
enum { MAX_LINKS = 40 };

char *fs_resolve_link(const char *path) {
    char *cur = strdup(path);
    if (!cur) return NULL;
    for (int hops = 0; hops <= MAX_LINKS; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) return cur;
        if (hops == MAX_LINKS) break;
        size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 256;
        char *target = NULL;
        ssize_t n;
        for (;;) {
            char *bigger = realloc(target, cap);
            if (!bigger) {
                free(target);
                free(cur);
                return NULL;
            }
            target = bigger;
            n = readlink(cur, target, cap);
            if (n < 0 || (size_t)n < cap) break;
            cap *= 2; /* the link changed under us and grew */
        }
        if (n < 0) { /* it stopped being a link: write where it is */
            free(target);
            return cur;
        }
        target[n] = '\0';
        const char *slash = strrchr(cur, '/');
        if (target[0] == '/' || !slash) {
            free(cur);
            cur = target;
            continue;
        }
        /* A relative target is relative to the folder that holds the link. */
        size_t dir_len = (size_t)(slash - cur) + 1;
        char *next = malloc(dir_len + (size_t)n + 1);
        if (!next) {
            free(target);
            free(cur);
            return NULL;
        }
        memcpy(next, cur, dir_len);
        memcpy(next + dir_len, target, (size_t)n + 1);
        free(target);
        free(cur);
        cur = next;
    }
    free(cur);
    errno = ELOOP;
    return NULL;
}

char *fs_temp_name(const char *target) {
    size_t tl = strlen(target);
    char *tmp = malloc(tl + 16);
    if (!tmp) return NULL;
    /* The temporary file sits in the same folder so that rename() is atomic. */
    const char *slash = strrchr(target, '/');
    size_t dir_len = slash ? (size_t)(slash - target) + 1 : 0;
    memcpy(tmp, target, dir_len);
    snprintf(tmp + dir_len, tl + 16 - dir_len, ".%s.XXXXXX", target + dir_len);
    return tmp;
}

int fs_write_temp(char **tmp_path, const char *path, const char *data, size_t length) {
    *tmp_path = NULL;
    char *target = fs_resolve_link(path);
    if (!target) return -1;
    mode_t mode = fs_replace_mode(target);
    char *tmp = fs_temp_name(target);
    free(target);
    if (!tmp) return -1;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    /* The mode first: the content is never readable by more than the old file was. */
    int saved_errno = fchmod(fd, mode) != 0 ? errno : 0;
    size_t done = 0;
    while (!saved_errno && done < length) {
        ssize_t n = write(fd, data + done, length - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            saved_errno = errno;
            break;
        }
        done += (size_t)n;
    }
    if (!saved_errno && fsync(fd) != 0) saved_errno = errno;
    if (close(fd) != 0 && !saved_errno) saved_errno = errno;
    if (saved_errno) {
        unlink(tmp);
        free(tmp);
        errno = saved_errno;
        return -1;
    }
    *tmp_path = tmp;
    return 0;
}

int fs_commit(const char *tmp_path, const char *path) {
    char *target = fs_resolve_link(path);
    if (!target || rename(tmp_path, target) != 0) {
        int saved = errno;
        unlink(tmp_path);
        free(target);
        errno = saved;
        return -1;
    }
    free(target);
    return 0;
}
