/*
 * A file's new content, given in pieces, against what the file holds now: each piece is
 * compared with the old bytes as it arrives, and only from the first difference on is a
 * temporary file written (beside the file, so that fs_commit can rename it over the old
 * one atomically; the file keeps its mode, and a symbolic link to it stays a link). Neither the old
 * nor the new content is ever held whole in memory, and a file that did not change costs reads of
 * the page cache and nothing else.
 */
#ifndef SYNCSPEC_UTIL_FS_UPDATE_H
#define SYNCSPEC_UTIL_FS_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct fs_update {
    const char *path;
    char *target;  /* write mode: where the path's symbolic links lead (fs_resolve_link) */
    mode_t mode;   /* write mode: the old file's mode, or a new file's */
    bool write;    /* false: compare only (generate --check) */
    bool missing;  /* there was no old file to read */
    bool differs;  /* the content so far is not the old file's */
    int old_fd;    /* the old file while it still matches, else -1 */
    off_t matched; /* bytes given so far (while they match the old file's) */
    int tmp_fd;    /* the temporary file once the content differs, else -1 */
    char *tmp_path;
    int error; /* errno of the first failure to write the temporary file, else 0 */
} fs_update;

/* Starts an update of `path` (borrowed: it must outlive the update). With `write` false
 * nothing is ever written. */
void fs_update_open(fs_update *u, const char *path, bool write);

/* The next piece of the new content. A failure is kept in u->error, not reported. */
void fs_update_write(fs_update *u, const char *data, size_t length);

/*
 * Ends the new content. Returns 1 when it differs from the old file (or there is none):
 * then, in write mode, u->tmp_path names the finished temporary file for fs_commit (the
 * caller frees it), or u->error says why there is none. Returns 0 when the file is
 * unchanged.
 */
int fs_update_finish(fs_update *u);

/* Drops an update at any point: closes what is open, removes its temporary file and frees
 * what the update holds. Every opened update ends here, after fs_update_finish too. */
void fs_update_discard(fs_update *u);

#endif
