/*
 * Bench tool: runs a command N times and prints "median_ms max_rss_kib" on stdout.
 * Usage: benchrun N [--stdin FILE] -- COMMAND [ARGS...]. The command's own output is
 * discarded; a failing run makes benchrun fail, so a broken build cannot pass as fast.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fputs("usage: benchrun N [--stdin FILE] -- COMMAND [ARGS...]\n", stderr);
        return 2;
    }
    int runs = atoi(argv[1]);
    int i = 2;
    const char *stdin_path = NULL;
    if (strcmp(argv[i], "--stdin") == 0 && i + 1 < argc) {
        stdin_path = argv[i + 1];
        i += 2;
    }
    if (i >= argc || strcmp(argv[i], "--") != 0 || runs < 1 || runs > 1000) {
        fputs("usage: benchrun N [--stdin FILE] -- COMMAND [ARGS...]\n", stderr);
        return 2;
    }
    char **command = argv + i + 1;
    double *ms = calloc((size_t)runs, sizeof *ms);
    long max_rss = 0;
    for (int r = 0; r < runs; r++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid_t pid = fork();
        if (pid < 0) return 2;
        if (pid == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
            dup2(devnull, 2);
            if (stdin_path) {
                int in = open(stdin_path, O_RDONLY);
                if (in < 0) _exit(127);
                dup2(in, 0);
            }
            execvp(command[0], command);
            _exit(127);
        }
        int status;
        struct rusage usage;
        if (wait4(pid, &status, 0, &usage) < 0) return 2;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "benchrun: %s failed (status %d)\n", command[0], status);
            return 1;
        }
        ms[r] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        if (usage.ru_maxrss > max_rss) max_rss = usage.ru_maxrss;
    }
    qsort(ms, (size_t)runs, sizeof *ms, compare_double);
    printf("%.2f %ld\n", ms[runs / 2], max_rss);
    free(ms);
    return 0;
}
