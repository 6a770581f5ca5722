/* File helpers: whole-file reads, and atomic writes that leave unchanged files alone. */
#ifndef SYNCSPEC_UTIL_FSUTIL_H
#define SYNCSPEC_UTIL_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Reads a whole file into a malloc'ed, NUL-terminated buffer (caller frees). Returns 0, or
 * -1 with errno set. Refuses files larger than max_size (errno EFBIG).
 */
int fs_read_file(char **data, size_t *length, const char *path, size_t max_size);

/* mkdir -p. Returns 0, or -1 with errno set. */
int fs_mkdirs(const char *path);
/* mkdir -p that also sets *existed (when not NULL) to the length of the part of `path`
 * that was there before (all of it when nothing was made), for fs_rmdirs. */
int fs_mkdirs_tracked(const char *path, size_t *existed);
/* Undoes fs_mkdirs_tracked: removes the folders of `path` past its first `existed` bytes,
 * deepest first, stopping at one that is not empty. */
void fs_rmdirs(const char *path, size_t existed);

/* True when the file exists and holds exactly these bytes. */
bool fs_same_content(const char *path, const char *data, size_t length);

/*
 * Where a write to `path` goes: `path` itself, or, when it is a symbolic link, the file at
 * the end of its chain of links (which need not exist), so that replacing it keeps the
 * link. Malloc'ed; NULL with errno set (ENOMEM, ELOOP).
 */
char *fs_resolve_link(const char *path);

/* The mode a replacement of `path` gets: the existing regular file's, else 0666 less the
 * umask (fs_new_file_mode). Follows symbolic links. */
mode_t fs_replace_mode(const char *path);
mode_t fs_new_file_mode(void);

/* The mkstemp template of a temporary file beside `target`: "DIR/.NAME.XXXXXX".
 * Malloc'ed; NULL when out of memory. */
char *fs_temp_name(const char *target);

/*
 * Writes data to a temporary file beside the file `path` resolves to (fs_resolve_link),
 * with the mode of the file it replaces (fs_replace_mode), and returns its malloc'ed name
 * in *tmp_path; fs_commit renames it over that file. Together they make a write atomic:
 * readers see the old file or the new one, never a truncated one; the file keeps its mode
 * and a symbolic link to it stays a link. Return 0, or -1 with errno set (the temporary
 * file is then removed). A process killed in between leaves the temporary file behind.
 */
int fs_write_temp(char **tmp_path, const char *path, const char *data, size_t length);
int fs_commit(const char *tmp_path, const char *path);

/* Joins a folder and a file name with one '/'; malloc'ed. */
char *fs_join(const char *dir, const char *name);

#endif
