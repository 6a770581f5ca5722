/* Placeholder until the checker lands: `check` reports that it cannot run. */
#include "cli/cli.h"

__attribute__((weak)) int cmd_check(int argc, char **argv) {
    (void)argc;
    (void)argv;
    cli_error("check: not available in this build");
    return EXIT_FAILED;
}
