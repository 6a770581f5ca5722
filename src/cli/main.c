#include <stdio.h>
int main(void) { puts("syncspec"); return 0; }
