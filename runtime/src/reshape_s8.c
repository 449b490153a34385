/* Byte copy for a RESHAPE the planner could not alias. */
#include "eat/reshape.h"

void eat_copy_s8(uint32_t bytes, const int8_t *input, int8_t *output)
{
    uint32_t i;
    if (input == output) {
        return;
    }
    for (i = 0; i < bytes; ++i) {
        output[i] = input[i];
    }
}
