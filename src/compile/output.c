#include "compile/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs_update.h"
#include "util/fsutil.h"

/*
 * The files of one run, streamed from the renderer: each is compared with the file on disk
 * while it renders, and only a file that changes is written, to a temporary file beside
 * it. Nothing is renamed into place before every file has rendered, so a template error
 * (or a failed write) leaves every old file as it was.
 */
typedef struct output_file {
    emit_file file; /* its name relative to the folder; no content */
    char *path;
    fs_update update;
    bool rendered; /* the template rendered without error */
    bool changed;
} output_file;

typedef struct output {
    const char *out_dir;
    bool write;                        /* false for check */
    output_file files[EMIT_MAX_FILES]; /* by emit_file.index; two may be open at once */
    size_t count;                      /* set once rendering is over */
} output;

static void *output_begin(void *data, const emit_file *file) {
    output *o = data;
    output_file *f = &o->files[file->index];
    memset(f, 0, sizeof *f);
    f->file = *file;
    f->path = fs_join(o->out_dir, file->path);
    if (!f->path) abort();
    fs_update_open(&f->update, f->path, o->write);
    return f;
}

static void output_write(void *file, const char *text, size_t length) {
    fs_update_write(&((output_file *)file)->update, text, length);
}

static void output_end(void *file, bool ok) {
    output_file *f = file;
    f->rendered = ok;
    if (ok)
        f->changed = fs_update_finish(&f->update) != 0;
    else
        fs_update_discard(&f->update);
}

/* The files are numbered from 0 without gaps. */
static void output_count(output *o) {
    o->count = 0;
    while (o->count < EMIT_MAX_FILES && o->files[o->count].path) o->count++;
}

static void output_free(output *o) {
    for (size_t i = 0; i < o->count; i++) {
        fs_update_discard(&o->files[i].update);
        free(o->files[i].path);
    }
}

static void io_error(diag_list *diags, const char *what, const char *path, int error) {
    diag_add(diags, DIAG_ERROR, "io", NULL, 0, 0, "cannot %s %s: %s", what, path, strerror(error));
}

/* Renames every written temporary file into place, once all of them were written. */
static int commit_files(output *o, size_t *written, diag_list *diags) {
    int rc = COMPILE_OK;
    for (size_t i = 0; i < o->count && rc == COMPILE_OK; i++) {
        const output_file *f = &o->files[i];
        if (f->changed && f->update.error) {
            io_error(diags, "write", f->path, f->update.error);
            rc = COMPILE_EMIT_FAILED;
        }
    }
    *written = 0;
    for (size_t i = 0; i < o->count; i++) {
        fs_update *u = &o->files[i].update;
        if (!u->tmp_path) continue;
        if (rc != COMPILE_OK) {
            remove(u->tmp_path);
        } else if (fs_commit(u->tmp_path, o->files[i].path) != 0) {
            io_error(diags, "replace", o->files[i].path, errno);
            rc = COMPILE_EMIT_FAILED;
        } else {
            (*written)++;
        }
        free(u->tmp_path);
        u->tmp_path = NULL;
    }
    return rc;
}

/* What the caller keeps of each file: its names and whether it changes. */
static void keep_files(compile_result *result, arena *a, const output *o) {
    compile_file *files = arena_calloc(a, o->count ? o->count : 1, sizeof *files);
    for (size_t i = 0; i < o->count; i++) {
        const output_file *f = &o->files[i];
        files[i].name = arena_strdup(a, f->file.path);
        files[i].path = arena_strdup(a, f->path);
        files[i].changed = f->changed;
        files[i].missing = f->update.missing;
    }
    result->files = files;
    result->file_count = o->count;
}

int compile_write_folder(compile_result *result, arena *a, const compile_request *request,
                         diag_list *diags) {
    const char *out_dir = request->out_dir;
    bool check = request->check;
    /* The folder is made before rendering, since the temporary files go in it, and
     * removed again if the run fails, so a failed run leaves no trace. */
    output out = {.out_dir = out_dir, .write = !check}; /* every file's slot zero until begun */
    output *o = &out;
    size_t existed = strlen(out_dir);
    int mkdir_errno = 0;
    if (!check && fs_mkdirs_tracked(out_dir, &existed) != 0) {
        mkdir_errno = errno;
        o->write = false;
    }
    emit_sink sink = {output_begin, output_write, output_end, o};
    int rc = emit_generate_to(&sink, &result->templates_used, a, result->schema, &request->emit,
                              diags) == 0
                 ? COMPILE_OK
                 : COMPILE_EMIT_FAILED;
    output_count(o);
    if (rc == COMPILE_OK && mkdir_errno) {
        /* Reported after rendering, so that a template error is reported first. */
        io_error(diags, "create", out_dir, mkdir_errno);
        rc = COMPILE_EMIT_FAILED;
    } else if (rc == COMPILE_OK) {
        if (!check) rc = commit_files(o, &result->written, diags);
        keep_files(result, a, o);
    }
    output_free(o); /* removes the temporary files left, so that the folder can go */
    if (rc != COMPILE_OK && !check && !mkdir_errno) fs_rmdirs(out_dir, existed);
    return rc;
}
