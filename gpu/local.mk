# gpu/: CUDA offload (built only with --with-cuda).
