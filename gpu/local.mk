# gpu/: CUDA offload. With --with-cuda, nvcc compiles the .cu files (through libtool, so they go into
# the shared library as PIC objects); otherwise gpu_none.c answers "no devices".
EXTRA_DIST += gpu/nvcc-pic.sh gpu/device.cu gpu/gpu_none.c
libtolk_internal_la_SOURCES += gpu/gpu.h gpu/gpu_blocks.h
if HAVE_CUDA
NVCC_FLAGS = -O2 -std=c++17 -I$(top_srcdir)/gpu -I$(top_srcdir)/runtime $(CUDA_CFLAGS)
libtolk_internal_la_LIBADD += gpu/device.lo $(CUDA_LIBS)
CLEANFILES += gpu/device.lo gpu/device.o gpu/.libs/device.o
gpu/device.lo: $(top_srcdir)/gpu/device.cu $(top_srcdir)/gpu/gpu.h
	@$(MKDIR_P) gpu
	$(AM_V_CC)$(LIBTOOL) $(AM_V_lt) --tag=CC --mode=compile sh $(top_srcdir)/gpu/nvcc-pic.sh $(NVCC) \
		$(NVCC_FLAGS) -c $(top_srcdir)/gpu/device.cu -o $@
else
libtolk_internal_la_SOURCES += gpu/gpu_none.c
endif
