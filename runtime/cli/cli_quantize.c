/* `tolk quantize IN.gguf OUT.gguf TYPE`: rewrites a model as Q4_0, Q8_0 or Q4_K_M (or F16/BF16/F32)
 * with llama-quantize's per-tensor choices, from float weights or by requantizing quantized ones.
 * The work is in runtime/quantize/quantize.c; this file parses arguments and prints the summary. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "quant_mix.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: tolk quantize IN.gguf OUT.gguf TYPE\n\n"
                 "Writes IN as OUT with tensor types chosen like llama-quantize's for TYPE, one of:\n"
                 "  %s\n"
                 "Quantized inputs are dequantized and quantized again (expect some extra error).\n"
                 "Tensors are converted a batch of rows at a time; neither file is held in memory.\n",
                 qmix_ftype_list());
}

int cli_quantize_main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    if (argc != 4) {
        usage(stderr);
        return 1;
    }
    const qmix_ftype *ft = qmix_ftype_find(argv[3]);
    if (!ft)
        return cli_error("unknown type '%s' (one of %s)", argv[3], qmix_ftype_list());
    tolk_error err = {0};
    qmix_stats st;
    if (qmix_quantize_file(argv[1], argv[2], ft, &st, &err))
        return cli_error("%s", err.msg);
    printf("%s: %llu tensors (%llu converted), %.1f MiB -> %.1f MiB, type %s\n", argv[2],
           (unsigned long long)st.n_tensors, (unsigned long long)st.n_converted,
           st.bytes_in / 1048576.0, st.bytes_out / 1048576.0, ft->name);
    return 0;
}
