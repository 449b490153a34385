/* The device side of the serial protocol (docs/design.md): answers HELLO with INFO and INFER
 * with RESULT, forever. Engine-agnostic: it reaches the model only through engine.h. */
#ifndef EAT_SERVER_H
#define EAT_SERVER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *board;   /* boards/<id>.json: id */
    const char *engine;  /* "eat" or "tflm" */
    const char *sha256;  /* of the .tflite the firmware carries */
    uint32_t cpu_hz;     /* the clock hal_init() sets */
} eat_server_identity_t;

/* Never returns. When init_error is not NULL the engine failed to start: every request is
 * answered with an ERROR frame carrying that text. */
void eat_server_run(const eat_server_identity_t *id, const char *init_error);

#ifdef __cplusplus
}
#endif

#endif /* EAT_SERVER_H */
