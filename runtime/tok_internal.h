/* Private layout of tok_vocab, shared by tokenizer.c (loading, lookups, decoding) and
 * tok_encode.c (special-token splitting, SPM and BPE merging). Nothing outside the tokenizer
 * includes this. */
#ifndef TOLK_TOK_INTERNAL_H
#define TOLK_TOK_INTERNAL_H

#include "tokenizer.h"

/* One BPE merge, found by the ids of its two halves. */
typedef struct tok_merge {
    uint64_t key;   /* (left id << 32 | right id) + 1; 0 marks an empty slot */
    int32_t rank;   /* index in tokenizer.ggml.merges: lower merges first */
    int32_t result; /* id of the concatenation */
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

    /* Text → id: open addressing over a power-of-two table of id + 1 (0 = empty). */
    uint32_t *slots;
    uint32_t slot_mask;

    /* BPE merges: open addressing, power-of-two size. */
    tok_merge *merges;
    uint64_t merge_mask;
    bool ignore_merges;

    /* Tokens matched in raw text (control, user-defined, unknown), longest text first. */
    int32_t *specials;
    int32_t n_specials;

    /* Per byte value: SPM the <0xXX> token (or the one-byte token), BPE the token of the byte's
     * mapped character; -1 when the vocabulary lacks it. */
    int32_t byte_token[256];

    int32_t bos, eos, eot, eom, unk, pad;
    bool add_bos, add_eos, add_space_prefix;
    char *chat_template;
};

uint64_t tok_hash(const char *s, size_t len);
int32_t tok_find_hashed(const tok_vocab *v, const char *s, size_t len, uint64_t h);
/* Rank and result of merging ids A and B; false when no merge exists. */
bool tok_merge_find(const tok_vocab *v, int32_t a, int32_t b, int32_t *rank, int32_t *result);

/* GPT-2 byte-level mapping: the code point standing for byte B, and the byte a code point stands
 * for (-1 when it is not one of the 256). */
uint32_t tok_byte_to_cp(unsigned b);
int tok_cp_to_byte(uint32_t cp);

#endif
