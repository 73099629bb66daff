# runtime/forward/: opening a model, the KV cache, the per-layer ops, attention and the forward pass.
libtolk_internal_la_SOURCES += runtime/forward/model.h runtime/forward/model.c runtime/forward/kv.h \
	runtime/forward/kv.c runtime/forward/ops.h runtime/forward/ops.c runtime/forward/attention.h \
	runtime/forward/attention.c runtime/forward/attn_ggml.h runtime/forward/attn_ggml.c \
	runtime/forward/attn_blocks.h runtime/forward/attn_blocks.c \
	runtime/forward/forward.h runtime/forward/forward.c \
	runtime/forward/moe.h runtime/forward/moe.c \
	runtime/forward/forward_multi.h runtime/forward/forward_multi.c
