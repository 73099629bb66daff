/* AVX2 Q5_0 x Q8_0: the walk of q32.h for this format. The dot product, the one-token mat x vec and
 * the batches are shapes of one tile kernel, so all give a row the same bits. */
#include "q32.h"

AVX2_WALK_FORMAT(q5_0, q32_tile, Q32_Q5_0)
