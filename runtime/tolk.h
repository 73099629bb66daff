/* libtolk public API: the only header the CLI, the TUI and outside programs include.
 * Models are opened from GGUF files; every call that can fail returns a TOLK_E_* code and fills a
 * tolk_error with one line of text. Nothing here exposes internal structs. */
#ifndef TOLK_H
#define TOLK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TOLK_OK = 0,
    TOLK_E_IO = 1,       /* file missing, unreadable, mmap failed */
    TOLK_E_FORMAT = 2,   /* malformed or hostile file contents */
    TOLK_E_UNSUPPORTED = 3, /* valid but not handled (architecture, type, tokenizer) */
    TOLK_E_NOMEM = 4,    /* allocation failed or the request would not fit */
    TOLK_E_ARG = 5,      /* bad argument from the caller or the user */
    TOLK_E_STATE = 6     /* call not allowed now (context full, cancelled, ...) */
};

typedef struct tolk_error {
    int code;
    char msg[1024];
} tolk_error;

/* Library version string, e.g. "0.1.0". */
const char *tolk_version(void);

/* Space-separated list of features compiled in and detected at run time
 * ("openmp hwloc liburing ncursesw cuda"), for --version and bug reports. */
const char *tolk_features(void);

/* ---- Process settings --------------------------------------------------------------------------
 * The library reads no environment variable. A program that honours TOLK_ISA and TOLK_PREFETCH
 * (the tolk CLI does) reads them once and passes them here before loading models. */

/* Chooses the SIMD kernel path for the whole process (every session shares it): "scalar", "avx2",
 * "avx512" or "neon"; NULL or "" restores the default, the best path this CPU runs. Fails, keeping
 * the current path, when the name is unknown or this build or CPU lacks the path. Call it while
 * no session is computing. */
int tolk_set_isa(const char *name, tolk_error *err);

/* The kernel path in use ("avx512", ...). */
const char *tolk_isa(void);

/* Whether later tolk_model_load calls warm the weights in the background (1, the default) or
 * leave them to be read on first use (0). */
void tolk_set_prefetch(int on);

/* ---- Models and sessions ----------------------------------------------------------------------
 * A model is an opened GGUF file (weights stay in the read-only mapping) with its tokenizer. A
 * session owns everything one conversation needs: KV cache, scratch buffers (allocated once),
 * sampler and statistics. One model may serve several sessions; one session is used by one thread
 * at a time, except tolk_session_cancel, which any thread (or a signal handler) may call. */
typedef struct tolk_model tolk_model;
typedef struct tolk_session tolk_session;

int tolk_model_load(const char *path, tolk_model **out, tolk_error *err);
/* Only the tokenizer (and metadata) of PATH: enough for prompts and token ids, not for running.
 * Vocab-only GGUF files load this way. */
int tolk_model_load_vocab(const char *path, tolk_model **out, tolk_error *err);
void tolk_model_free(tolk_model *m);
const char *tolk_model_arch(const tolk_model *m);   /* "gemma3", "llama", ... */
const char *tolk_model_desc(const tolk_model *m);   /* general.name, or the file name */
int64_t tolk_model_n_params(const tolk_model *m);
uint64_t tolk_model_size(const tolk_model *m);      /* bytes of tensor data */

typedef struct tolk_params {
    int n_threads;         /* 0: one per physical core (hwloc); this session's only */
    const char *cpu_mask;  /* hex mask of usable CPUs, or NULL; this session's only */
    int numa;              /* 0 none, 1 distribute, 2 isolate */
    int n_ctx;             /* KV positions; 0: min(training context, 4096) */
    int kv_q8;             /* 1: Q8_0 KV cache instead of F16 */
    float temp;            /* 0: greedy */
    int top_k;             /* 0: off */
    float top_p;           /* 1: off */
    float min_p;           /* 0: off */
    float repeat_penalty;  /* 1: off */
    int repeat_last_n;
    uint64_t seed;
} tolk_params;

/* llama.cpp-like defaults: temp 0.8, top-k 40, top-p 0.95, min-p 0.05, seed from the clock. */
void tolk_params_default(tolk_params *p);

int tolk_session_new(tolk_model *m, const tolk_params *p, tolk_session **out, tolk_error *err);
void tolk_session_free(tolk_session *s);
/* Stops the generation in progress at the next token (thread- and signal-safe). */
void tolk_session_cancel(tolk_session *s);

typedef struct tolk_stats {
    int n_prompt;        /* prompt tokens evaluated */
    int n_gen;           /* tokens generated (end marker excluded) */
    double prompt_ms;    /* prefill time */
    double gen_ms;       /* time from the first generated token to the last */
    double ttft_ms;      /* request start to first generated token */
    double prompt_tok_s, gen_tok_s;
    int n_drafted, n_accepted; /* speculative decoding, 0 when off */
    int n_spec_steps;    /* verification passes (mean accepted length = n_accepted / n_spec_steps) */
    int cancelled;
} tolk_stats;

/* ---- Speculative decoding ----------------------------------------------------------------------
 * Drafting proposes up to draft_max tokens; the target checks them all in one batched pass and
 * keeps the longest agreeing prefix plus one token of its own. Greedy output is identical to plain
 * decoding; with temperature > 0 the accept/reject rule keeps the target's distribution. */
enum {
    TOLK_SPEC_NONE = 0,  /* plain decoding */
    TOLK_SPEC_DRAFT = 1, /* a small draft model with the same vocabulary (draft_path) */
    TOLK_SPEC_NGRAM = 2, /* prompt lookup: continuations found in the prompt and the output so far */
    TOLK_SPEC_SELF = 3   /* the target with some layers skipped drafts for itself */
};

typedef struct tolk_spec_params {
    int mode;               /* TOLK_SPEC_* */
    const char *draft_path; /* TOLK_SPEC_DRAFT: GGUF file of the draft model */
    int draft_max;          /* most tokens drafted per step (k); 0: default */
    int draft_min;          /* fewest drafted tokens worth a verification pass; 0: default */
    float draft_p_min;      /* stop drafting when the draft's probability falls below this */
    int draft_threads;      /* threads for the draft model; 0: the session's */
    const char *self_skip;  /* TOLK_SPEC_SELF: layers to skip ("4,6,9-11"); NULL: calibrate */
} tolk_spec_params;

/* Defaults for every field (mode TOLK_SPEC_NONE). */
void tolk_spec_params_default(tolk_spec_params *sp);

/* Turns speculation on (or off, mode TOLK_SPEC_NONE) for the session's later requests. Loads and
 * checks the draft model (same vocabulary, token by token; a mismatch names the first differing
 * token). On error the session keeps decoding as before. */
int tolk_session_set_spec(tolk_session *s, const tolk_spec_params *sp, tolk_error *err);

/* Receives generated text as it becomes printable UTF-8; return non-zero to stop. */
typedef int (*tolk_emit_fn)(const char *text, size_t len, void *user);

/* Raw completion of PROMPT (special-token texts in it are honoured, BOS as the model asks),
 * at most n_predict tokens (< 0: until the context is full). The session starts fresh. */
int tolk_complete(tolk_session *s, const char *prompt, size_t len, int n_predict, tolk_emit_fn emit,
                  void *user, tolk_stats *st, tolk_error *err);

/* ---- Translation -------------------------------------------------------------------------------
 * Languages are ISO 639-1 codes ("de", "pt-BR") or English names ("German"). FROM may be NULL
 * (source language unspecified). The prompt is the model family's chat format (Gemma 3, Qwen 2.5,
 * Qwen 3 with thinking off, Llama 3: chosen from the GGUF chat template / architecture) unless a
 * template file was set; the user's text can never become control tokens. */

/* Uses the template in PATH (see runtime/translate/chat.h for its placeholders) instead of the built-in one;
 * NULL restores the built-in choice. */
int tolk_session_set_template(tolk_session *s, const char *path, tolk_error *err);

/* Translates TEXT, streaming only the translation (no preamble, no stop markers) to EMIT. */
int tolk_translate(tolk_session *s, const char *from, const char *to, const char *text, size_t len,
                   int n_predict, tolk_emit_fn emit, void *user, tolk_stats *st, tolk_error *err);

/* The exact prompt tolk_translate would feed the model: its text (malloc'd, NUL-terminated) and,
 * when ids is non-NULL, its token ids (malloc'd). template_path NULL = built-in template. M may
 * come from tolk_model_load_vocab, so vocab-only files work. */
int tolk_translate_prompt(tolk_model *m, const char *template_path, const char *from, const char *to,
                          const char *text, size_t len, char **prompt, int32_t **ids, size_t *n_ids,
                          tolk_error *err);

/* ---- Benchmarking ------------------------------------------------------------------------------ */

typedef struct tolk_bench_result {
    int n_prompt, n_gen, reps, n_threads;
    double pp_tok_s, pp_tok_s_sd;   /* prompt processing, mean and standard deviation */
    double tg_tok_s, tg_tok_s_sd;   /* generation, one token per forward pass */
    double ttft_ms, ttft_ms_sd;     /* prompt of n_prompt tokens to the first sampled token */
    double peak_rss_mib;
    double bytes_per_token;         /* weights + KV cache read per generated token (mean) */
    double gb_s;                    /* bytes_per_token x tg_tok_s */
    double read_bw_gb_s;            /* measured machine read bandwidth with the same threads */
} tolk_bench_result;

/* Runs pp (n_prompt random tokens in one batch) and tg (n_gen tokens one at a time) reps times. */
int tolk_bench(tolk_model *m, const tolk_params *p, int n_prompt, int n_gen, int reps, tolk_bench_result *r,
               tolk_error *err);

typedef struct tolk_bench_spec_result {
    int n_prompt, n_gen, reps;
    double plain_tok_s, spec_tok_s; /* generation speed (mean over reps), same prompt and settings */
    double speedup;                 /* spec_tok_s / plain_tok_s */
    int n_drafted, n_accepted, n_steps; /* summed over reps */
    double accept_rate;             /* n_accepted / n_drafted */
    double mean_accepted;           /* n_accepted / n_steps: drafts kept per verification pass */
    int identical;                  /* greedy: speculative tokens equal plain ones (-1: sampling) */
} tolk_bench_spec_result;

/* Decoding with and without speculation SP in the same run: a prompt of n_prompt random tokens
 * (16 when 0), n_gen tokens generated both ways, reps times, alternating. */
int tolk_bench_spec(tolk_model *m, const tolk_params *p, const tolk_spec_params *sp, int n_prompt, int n_gen,
                    int reps, tolk_bench_spec_result *r, tolk_error *err);

/* Sustained read bandwidth in GB/s with n_threads threads over a buffer of `bytes` (0: 1 GiB). */
double tolk_measure_read_bandwidth(int n_threads, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif
