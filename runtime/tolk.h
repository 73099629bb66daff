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
    TOLK_E_STATE = 6,    /* call not allowed now (context full, cancelled, ...) */
    TOLK_E_NOTFOUND = 7  /* the metadata key, tensor or token asked for is not there */
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

/* GPU offload: "cuda" when built with CUDA, else "none"; the usable devices (0 without CUDA, a
 * driver or a device: never an error, the CPU path always works); and one line describing device
 * I ("NVIDIA H100 80GB HBM3, 79.1 GiB, sm_90") copied into BUF (TOLK_E_ARG when I is not a device,
 * TOLK_E_NOMEM when SIZE is 0). */
const char *tolk_gpu_backend(void);
int tolk_gpu_count(void);
int tolk_gpu_describe(int i, char *buf, size_t size, tolk_error *err);

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
/* Only the GGUF header: metadata and the tensor list, for inspecting any valid GGUF file (also
 * architectures and tokenizers tolk cannot run). Nothing is read beyond the header; the model can
 * be described (below) but neither tokenizes nor runs. */
int tolk_model_load_meta(const char *path, tolk_model **out, tolk_error *err);
void tolk_model_free(tolk_model *m);
/* "gemma3", "llama", ...; "(vocabulary only)" or "(metadata only)" for models loaded that way
 * (general.architecture, via tolk_model_meta_str, names what the file says). */
const char *tolk_model_arch(const tolk_model *m);
const char *tolk_model_desc(const tolk_model *m);   /* general.name, or the file name */
int64_t tolk_model_n_params(const tolk_model *m);
uint64_t tolk_model_size(const tolk_model *m);      /* bytes of tensor data */
const char *tolk_model_path(const tolk_model *m);   /* the path it was loaded from */
uint32_t tolk_model_gguf_version(const tolk_model *m); /* 2 or 3 */
uint64_t tolk_model_file_size(const tolk_model *m); /* bytes of the whole file */

/* ---- Metadata ----------------------------------------------------------------------------------
 * The GGUF key/value pairs of a model loaded any way (like llama_model_meta_*, but typed). Values
 * are views into the file's read-only mapping: strings are not NUL-terminated and stay valid until
 * tolk_model_free. Keys appear in file order. */
enum {
    TOLK_META_U8 = 0, TOLK_META_I8 = 1, TOLK_META_U16 = 2, TOLK_META_I16 = 3, TOLK_META_U32 = 4,
    TOLK_META_I32 = 5, TOLK_META_F32 = 6, TOLK_META_BOOL = 7, TOLK_META_STRING = 8, TOLK_META_ARRAY = 9,
    TOLK_META_U64 = 10, TOLK_META_I64 = 11, TOLK_META_F64 = 12
};

typedef struct tolk_meta_value {
    int type;          /* TOLK_META_*, as stored in the file */
    uint64_t u;        /* U8, U16, U32, U64; BOOL as 0 or 1 */
    int64_t i;         /* I8, I16, I32, I64 */
    double f;          /* F32, F64 (may be NaN or infinite: the file says so) */
    const char *str;   /* STRING: its bytes (not NUL-terminated; may contain NUL bytes) */
    size_t len;        /* STRING: byte count */
    int elem_type;     /* ARRAY: type of the elements (TOLK_META_*) */
    uint64_t n;        /* ARRAY: element count; read elements with tolk_model_meta_array_at */
} tolk_meta_value;

/* Name of a TOLK_META_* type as GGUF tools print it: "u32", "string", "array", ...; "unknown". */
const char *tolk_meta_type_name(int type);

int64_t tolk_model_meta_count(const tolk_model *m);

/* Key/value pair I (0 .. count-1): *key points at the key's *key_len bytes (not NUL-terminated).
 * TOLK_E_ARG when I is out of range. */
int tolk_model_meta_at(const tolk_model *m, int64_t i, const char **key, size_t *key_len, tolk_meta_value *val,
                       tolk_error *err);

/* The value of KEY ("general.name", "llama.context_length"); TOLK_E_NOTFOUND when absent. */
int tolk_model_meta_get(const tolk_model *m, const char *key, tolk_meta_value *val, tolk_error *err);

/* Element I of the array stored under KEY, as a value of the array's element type (strings and
 * nested arrays included). TOLK_E_NOTFOUND when KEY is absent, TOLK_E_ARG when it is not an array
 * or I >= its length. */
int tolk_model_meta_array_at(const tolk_model *m, const char *key, uint64_t i, tolk_meta_value *val,
                             tolk_error *err);

/* The string value of KEY copied into BUF as a C string (truncated to SIZE - 1 bytes), like
 * llama_model_meta_val_str: returns the value's full length, or -1 when KEY is absent or not a
 * string (BUF then holds ""). */
int64_t tolk_model_meta_str(const tolk_model *m, const char *key, char *buf, size_t size);

/* ---- Tensors ----------------------------------------------------------------------------------- */
typedef struct tolk_tensor_info {
    const char *name;    /* NUL-terminated, valid until tolk_model_free */
    int type;            /* ggml type id (0 F32, 1 F16, 8 Q8_0, 12 Q4_K, 30 BF16, ...) */
    int n_dims;          /* dimensions as stored */
    int64_t ne[4];       /* ne[0] is the row length; missing dimensions are 1 */
    uint64_t n_elements;
    uint64_t n_bytes;
    uint64_t offset;     /* absolute byte offset of the data in the file */
} tolk_tensor_info;

/* Name of a ggml type as llama.cpp prints it ("Q4_K", "F32"); "unknown" for ids tolk lacks. */
const char *tolk_type_name(int type);

int64_t tolk_model_tensor_count(const tolk_model *m);

/* Tensor I (0 .. count-1) in file order; TOLK_E_ARG when I is out of range. */
int tolk_model_tensor_at(const tolk_model *m, int64_t i, tolk_tensor_info *info, tolk_error *err);

/* ---- Tokenizer ---------------------------------------------------------------------------------
 * Needs a model from tolk_model_load or tolk_model_load_vocab (TOLK_E_STATE for metadata-only
 * ones). Token ids are int32_t; -1 means "none". */
enum {
    TOLK_TOKENIZE_ADD_BOS = 1 << 0, /* put BOS first (when the vocabulary has one) */
    TOLK_TOKENIZE_ADD_EOS = 1 << 1, /* put EOS last (when the vocabulary has one) */
    TOLK_TOKENIZE_SPECIAL = 1 << 2  /* control-token texts such as <|im_end|> in TEXT become control
                                     * tokens; without it they stay plain text (user input) */
};

/* Tokenizes text[0..len) byte for byte (nothing trimmed; invalid UTF-8 allowed) into *ids
 * (malloc'd, free it with free(); NULL when *n_ids is 0). TEXT may be NULL only when len is 0. */
int tolk_tokenize(const tolk_model *m, const char *text, size_t len, unsigned flags, int32_t **ids,
                  size_t *n_ids, tolk_error *err);

enum {
    TOLK_PIECE_SPECIAL = 1 << 0 /* give control and unknown tokens their text (else they are empty) */
};

/* The bytes token ID stands for (byte tokens as the raw byte, SentencePiece's "▁" as a space,
 * byte-level BPE undone), like llama_token_to_piece but without a copy: *piece points into the
 * vocabulary (valid until tolk_model_free) and holds *len bytes, not NUL-terminated and not
 * necessarily whole UTF-8 characters. TOLK_E_ARG when ID is outside the vocabulary. */
int tolk_token_to_piece(const tolk_model *m, int32_t id, unsigned flags, const char **piece, size_t *len,
                        tolk_error *err);

/* The text of ids[0..n) (malloc'd, NUL-terminated, *len bytes), like llama_detokenize; FLAGS as for
 * tolk_token_to_piece. TOLK_E_ARG when an id is outside the vocabulary. */
int tolk_detokenize(const tolk_model *m, const int32_t *ids, size_t n, unsigned flags, char **text, size_t *len,
                    tolk_error *err);

int32_t tolk_vocab_n_tokens(const tolk_model *m); /* 0 without a tokenizer */
int32_t tolk_token_bos(const tolk_model *m);      /* -1 when the vocabulary has none */
int32_t tolk_token_eos(const tolk_model *m);
/* Whether the model expects BOS at the start of a prompt (tokenizer.ggml.add_bos_token or the
 * tokenizer's default). */
int tolk_vocab_wants_bos(const tolk_model *m);
/* The pre-tokenizer rules tolk splits text with: "default", "gpt-2", "llama-bpe", "qwen2",
 * "gemma4", or "none" (SentencePiece); what tokenizer.ggml.pre (an alias, or nothing) resolves
 * to. NULL without a tokenizer. */
const char *tolk_vocab_pre_tokenizer(const tolk_model *m);
/* Whether ID ends generation (EOS, EOT, and end-of-turn markers such as <end_of_turn>). */
int tolk_token_is_eog(const tolk_model *m, int32_t id);

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
    int n_gpu_layers;      /* -ngl: the last N layers on a CUDA GPU (999: all). Not acted on yet: the
                            * forward pass runs every layer on the CPU (docs/GPU.md) */
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
    int tm_score;        /* translation memory: best match used (100: exact, reused without the
                          * model), 0 when none; summed texts: the lowest used */
    int n_tm_exact;      /* segments reused from the translation memory */
    int n_terms_forced;  /* glossary terms put in by decoding again with the term forced */
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
    int always_draft;       /* 1: draft every step; 0: stop drafting while plain steps are faster
                               (measured as decoding goes) and try again later */
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

/* ---- Evaluating tokens -------------------------------------------------------------------------
 * A context is the low-level counterpart of a session (like llama_context with llama_decode and
 * llama_get_logits_ith): a KV cache and forward buffers over a model, fed token ids, handing back
 * logits. No tokenizer, sampler or speculation; nothing outside the context changes (no thread
 * pinning, no process-wide settings). Use it for perplexity, scoring and your own samplers. The
 * model must outlive its contexts; one context is used by one thread at a time. */
typedef struct tolk_context tolk_context;

typedef struct tolk_context_params {
    int n_ctx;     /* KV positions; 0: min(training context, 4096) */
    int n_batch;   /* tokens per forward chunk inside one tolk_decode; 0: min(512, n_ctx) */
    int n_logits;  /* most logit rows one tolk_decode may return; 0: 1 */
    int n_threads; /* compute threads; 0: OpenMP's default */
    int kv_q8;     /* 1: Q8_0 KV cache instead of F16 */
} tolk_context_params;

/* All fields 0: the defaults above. */
void tolk_context_params_default(tolk_context_params *p);

/* TOLK_E_ARG for a model that cannot run (vocabulary or metadata only) or negative fields. */
int tolk_context_new(const tolk_model *m, const tolk_context_params *p, tolk_context **out, tolk_error *err);
void tolk_context_free(tolk_context *c);

/* Runs tokens[0..n) at the next positions (tolk_context_n_past onwards) and keeps them in the cache.
 * Logits are computed for tokens logits_from .. n-1 (n - 1: only the last, n: none) and read with
 * tolk_get_logits. Fails without changing the cache when n < 1, logits_from is outside 0..n, more
 * than n_logits rows are asked for, a token id is outside the vocabulary (TOLK_E_ARG) or the
 * context is full (TOLK_E_STATE). */
int tolk_decode(tolk_context *c, const int32_t *tokens, int n, int logits_from, tolk_error *err);

/* Logits row I of the last tolk_decode (0 = token logits_from), tolk_context_n_vocab floats, valid
 * until the next tolk_decode or tolk_context_rollback; NULL when I is not a row (also after a
 * failed tolk_decode or a rollback). */
const float *tolk_get_logits(const tolk_context *c, int i);

int tolk_context_n_past(const tolk_context *c);  /* positions in the cache */
int tolk_context_n_ctx(const tolk_context *c);   /* positions the cache can hold */
int tolk_context_n_vocab(const tolk_context *c); /* floats per logits row */

/* Forgets the cached positions n_keep.. (0: empty the cache); TOLK_E_ARG when n_keep is outside
 * 0 .. n_past. Sliding-window layers (gemma2/3/4) keep only their window plus max(n_batch, 64)
 * positions, so a rollback to n_keep > 0 may reach back at most that many positions from the
 * furthest position decoded since the last rollback to 0: further is TOLK_E_STATE, the cache
 * unchanged (docs/KV.md). */
int tolk_context_rollback(tolk_context *c, int n_keep, tolk_error *err);

/* Bytes of the KV cache (keys and values, every layer) a context, session or serving slot of M
 * with N_CTX positions (0: the default, min(training context, 4096)) and the default batch holds,
 * F16 or with kv_q8 Q8_0; sliding-window layers keep only a ring (docs/KV.md). -1 for a model
 * loaded without its weights or a bad size. Allocates nothing. */
int64_t tolk_model_kv_bytes(const tolk_model *m, int n_ctx, int kv_q8);

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

/* ---- Batched generation -----------------------------------------------------------------------
 * Many requests decoded together, as a server does: every step is one forward pass over all
 * running jobs (the prompt chunks of newly started ones and one token of each decoding one), so
 * the weights are read once per step for all of them. Each job has its own slot: KV cache,
 * sampler and text stream. Jobs are translations (as tolk_translate; a session's TM and glossary
 * through tolk_translate_prepare / _settle below) or raw completions (as tolk_complete). One thread drives a tolk_multi (start, step, done, release);
 * tolk_multi_cancel may be called from any thread. */
typedef struct tolk_multi tolk_multi;

enum {
    /* Every job's output is the one it gets alone (tolk_complete / tolk_translate on a session,
     * greedy or with the same seed): each step is one pass with the next chunk of every waiting
     * prompt, then one with every decoding job's token, each job's tokens through the kernels they
     * get alone (the weights are still read once per pass). Without it, prompt chunks and decoding
     * tokens share one pass with the batched kernels: outputs may differ from alone by rounding. */
    TOLK_MULTI_EXACT = 1 << 0
};

/* N_SLOTS jobs at once at most, each with a cache of p->n_ctx positions; p's threads, CPUs, KV type
 * and sampler settings (the default of every job). N_BATCH: most tokens per step (0: 256; exact
 * mode: prompt tokens per step, a session's prompt chunk, min(512, n_ctx)); prompts longer than
 * what is left of a step continue in the next one. FLAGS: TOLK_MULTI_*. */
int tolk_multi_new(tolk_model *m, const tolk_params *p, int n_slots, int n_batch, unsigned flags,
                   tolk_multi **out, tolk_error *err);
void tolk_multi_free(tolk_multi *mu);

typedef struct tolk_job {
    const char *from, *to; /* TO set: translate (FROM may be NULL); TO NULL: raw completion */
    const char *text;      /* must stay valid until the job is released */
    size_t len;
    int n_predict;         /* tokens per text (per line for one-line templates); < 0: until full */
    int own_sampling;      /* 1: temp and seed below instead of the tolk_multi's */
    float temp;
    uint64_t seed;
    tolk_emit_fn emit;     /* called from tolk_multi_step; non-zero return ends the job */
    void *user;
    int one_prompt;        /* translations: TEXT is one prompt's text as it is, never split into lines
                            * (one-line templates otherwise translate line by line) */
} tolk_job;

/* Starts JOB in a free slot (*slot); its prompt is built and tokenized now and evaluated by the
 * next steps. TOLK_E_STATE when every slot is busy or the prompt does not fit the context,
 * TOLK_E_ARG for a bad language or empty prompt. */
int tolk_multi_start(tolk_multi *mu, const tolk_job *job, int *slot, tolk_error *err);

/* One forward pass over every running job; output goes to the jobs' emit functions. Returns the
 * number of jobs still running (>= 0), or a negative TOLK_E_* code (err set) when the pass failed:
 * then every running job ends with that error. */
int tolk_multi_step(tolk_multi *mu, tolk_error *err);

/* A pass with only the prompts of started jobs: their next chunks, oldest first, MAX_TOKENS at
 * most (the oldest job's chunk always goes); the jobs whose prompt is done sample their first
 * token. A server runs it while new jobs arrive, so that they get their first token without
 * waiting for the decoding pass of tolk_multi_step. Returns the prompt tokens run (0: no prompt
 * waiting), or a negative TOLK_E_* code (err set; the jobs of the pass end with it). */
int tolk_multi_prefill(tolk_multi *mu, int max_tokens, tolk_error *err);

/* 1 when the job in SLOT has ended (its code in *rc, its error in err, its statistics in st; any
 * may be NULL), 0 while it runs. */
int tolk_multi_done(const tolk_multi *mu, int slot, int *rc, tolk_stats *st, tolk_error *err);

/* Ends the job in SLOT at the next step (counted as cancelled). Thread-safe. */
void tolk_multi_cancel(tolk_multi *mu, int slot);

/* Frees SLOT for another job (a running job is ended first). */
void tolk_multi_release(tolk_multi *mu, int slot);

/* Jobs running now (started and not ended). */
int tolk_multi_running(const tolk_multi *mu);

/* A session's translation memory and glossary around a model run made elsewhere (a tolk_multi
 * job), as tolk_translate applies them: tolk_translate_prepare looks TEXT up; an exact TM match
 * (TOLK_TM_REUSE_EXACT) is the answer (ANSWER set: no model run), else TEXT is what the job
 * translates in TEXT's place (the glossary terms and fuzzy example as notes ahead of it, as
 * tolk_translate's prompt carries them). tolk_translate_settle then checks the job's ANSWER for
 * the glossary terms and forces a missed one on S (decoding again, as tolk_translate does); *out is
 * the final answer (malloc'd). With a one-line template (the base-model family) TEXT must be one
 * line, as tolk_translate translates such a text line by line, and the job runs with one_prompt. */
typedef struct tolk_tm_plan {
    char *answer;     /* exact match: the answer; else NULL */
    size_t answer_len;
    char *text;       /* else: the text to translate, notes included */
    size_t text_len;
    int tm_score;     /* best TM match used (0: none) */
    int n_terms;      /* glossary terms found in the text */
} tolk_tm_plan;
int tolk_translate_prepare(tolk_session *s, const char *from, const char *to, const char *text, size_t len,
                           tolk_tm_plan *plan, tolk_error *err);
int tolk_translate_settle(tolk_session *s, const char *from, const char *to, const char *text, size_t len,
                          const tolk_tm_plan *plan, int n_predict, int n_gen, const char *answer, size_t answer_len,
                          char **out, size_t *out_len, int *n_forced, tolk_error *err);
void tolk_tm_plan_free(tolk_tm_plan *p);
/* 1 when S's template is a one-line one (tolk_translate translates line by line), 0 when not, or
 * a negative TOLK_E_* code. */
int tolk_session_translates_by_line(tolk_session *s, tolk_error *err);

/* ---- Documents ---------------------------------------------------------------------------------
 * Files translators work on (docs/FORMATS.md): plain text, PO, SRT, WebVTT, XLIFF 1.2/2.x (with
 * libxml2), Markdown (with md4c) and HTML. A document keeps the original bytes; its translatable
 * segments go to the model with inline codes, placeholders, URLs and numbers replaced by numbered
 * placeholders, which are put back afterwards. Everything outside the translated text is written
 * back byte for byte. Each segment is checked (length bound, repetition, placeholders and tags,
 * output equal to the source); a segment that fails is kept untranslated and reported. */
typedef struct tolk_doc tolk_doc;

/* The format names tolk knows, space-separated ("txt po srt vtt xliff md html"). */
const char *tolk_doc_formats(void);

/* Parses DATA[0..len) (copied) as FORMAT (a name or an extension; NULL: from NAME's extension).
 * NAME is used for messages and the report. OVERWRITE: bilingual formats (PO, XLIFF) re-translate
 * targets that are already filled. TOLK_E_FORMAT with a line number for malformed input,
 * TOLK_E_UNSUPPORTED ("tolk was built without libxml2 ...") for a format this build lacks. */
int tolk_doc_open(const char *format, const char *name, const char *data, size_t len, int overwrite,
                  tolk_doc **out, tolk_error *err);
void tolk_doc_free(tolk_doc *d);

/* As tolk_doc_open, from the file at PATH, mapped rather than copied where it can be (big files
 * stay out of the heap). NAME (NULL: PATH) is used for messages and the extension. TOLK_E_IO when
 * the file cannot be read. */
int tolk_doc_open_file(const char *format, const char *path, const char *name, int overwrite, tolk_doc **out,
                       tolk_error *err);

/* Translates TEXT[0..len) (a segment with numbered placeholders {1}, {2}, ...) by streaming the
 * result to EMIT; sets *HIT_LIMIT when it stopped at its length bound. Returns TOLK_OK or an
 * error (which stops the document). *TOKENS: tokens generated (may stay 0). */
typedef int (*tolk_segment_fn)(void *user, const char *text, size_t len, tolk_emit_fn emit, void *emit_user,
                               int *hit_limit, int *tokens, tolk_error *err);

/* Called after each segment: DONE of TOTAL segments, TOKENS generated so far. */
typedef void (*tolk_doc_progress_fn)(void *user, size_t done, size_t total, long long tokens);

typedef struct tolk_doc_stats {
    size_t segments, translated, skipped, copied, kept, flagged;
    long long tokens;
    double seconds;
    size_t tm_exact;  /* segments (or sentences) reused from the session's TM without the model */
    size_t terms_found, terms_forced, terms_missed; /* the session's glossary terms (docs/TM.md) */
    size_t tm_added;  /* segments added to the TM (TOLK_TM_WRITE_BACK) */
} tolk_doc_stats;

/* Translates every pending segment with FN (same source text, same translation). */
int tolk_doc_translate_with(tolk_doc *d, tolk_segment_fn fn, void *user, tolk_doc_progress_fn progress,
                            void *progress_user, tolk_error *err);

/* Translates every pending segment with the session's model from FROM to TO (as tolk_translate),
 * each bounded to 3 x its source tokens + 16. The session's translation memory and glossary apply
 * to each segment (with placeholders protected); with TOLK_TM_WRITE_BACK the segments translated
 * without a failed check are added to the TM afterwards (needs FROM). */
int tolk_doc_translate(tolk_doc *d, tolk_session *s, const char *from, const char *to,
                       tolk_doc_progress_fn progress, void *progress_user, tolk_error *err);

/* The document with the translations in (malloc'd, NUL-terminated, *len bytes). */
int tolk_doc_write(tolk_doc *d, char **out, size_t *len, tolk_error *err);

/* The same bytes sent piece by piece to WRITE (returns 0, non-zero on failure), without building
 * the whole output in memory. TOLK_E_IO when WRITE fails. */
typedef int (*tolk_write_fn)(void *user, const char *data, size_t len);
int tolk_doc_write_to(tolk_doc *d, tolk_write_fn write, void *user, tolk_error *err);

/* As tolk_doc_open_file (PATH non-NULL) or tolk_doc_open (DATA[0..len) copied), for one pass that
 * translates and writes: tolk_doc_translate_to or tolk_doc_translate_with_to. A format that can
 * stream (XLIFF) is checked here (malformed input fails here, before any model work) but keeps no
 * segment: that pass reads, translates and writes it window by window, so memory stays flat however
 * big the file (docs/FORMATS.md). Other formats are parsed whole, as tolk_doc_open does. Such a
 * document cannot be translated or written by the other calls. */
int tolk_doc_open_stream(const char *format, const char *path, const char *name, const char *data, size_t len,
                         int overwrite, tolk_doc **out, tolk_error *err);

/* Translates D as tolk_doc_translate / tolk_doc_translate_with do and sends the output to WRITE:
 * window by window for a document from tolk_doc_open_stream (once), else the whole document is
 * translated, then written. The report, term report and stats work after it. On failure part of the
 * output may have been written already: write to a temporary file and rename it on success. */
int tolk_doc_translate_to(tolk_doc *d, tolk_session *s, const char *from, const char *to,
                          tolk_doc_progress_fn progress, void *progress_user, tolk_write_fn write, void *write_user,
                          tolk_error *err);
int tolk_doc_translate_with_to(tolk_doc *d, tolk_segment_fn fn, void *user, tolk_doc_progress_fn progress,
                               void *progress_user, tolk_write_fn write, void *write_user, tolk_error *err);

/* The JSON report (malloc'd, NUL-terminated): counts and every segment that failed a check. */
int tolk_doc_report(const tolk_doc *d, char **json, size_t *len, tolk_error *err);
/* The same JSON sent piece by piece to WRITE, never whole in memory (a big file's report can hold
 * hundreds of thousands of problems). TOLK_E_IO when WRITE fails. */
int tolk_doc_report_to(const tolk_doc *d, tolk_write_fn write, void *user, tolk_error *err);

void tolk_doc_get_stats(const tolk_doc *d, tolk_doc_stats *st);

/* The segment checks of docs/FORMATS.md for one translation TRANSLATION of SOURCE made outside a
 * document (the TUI): "length" (HIT_LIMIT: generation stopped at its token bound), "empty",
 * "repetition" (the output ends in a loop the source does not have), "placeholders" (a printf or
 * brace placeholder, URL or number of the source is missing or repeated), "untranslated" (the
 * source copied), "short"; NULL when it passes them all. */
const char *tolk_check_translation(const char *source, size_t source_len, const char *translation, size_t len,
                                   int hit_limit);

/* The glossary terms of the segments translated (malloc'd TSV, NUL-terminated): one line per term
 * and segment, "SEGMENT<TAB>source term<TAB>expected target<TAB>found|forced|missed", SEGMENT the
 * unit's id where the format has one, else its 1-based number. */
int tolk_doc_term_report(const tolk_doc *d, char **tsv, size_t *len, tolk_error *err);

/* The translation prompt template tolk picks for M (or TEMPLATE_PATH when set): writes its name and
 * what decided it into BUF, e.g. "hunyuan-mt (from general.name)", "gemma3 (from
 * tokenizer.chat_template)", "custom (from --template)". M may come from tolk_model_load_vocab. */
int tolk_translate_template_name(tolk_model *m, const char *template_path, char *buf, size_t size,
                                 tolk_error *err);

/* ---- Translation memory ------------------------------------------------------------------------
 * A SQLite database of approved segment pairs (docs/TM.md): exact matches (whitespace and
 * placeholders normalised) and fuzzy ones (a percentage like CAT tools: 100 x (1 - token edit
 * distance / longer token count)). Languages are codes ("en", "de-DE"); lookups compare the primary
 * subtag. One writer at a time: a second tolk_tm_open for writing fails (TOLK_E_STATE) while the
 * first is open. Built without SQLite, tolk_tm_open fails with TOLK_E_UNSUPPORTED and says so. */
typedef struct tolk_tm tolk_tm;

enum { TOLK_TM_READ = 0, TOLK_TM_WRITE = 1 };

/* Opens the TM at PATH (TOLK_TM_WRITE creates it), bringing its schema up to date. */
int tolk_tm_open(const char *path, int mode, tolk_tm **out, tolk_error *err);
void tolk_tm_close(tolk_tm *tm);

/* Adds one approved pair (plain text); *added (may be NULL) is 0 when it was there already. */
int tolk_tm_add(tolk_tm *tm, const char *src_lang, const char *tgt_lang, const char *source, size_t slen,
                const char *target, size_t tlen, int *added, tolk_error *err);

typedef struct tolk_tm_match {
    int score;                /* percent; 100: exact */
    char *src_lang, *tgt_lang; /* as stored */
    char *source, *target;    /* plain text */
} tolk_tm_match;

/* The best matches (score >= min_score, best first, newest first among equals) for TEXT from FROM
 * (NULL: any) to TO, at most MAX into OUT; *n set. Free each with tolk_tm_match_clear. */
int tolk_tm_lookup(tolk_tm *tm, const char *from, const char *to, const char *text, size_t len, int min_score,
                   tolk_tm_match *out, int max, int *n, tolk_error *err);
void tolk_tm_match_clear(tolk_tm_match *m);

/* The fuzzy score of two texts as lookups compute it (both normalised first). */
int tolk_tm_score(const char *a, size_t alen, const char *b, size_t blen);

typedef struct tolk_tm_import_stats {
    int64_t units;   /* <tu> elements read */
    int64_t added;   /* pairs added and committed (pairs already there are not counted) */
    int64_t skipped; /* <tu> without a source and a target segment */
} tolk_tm_import_stats;

/* Streams a TMX 1.4b file into TM (needs libxml2); a hostile or malformed file is refused with one
 * line (units of transactions committed before the error stay). */
int tolk_tm_import_tmx(tolk_tm *tm, const char *path, tolk_tm_import_stats *st, tolk_error *err);
/* Writes TM's pairs (only FROM -> TO when given) as TMX 1.4b to PATH; *n (may be NULL) pairs. */
int tolk_tm_export_tmx(tolk_tm *tm, const char *path, const char *from, const char *to, int64_t *n,
                       tolk_error *err);

/* Pairs per language pair: FN(src_lang, tgt_lang, count, user) for each; non-zero stops. */
typedef int (*tolk_tm_pair_fn)(const char *src_lang, const char *tgt_lang, int64_t n, void *user);
int tolk_tm_stats(tolk_tm *tm, tolk_tm_pair_fn fn, void *user, tolk_error *err);

enum {
    TOLK_TM_REUSE_EXACT = 1 << 0, /* an exact match is the translation; the model does not run */
    TOLK_TM_EXAMPLE = 1 << 1,     /* the best fuzzy match goes into the prompt as an example */
    TOLK_TM_DRAFT = 1 << 2,       /* ... and its target is the speculative draft (output unchanged) */
    TOLK_TM_WRITE_BACK = 1 << 3,  /* translations the model made are added (TM opened for writing) */
    TOLK_TM_DEFAULT = TOLK_TM_REUSE_EXACT | TOLK_TM_EXAMPLE | TOLK_TM_DRAFT
};

/* Later tolk_translate calls on S consult TM (NULL: none; TM must outlive its use) with fuzzy
 * matches from min_score percent up, as FLAGS (TOLK_TM_*) say. FROM and TO of those calls must
 * then be language codes. */
int tolk_session_set_tm(tolk_session *s, tolk_tm *tm, int min_score, unsigned flags, tolk_error *err);

/* ---- Glossaries ---------------------------------------------------------------------------------
 * Client terms that must be used (docs/TM.md): a tab-separated file (OmegaT: source TAB target), a
 * CSV file (.csv) or TBX (.tbx, .xml; needs libxml2). Source terms are found case- and
 * inflection-tolerantly (longest match first, at word boundaries, a light stemmer for FROM), put
 * into the prompt, and the translation is checked for their target terms (stemmer for TO). */
typedef struct tolk_glossary tolk_glossary;

/* FROM and TO are language codes; TBX needs both (they pick its languages), the others use them
 * for the stemmers only (NULL: case folding only). */
int tolk_glossary_load(const char *path, const char *from, const char *to, tolk_glossary **out, tolk_error *err);
void tolk_glossary_free(tolk_glossary *g);
size_t tolk_glossary_size(const tolk_glossary *g); /* entries */

typedef struct tolk_term {
    const char *source, *target; /* the entry's terms, valid while the glossary lives */
    size_t start, end;           /* bytes of the text where the source term stands */
    int found;                   /* after a translation: 1 when the target term is in it, else 0 */
    int forced;                  /* 1 when it is there only because decoding was forced to write it */
} tolk_term;

/* The entries whose source terms occur in TEXT, in text order, each once: *terms malloc'd (free()),
 * NULL when *n is 0; found is 0. */
int tolk_glossary_find(const tolk_glossary *g, const char *text, size_t len, tolk_term **terms, int *n,
                       tolk_error *err);
/* Whether TERM occurs in TEXT by the target language's rules: 1 or 0 (-1: out of memory). */
int tolk_glossary_contains(const tolk_glossary *g, const char *term, const char *text, size_t len);

/* Later tolk_translate calls on S use G (NULL: none; G must outlive its use). */
int tolk_session_set_glossary(tolk_session *s, tolk_glossary *g, tolk_error *err);
/* The glossary terms of S's last tolk_translate call with found set; *terms valid until the next
 * call. Returns the count. */
int tolk_session_terms(const tolk_session *s, const tolk_term **terms);
/* Whether tolk_translate on S forces a glossary term the translation left out (default 1): it
 * decodes again with the term's tokens put in where the model scores them best and keeps the result
 * when the term is then there and no term found before is lost (docs/TM.md). Greedy decoding
 * only streams a segment with glossary terms once it is settled. */
int tolk_session_set_term_forcing(tolk_session *s, int on, tolk_error *err);

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
    int n_depth;                    /* tokens in the cache before each measured run (llama-bench -d) */
} tolk_bench_result;

/* Runs pp (n_prompt random tokens in one batch) and tg (n_gen tokens one at a time) reps times. */
int tolk_bench(tolk_model *m, const tolk_params *p, int n_prompt, int n_gen, int reps, tolk_bench_result *r,
               tolk_error *err);
/* The same with n_depth random tokens already in the context before each measured pp and tg run
 * (filled once, untimed; the measured tokens come after them), like llama-bench -d. */
int tolk_bench_depth(tolk_model *m, const tolk_params *p, int n_prompt, int n_gen, int n_depth, int reps,
                     tolk_bench_result *r, tolk_error *err);

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

/* ---- Quantization ------------------------------------------------------------------------------
 * Rewrites a GGUF model with the tensor types llama-quantize chooses for a file type (like
 * llama_model_quantize): metadata copied (general.file_type and general.quantization_version
 * updated), each tensor converted through float, so quantized inputs are requantized, or copied
 * when its type stays. Tensors are converted a batch of rows at a time; neither file is held in
 * memory. On error no output file is left behind. */

/* The file types tolk writes, space-separated: "F32 F16 BF16 Q8_0 Q4_0 Q4_K_M IQ4_NL IQ4_XS". */
const char *tolk_quantize_types(void);

typedef struct tolk_quantize_stats {
    const char *type;          /* the file type written, as llama-quantize spells it ("Q4_K_M") */
    uint64_t n_tensors;        /* tensors written */
    uint64_t n_converted;      /* of which changed type */
    uint64_t bytes_in, bytes_out; /* tensor data before and after */
} tolk_quantize_stats;

/* Writes IN_PATH as OUT_PATH with file type TYPE (one of tolk_quantize_types, any case);
 * TOLK_E_ARG naming the choices when TYPE is unknown (checked before any file is touched).
 * ST may be NULL. */
int tolk_model_quantize(const char *in_path, const char *out_path, const char *type, tolk_quantize_stats *st,
                        tolk_error *err);

#ifdef __cplusplus
}
#endif

#endif
