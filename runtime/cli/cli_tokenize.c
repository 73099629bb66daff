/* `tolk tokenize`: runs stdin, byte for byte, through a model's tokenizer and prints the ids
 * (space-separated) or one "ID<TAB>PIECE" line per token. Nothing is trimmed and no BOS is added
 * unless asked, so the output can be compared with reference tokenizers; vocab-only files work. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "gguf.h"
#include "tokenizer.h"
#include "unicode.h"

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

static char *read_all(FILE *in, size_t *len)
{
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, in)) > 0) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, cap * 2);
            if (!b)
                free(buf);
            buf = b;
            cap *= 2;
        }
    }
    if (buf && ferror(in)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
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
        } else if (utf8_decode(s + i, n - i, &cl) == UNI_REPLACEMENT && cl == 1) {
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
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'}, {"ids", no_argument, NULL, 'i'},
        {"pieces", no_argument, NULL, 'p'}, {"bos", no_argument, NULL, 'b'},
        {"special", no_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *model = NULL;
    int pieces = 0, c;
    unsigned flags = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'i': pieces = 0; break;
        case 'p': pieces = 1; break;
        case 'b': flags |= TOK_ADD_BOS; break;
        case 's': flags |= TOK_PARSE_SPECIAL; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
    }
    if (optind < argc)
        return cli_error("unexpected argument '%s' (tolk tokenize reads standard input)",
                         argv[optind]);
    char path[4096];
    tolk_error err = {0};
    if (cli_model_path(model, path, sizeof path, &err))
        return cli_error("%s", err.msg);
    gguf_file *f = gguf_open(path, &err);
    if (!f)
        return cli_error("%s", err.msg);
    tok_vocab *v = NULL;
    int rc = tok_vocab_load(f, &v, &err);
    gguf_close(f);
    if (rc) {
        error_prefix(&err, path);
        return cli_error("%s", err.msg);
    }
    size_t len;
    char *text = read_all(stdin, &len);
    if (!text) {
        tok_vocab_free(v);
        return cli_error("cannot read standard input");
    }
    tok_ids ids = {0};
    rc = tok_encode(v, text, len, flags, &ids, &err);
    free(text);
    if (rc) {
        tok_vocab_free(v);
        return cli_error("%s", err.msg);
    }
    for (size_t i = 0; i < ids.n; i++) {
        if (!pieces) {
            printf(i ? " %d" : "%d", ids.ids[i]);
            continue;
        }
        size_t pl;
        const char *p = tok_piece(v, ids.ids[i], TOK_DECODE_SPECIAL, &pl);
        printf("%d\t", ids.ids[i]);
        print_escaped(p, pl);
        putchar('\n');
    }
    if (!pieces)
        putchar('\n');
    tok_ids_free(&ids);
    tok_vocab_free(v);
    if (fflush(stdout) != 0)
        return cli_error("cannot write standard output");
    return 0;
}
