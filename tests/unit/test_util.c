/* src/util/: the string buffer, the arena, whole-file reads and atomic writes, and the
 * streamed update of a file that only writes when its content changes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/arena.h"
#include "util/fs_update.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

/* ---- strbuf -------------------------------------------------------------------------- */

static void test_strbuf(void **state) {
    (void)state;
    strbuf sb = STRBUF_INIT;
    assert_string_equal(sb_str(&sb), ""); /* never NULL, even before the first append */
    sb_append(&sb, "ab");
    sb_append_n(&sb, "cdef", 2);
    sb_putc(&sb, '-');
    sb_appendf(&sb, "%d/%s", 42, "x");
    assert_string_equal(sb_str(&sb), "abcd-42/x");
    assert_int_equal(sb.len, 9);
    sb_reset(&sb);
    assert_string_equal(sb_str(&sb), "");
    assert_int_equal(sb.len, 0);
    /* Growth keeps every byte, embedded NULs included. */
    for (int i = 0; i < 10000; i++) sb_append_n(&sb, "x\0y", 3);
    assert_int_equal(sb.len, 30000);
    assert_int_equal(sb.data[29999], 'y');
    assert_int_equal(sb.data[29998], '\0');
    assert_int_equal(sb.data[30000], '\0');
    char *stolen = sb_steal(&sb);
    assert_non_null(stolen);
    assert_int_equal(stolen[0], 'x');
    free(stolen);
    assert_int_equal(sb.len, 0);
    assert_string_equal(sb_str(&sb), "");
    sb_appendf(&sb, "%s", "again");
    assert_string_equal(sb_str(&sb), "again");
    sb_free(&sb);
    assert_null(sb.data);
    sb_free(&sb); /* twice is harmless */
}

/* ---- arena --------------------------------------------------------------------------- */

static void test_arena(void **state) {
    (void)state;
    arena *a = arena_new();
    assert_non_null(a);
    /* Zeroed and aligned for any type, small and large, across many blocks. */
    for (size_t size = 1; size < 300000; size = size * 3 + 1) {
        unsigned char *p = arena_alloc(a, size);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (size_t i = 0; i < size; i++) assert_int_equal(p[i], 0);
        memset(p, 0xAB, size);
    }
    long long *n = arena_calloc(a, 1000, sizeof *n);
    for (size_t i = 0; i < 1000; i++) assert_int_equal(n[i], 0);
    char *s = arena_strdup(a, "hello");
    char *t = arena_strndup(a, "hello world", 5);
    char *f = arena_printf(a, "%s-%03d", "x", 7);
    assert_string_equal(s, "hello");
    assert_string_equal(t, "hello");
    assert_ptr_not_equal(s, t);
    assert_string_equal(f, "x-007");
    /* A long printf does not stop at a buffer's size. */
    char *big = arena_printf(a, "%5000d", 1);
    assert_int_equal(strlen(big), 5000);
    assert_int_equal(big[4999], '1');
    /* After a reset the arena serves zeroed memory again. */
    for (int round = 0; round < 3; round++) {
        arena_reset(a);
        unsigned char *p = arena_alloc(a, 1000);
        for (size_t i = 0; i < 1000; i++) assert_int_equal(p[i], 0);
        memset(p, 0xCD, 1000);
    }
    arena_free(a);
    arena_free(NULL);
}

/* ---- files --------------------------------------------------------------------------- */

typedef struct folder {
    char path[64];
} folder;

static int folder_setup(void **state) {
    folder *d = calloc(1, sizeof *d);
    if (!d) return -1;
    strcpy(d->path, "/tmp/syncspec-util.XXXXXX");
    if (!mkdtemp(d->path)) {
        free(d);
        return -1;
    }
    *state = d;
    return 0;
}

static int folder_teardown(void **state) {
    folder *d = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
    int rc = system(cmd);
    free(d);
    return rc == 0 ? 0 : -1;
}

static char *in(const folder *d, const char *name) {
    char *path = fs_join(d->path, name);
    assert_non_null(path);
    return path;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_join_and_read(void **state) {
    folder *d = *state;
    char *j = fs_join("a", "b");
    assert_string_equal(j, "a/b");
    free(j);
    j = fs_join("a/", "b");
    assert_string_equal(j, "a/b");
    free(j);

    char *path = in(d, "f.txt");
    write_file(path, "line\nmore");
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(fs_read_file(&data, &len, path, 100), 0);
    assert_int_equal(len, 9);
    assert_string_equal(data, "line\nmore");
    free(data);
    /* Over the limit: refused with EFBIG, nothing returned. */
    data = NULL;
    assert_int_equal(fs_read_file(&data, &len, path, 4), -1);
    assert_int_equal(errno, EFBIG);
    assert_null(data);
    assert_int_equal(fs_read_file(&data, &len, "/nonexistent/x", 100), -1);
    assert_int_equal(errno, ENOENT);
    assert_true(fs_same_content(path, "line\nmore", 9));
    assert_false(fs_same_content(path, "line\nmorE", 9));
    assert_false(fs_same_content(path, "line\nmore!", 10));
    assert_false(fs_same_content("/nonexistent/x", "", 0));
    free(path);
}

static void test_mkdirs_and_rmdirs(void **state) {
    folder *d = *state;
    char *deep = in(d, "a/b/c");
    size_t existed = 0;
    assert_int_equal(fs_mkdirs_tracked(deep, &existed), 0);
    assert_int_equal(existed, strlen(d->path)); /* only the temporary folder was there */
    struct stat st;
    assert_int_equal(stat(deep, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    /* Again: nothing to make, so all of it existed. */
    assert_int_equal(fs_mkdirs_tracked(deep, &existed), 0);
    assert_int_equal(existed, strlen(deep));
    /* Undo the first call: a, b and c go, the temporary folder stays. */
    fs_rmdirs(deep, strlen(d->path));
    char *a = in(d, "a");
    assert_int_equal(stat(a, &st), -1);
    assert_int_equal(stat(d->path, &st), 0);
    /* rmdirs stops at a folder that is not empty. */
    assert_int_equal(fs_mkdirs(deep), 0);
    char *keep = in(d, "a/keep");
    write_file(keep, "x");
    fs_rmdirs(deep, strlen(d->path));
    assert_int_equal(stat(a, &st), 0);
    char *b = in(d, "a/b");
    assert_int_equal(stat(b, &st), -1);
    /* A file in the way. */
    char *under = in(d, "a/keep/x");
    assert_int_equal(fs_mkdirs(under), -1);
    free(deep);
    free(a);
    free(b);
    free(keep);
    free(under);
}

static void test_atomic_write(void **state) {
    folder *d = *state;
    char *path = in(d, "out.txt");
    write_file(path, "old");
    assert_int_equal(chmod(path, 0640), 0);
    char *tmp = NULL;
    assert_int_equal(fs_write_temp(&tmp, path, "new text", 8), 0);
    assert_non_null(tmp);
    assert_true(fs_same_content(path, "old", 3)); /* not replaced before the commit */
    assert_true(fs_same_content(tmp, "new text", 8));
    assert_int_equal(fs_commit(tmp, path), 0);
    assert_true(fs_same_content(path, "new text", 8));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640); /* the mode of the file it replaced */
    assert_int_equal(stat(tmp, &st), -1);
    free(tmp);

    /* A symbolic link stays a link; its target gets the content. */
    char *link = in(d, "link.txt");
    assert_int_equal(symlink("out.txt", link), 0);
    char *resolved = fs_resolve_link(link);
    assert_string_equal(resolved, path);
    assert_int_equal(fs_write_temp(&tmp, link, "via link", 8), 0);
    assert_int_equal(fs_commit(tmp, link), 0);
    free(tmp);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_true(fs_same_content(path, "via link", 8));

    /* No folder to write in: an error, and no temporary file left. */
    char *nowhere = in(d, "missing/out.txt");
    tmp = NULL;
    assert_int_equal(fs_write_temp(&tmp, nowhere, "x", 1), -1);
    assert_null(tmp);
    free(nowhere);
    free(resolved);
    free(link);
    free(path);
}

/* ---- fs_update ----------------------------------------------------------------------- */

/* Streams `pieces` (NULL-terminated) into path; returns fs_update_finish's answer and
 * commits the temporary file when there is one. */
static int update(const char *path, bool write, const char *const *pieces, bool *missing) {
    fs_update u;
    fs_update_open(&u, path, write);
    for (const char *const *p = pieces; *p; p++) fs_update_write(&u, *p, strlen(*p));
    int changed = fs_update_finish(&u);
    if (missing) *missing = u.missing;
    assert_int_equal(u.error, 0);
    if (changed && write) {
        assert_non_null(u.tmp_path);
        assert_int_equal(fs_commit(u.tmp_path, path), 0);
        free(u.tmp_path);
        u.tmp_path = NULL;
    } else {
        assert_null(u.tmp_path);
    }
    fs_update_discard(&u);
    return changed;
}

static void test_fs_update(void **state) {
    folder *d = *state;
    char *path = in(d, "gen.sql");
    const char *const v1[] = {"CREATE ", "TABLE a;", "\n", NULL};
    bool missing = false;
    /* A new file: changed, missing; compare mode writes nothing. */
    assert_int_equal(update(path, false, v1, &missing), 1);
    assert_true(missing);
    struct stat st;
    assert_int_equal(stat(path, &st), -1);
    assert_int_equal(update(path, true, v1, &missing), 1);
    assert_true(fs_same_content(path, "CREATE TABLE a;\n", 16));
    /* The same bytes in other pieces: unchanged, and the file is not touched. */
    assert_int_equal(stat(path, &st), 0);
    ino_t inode = st.st_ino;
    const char *const same[] = {"CREATE TABLE", " a;\n", NULL};
    assert_int_equal(update(path, true, same, &missing), 0);
    assert_false(missing);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_ino, inode);
    /* A prefix of the old content, a longer one, one that differs late: all changes. */
    const char *const shorter[] = {"CREATE TABLE a", NULL};
    const char *const longer[] = {"CREATE TABLE a;\n", "-- more\n", NULL};
    const char *const late[] = {"CREATE TABLE a;", "X", NULL};
    assert_int_equal(update(path, false, shorter, NULL), 1);
    assert_int_equal(update(path, false, longer, NULL), 1);
    assert_int_equal(update(path, false, late, NULL), 1);
    assert_true(fs_same_content(path, "CREATE TABLE a;\n", 16)); /* compare only */
    assert_int_equal(update(path, true, longer, NULL), 1);
    assert_true(fs_same_content(path, "CREATE TABLE a;\n-- more\n", 24));
    /* Discarding midway leaves the old file and no temporary file. */
    fs_update u;
    fs_update_open(&u, path, true);
    fs_update_write(&u, "DROP", 4);
    fs_update_discard(&u);
    assert_true(fs_same_content(path, "CREATE TABLE a;\n-- more\n", 24));
    char cmd[160];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", d->path);
    assert_int_equal(system(cmd), 0);
    free(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf),
        cmocka_unit_test(test_arena),
        cmocka_unit_test_setup_teardown(test_join_and_read, folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(test_mkdirs_and_rmdirs, folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(test_atomic_write, folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(test_fs_update, folder_setup, folder_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
