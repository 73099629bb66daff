/* Regex-equivalent matchers for the pre-tokenizer patterns. Each matcher answers "how long is the
 * match of the whole alternation at this position" (0 = none), trying the alternatives in the
 * pattern's order, so the split is what a backtracking regex engine's find-all would return.
 * The patterns themselves are quoted above each matcher. */
#include "pretok.h"

#include "unicode.h"

typedef size_t (*match_fn)(const uint32_t *c, size_t pos, size_t end);

static unsigned cls(const uint32_t *c, size_t i, size_t end)
{
    return i < end ? uni_flags(c[i]) : 0;
}

static int is_crlf(uint32_t cp)
{
    return cp == '\r' || cp == '\n';
}

static uint32_t ascii_lower(uint32_t cp)
{
    return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
}

/* 's|'t|'re|'ve|'m|'ll|'d, optionally ignoring ASCII case. */
static size_t match_contraction(const uint32_t *c, size_t pos, size_t end, int fold)
{
    if (c[pos] != '\'' || pos + 1 >= end)
        return 0;
    uint32_t a = fold ? ascii_lower(c[pos + 1]) : c[pos + 1];
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
        return 2;
    if (pos + 2 >= end)
        return 0;
    uint32_t b = fold ? ascii_lower(c[pos + 2]) : c[pos + 2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
        return 3;
    return 0;
}

static size_t run_of(const uint32_t *c, size_t pos, size_t end, unsigned want, unsigned avoid)
{
    size_t i = pos;
    while (i < end) {
        unsigned f = uni_flags(c[i]);
        if ((want && !(f & want)) || (f & avoid))
            break;
        i++;
    }
    return i - pos;
}

/* \s+(?!\S)|\s+ at a whitespace position: the run, minus its last character when a non-space
 * follows (that one then prefixes the next word), but never less than one character. */
static size_t match_space_tail(const uint32_t *c, size_t pos, size_t end)
{
    size_t n = run_of(c, pos, end, UNI_SPACE, 0);
    if (n > 1 && pos + n < end)
        return n - 1;
    return n;
}

/* GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static size_t match_gpt2(const uint32_t *c, size_t pos, size_t end)
{
    size_t m = match_contraction(c, pos, end, 0);
    if (m)
        return m;
    size_t off = c[pos] == ' ' ? 1 : 0;
    unsigned f = cls(c, pos + off, end);
    if (pos + off < end) {
        if (f & UNI_LETTER)
            return off + run_of(c, pos + off, end, UNI_LETTER, 0);
        if (f & UNI_NUMBER)
            return off + run_of(c, pos + off, end, UNI_NUMBER, 0);
        if (!(f & (UNI_SPACE | UNI_LETTER | UNI_NUMBER)))
            return off + run_of(c, pos + off, end, 0, UNI_SPACE | UNI_LETTER | UNI_NUMBER);
    }
    if (uni_flags(c[pos]) & UNI_SPACE)
        return match_space_tail(c, pos, end);
    return 0;
}

/* Llama 3 (max_digits 3) and Qwen2 (max_digits 1):
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
 * \s*[\r\n]+|\s+(?!\S)|\s+ */
static size_t match_llama3_digits(const uint32_t *c, size_t pos, size_t end, size_t max_digits)
{
    size_t m = match_contraction(c, pos, end, 1);
    if (m)
        return m;
    unsigned f = uni_flags(c[pos]);
    if (!is_crlf(c[pos]) && !(f & (UNI_LETTER | UNI_NUMBER)) && (cls(c, pos + 1, end) & UNI_LETTER))
        return 1 + run_of(c, pos + 1, end, UNI_LETTER, 0);
    if (f & UNI_LETTER)
        return run_of(c, pos, end, UNI_LETTER, 0);
    if (f & UNI_NUMBER) {
        size_t n = run_of(c, pos, end, UNI_NUMBER, 0);
        return n < max_digits ? n : max_digits;
    }
    size_t off = c[pos] == ' ' ? 1 : 0;
    if (pos + off < end && !(uni_flags(c[pos + off]) & (UNI_SPACE | UNI_LETTER | UNI_NUMBER))) {
        size_t i = pos + off;
        i += run_of(c, i, end, 0, UNI_SPACE | UNI_LETTER | UNI_NUMBER);
        while (i < end && is_crlf(c[i]))
            i++;
        return i - pos;
    }
    if (f & UNI_SPACE) {
        size_t n = run_of(c, pos, end, UNI_SPACE, 0);
        /* \s*[\r\n]+ : the whitespace run up to and including its last line break. */
        for (size_t i = pos + n; i > pos; i--)
            if (is_crlf(c[i - 1]))
                return i - pos;
        return match_space_tail(c, pos, end);
    }
    return 0;
}

static size_t match_llama3(const uint32_t *c, size_t pos, size_t end)
{
    return match_llama3_digits(c, pos, end, 3);
}

static size_t match_qwen2(const uint32_t *c, size_t pos, size_t end)
{
    return match_llama3_digits(c, pos, end, 1);
}

/* default pass 1: [\p{P}\$\+<=>\^~\|]+ */
static int is_default_punct(uint32_t cp)
{
    if (uni_flags(cp) & UNI_PUNCT)
        return 1;
    switch (cp) {
    case '$': case '+': case '<': case '=': case '>': case '^': case '~': case '|':
        return 1;
    default:
        return 0;
    }
}

static size_t match_default_punct(const uint32_t *c, size_t pos, size_t end)
{
    size_t i = pos;
    while (i < end && is_default_punct(c[i]))
        i++;
    return i - pos;
}

/* default pass 3: \p{N}+ */
static size_t match_numbers(const uint32_t *c, size_t pos, size_t end)
{
    return run_of(c, pos, end, UNI_NUMBER, 0);
}

/* default pass 4: [0-9][0-9][0-9] */
static size_t match_three_digits(const uint32_t *c, size_t pos, size_t end)
{
    if (pos + 3 > end)
        return 0;
    for (size_t i = pos; i < pos + 3; i++)
        if (c[i] < '0' || c[i] > '9')
            return 0;
    return 3;
}

/* gemma4's `[^\n]+|[\n]+`: a run of newlines, or a run of anything else. */
static size_t match_newline_runs(const uint32_t *c, size_t pos, size_t end)
{
    bool nl = c[pos] == '\n';
    size_t i = pos + 1;
    while (i < end && (c[i] == '\n') == nl)
        i++;
    return i - pos;
}

typedef struct split_state {
    const match_fn *passes;
    size_t n_passes;
    const uint32_t *cpts;
    pretok_emit_fn emit;
    void *ctx;
} split_state;

static int piece_out(split_state *s, size_t pass, size_t start, size_t end);

/* Find-all of one pattern over [start, end): matches and the unmatched gaps between them both
 * become pieces, each re-split by the next pass. */
static int split_pass(split_state *s, size_t pass, size_t start, size_t end)
{
    size_t gap = start, pos = start;
    while (pos < end) {
        size_t m = s->passes[pass](s->cpts, pos, end);
        if (!m) {
            pos++;
            continue;
        }
        int rc;
        if (gap < pos && (rc = piece_out(s, pass, gap, pos)))
            return rc;
        if ((rc = piece_out(s, pass, pos, pos + m)))
            return rc;
        pos += m;
        gap = pos;
    }
    return gap < end ? piece_out(s, pass, gap, end) : 0;
}

static int piece_out(split_state *s, size_t pass, size_t start, size_t end)
{
    if (pass + 1 < s->n_passes)
        return split_pass(s, pass + 1, start, end);
    return s->emit(s->ctx, start, end);
}

int pretok_split(enum tok_pre pre, const uint32_t *cpts, size_t n, pretok_emit_fn emit, void *ctx)
{
    static const match_fn default_passes[] = {match_default_punct, match_gpt2, match_numbers,
                                              match_three_digits};
    static const match_fn gpt2_passes[] = {match_gpt2};
    static const match_fn llama3_passes[] = {match_llama3};
    static const match_fn qwen2_passes[] = {match_qwen2};
    static const match_fn gemma4_passes[] = {match_newline_runs};
    split_state s = {NULL, 1, cpts, emit, ctx};
    switch (pre) {
    case TOK_PRE_DEFAULT:
        s.passes = default_passes;
        s.n_passes = 4;
        break;
    case TOK_PRE_GPT2:
        s.passes = gpt2_passes;
        break;
    case TOK_PRE_LLAMA3:
        s.passes = llama3_passes;
        break;
    case TOK_PRE_QWEN2:
        s.passes = qwen2_passes;
        break;
    case TOK_PRE_GEMMA4:
        s.passes = gemma4_passes;
        break;
    default:
        return n ? emit(ctx, 0, n) : 0;
    }
    return n ? split_pass(&s, 0, 0, n) : 0;
}
