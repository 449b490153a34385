/* The contract between a generated model.c/model.h and the firmware (see docs/design.md). */
#ifndef EAT_MODEL_API_H
#define EAT_MODEL_API_H

#include <stdint.h>

#define EAT_MAX_TENSOR_DIMS 6

typedef struct {
    const char *name;
    int32_t dims_count;
    int32_t dims[EAT_MAX_TENSOR_DIMS];
    uint32_t bytes;
    float scale;            /* quantization; data only, never used in arithmetic at run time */
    int32_t zero_point;
    uint8_t dtype;          /* 1 = int8, 2 = float32 (the serial protocol's codes); 0 = int8 */
} eat_tensor_info_t;

#endif
