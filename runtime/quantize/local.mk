# runtime/quantize/: quantization mixes and rewriting a GGUF file in another type.
libtolk_internal_la_SOURCES += runtime/quantize/quant_mix.h runtime/quantize/quant_mix.c \
	runtime/quantize/quantize.c
