/* Private layout of tok_vocab, shared by tokenizer.c (loading, lookups, decoding) and
 * tok_encode.c (special-token splitting, SPM and BPE merging). Nothing outside the tokenizer
 * includes this. */
#ifndef TOLK_TOK_INTERNAL_H
#define TOLK_TOK_INTERNAL_H

#include "tokenizer.h"

/* One BPE merge "LEFT RIGHT", found by the hash of that text (kept in merge_text). */
typedef struct tok_merge {
    uint64_t hash;
    uint32_t off, len; /* the merge text in merge_text */
    int32_t rank;      /* index in tokenizer.ggml.merges (lower merges first); -1: empty slot */
} tok_merge;

struct tok_vocab {
    enum tok_model model;
    enum tok_pre pre;
    char model_name[32];
    char pre_name[64];
    int32_t n;

    /* Token texts, copied into one arena: token i is text[off[i] .. off[i] + len[i]). */
    char *text;
    uint32_t *off;
    uint32_t *len;
    /* Decoded bytes of each token (what tok_piece returns), same scheme. */
    char *piece;
    uint32_t *piece_off;
    uint32_t *piece_len;
    uint32_t max_piece;
    float *scores;
    uint8_t *types;
    uint8_t *eog; /* 1 for end-of-generation tokens */

    /* Text → id: open addressing over a power-of-two table. A slot holds the high 32 bits of the
     * text's hash above id + 1 (0 = empty), so probing rarely touches the token texts. */
    uint64_t *slots;
    uint32_t slot_mask;

    /* BPE merges: open addressing, power-of-two size. Keyed by text rather than by token ids so
     * that loading costs one hash per merge and no vocabulary lookups. */
    tok_merge *merges;
    char *merge_text;
    uint64_t merge_mask;
    bool ignore_merges;
    /* BPE over raw UTF-8 characters (gemma4): spaces become U+2581 before merging, byte fallback
     * uses the <0xXX> tokens, and decoding turns U+2581 back into spaces (no GPT-2 byte map). */
    bool raw_bpe;

    /* Tokens matched in raw text (control, user-defined, unknown), longest text first. */
    int32_t *specials;
    int32_t n_specials;

    /* Per byte value: SPM the <0xXX> token (or the one-byte token), raw BPE the <0xXX> token,
     * byte-level BPE the token of the byte's mapped character; -1 when the vocabulary lacks it. */
    int32_t byte_token[256];

    int32_t bos, eos, eot, eom, unk, pad;
    bool add_bos, add_eos, add_space_prefix;
    char *chat_template;
};

#define TOK_HASH_SEED 0xcbf29ce484222325ull

/* FNV-1a over s[0..len), continuing from H (start with TOK_HASH_SEED). */
uint64_t tok_hash_more(uint64_t h, const char *s, size_t len);
uint64_t tok_hash(const char *s, size_t len);
int32_t tok_find_hashed(const tok_vocab *v, const char *s, size_t len, uint64_t h);
/* Rank of the merge of texts L and R, or -1 when there is none. */
int32_t tok_merge_rank(const tok_vocab *v, const char *l, size_t ll, const char *r, size_t rl);

/* GPT-2 byte-level mapping: the code point standing for byte B, and the byte a code point stands
 * for (-1 when it is not one of the 256). */
uint32_t tok_byte_to_cp(unsigned b);
int tok_cp_to_byte(uint32_t cp);

#endif
