/* Version and feature strings for --version, bug reports and the TUI status bar, and the kernel
 * path (chosen by the program, e.g. from TOLK_ISA, never read from the environment here). */
#include <config.h>

#include "error.h"
#include "simd.h"
#include "tolk.h"

const char *tolk_version(void)
{
    return PACKAGE_VERSION;
}

const char *tolk_features(void)
{
    return ""
#ifdef _OPENMP
           "openmp "
#endif
#ifdef HAVE_HWLOC
           "hwloc "
#endif
#ifdef HAVE_LIBURING
           "liburing "
#endif
#ifdef HAVE_CUDA
           "cuda "
#endif
           "kernels:" TOLK_ISA_LIST;
}
