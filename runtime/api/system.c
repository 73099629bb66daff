/* The public calls about the machine (tolk.h): the kernel path (chosen for this CPU, or set by the
 * caller, e.g. the CLI from TOLK_ISA) and the GPU devices, for --version and bug reports. */
#include <config.h>

#include <stdio.h>

#include "error.h"
#include "gpu.h"
#include "simd.h"
#include "tolk.h"

int tolk_set_isa(const char *name, tolk_error *err)
{
    char msg[256];
    if (simd_set_isa(name, msg, sizeof msg))
        return error_set(err, TOLK_E_ARG, "%s", msg);
    return TOLK_OK;
}

const char *tolk_isa(void)
{
    return simd_isa_name();
}

const char *tolk_gpu_backend(void)
{
    return gpu_backend();
}

int tolk_gpu_count(void)
{
    return gpu_device_count();
}

int tolk_gpu_describe(int i, char *buf, size_t size, tolk_error *err)
{
    if (!buf || !size)
        return error_set(err, TOLK_E_NOMEM, "tolk_gpu_describe: no room for the description");
    buf[0] = '\0';
    if (i < 0 || i >= gpu_device_count() || gpu_describe(i, buf, size) != 0)
        return error_set(err, TOLK_E_ARG, "gpu %d: no such device (%d found)", i, gpu_device_count());
    return TOLK_OK;
}
