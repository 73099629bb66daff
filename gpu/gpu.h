/* gpu/: CUDA offload as seen by the runtime. Built from device.cu with --with-cuda, otherwise from
 * gpu_none.c, which answers "no devices" so callers need no #ifdefs. */
#ifndef TOLK_GPU_H
#define TOLK_GPU_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of usable CUDA devices: 0 when built without CUDA, when no driver is loaded or when no
 * device is present (never an error: the CPU path always works). */
int gpu_device_count(void);

/* One line describing device i ("NVIDIA H100 80GB HBM3, 79.1 GiB, sm_90"); returns 0, or -1
 * when i is not a device. */
int gpu_describe(int i, char *buf, size_t n);

/* "cuda" when compiled with CUDA support, "none" otherwise. */
const char *gpu_backend(void);

#ifdef __cplusplus
}
#endif

#endif
