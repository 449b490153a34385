/* The fuzz harness's HAL: UART input from a buffer, output into a buffer (hal_buffer.c). */
#ifndef HAL_BUFFER_H
#define HAL_BUFFER_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#define HAL_BUFFER_OUT_MAX (1u << 16)

/* The next reads come from data[0..size); when it is used up, longjmp(*on_exhausted, 1). */
void hal_buffer_start(const uint8_t *data, size_t size, jmp_buf *on_exhausted);
/* What the firmware wrote since hal_buffer_start. */
const uint8_t *hal_buffer_output(size_t *size);

#endif
