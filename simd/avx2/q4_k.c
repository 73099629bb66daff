/* AVX2 Q4_K x Q8_K: the walk of q45_k.h for this format. The dot product, the one-token mat x vec and
 * the batches are shapes of one tile kernel, so all give a row the same bits. */
#include "q45_k.h"

AVX2_WALK_FORMAT(q4_k, q45k_tile, 0)
