/* Token ids → bytes: whole sequences (tok_decode) and a streaming detokenizer that only hands out
 * text ending on a UTF-8 character boundary, because byte-fallback and byte-level tokens split
 * multi-byte characters across tokens and a terminal must never see half a character. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "tok_internal.h"
#include "unicode.h"

const char *tok_piece(const tok_vocab *v, int32_t id, unsigned flags, size_t *len)
{
    *len = 0;
    if (id < 0 || id >= v->n)
        return "";
    unsigned t = v->types[id];
    bool plain = t == TOK_TYPE_NORMAL || t == TOK_TYPE_BYTE || t == TOK_TYPE_USER_DEFINED;
    if (!plain && !(flags & TOK_DECODE_SPECIAL))
        return "";
    *len = v->piece_len[id];
    return v->piece + v->piece_off[id];
}

int tok_decode(const tok_vocab *v, const int32_t *ids, size_t n, unsigned flags, char **out,
               size_t *len, tolk_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t pl;
        tok_piece(v, ids[i], flags, &pl);
        total += pl;
    }
    char *buf = malloc(total + 1);
    if (!buf)
        return error_set(err, TOLK_E_NOMEM, "out of memory decoding %zu tokens", n);
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        size_t pl;
        const char *p = tok_piece(v, ids[i], flags, &pl);
        if (pos == 0 && pl && p[0] == ' ' && (flags & TOK_DECODE_STRIP_PREFIX) &&
            v->add_space_prefix) {
            p++;
            pl--;
        }
        memcpy(buf + pos, p, pl);
        pos += pl;
    }
    buf[pos] = '\0';
    *out = buf;
    *len = pos;
    return TOLK_OK;
}

int tok_stream_init(tok_stream *s, const tok_vocab *v, unsigned flags, tolk_error *err)
{
    memset(s, 0, sizeof *s);
    s->v = v;
    s->flags = flags;
    s->cap = v->max_piece + 8;
    s->buf = malloc(s->cap);
    if (!s->buf)
        return error_set(err, TOLK_E_NOMEM, "out of memory for the detokenizer");
    return TOLK_OK;
}

void tok_stream_feed(tok_stream *s, int32_t id, const char **text, size_t *len)
{
    size_t pl;
    const char *p = tok_piece(s->v, id, s->flags, &pl);
    if (!s->started && pl) {
        s->started = true;
        if (p[0] == ' ' && (s->flags & TOK_DECODE_STRIP_PREFIX) && s->v->add_space_prefix) {
            p++;
            pl--;
        }
    }
    /* buf holds the held-back bytes (at most 3) plus the longest piece, so this always fits. */
    memcpy(s->buf, s->pending, s->held);
    memcpy(s->buf + s->held, p, pl);
    size_t n = s->held + pl;
    size_t ready = utf8_complete_prefix(s->buf, n);
    s->held = n - ready;
    memcpy(s->pending, s->buf + ready, s->held);
    *text = s->buf;
    *len = ready;
}

void tok_stream_flush(tok_stream *s, const char **text, size_t *len)
{
    memcpy(s->buf, s->pending, s->held);
    *text = s->buf;
    *len = s->held;
    s->held = 0;
}

void tok_stream_free(tok_stream *s)
{
    free(s->buf);
    s->buf = NULL;
}
