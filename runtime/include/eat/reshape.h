/* RESHAPE / SQUEEZE: the compiler aliases them (no code); this copy is for the rare case it can't. */
#ifndef EAT_RESHAPE_H
#define EAT_RESHAPE_H

#include "eat/common.h"

void eat_copy_s8(uint32_t bytes, const int8_t *input, int8_t *output);

#endif
