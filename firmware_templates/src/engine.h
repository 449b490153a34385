/* What the host link needs from an inference engine. Two implementations:
 *   engine_eat.c   — our runtime: the compiler's model.c, arena planned ahead of time
 *   engine_tflm.cc — TensorFlow Lite Micro's MicroInterpreter (firmware_templates/tflm/)
 */
#ifndef EAT_ENGINE_H
#define EAT_ENGINE_H

#include <stdint.h>

#include "eat/model_api.h" /* eat_tensor_info_t */

#ifdef __cplusplus
extern "C" {
#endif

/* Prepares the engine; 0 on success, else *error names the problem. */
int engine_init(const char **error);

int engine_num_inputs(void);
int engine_num_outputs(void);
const eat_tensor_info_t *engine_input_info(int index);
const eat_tensor_info_t *engine_output_info(int index);
uint8_t *engine_input(int index);
const uint8_t *engine_output(int index);
uint32_t engine_arena_bytes(void);

/* Runs the model once on the input tensors; 0 on success. */
int engine_invoke(void);

#ifdef EAT_PROFILE
/* Profiling builds only (-DEAT_PROFILE): sets *cycles to the cycles each op took in the last
 * invoke and returns how many ops there are. */
int engine_profile(const uint64_t **cycles);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EAT_ENGINE_H */
