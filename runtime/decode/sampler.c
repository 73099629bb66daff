/* Token sampling (see sampler.h). Candidates are filtered in place; top-k uses a bounded min-heap
 * so the common top-k 40 over a 262k vocabulary costs one pass, and only top-p without top-k pays
 * for a full sort. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sampler.h"

typedef struct cand {
    int32_t id;
    float logit;
} cand;

struct sampler {
    sampler_params p;
    int64_t n_vocab;
    cand *c;          /* [n_vocab] working candidates */
    cand *pen;        /* [repeat_last_n] greedy: the penalised recent tokens, ascending by id */
    sampler_prob *pr; /* [n_vocab] sampler_probs output */
    int32_t *hist;    /* ring of the last repeat_last_n accepted tokens */
    int64_t n_hist;   /* tokens accepted so far (ring index = n_hist % repeat_last_n) */
    uint64_t rng[4];  /* xoshiro256** state */
};

void sampler_default_params(sampler_params *p)
{
    *p = (sampler_params){.temp = 0.8f, .top_k = 40, .top_p = 0.95f, .min_p = 0.05f,
                          .repeat_penalty = 1.0f, .repeat_last_n = 64, .seed = 0};
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(uint64_t *s)
{
    const uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

static double next_uniform(uint64_t *s)
{
    return (double)(next_u64(s) >> 11) * 0x1.0p-53;
}

void sampler_reset(sampler *s, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        s->rng[i] = splitmix64(&x);
    s->n_hist = 0;
}

int sampler_create(const sampler_params *p, int64_t n_vocab, sampler **out, tolk_error *err)
{
    *out = NULL;
    if (n_vocab <= 0)
        return error_set(err, TOLK_E_ARG, "sampler: empty vocabulary");
    if (!(p->temp == p->temp) || !(p->top_p == p->top_p) || !(p->min_p == p->min_p) ||
        !(p->repeat_penalty > 0.0f))
        return error_set(err, TOLK_E_ARG, "sampler: temperature, top-p and min-p must be numbers and "
                         "the repetition penalty positive");
    sampler *s = calloc(1, sizeof *s);
    if (!s)
        return error_set(err, TOLK_E_NOMEM, "out of memory creating a sampler");
    s->p = *p;
    if (s->p.repeat_last_n < 0)
        s->p.repeat_last_n = 0;
    s->n_vocab = n_vocab;
    s->c = malloc(sizeof *s->c * (size_t)n_vocab);
    s->pr = malloc(sizeof *s->pr * (size_t)n_vocab);
    s->hist = malloc(sizeof *s->hist * (size_t)(s->p.repeat_last_n > 0 ? s->p.repeat_last_n : 1));
    s->pen = malloc(sizeof *s->pen * (size_t)(s->p.repeat_last_n > 0 ? s->p.repeat_last_n : 1));
    if (!s->c || !s->pr || !s->hist || !s->pen) {
        sampler_free(s);
        return error_set(err, TOLK_E_NOMEM, "out of memory creating a sampler");
    }
    sampler_reset(s, p->seed);
    *out = s;
    return TOLK_OK;
}

void sampler_free(sampler *s)
{
    if (!s)
        return;
    free(s->c);
    free(s->pr);
    free(s->hist);
    free(s->pen);
    free(s);
}

void sampler_accept(sampler *s, int32_t tok)
{
    if (s->p.repeat_last_n > 0)
        s->hist[s->n_hist % s->p.repeat_last_n] = tok;
    s->n_hist++;
}

/* Penalises each distinct recent token once, whatever its count (llama.cpp's repeat penalty). */
static void apply_penalty(sampler *s)
{
    const float pen = s->p.repeat_penalty;
    if (pen == 1.0f || s->p.repeat_last_n == 0)
        return;
    const int64_t n = s->n_hist < s->p.repeat_last_n ? s->n_hist : s->p.repeat_last_n;
    for (int64_t i = 0; i < n; i++) {
        const int32_t t = s->hist[i];
        if (t < 0 || t >= s->n_vocab)
            continue;
        bool seen = false;
        for (int64_t j = 0; j < i && !seen; j++)
            seen = s->hist[j] == t;
        if (seen)
            continue;
        float *l = &s->c[t].logit;
        *l = *l > 0.0f ? *l / pen : *l * pen;
    }
}

/* The first index in [i, end) whose logit is above V (end: none). Blocks of 16 are tested with one
 * vectorised compare each and skipped whole when none is above, so a scan over the vocabulary
 * whose bar rarely rises (the argmax, the top-k heap's least) costs a fraction of a compare per
 * logit. Finds exactly what the one-by-one loop finds (NaN is above nothing in both). */
static int64_t next_above(const float *logits, int64_t i, int64_t end, float v)
{
    for (; i + 16 <= end; i += 16) {
        int any = 0;
#pragma omp simd reduction(| : any)
        for (int k = 0; k < 16; k++)
            any |= logits[i + k] > v;
        if (any)
            break;
    }
    for (; i < end; i++)
        if (logits[i] > v)
            return i;
    return end;
}

/* Greedy without copying the vocabulary: the distinct recent tokens with their penalised logits
 * (apply_penalty's values) into s->pen, ascending by id; returns how many. */
static int64_t penalised(sampler *s, const float *logits)
{
    const float pen = s->p.repeat_penalty;
    if (pen == 1.0f || s->p.repeat_last_n == 0)
        return 0;
    const int64_t n = s->n_hist < s->p.repeat_last_n ? s->n_hist : s->p.repeat_last_n;
    int64_t np = 0;
    for (int64_t i = 0; i < n; i++) {
        const int32_t t = s->hist[i];
        if (t < 0 || t >= s->n_vocab)
            continue;
        int64_t j = np;
        while (j > 0 && s->pen[j - 1].id > t)
            j--;
        if (j > 0 && s->pen[j - 1].id == t)
            continue;
        memmove(&s->pen[j + 1], &s->pen[j], sizeof *s->pen * (size_t)(np - j));
        const float l = logits[t];
        s->pen[j] = (cand){t, l > 0.0f ? l / pen : l * pen};
        np++;
    }
    return np;
}

/* The argmax (lowest id on ties) over the penalised logits: the same comparisons, in the same
 * order, as filling the candidates and scanning them, without writing n_vocab candidates (a
 * verification pass picks a token at every drafted position). */
static cand greedy_pick(sampler *s, const float *logits)
{
    const int64_t np = penalised(s, logits), n = s->n_vocab;
    const cand *pen = s->pen;
    int64_t j = 0;
    cand best = {0, logits[0]};
    if (np && pen[0].id == 0)
        best = pen[j++];
    for (int64_t i = 1;;) {
        const int64_t end = j < np ? pen[j].id : n;
        while ((i = next_above(logits, i, end, best.logit)) < end) {
            best = (cand){(int32_t)i, logits[i]};
            i++;
        }
        if (j == np)
            return best;
        if (pen[j].logit > best.logit)
            best = pen[j];
        i = pen[j++].id + 1;
    }
}

static int cmp_desc(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->logit != y->logit)
        return x->logit < y->logit ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* "a ranks below b" for the heap: smaller logit, or same logit and larger id. */
static bool below(const cand *a, const cand *b)
{
    return a->logit < b->logit || (a->logit == b->logit && a->id > b->id);
}

static void sift_down(cand *h, int64_t n, int64_t i)
{
    for (;;) {
        int64_t l = 2 * i + 1, m = i;
        if (l < n && below(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && below(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        cand t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* top_k over the penalised logits without copying the vocabulary: the first k candidates as
 * top_k's heap, then the rest scanned in id order, the penalised ones (s->pen) taking their
 * values at their ids. Every candidate scanned has a larger id than the heap's, so "the heap's
 * least ranks below it" is just "its logit is larger": the same heap, step by step, as top_k over
 * the filled array, at one compare per logit (the vocabulary is 262144 wide on Gemma 3). */
static void top_k_scan(sampler *s, const float *logits, int64_t k)
{
    cand *c = s->c;
    const int64_t np = penalised(s, logits), n = s->n_vocab;
    const cand *pen = s->pen;
    int64_t j = 0;
    for (int64_t i = 0; i < k; i++) {
        c[i] = (cand){(int32_t)i, logits[i]};
        if (j < np && pen[j].id == i)
            c[i] = pen[j++];
    }
    for (int64_t i = k / 2; i-- > 0;)
        sift_down(c, k, i);
    for (int64_t i = k;;) {
        const int64_t end = j < np ? pen[j].id : n;
        float least = c[0].logit;
        while ((i = next_above(logits, i, end, least)) < end) {
            c[0] = (cand){(int32_t)i, logits[i]};
            sift_down(c, k, 0);
            least = c[0].logit;
            i++;
        }
        if (j == np)
            break;
        if (pen[j].logit > c[0].logit) {
            c[0] = pen[j];
            sift_down(c, k, 0);
        }
        i = pen[j++].id + 1;
    }
    qsort(c, (size_t)k, sizeof *c, cmp_desc);
}

/* Penalty, then (when not greedy) top-k, top-p and min-p: leaves the surviving candidates in
 * c[0..n) and returns n; *max_logit gets the best logit among them. Greedy returns 1 with the
 * argmax (lowest id on ties) in c[0]. */
static int64_t filter(sampler *s, const float *logits, float *max_logit)
{
    cand *c = s->c;
    int64_t n = s->n_vocab;
    if (s->p.temp <= 0.0f) {
        c[0] = greedy_pick(s, logits);
        *max_logit = c[0].logit;
        return 1;
    }
    bool sorted = false;
    if (s->p.top_k > 0 && s->p.top_k < n) {
        top_k_scan(s, logits, s->p.top_k);
        n = s->p.top_k;
        sorted = true;
    } else {
        for (int64_t i = 0; i < n; i++)
            c[i] = (cand){(int32_t)i, logits[i]};
        apply_penalty(s);
    }
    if (s->p.top_p < 1.0f) {
        if (!sorted)
            qsort(c, (size_t)n, sizeof *c, cmp_desc);
        sorted = true;
        double sum = 0.0;
        for (int64_t i = 0; i < n; i++)
            sum += exp((double)(c[i].logit - c[0].logit));
        double cum = 0.0;
        for (int64_t i = 0; i < n; i++) {
            cum += exp((double)(c[i].logit - c[0].logit)) / sum;
            if (cum >= s->p.top_p) {
                n = i + 1;
                break;
            }
        }
    }
    float max = -INFINITY;
    for (int64_t i = 0; i < n; i++)
        max = fmaxf(max, c[i].logit);
    if (s->p.min_p > 0.0f) {
        const float floor_logit = max + logf(s->p.min_p);
        int64_t kept = 0;
        for (int64_t i = 0; i < n; i++)
            if (c[i].logit >= floor_logit)
                c[kept++] = c[i];
        n = kept; /* the maximum always survives, so n >= 1 */
    }
    *max_logit = max;
    return n;
}

int32_t sampler_sample(sampler *s, const float *logits)
{
    float max;
    const int64_t n = filter(s, logits, &max);
    const cand *c = s->c;
    if (s->p.temp <= 0.0f)
        return c[0].id;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        sum += exp((double)((c[i].logit - max) / s->p.temp));
    double r = next_uniform(s->rng) * sum, acc = 0.0;
    for (int64_t i = 0; i < n; i++) {
        acc += exp((double)((c[i].logit - max) / s->p.temp));
        if (r < acc)
            return c[i].id;
    }
    return c[n - 1].id;
}

int64_t sampler_probs(sampler *s, const float *logits, const sampler_prob **out)
{
    float max;
    const int64_t n = filter(s, logits, &max);
    const cand *c = s->c;
    *out = s->pr;
    if (s->p.temp <= 0.0f) {
        s->pr[0] = (sampler_prob){c[0].id, 1.0f};
        return 1;
    }
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        sum += exp((double)((c[i].logit - max) / s->p.temp));
    for (int64_t i = 0; i < n; i++)
        s->pr[i] = (sampler_prob){c[i].id, (float)(exp((double)((c[i].logit - max) / s->p.temp)) / sum)};
    return n;
}

double sampler_uniform(sampler *s)
{
    return next_uniform(s->rng);
}

int32_t sampler_draw(sampler *s, const sampler_prob *p, int64_t n)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        sum += p[i].p;
    double r = next_uniform(s->rng) * sum, acc = 0.0;
    for (int64_t i = 0; i < n; i++) {
        acc += p[i].p;
        if (r < acc)
            return p[i].id;
    }
    return p[n - 1].id;
}

void sampler_set_history(sampler *s, const int32_t *toks, int64_t n)
{
    s->n_hist = 0;
    const int64_t from = n > s->p.repeat_last_n ? n - s->p.repeat_last_n : 0;
    for (int64_t i = from; i < n; i++)
        sampler_accept(s, toks[i]);
}

int sampler_is_greedy(const sampler *s)
{
    return s->p.temp <= 0.0f;
}
