# models/: one file per architecture, the known-model registry and the default-model fetcher.
dist_pkgdata_SCRIPTS = models/fetch-model.sh
libtolk_internal_la_SOURCES += models/arch.h models/registry.c models/llama.c models/qwen2.c models/qwen3.c \
	models/gemma3.c models/gemma2.c models/qwen3moe.c \
	models/phi3.c models/hunyuan_dense.c models/qwen2moe.c models/gemma4.c
