/* The host link: framed messages over the board's UART (docs/design.md, "Serial protocol").
 *
 * Frame: 'E' 'T', u8 type, u8 seq, u16 length (LE), payload, u32 CRC-32 (LE).
 * The CRC is zlib's CRC-32 (reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF)
 * over type, seq, length and payload. `seq` is the host's number for one attempt of a request;
 * every answer carries the seq of the request it answers, so the host never pairs an answer
 * with the wrong request (a retry gets a new seq). BOOT, sent once at start-up, has seq 0.
 * Payloads are streamed, never buffered whole: an INFER payload is read straight into the
 * model's input tensors in the arena. A length the request cannot have is refused before any
 * payload byte is read, so a corrupted length costs one frame, never a long stall.
 */
#ifndef EAT_LINK_H
#define EAT_LINK_H

#include <stdint.h>

enum {
    EAT_MSG_HELLO = 0x01,
    EAT_MSG_INFER = 0x02,
    EAT_MSG_PROFILE = 0x03, /* answered only by profiling builds (-DEAT_PROFILE) */
    EAT_MSG_BOOT = 0x80,    /* device -> host at start-up: the INFO payload; tells the host of a reset */
    EAT_MSG_INFO = 0x81,
    EAT_MSG_RESULT = 0x82,
    EAT_MSG_PROFILE_DATA = 0x83,
    EAT_MSG_ERROR = 0x7F
};

/* Error codes carried in an ERROR frame's first byte. */
enum {
    EAT_ERR_CRC = 1,        /* the request's CRC did not match */
    EAT_ERR_LENGTH = 2,     /* a payload size the request cannot have (not read: resync) */
    EAT_ERR_UNKNOWN = 3,    /* a frame type the firmware does not know */
    EAT_ERR_INVOKE = 4,     /* the model returned an error */
    EAT_ERR_INIT = 5        /* the engine failed to start: every request gets this */
};

typedef struct {
    uint8_t type;
    uint8_t seq;
    uint16_t length;
} eat_frame_header_t;

/* Incremental CRC-32 over a byte span; start from 0xFFFFFFFF, finish with ~crc. */
uint32_t eat_crc32_update(uint32_t crc, const uint8_t *data, uint32_t n);

/* Blocks until a sync + header arrives; leaves the payload unread. *crc holds the CRC so far. */
void eat_link_read_header(eat_frame_header_t *h, uint32_t *crc);
/* Reads n payload bytes into dst (or discards them when dst is NULL), updating *crc. */
void eat_link_read_payload(uint8_t *dst, uint32_t n, uint32_t *crc);
/* Reads the frame's CRC and compares it with the CRC computed over the frame. */
int eat_link_read_crc_ok(uint32_t crc);

/* Writing: begin (sync + header), any number of payload spans, end (CRC). */
void eat_link_begin(uint8_t type, uint8_t seq, uint16_t length, uint32_t *crc);
void eat_link_write(const void *data, uint32_t n, uint32_t *crc);
void eat_link_end(uint32_t crc);

/* An ERROR frame answering the request numbered `seq`. */
void eat_link_send_error(uint8_t seq, uint8_t code, const char *message);

#endif /* EAT_LINK_H */
