/* The GPU interface when tolk is built without CUDA: there are no devices, so every layer runs on
 * the CPU. Keeps callers free of #ifdefs. */
#include <stdio.h>

#include "gpu.h"

int gpu_device_count(void)
{
    return 0;
}

int gpu_describe(int i, char *buf, size_t n)
{
    (void)i;
    if (n)
        buf[0] = '\0';
    return -1;
}

const char *gpu_backend(void)
{
    return "none";
}
