/* A host HAL for the frame-parser fuzz harness: the UART reads from one input buffer and writes
 * into an output buffer. When the input runs out, the read longjmps back to the harness, because
 * eat_server_run() never returns (on a board it would block for the next byte). */
#include "hal_buffer.h"

#include <string.h>

#include "hal.h"

/* Harness state: host-only test code, one fuzz input at a time. */
static const uint8_t *in_data;
static size_t in_size, in_pos;
static uint8_t out_data[HAL_BUFFER_OUT_MAX];
static size_t out_size;
static jmp_buf *in_exhausted;

void hal_buffer_start(const uint8_t *data, size_t size, jmp_buf *on_exhausted)
{
    in_data = data;
    in_size = size;
    in_pos = 0;
    out_size = 0;
    in_exhausted = on_exhausted;
}

const uint8_t *hal_buffer_output(size_t *size)
{
    *size = out_size;
    return out_data;
}

void hal_init(void) {}

void hal_uart_write(const uint8_t *buf, uint32_t n)
{
    /* Keep what fits; the harness only looks at the first frames. */
    size_t room = sizeof out_data - out_size;
    size_t take = n < room ? n : room;
    memcpy(out_data + out_size, buf, take);
    out_size += take;
}

uint8_t hal_uart_read_byte(void)
{
    if (in_pos >= in_size) {
        longjmp(*in_exhausted, 1);
    }
    return in_data[in_pos++];
}

uint64_t hal_cycles(void) { return 0; }
