# gpu/: CUDA offload. With --with-cuda, nvcc compiles the .cu files (through libtool, so they go into
# the shared library as PIC objects) for sm_90 machine code plus compute_75 PTX, which newer GPUs
# JIT-compile; otherwise gpu_none.c answers "no devices". gpu_blocks.h (the block formats) is also
# compiled for the host by tests/test_gpu_blocks.c in every build.
# (lists spelled out: automake drops $(VAR:%=...) substitutions from the dependencies it derives)
GPU_CU_FILES = gpu/device.cu gpu/memory.cu gpu/quantize_act.cu gpu/matvec.cu gpu/matmul.cu gpu/rmsnorm.cu \
	gpu/rope.cu gpu/gates.cu gpu/softmax.cu gpu/argmax.cu gpu/attention.cu
GPU_CU_OBJS = gpu/device.lo gpu/memory.lo gpu/quantize_act.lo gpu/matvec.lo gpu/matmul.lo gpu/rmsnorm.lo \
	gpu/rope.lo gpu/gates.lo gpu/softmax.lo gpu/argmax.lo gpu/attention.lo
GPU_CU_DEPS = $(top_srcdir)/gpu/gpu.h $(top_srcdir)/gpu/gpu_blocks.h $(top_srcdir)/gpu/gpu_kernels.h \
	$(top_srcdir)/gpu/gpu_cuda.cuh
EXTRA_DIST += gpu/nvcc-pic.sh gpu/gpu_none.c gpu/gpu_kernels.h gpu/gpu_cuda.cuh $(GPU_CU_FILES)
libtolk_internal_la_SOURCES += gpu/gpu.h gpu/gpu_blocks.h
if HAVE_CUDA
NVCC_GENCODE = -gencode arch=compute_90,code=sm_90 -gencode arch=compute_75,code=compute_75
NVCC_FLAGS = -O2 -std=c++17 $(NVCC_GENCODE) -I$(top_srcdir)/gpu -I$(top_srcdir)/runtime $(CUDA_CFLAGS)
# nvcc's host code is C++ (kernel launch stubs use guarded statics): the C programs need libstdc++
libtolk_internal_la_LIBADD += $(GPU_CU_OBJS) $(CUDA_LIBS) -lstdc++
EXTRA_libtolk_internal_la_DEPENDENCIES = $(GPU_CU_OBJS)
CLEANFILES += $(GPU_CU_OBJS) gpu/*.o gpu/.libs/*.o
gpu/%.lo: $(top_srcdir)/gpu/%.cu $(GPU_CU_DEPS)
	@$(MKDIR_P) gpu
	$(AM_V_CC)$(LIBTOOL) $(AM_V_lt) --tag=CC --mode=compile sh $(top_srcdir)/gpu/nvcc-pic.sh $(NVCC) \
		$(NVCC_FLAGS) -c $< -o $@
else
libtolk_internal_la_SOURCES += gpu/gpu_none.c
endif
