/* Public half / bfloat16 conversions (simd.h), thin wrappers over the inline versions in half.h
 * so callers outside simd/ need not see the bit tricks. */
#include "half.h"
#include "simd.h"

float simd_f16_to_f32(uint16_t h) { return half_to_f32(h); }
uint16_t simd_f32_to_f16(float f) { return half_from_f32(f); }
float simd_bf16_to_f32(uint16_t h) { return bf16_to_f32(h); }
uint16_t simd_f32_to_bf16(float f) { return bf16_from_f32(f); }
