/* syncspec-serve: `syncspec serve` as a program of its own (see the Makefile). */
#include "cli/cli.h"

int main(int argc, char **argv) { return cmd_serve(argc, argv); }
