/* The public tokenizer calls (tolk.h): text to token ids and back, single pieces and the
 * vocabulary's special tokens, over the tokenizer of a model loaded whole or for its vocabulary. */
#include <stdlib.h>

#include "error.h"
#include "model.h"
#include "tokenizer.h"
#include "tolk.h"

/* The model's tokenizer, or an error saying why there is none. */
static int vocab_of(const tolk_model *m, const char *fn, const tok_vocab **v, tolk_error *err)
{
    if (!m)
        return error_set(err, TOLK_E_ARG, "%s: no model", fn);
    if (!m->vocab)
        return error_set(err, TOLK_E_STATE, "%s: %s was loaded for its metadata only; load it with "
                         "tolk_model_load or tolk_model_load_vocab to use its tokenizer", fn, gguf_path(m->file));
    *v = m->vocab;
    return TOLK_OK;
}

static int check_id(const tok_vocab *v, int32_t id, tolk_error *err)
{
    if (id < 0 || id >= tok_n_tokens(v))
        return error_set(err, TOLK_E_ARG, "token id %ld is outside the vocabulary (0..%ld)", (long)id,
                         (long)tok_n_tokens(v) - 1);
    return TOLK_OK;
}

int tolk_tokenize(const tolk_model *m, const char *text, size_t len, unsigned flags, int32_t **ids,
                  size_t *n_ids, tolk_error *err)
{
    const tok_vocab *v;
    if (!ids || !n_ids)
        return error_set(err, TOLK_E_ARG, "tolk_tokenize: no place for the token ids");
    *ids = NULL;
    *n_ids = 0;
    int rc = vocab_of(m, "tolk_tokenize", &v, err);
    if (rc)
        return rc;
    if (!text && len)
        return error_set(err, TOLK_E_ARG, "tolk_tokenize: no text (NULL with length %zu)", len);
    if (flags & ~(unsigned)(TOLK_TOKENIZE_ADD_BOS | TOLK_TOKENIZE_ADD_EOS | TOLK_TOKENIZE_SPECIAL))
        return error_set(err, TOLK_E_ARG, "tolk_tokenize: unknown flags 0x%x", flags);
    const unsigned tf = (flags & TOLK_TOKENIZE_ADD_BOS ? TOK_ADD_BOS : 0) |
                        (flags & TOLK_TOKENIZE_ADD_EOS ? TOK_ADD_EOS : 0) |
                        (flags & TOLK_TOKENIZE_SPECIAL ? TOK_PARSE_SPECIAL : 0);
    tok_ids out = {0};
    if ((rc = tok_encode(v, text ? text : "", len, tf, &out, err))) {
        tok_ids_free(&out);
        return rc;
    }
    if (!out.n)
        tok_ids_free(&out); /* the documented NULL for no tokens */
    *ids = out.ids;
    *n_ids = out.n;
    return TOLK_OK;
}

int tolk_token_to_piece(const tolk_model *m, int32_t id, unsigned flags, const char **piece, size_t *len,
                        tolk_error *err)
{
    const tok_vocab *v;
    if (!piece || !len)
        return error_set(err, TOLK_E_ARG, "tolk_token_to_piece: no place for the piece");
    *piece = "";
    *len = 0;
    int rc = vocab_of(m, "tolk_token_to_piece", &v, err);
    if (!rc)
        rc = check_id(v, id, err);
    if (rc)
        return rc;
    const char *p = tok_piece(v, id, flags & TOLK_PIECE_SPECIAL ? TOK_DECODE_SPECIAL : 0, len);
    *piece = p && *len ? p : "";
    return TOLK_OK;
}

int tolk_detokenize(const tolk_model *m, const int32_t *ids, size_t n, unsigned flags, char **text, size_t *len,
                    tolk_error *err)
{
    const tok_vocab *v;
    if (!text || !len)
        return error_set(err, TOLK_E_ARG, "tolk_detokenize: no place for the text");
    *text = NULL;
    *len = 0;
    int rc = vocab_of(m, "tolk_detokenize", &v, err);
    if (rc)
        return rc;
    if (!ids && n)
        return error_set(err, TOLK_E_ARG, "tolk_detokenize: no token ids (NULL with count %zu)", n);
    for (size_t i = 0; i < n; i++)
        if ((rc = check_id(v, ids[i], err)))
            return rc;
    return tok_decode(v, ids, n, flags & TOLK_PIECE_SPECIAL ? TOK_DECODE_SPECIAL : 0, text, len, err);
}

int32_t tolk_vocab_n_tokens(const tolk_model *m)
{
    return m && m->vocab ? tok_n_tokens(m->vocab) : 0;
}

int32_t tolk_token_bos(const tolk_model *m)
{
    return m && m->vocab ? tok_bos(m->vocab) : -1;
}

int32_t tolk_token_eos(const tolk_model *m)
{
    return m && m->vocab ? tok_eos(m->vocab) : -1;
}

int tolk_vocab_wants_bos(const tolk_model *m)
{
    return m && m->vocab && tok_wants_bos(m->vocab);
}

const char *tolk_vocab_pre_tokenizer(const tolk_model *m)
{
    return m && m->vocab ? tok_pre_rules(m->vocab) : NULL;
}

int tolk_token_is_eog(const tolk_model *m, int32_t id)
{
    return m && m->vocab && id >= 0 && id < tok_n_tokens(m->vocab) && tok_is_eog(m->vocab, id);
}
