#include "util/fs_update.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsutil.h"

/* Old bytes are read and compared in pieces of this size, through one buffer that stays in
 * the CPU's cache: one per thread, since generate updates two files at once. */
enum { CHUNK = 64 * 1024 };

static _Thread_local char chunk[CHUNK];

/* Reads up to `length` bytes, retrying short reads; the count read, or -1. */
static ssize_t read_full(int fd, char *buf, size_t length) {
    size_t got = 0;
    while (got < length) {
        ssize_t n = read(fd, buf + got, length - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static int write_full(int fd, const char *data, size_t length) {
    while (length) {
        ssize_t n = write(fd, data, length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        data += n;
        length -= (size_t)n;
    }
    return 0;
}

void fs_update_open(fs_update *u, const char *path, bool write) {
    memset(u, 0, sizeof *u);
    u->path = path;
    u->write = write;
    u->tmp_fd = -1;
    u->old_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (u->old_fd < 0) u->missing = u->differs = true;
    if (!write) return;
    u->target = fs_resolve_link(path);
    if (!u->target) u->error = errno;
    struct stat st;
    if (u->old_fd >= 0 && fstat(u->old_fd, &st) == 0 && S_ISREG(st.st_mode))
        u->mode = st.st_mode & 07777;
    else
        u->mode = fs_new_file_mode();
}

static void close_old(fs_update *u) {
    if (u->old_fd >= 0) close(u->old_fd);
    u->old_fd = -1;
}

/* The count of leading bytes of `data` known to equal the old file's next bytes; less than
 * `length` when they differ somewhere in the piece that follows. */
static size_t compare_old(fs_update *u, const char *data, size_t length) {
    size_t same = 0;
    while (same < length) {
        size_t n = length - same < CHUNK ? length - same : CHUNK;
        ssize_t got = read_full(u->old_fd, chunk, n);
        if (got != (ssize_t)n || memcmp(chunk, data + same, n) != 0) break;
        same += n;
    }
    return same;
}

/*
 * Creates the temporary file, beside the file the path resolves to and with the old file's
 * mode (or a new file's), and copies into it the bytes given so far, which are the old
 * file's first u->matched bytes (they were dropped once compared).
 */
static void start_temp(fs_update *u) {
    char *tmp = fs_temp_name(u->target);
    if (!tmp) {
        u->error = ENOMEM;
        return;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        u->error = errno;
        free(tmp);
        return;
    }
    u->tmp_fd = fd;
    u->tmp_path = tmp;
    if (fchmod(fd, u->mode) != 0) {
        u->error = errno;
        return;
    }
    for (off_t done = 0; done < u->matched;) {
        size_t n = u->matched - done < CHUNK ? (size_t)(u->matched - done) : CHUNK;
        ssize_t got = pread(u->old_fd, chunk, n, done);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            u->error = got < 0 ? errno : EIO; /* the old file shrank under us */
            return;
        }
        if (write_full(fd, chunk, (size_t)got) != 0) {
            u->error = errno;
            return;
        }
        done += got;
    }
}

/* From the first difference on, the content goes to the temporary file. */
static void write_new(fs_update *u, const char *data, size_t length) {
    if (!u->write || u->error) return;
    if (u->tmp_fd < 0) start_temp(u);
    close_old(u);
    if (!u->error && write_full(u->tmp_fd, data, length) != 0) u->error = errno;
}

void fs_update_write(fs_update *u, const char *data, size_t length) {
    if (!u->differs) {
        size_t same = compare_old(u, data, length);
        u->matched += (off_t)same;
        if (same == length) return;
        u->differs = true;
        data += same;
        length -= same;
    }
    write_new(u, data, length);
}

int fs_update_finish(fs_update *u) {
    if (!u->differs) {
        /* Every byte matched: the file is unchanged unless it goes on. */
        char extra;
        if (read_full(u->old_fd, &extra, 1) == 0) {
            close_old(u);
            return 0;
        }
        u->differs = true;
    }
    if (!u->write) {
        close_old(u);
        return 1;
    }
    write_new(u, "", 0); /* creates the temporary file if nothing did yet */
    if (!u->error && fsync(u->tmp_fd) != 0) u->error = errno;
    if (u->tmp_fd >= 0 && close(u->tmp_fd) != 0 && !u->error) u->error = errno;
    u->tmp_fd = -1;
    if (u->error && u->tmp_path) {
        unlink(u->tmp_path);
        free(u->tmp_path);
        u->tmp_path = NULL;
    }
    close_old(u);
    return 1;
}

void fs_update_discard(fs_update *u) {
    close_old(u);
    if (u->tmp_fd >= 0) close(u->tmp_fd);
    u->tmp_fd = -1;
    if (u->tmp_path) unlink(u->tmp_path);
    free(u->tmp_path);
    u->tmp_path = NULL;
    free(u->target);
    u->target = NULL;
}
