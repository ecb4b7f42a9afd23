// OpenBLAS's C interface, and glibc's allocator tuning (mallopt), which the engine sets once on Linux.
#include <cblas.h>
#include <malloc.h>
