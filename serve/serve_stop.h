/* OpenAI `stop` sequences: generated text passes through a filter that holds back what could be
 * the start of a stop sequence, passes on what cannot, and reports the moment one is complete
 * (the text before it is passed on; the sequence and whatever follows are dropped). Works on bytes;
 * stop sequences are valid UTF-8 (they come from the JSON parser), so a held-back suffix always
 * starts on a character boundary. */
#ifndef TOLK_SERVE_STOP_H
#define TOLK_SERVE_STOP_H

#include <stddef.h>

#include "serve_buf.h"
#include "tolk.h"

#define SV_STOP_MAX 4 /* OpenAI's limit */

typedef struct sv_stop {
    const char *word[SV_STOP_MAX]; /* not owned */
    size_t len[SV_STOP_MAX];       /* each > 0 */
    int n;
    sb_buf held;                   /* text not passed on yet */
    int hit;                       /* a stop sequence was completed */
} sv_stop;

/* Feeds TEXT; passes on to EMIT(USER) what can no longer be part of a stop sequence. Returns 1 when
 * a stop sequence is complete (or EMIT asked to stop, or memory ran out: held.oom), else 0. */
int sv_stop_feed(sv_stop *s, const char *text, size_t len, tolk_emit_fn emit, void *user);

/* End of the generation: passes on what is still held back (unless a sequence was hit). */
void sv_stop_flush(sv_stop *s, tolk_emit_fn emit, void *user);

void sv_stop_free(sv_stop *s);

#endif
