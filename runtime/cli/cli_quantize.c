/* `tolk quantize IN.gguf OUT.gguf TYPE`: rewrites a model as Q4_0, Q8_0 or Q4_K_M (or F16/BF16/F32)
 * with llama-quantize's per-tensor choices, from float weights or by requantizing quantized ones
 * (tolk_model_quantize); this file parses arguments and prints the summary. */
#include <stdio.h>

#include "cli.h"
#include "cli_opts.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: tolk quantize IN.gguf OUT.gguf TYPE\n\n"
                 "Writes IN as OUT with tensor types chosen like llama-quantize's for TYPE, one of:\n"
                 "  %s\n"
                 "Quantized inputs are dequantized and quantized again (expect some extra error).\n"
                 "Tensors are converted a batch of rows at a time; neither file is held in memory.\n",
                 tolk_quantize_types());
}

int cli_quantize_main(int argc, char **argv)
{
    const cli_opt opts[] = {CLI_OPT_HELP, CLI_OPT_END};
    const cli_opt *const tables[] = {opts, NULL};
    int n_pos = 0, rc = cli_parse("quantize", tables, -1, argc, argv, &n_pos);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    if (n_pos != 3) {
        usage(stderr);
        return 1;
    }
    tolk_error err = {0};
    tolk_quantize_stats st;
    if (tolk_model_quantize(argv[1], argv[2], argv[3], &st, &err))
        return cli_error("%s", err.msg);
    printf("%s: %llu tensors (%llu converted), %.1f MiB -> %.1f MiB, type %s\n", argv[2],
           (unsigned long long)st.n_tensors, (unsigned long long)st.n_converted, st.bytes_in / 1048576.0,
           st.bytes_out / 1048576.0, st.type);
    return 0;
}
