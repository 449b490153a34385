/* The engine interface over our runtime: the generated model.c does all the work. */
#include "engine.h"

#include "model.h"

int engine_init(const char **error)
{
    /* nothing to prepare (the memory plan and all parameters are in model.c); but check that every
     * kernel's own scratch size fits what the compiler planned, else every request gets the error */
    *error = eat_model_check();
    return *error != 0;
}

int engine_num_inputs(void) { return EAT_MODEL_NUM_INPUTS; }
int engine_num_outputs(void) { return EAT_MODEL_NUM_OUTPUTS; }
const eat_tensor_info_t *engine_input_info(int index) { return &eat_model_inputs[index]; }
const eat_tensor_info_t *engine_output_info(int index) { return &eat_model_outputs[index]; }
uint8_t *engine_input(int index) { return (uint8_t *)eat_model_input(index); }
const uint8_t *engine_output(int index) { return (const uint8_t *)eat_model_output(index); }
uint32_t engine_arena_bytes(void) { return EAT_MODEL_ARENA_BYTES; }
int engine_invoke(void) { return eat_model_invoke(); }

#ifdef EAT_PROFILE
int engine_profile(const uint64_t **cycles)
{
    *cycles = eat_model_profile(); /* model.c's per-op hal_cycles() marks */
    return EAT_MODEL_NUM_OPS;
}
#endif
