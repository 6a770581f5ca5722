/*
 * The regression run of a fuzz target without libFuzzer: feeds every file named on the
 * command line (or found in a folder named there) to LLVMFuzzerTestOneInput once, under
 * whatever sanitizers the build has. An input that takes longer than 30 seconds is a
 * failure (SIGALRM), as a hang is. Prints how many inputs ran.
 */
#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 0;
}

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    uint8_t *data = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *more = realloc(data, cap);
            if (!more) {
                free(data);
                fclose(f);
                return -1;
            }
            data = more;
        }
        size_t n = fread(data + size, 1, cap - size, f);
        size += n;
        if (n == 0) break;
    }
    fclose(f);
    /* An exact-size copy, so ASan sees a read past the input. */
    uint8_t *exact = malloc(size ? size : 1);
    if (!exact) {
        free(data);
        return -1;
    }
    if (size) memcpy(exact, data, size);
    free(data);
    alarm(30);
    LLVMFuzzerTestOneInput(exact, size);
    alarm(0);
    free(exact);
    return 0;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder's files in name order, so a failure is reproducible by position. */
static int run_folder(const char *dir, size_t *count) {
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **more = realloc(names, cap * sizeof *names);
            if (!more) {
                rc = -1;
                break;
            }
            names = more;
        }
        if (!(names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2))) {
            rc = -1;
            break;
        }
        sprintf(names[n++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (names) qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            fprintf(stderr, "%s\n", names[i]);
            if ((rc = run_file(names[i])) == 0) (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv) {
    signal(SIGALRM, SIG_DFL);
    if (LLVMFuzzerInitialize(&argc, &argv) != 0) return 2;
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 2;
        }
        if (S_ISDIR(st.st_mode) ? run_folder(argv[i], &count) != 0 : run_file(argv[i]) != 0)
            return 2;
        if (!S_ISDIR(st.st_mode)) count++;
    }
    printf("%zu inputs replayed\n", count);
    return 0;
}
