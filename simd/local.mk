# simd/: type traits, block formats, reference and per-ISA kernels (each ISA's files get their own flags).
libtolk_la_SOURCES += simd/simd.h simd/traits.c
