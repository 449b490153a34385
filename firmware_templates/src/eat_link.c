/* The host link over the UART; see eat_link.h for the frame format. */
#include "eat_link.h"

#include <string.h>

#include "hal.h"

uint32_t eat_crc32_update(uint32_t crc, const uint8_t *data, uint32_t n)
{
    /* Bitwise CRC-32: 8 shifts a byte, no 1 KB table in RAM or flash. The payloads are small
     * next to an inference, so the table would buy nothing that shows. */
    for (uint32_t i = 0; i < n; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return crc;
}

void eat_link_read_header(eat_frame_header_t *h, uint32_t *crc)
{
    /* Resynchronise on 'E' 'T': a byte lost on the wire costs one frame, not the session. */
    uint8_t prev = 0;
    for (;;) {
        uint8_t b = hal_uart_read_byte();
        if (prev == 'E' && b == 'T') {
            break;
        }
        prev = b;
    }
    uint8_t head[4];
    for (int i = 0; i < 4; i++) {
        head[i] = hal_uart_read_byte();
    }
    *crc = eat_crc32_update(0xFFFFFFFFu, head, 4);
    h->type = head[0];
    h->seq = head[1];
    h->length = (uint16_t)(head[2] | (head[3] << 8));
}

void eat_link_read_payload(uint8_t *dst, uint32_t n, uint32_t *crc)
{
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b = hal_uart_read_byte();
        *crc = eat_crc32_update(*crc, &b, 1);
        if (dst != NULL) {
            dst[i] = b;
        }
    }
}

int eat_link_read_crc_ok(uint32_t crc)
{
    uint32_t got = 0;
    for (int i = 0; i < 4; i++) {
        got |= (uint32_t)hal_uart_read_byte() << (8 * i);
    }
    return got == ~crc;
}

void eat_link_begin(uint8_t type, uint8_t seq, uint16_t length, uint32_t *crc)
{
    const uint8_t sync[2] = {'E', 'T'};
    const uint8_t head[4] = {type, seq, (uint8_t)(length & 0xFF), (uint8_t)(length >> 8)};
    hal_uart_write(sync, 2);
    hal_uart_write(head, 4);
    *crc = eat_crc32_update(0xFFFFFFFFu, head, 4);
}

void eat_link_write(const void *data, uint32_t n, uint32_t *crc)
{
    hal_uart_write((const uint8_t *)data, n);
    *crc = eat_crc32_update(*crc, (const uint8_t *)data, n);
}

void eat_link_end(uint32_t crc)
{
    crc = ~crc;
    const uint8_t tail[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
    hal_uart_write(tail, 4);
}

void eat_link_send_error(uint8_t seq, uint8_t code, const char *message)
{
    uint32_t crc;
    uint32_t n = (uint32_t)strlen(message);
    if (n > 255u) {
        n = 255u; /* one short line is all the host prints */
    }
    eat_link_begin(EAT_MSG_ERROR, seq, (uint16_t)(1 + n), &crc);
    eat_link_write(&code, 1, &crc);
    eat_link_write(message, n, &crc);
    eat_link_end(crc);
}
