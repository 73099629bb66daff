/* Loading a tokenizer from GGUF metadata: token texts, scores and types copied into flat arrays,
 * a text → id hash table and a merge table built once (so a 262k-token vocabulary loads in a few
 * milliseconds), special-token ids and defaults per model (llama, gpt2, gemma4), and the decoded
 * piece of every token.
 * Encoding is in tok_encode.c, decoding and streaming in tok_decode.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "tok_internal.h"
#include "unicode.h"

/* End-marker texts: forced to control type and added to the end-of-generation set, as the
 * reference runtime does, so a vocabulary that mislabels them still stops and stays safe. The
 * first one found also serves as eot when the file names none. */
static const char *const eog_names[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>",
    "_<EOT>", "</s>", "<end_of_utterance>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
    "<eos>", "<turn|>", "<|tool_response>",
};
static const char *const eot_names[] = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
                                        "<|endoftext|>", "<EOT>"};
/* Fill-in-the-middle markers that are forced to control but do not end generation. */
static const char *const fim_names[] = {"<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"};

typedef struct pre_alias {
    const char *name;
    enum tok_pre pre;
} pre_alias;

static const pre_alias pre_aliases[] = {
    {"default", TOK_PRE_DEFAULT},
    {"gpt-2", TOK_PRE_GPT2}, {"mpt", TOK_PRE_GPT2}, {"olmo", TOK_PRE_GPT2}, {"jais", TOK_PRE_GPT2},
    {"phi-2", TOK_PRE_GPT2}, {"roberta-bpe", TOK_PRE_GPT2},
    {"llama-bpe", TOK_PRE_LLAMA3}, {"llama3", TOK_PRE_LLAMA3}, {"llama-v3", TOK_PRE_LLAMA3},
    {"falcon3", TOK_PRE_LLAMA3},
    {"qwen2", TOK_PRE_QWEN2}, {"deepseek-r1-qwen", TOK_PRE_QWEN2},
    {"gemma4", TOK_PRE_GEMMA4},
};

uint64_t tok_hash_more(uint64_t h, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

uint64_t tok_hash(const char *s, size_t len)
{
    return tok_hash_more(TOK_HASH_SEED, s, len);
}

int32_t tok_find_hashed(const tok_vocab *v, const char *s, size_t len, uint64_t h)
{
    uint64_t tag = h & ~0xffffffffull;
    for (uint32_t i = (uint32_t)h & v->slot_mask;; i = (i + 1) & v->slot_mask) {
        uint64_t slot = v->slots[i];
        if (!slot)
            return -1;
        int32_t id = (int32_t)(uint32_t)slot - 1;
        if ((slot & ~0xffffffffull) == tag && v->len[id] == len &&
            !memcmp(v->text + v->off[id], s, len))
            return id;
    }
}

int32_t tok_find(const tok_vocab *v, const char *s, size_t len)
{
    return tok_find_hashed(v, s, len, tok_hash(s, len));
}

int32_t tok_merge_rank(const tok_vocab *v, const char *l, size_t ll, const char *r, size_t rl)
{
    if (!v->merges)
        return -1;
    uint64_t h = tok_hash_more(tok_hash_more(tok_hash(l, ll), " ", 1), r, rl);
    for (uint64_t i = h & v->merge_mask;; i = (i + 1) & v->merge_mask) {
        const tok_merge *m = &v->merges[i];
        if (m->rank < 0)
            return -1;
        const char *t = v->merge_text + m->off;
        if (m->hash == h && m->len == ll + 1 + rl && !memcmp(t, l, ll) && t[ll] == ' ' &&
            !memcmp(t + ll + 1, r, rl))
            return m->rank;
    }
}

uint32_t tok_byte_to_cp(unsigned b)
{
    if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE)
        return b;
    /* The other 68 bytes take U+0100.. in ascending byte order. */
    uint32_t k = b <= 0x20 ? b : b <= 0xA0 ? 0x21 + (b - 0x7F) : 0x21 + 0x22;
    return 0x100 + k;
}

int tok_cp_to_byte(uint32_t cp)
{
    if ((cp >= 0x21 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0xFF))
        return (int)cp;
    if (cp < 0x100 || cp >= 0x100 + 68)
        return -1;
    uint32_t k = cp - 0x100;
    return (int)(k <= 0x20 ? k : k <= 0x20 + 0x22 ? 0x7F + (k - 0x21) : 0xAD);
}

static uint32_t pow2_at_least(uint64_t n)
{
    uint32_t p = 16;
    while (p < n)
        p <<= 1;
    return p;
}

/* A token on its way into the hash table, carrying what insertion reads so that walking the
 * sorted list touches nothing else. */
typedef struct pending_text {
    uint64_t hash;
    int32_t id;
    uint32_t len;
} pending_text;

/* Inserts P unless an equal text is there; a later duplicate replaces the earlier id, as in the
 * reference implementation. */
static void insert_text(tok_vocab *v, const pending_text *p)
{
    uint64_t tag = p->hash & ~0xffffffffull;
    for (uint32_t k = (uint32_t)p->hash & v->slot_mask;; k = (k + 1) & v->slot_mask) {
        uint64_t slot = v->slots[k];
        uint32_t old = (uint32_t)slot;
        if (!slot || ((slot & ~0xffffffffull) == tag && v->len[old - 1] == p->len &&
                      !memcmp(v->text + v->off[old - 1], v->text + v->off[p->id], p->len))) {
            v->slots[k] = tag | ((uint32_t)p->id + 1);
            return;
        }
    }
}

static int load_texts(tok_vocab *v, const gguf_array *tokens, tolk_error *err)
{
    uint64_t total = 0;
    for (int32_t i = 0; i < v->n; i++)
        total += tokens->strs[i].len;
    if (total >= UINT32_MAX)
        return error_set(err, TOLK_E_FORMAT, "tokenizer.ggml.tokens holds %llu bytes of text",
                         (unsigned long long)total);
    enum { BUCKET_BITS = 12 };
    v->text = malloc(total + 1);
    v->off = malloc(sizeof *v->off * (size_t)v->n);
    v->len = malloc(sizeof *v->len * (size_t)v->n);
    v->slot_mask = pow2_at_least((uint64_t)v->n * 2) - 1;
    v->slots = calloc((size_t)v->slot_mask + 1, sizeof *v->slots);
    uint64_t *hash = malloc(sizeof *hash * (size_t)v->n);
    pending_text *order = malloc(sizeof *order * (size_t)v->n);
    uint32_t *start = calloc((1u << BUCKET_BITS) + 1, sizeof *start);
    if (!v->text || !v->off || !v->len || !v->slots || !hash || !order || !start) {
        free(hash);
        free(order);
        free(start);
        return error_set(err, TOLK_E_NOMEM, "out of memory for %d tokens", v->n);
    }
    /* Inserting in random order costs a cache miss per token on a 262k-token vocabulary, so the
     * ids are first sorted by the region of the table they land in (a counting sort on the top
     * bits of their slot) and inserted region by region. */
    unsigned shift = 0;
    while ((v->slot_mask >> shift) >= (1u << BUCKET_BITS))
        shift++;
    uint32_t pos = 0;
    for (int32_t i = 0; i < v->n; i++) {
        const gguf_str *s = &tokens->strs[i];
        memcpy(v->text + pos, s->ptr, s->len);
        v->off[i] = pos;
        v->len[i] = (uint32_t)s->len;
        pos += (uint32_t)s->len;
        hash[i] = tok_hash(s->ptr, s->len);
        start[(((uint32_t)hash[i] & v->slot_mask) >> shift) + 1]++;
    }
    v->text[pos] = '\0';
    for (uint32_t b = 0; b < (1u << BUCKET_BITS); b++)
        start[b + 1] += start[b];
    for (int32_t i = 0; i < v->n; i++) /* stable: duplicates keep their id order */
        order[start[((uint32_t)hash[i] & v->slot_mask) >> shift]++] =
            (pending_text){hash[i], i, v->len[i]};
    for (int32_t k = 0; k < v->n; k++)
        if (order[k].len) /* an empty token can never be matched */
            insert_text(v, &order[k]);
    free(hash);
    free(order);
    free(start);
    return TOLK_OK;
}

static int load_scores_types(tok_vocab *v, const gguf_file *f, tolk_error *err)
{
    v->scores = calloc((size_t)v->n, sizeof *v->scores);
    v->types = malloc((size_t)v->n);
    v->eog = calloc((size_t)v->n, 1);
    if (!v->scores || !v->types || !v->eog)
        return error_set(err, TOLK_E_NOMEM, "out of memory for %d tokens", v->n);
    memset(v->types, TOK_TYPE_NORMAL, (size_t)v->n);
    const gguf_array *sc = gguf_get_arr(f, "tokenizer.ggml.scores");
    if (sc) {
        if ((sc->type != GGUF_TYPE_F32 && sc->type != GGUF_TYPE_F64) || sc->n != (uint64_t)v->n)
            return error_set(err, TOLK_E_FORMAT,
                             "tokenizer.ggml.scores has %llu %s values for %d tokens",
                             (unsigned long long)sc->n, gguf_type_name(sc->type), v->n);
        for (int32_t i = 0; i < v->n; i++)
            v->scores[i] = (float)gguf_arr_float(sc, (uint64_t)i);
    }
    const gguf_array *ty = gguf_get_arr(f, "tokenizer.ggml.token_type");
    if (ty) {
        bool int_type = ty->type <= GGUF_TYPE_I32 && ty->type != GGUF_TYPE_F32 &&
                        ty->type != GGUF_TYPE_BOOL;
        if (!int_type || ty->n != (uint64_t)v->n)
            return error_set(err, TOLK_E_FORMAT,
                             "tokenizer.ggml.token_type has %llu %s values for %d tokens",
                             (unsigned long long)ty->n, gguf_type_name(ty->type), v->n);
        for (int32_t i = 0; i < v->n; i++) {
            int64_t t = gguf_arr_int(ty, (uint64_t)i);
            if (t < 0 || t > TOK_TYPE_BYTE)
                return error_set(err, TOLK_E_FORMAT, "token %d has unknown type %lld", i,
                                 (long long)t);
            v->types[i] = (uint8_t)t;
        }
    }
    return TOLK_OK;
}

static int32_t special_id(const tok_vocab *v, const gguf_file *f, const char *key, int32_t dflt)
{
    uint64_t id;
    if (gguf_get_uint(f, key, &id))
        return id < (uint64_t)v->n ? (int32_t)id : -1;
    int64_t sid;
    if (gguf_get_int(f, key, &sid) && sid == -1)
        return -1;
    return dflt < v->n ? dflt : -1;
}

static bool flag_or(const gguf_file *f, const char *key, bool dflt)
{
    bool b;
    return gguf_get_bool(f, key, &b) ? b : dflt;
}

static void load_special_ids(tok_vocab *v, const gguf_file *f)
{
    bool spm = v->model == TOK_MODEL_SPM;
    bool llama3 = v->pre == TOK_PRE_LLAMA3;
    /* gemma4 has no default ids: only what the file names. */
    bool gemma4 = v->pre == TOK_PRE_GEMMA4;
    v->bos = special_id(v, f, "tokenizer.ggml.bos_token_id", spm ? 1 : gemma4 ? -1 : 11);
    v->eos = special_id(v, f, "tokenizer.ggml.eos_token_id", spm ? 2 : gemma4 ? -1 : 11);
    v->unk = special_id(v, f, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1);
    v->pad = special_id(v, f, "tokenizer.ggml.padding_token_id", -1);
    v->eot = special_id(v, f, "tokenizer.ggml.eot_token_id", -1);
    v->eom = special_id(v, f, "tokenizer.ggml.eom_token_id", -1);
    /* gemma4 always starts with bos, even where its file says add_bos_token = false (the
     * reference runtime overrides the flag for these vocabularies). */
    v->add_bos = gemma4 || flag_or(f, "tokenizer.ggml.add_bos_token", spm || llama3);
    v->add_eos = flag_or(f, "tokenizer.ggml.add_eos_token", false);
    v->add_space_prefix = flag_or(f, "tokenizer.ggml.add_space_prefix", spm);
    v->ignore_merges = llama3;

    /* A vocabulary with <|tool_response> (gemma4) has an ordinary </s>: it stays as the file
     * types it and does not end generation. */
    bool plain_s = tok_find(v, "<|tool_response>", strlen("<|tool_response>")) >= 0;
    for (size_t i = 0; i < sizeof eog_names / sizeof eog_names[0]; i++) {
        int32_t id = tok_find(v, eog_names[i], strlen(eog_names[i]));
        if (plain_s && !strcmp(eog_names[i], "</s>"))
            continue;
        if (id >= 0) {
            v->types[id] = TOK_TYPE_CONTROL;
            v->eog[id] = 1;
        }
    }
    for (size_t i = 0; i < sizeof fim_names / sizeof fim_names[0]; i++) {
        int32_t id = tok_find(v, fim_names[i], strlen(fim_names[i]));
        if (id >= 0)
            v->types[id] = TOK_TYPE_CONTROL;
    }
    for (size_t i = 0; v->eot < 0 && i < sizeof eot_names / sizeof eot_names[0]; i++)
        v->eot = tok_find(v, eot_names[i], strlen(eot_names[i]));
    if (v->eos >= 0)
        v->eog[v->eos] = 1;
    if (v->eot >= 0)
        v->eog[v->eot] = 1;
    if (v->eom >= 0)
        v->eog[v->eom] = 1;
}

static int cmp_special(const void *a, const void *b, void *ctx)
{
    const tok_vocab *v = ctx;
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    if (v->len[x] != v->len[y])
        return v->len[x] > v->len[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int load_specials(tok_vocab *v, tolk_error *err)
{
    int32_t n = 0;
    for (int32_t i = 0; i < v->n; i++)
        if (v->len[i] && (v->types[i] == TOK_TYPE_CONTROL || v->types[i] == TOK_TYPE_USER_DEFINED ||
                          v->types[i] == TOK_TYPE_UNKNOWN))
            n++;
    v->specials = malloc(sizeof *v->specials * (size_t)(n ? n : 1));
    if (!v->specials)
        return error_set(err, TOLK_E_NOMEM, "out of memory for %d special tokens", n);
    v->n_specials = 0;
    for (int32_t i = 0; i < v->n; i++)
        if (v->len[i] && (v->types[i] == TOK_TYPE_CONTROL || v->types[i] == TOK_TYPE_USER_DEFINED ||
                          v->types[i] == TOK_TYPE_UNKNOWN))
            v->specials[v->n_specials++] = i;
    qsort_r(v->specials, (size_t)v->n_specials, sizeof *v->specials, cmp_special, v);
    return TOLK_OK;
}

static void load_byte_tokens(tok_vocab *v)
{
    for (unsigned b = 0; b < 256; b++) {
        char buf[8];
        size_t n;
        if (v->model == TOK_MODEL_SPM || v->raw_bpe) {
            static const char hex[] = "0123456789ABCDEF";
            memcpy(buf, "<0x", 3);
            buf[3] = hex[b >> 4];
            buf[4] = hex[b & 15];
            buf[5] = '>';
            int32_t id = tok_find(v, buf, 6);
            buf[0] = (char)b;
            /* raw BPE knows only the <0xXX> spelling */
            v->byte_token[b] = id >= 0 || v->raw_bpe ? id : tok_find(v, buf, 1);
        } else {
            n = utf8_encode(tok_byte_to_cp(b), buf);
            v->byte_token[b] = tok_find(v, buf, n);
        }
    }
}

static int load_merges(tok_vocab *v, const gguf_file *f, tolk_error *err)
{
    const gguf_array *m = gguf_get_arr(f, "tokenizer.ggml.merges");
    if (!m)
        return error_set(err, TOLK_E_FORMAT, "BPE vocabulary without tokenizer.ggml.merges");
    if (m->type != GGUF_TYPE_STRING || m->n >= INT32_MAX)
        return error_set(err, TOLK_E_FORMAT, "tokenizer.ggml.merges is not a string array");
    uint64_t total = 0;
    for (uint64_t r = 0; r < m->n; r++)
        total += m->strs[r].len;
    if (total >= UINT32_MAX)
        return error_set(err, TOLK_E_FORMAT, "tokenizer.ggml.merges holds %llu bytes",
                         (unsigned long long)total);
    uint64_t size = pow2_at_least(m->n * 2 + 1);
    v->merges = malloc(size * sizeof *v->merges);
    v->merge_text = malloc(total + 1);
    if (!v->merges || !v->merge_text)
        return error_set(err, TOLK_E_NOMEM, "out of memory for %llu merges",
                         (unsigned long long)m->n);
    for (uint64_t i = 0; i < size; i++)
        v->merges[i].rank = -1;
    v->merge_mask = size - 1;
    uint32_t pos = 0;
    for (uint64_t r = 0; r < m->n; r++) {
        const char *s = m->strs[r].ptr;
        size_t len = m->strs[r].len;
        /* The halves split at the first space after the first byte. */
        if (len < 3 || !memchr(s + 1, ' ', len - 2))
            return error_set(err, TOLK_E_FORMAT, "merge %llu ('%.*s') is not two halves",
                             (unsigned long long)r, (int)(len < 40 ? len : 40), s);
        memcpy(v->merge_text + pos, s, len);
        uint64_t h = tok_hash(s, len);
        for (uint64_t i = h & v->merge_mask;; i = (i + 1) & v->merge_mask) {
            tok_merge *e = &v->merges[i];
            if (e->rank < 0) {
                *e = (tok_merge){h, pos, (uint32_t)len, (int32_t)r};
                break;
            }
            if (e->hash == h && e->len == len && !memcmp(v->merge_text + e->off, s, len))
                break; /* a repeated merge keeps its first (lowest) rank */
        }
        pos += (uint32_t)len;
    }
    return TOLK_OK;
}

/* The bytes each token stands for when printed. */
static int load_pieces(tok_vocab *v, tolk_error *err)
{
    v->piece = malloc((size_t)v->off[v->n - 1] + v->len[v->n - 1] + 1);
    v->piece_off = malloc(sizeof *v->piece_off * (size_t)v->n);
    v->piece_len = malloc(sizeof *v->piece_len * (size_t)v->n);
    if (!v->piece || !v->piece_off || !v->piece_len)
        return error_set(err, TOLK_E_NOMEM, "out of memory for token pieces");
    uint32_t pos = 0;
    v->max_piece = 0;
    for (int32_t i = 0; i < v->n; i++) {
        const char *s = v->text + v->off[i];
        size_t n = v->len[i];
        char *o = v->piece + pos;
        size_t k = 0;
        unsigned t = v->types[i];
        if (t == TOK_TYPE_BYTE && n == 6 && !memcmp(s, "<0x", 3) && s[5] == '>') {
            o[k++] = (char)strtoul((char[]){s[3], s[4], 0}, NULL, 16);
        } else if (t != TOK_TYPE_NORMAL) {
            memcpy(o, s, n); /* control, user-defined, unused: their text as is */
            k = n;
        } else if (v->model == TOK_MODEL_SPM || v->raw_bpe) {
            for (size_t j = 0; j < n; j++) {
                if (j + 2 < n && !memcmp(s + j, "\xE2\x96\x81", 3)) {
                    o[k++] = ' ';
                    j += 2;
                } else {
                    o[k++] = s[j];
                }
            }
        } else {
            for (size_t j = 0; j < n;) {
                size_t cl;
                uint32_t cp = utf8_decode(s + j, n - j, &cl);
                int b = tok_cp_to_byte(cp);
                if (b >= 0) {
                    o[k++] = (char)b;
                } else {
                    memcpy(o + k, s + j, cl); /* not a byte-level character: keep it */
                    k += cl;
                }
                j += cl;
            }
        }
        v->piece_off[i] = pos;
        v->piece_len[i] = (uint32_t)k;
        if (k > v->max_piece)
            v->max_piece = (uint32_t)k;
        pos += (uint32_t)k;
    }
    return TOLK_OK;
}

static int load_kind(tok_vocab *v, const gguf_file *f, tolk_error *err)
{
    gguf_str model;
    if (!gguf_get_str(f, "tokenizer.ggml.model", &model))
        return error_set(err, TOLK_E_FORMAT, "no tokenizer in this file (tokenizer.ggml.model missing)");
    snprintf(v->model_name, sizeof v->model_name, "%.*s", (int)(model.len < 31 ? model.len : 31),
             model.ptr);
    if (gguf_str_eq(model, "llama"))
        v->model = TOK_MODEL_SPM;
    else if (gguf_str_eq(model, "gpt2") || gguf_str_eq(model, "gemma4"))
        v->model = TOK_MODEL_BPE;
    else
        return error_set(err, TOLK_E_UNSUPPORTED,
                         "tokenizer model '%.*s' is not supported (supported: llama, gpt2, gemma4)",
                         (int)(model.len < 64 ? model.len : 64), model.ptr);
    v->pre = TOK_PRE_NONE;
    gguf_str pre = {"", 0};
    bool has_pre = gguf_get_str(f, "tokenizer.ggml.pre", &pre);
    snprintf(v->pre_name, sizeof v->pre_name, "%.*s", (int)(pre.len < 63 ? pre.len : 63), pre.ptr);
    if (v->model == TOK_MODEL_SPM)
        return TOLK_OK; /* SentencePiece vocabularies have no pre-tokenizer */
    if (gguf_str_eq(model, "gemma4")) {
        v->pre = TOK_PRE_GEMMA4; /* whatever tokenizer.ggml.pre says, as in the reference */
        v->raw_bpe = true;
        snprintf(v->pre_name, sizeof v->pre_name, "gemma4");
        return TOLK_OK;
    }
    if (!has_pre) {
        v->pre = TOK_PRE_DEFAULT;
        return TOLK_OK;
    }
    for (size_t i = 0; i < sizeof pre_aliases / sizeof pre_aliases[0]; i++)
        if (gguf_str_eq(pre, pre_aliases[i].name)) {
            v->pre = pre_aliases[i].pre;
            v->raw_bpe = v->pre == TOK_PRE_GEMMA4;
            return TOLK_OK;
        }
    return error_set(err, TOLK_E_UNSUPPORTED,
                     "pre-tokenizer '%.*s' is not supported (supported: default, gpt-2, llama-bpe, "
                     "qwen2, gemma4 and their aliases)", (int)(pre.len < 64 ? pre.len : 64), pre.ptr);
}

int tok_vocab_load(const gguf_file *f, tok_vocab **out, tolk_error *err)
{
    *out = NULL;
    tok_vocab *v = calloc(1, sizeof *v);
    if (!v)
        return error_set(err, TOLK_E_NOMEM, "out of memory for the tokenizer");
    int rc = load_kind(v, f, err);
    const gguf_array *tokens = gguf_get_arr(f, "tokenizer.ggml.tokens");
    if (!rc && (!tokens || tokens->type != GGUF_TYPE_STRING || tokens->n == 0 ||
                tokens->n >= INT32_MAX))
        rc = error_set(err, TOLK_E_FORMAT, "tokenizer.ggml.tokens is missing or not a string array");
    if (!rc) {
        v->n = (int32_t)tokens->n;
        rc = load_texts(v, tokens, err);
    }
    if (!rc)
        rc = load_scores_types(v, f, err);
    if (!rc) {
        load_special_ids(v, f);
        rc = load_specials(v, err);
    }
    if (!rc) {
        load_byte_tokens(v);
        if (v->model == TOK_MODEL_BPE)
            rc = load_merges(v, f, err);
    }
    if (!rc)
        rc = load_pieces(v, err);
    gguf_str tmpl;
    if (!rc && gguf_get_str(f, "tokenizer.chat_template", &tmpl)) {
        v->chat_template = malloc(tmpl.len + 1);
        if (!v->chat_template)
            rc = error_set(err, TOLK_E_NOMEM, "out of memory for the chat template");
        else {
            memcpy(v->chat_template, tmpl.ptr, tmpl.len);
            v->chat_template[tmpl.len] = '\0';
        }
    }
    if (rc) {
        tok_vocab_free(v);
        return rc;
    }
    *out = v;
    return TOLK_OK;
}

void tok_vocab_free(tok_vocab *v)
{
    if (!v)
        return;
    free(v->text);
    free(v->off);
    free(v->len);
    free(v->piece);
    free(v->piece_off);
    free(v->piece_len);
    free(v->scores);
    free(v->types);
    free(v->eog);
    free(v->slots);
    free(v->merges);
    free(v->merge_text);
    free(v->specials);
    free(v->chat_template);
    free(v);
}

int32_t tok_n_tokens(const tok_vocab *v) { return v->n; }
enum tok_model tok_model(const tok_vocab *v) { return v->model; }
enum tok_pre tok_pre(const tok_vocab *v) { return v->pre; }
const char *tok_model_name(const tok_vocab *v) { return v->model_name; }
const char *tok_pre_name(const tok_vocab *v) { return v->pre_name; }

const char *tok_pre_rules(const tok_vocab *v)
{
    switch (v->pre) {
    case TOK_PRE_DEFAULT: return "default";
    case TOK_PRE_GPT2: return "gpt-2";
    case TOK_PRE_LLAMA3: return "llama-bpe";
    case TOK_PRE_QWEN2: return "qwen2";
    case TOK_PRE_GEMMA4: return "gemma4";
    case TOK_PRE_NONE: break;
    }
    return "none";
}
int32_t tok_bos(const tok_vocab *v) { return v->bos; }
int32_t tok_eos(const tok_vocab *v) { return v->eos; }
int32_t tok_eot(const tok_vocab *v) { return v->eot; }
bool tok_wants_bos(const tok_vocab *v) { return v->add_bos; }
bool tok_wants_eos(const tok_vocab *v) { return v->add_eos; }
bool tok_add_space_prefix(const tok_vocab *v) { return v->add_space_prefix; }
const char *tok_chat_template(const tok_vocab *v) { return v->chat_template; }

enum tok_type tok_token_type(const tok_vocab *v, int32_t id)
{
    return id >= 0 && id < v->n ? (enum tok_type)v->types[id] : TOK_TYPE_UNDEFINED;
}

float tok_score(const tok_vocab *v, int32_t id)
{
    return id >= 0 && id < v->n ? v->scores[id] : 0.0f;
}

bool tok_is_eog(const tok_vocab *v, int32_t id)
{
    return id >= 0 && id < v->n && v->eog[id];
}

const char *tok_text(const tok_vocab *v, int32_t id, size_t *len)
{
    if (id < 0 || id >= v->n) {
        *len = 0;
        return NULL;
    }
    *len = v->len[id];
    return v->text + v->off[id];
}
