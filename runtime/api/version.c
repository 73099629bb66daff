/* Version and feature strings for --version, bug reports and the TUI status bar. */
#include <config.h>

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
