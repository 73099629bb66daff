/* `tolk tokenize`: runs stdin, byte for byte, through a model's tokenizer and prints the ids
 * (space-separated) or one "ID<TAB>PIECE" line per token. Nothing is trimmed and no BOS is added
 * unless asked, so the output can be compared with reference tokenizers; vocab-only files work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: tolk tokenize [-m MODEL.gguf] [--ids | --pieces] [--bos] [--special] < TEXT\n\n"
                 "Tokenizes standard input exactly as given (no trimming, no BOS unless --bos).\n\n"
                 "  -m, --model FILE  the model or vocab-only GGUF (default: the default model)\n"
                 "  --ids             print token ids separated by spaces (default)\n"
                 "  --pieces          print one line per token: id, a tab, and the bytes it stands\n"
                 "                    for, with \\n \\t \\r \\\\ and \\xNN escapes for control bytes\n"
                 "                    and bytes that are not valid UTF-8\n"
                 "  --bos             put the beginning-of-sequence token first\n"
                 "  --special         turn control-token texts such as <|im_end|> into control\n"
                 "                    tokens (off by default: the text stays plain text)\n");
}

/* Length of the UTF-8 sequence starting at s[0..n) when it is complete (a lead byte followed by
 * its continuation bytes, overlong forms and surrogates included), else 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    const unsigned c = s[0];
    const size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (need == 0 || need > n)
        return 0;
    for (size_t i = 1; i < need; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return need;
}

static void print_escaped(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t cl;
        if (c == '\n' || c == '\t' || c == '\r' || c == '\\') {
            printf("\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : '\\');
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            printf("\\x%02X", c);
            i++;
        } else if (c < 0x80) {
            putchar(c);
            i++;
        } else if ((cl = utf8_seq_len((const unsigned char *)s + i, n - i)) == 0) {
            printf("\\x%02X", c);
            i++;
        } else {
            fwrite(s + i, 1, cl, stdout);
            i += cl;
        }
    }
}

int cli_tokenize_main(int argc, char **argv)
{
    const char *model = NULL;
    int pieces = 0, bos = 0, special = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("-m", "--model", &model), CLI_OPT_FLAG(NULL, "--ids", &pieces, 0),
        CLI_OPT_FLAG(NULL, "--pieces", &pieces, 1), CLI_OPT_FLAG(NULL, "--bos", &bos, 1),
        CLI_OPT_FLAG(NULL, "--special", &special, 1), CLI_OPT_HELP, CLI_OPT_END,
    };
    const cli_opt *const tables[] = {opts, NULL};
    int n_pos = 0, rc = cli_parse("tokenize", tables, -1, argc, argv, &n_pos);
    if (rc == CLI_HELP)
        usage(stdout);
    if (rc)
        return rc == CLI_HELP ? 0 : 1;
    if (n_pos)
        return cli_error("unexpected argument '%s' (tolk tokenize reads standard input)", argv[1]);
    const unsigned flags = (bos ? TOLK_TOKENIZE_ADD_BOS : 0) | (special ? TOLK_TOKENIZE_SPECIAL : 0);
    char *path = NULL, *text = NULL;
    tolk_error err = {0};
    tolk_model *m = NULL;
    if (cli_model_path(model, &path, &err) || tolk_model_load_vocab(path, &m, &err)) {
        free(path);
        return cli_error("%s", err.msg);
    }
    free(path);
    size_t len;
    if (cli_read_all(stdin, "standard input", &text, &len, &err)) {
        tolk_model_free(m);
        return cli_error("cannot read standard input");
    }
    int32_t *ids = NULL;
    size_t n_ids = 0;
    rc = tolk_tokenize(m, text, len, flags, &ids, &n_ids, &err);
    free(text);
    if (rc) {
        tolk_model_free(m);
        return cli_error("%s", err.msg);
    }
    for (size_t i = 0; i < n_ids; i++) {
        if (!pieces) {
            printf(i ? " %d" : "%d", ids[i]);
            continue;
        }
        const char *p;
        size_t pl;
        tolk_token_to_piece(m, ids[i], TOLK_PIECE_SPECIAL, &p, &pl, NULL);
        printf("%d\t", ids[i]);
        print_escaped(p, pl);
        putchar('\n');
    }
    if (!pieces)
        putchar('\n');
    free(ids);
    tolk_model_free(m);
    if (fflush(stdout) != 0)
        return cli_error("cannot write standard output");
    return 0;
}
