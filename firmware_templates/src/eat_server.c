/* The device side of the serial protocol; see eat_server.h and eat_link.h. */
#include "eat_server.h"

#include "eat_link.h"
#include "engine.h"
#include "hal.h"

#define PROTOCOL_VERSION 2u /* 2: u8 seq in the frame header, BOOT at start-up */
#define DTYPE_INT8 1u

/* Writes payload spans, or (dry) only counts them: INFO is sized by a dry pass first. */
typedef struct {
    uint32_t crc;
    uint32_t count;
    int dry;
} sink_t;

static void put(sink_t *s, const void *data, uint32_t n)
{
    s->count += n;
    if (!s->dry) {
        eat_link_write(data, n, &s->crc);
    }
}

static void put_u8(sink_t *s, uint8_t v) { put(s, &v, 1); }

static void put_u32(sink_t *s, uint32_t v)
{
    const uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(s, le, 4);
}

static void put_str(sink_t *s, const char *str)
{
    uint32_t n = 0;
    while (str[n] != '\0' && n < 255u) {
        n++;
    }
    put_u8(s, (uint8_t)n);
    put(s, str, n);
}

static void put_tensor(sink_t *s, const eat_tensor_info_t *t)
{
    put_u8(s, t->dtype != 0u ? t->dtype : DTYPE_INT8); /* 2 = float32 */
    put_u8(s, (uint8_t)t->dims_count);
    for (int d = 0; d < (int)t->dims_count; d++) {
        put_u32(s, (uint32_t)t->dims[d]);
    }
    put(s, &t->scale, 4); /* IEEE-754 single, little-endian like every target here */
    put_u32(s, (uint32_t)t->zero_point);
}

static void put_info(sink_t *s, const eat_server_identity_t *id)
{
    put_u8(s, PROTOCOL_VERSION);
    put_u32(s, id->cpu_hz);
    put_u32(s, engine_arena_bytes());
    put_str(s, id->board);
    put_str(s, id->engine);
    put_str(s, id->sha256);
    put_u8(s, (uint8_t)engine_num_inputs());
    for (int i = 0; i < engine_num_inputs(); i++) {
        put_tensor(s, engine_input_info(i));
    }
    put_u8(s, (uint8_t)engine_num_outputs());
    for (int i = 0; i < engine_num_outputs(); i++) {
        put_tensor(s, engine_output_info(i));
    }
}

/* INFO (answering HELLO) or BOOT (at start-up): the same identity payload. */
static void send_info(const eat_server_identity_t *id, uint8_t type, uint8_t seq)
{
    sink_t s = {0, 0, 1};
    put_info(&s, id);
    uint16_t length = (uint16_t)s.count;
    s.dry = 0;
    eat_link_begin(type, seq, length, &s.crc);
    put_info(&s, id);
    eat_link_end(s.crc);
}

static uint32_t input_bytes(void)
{
    uint32_t n = 0;
    for (int i = 0; i < engine_num_inputs(); i++) {
        n += engine_input_info(i)->bytes;
    }
    return n;
}

static uint32_t output_bytes(void)
{
    uint32_t n = 0;
    for (int i = 0; i < engine_num_outputs(); i++) {
        n += engine_output_info(i)->bytes;
    }
    return n;
}

static void handle_infer(const eat_frame_header_t *h, uint32_t crc)
{
    if (h->length != input_bytes()) {
        /* Not read: a corrupted length must not swallow the frames behind it. */
        eat_link_send_error(h->seq, EAT_ERR_LENGTH, "INFER payload size is not the model input size");
        return;
    }
    /* Straight into the input tensors: no frame buffer. */
    for (int i = 0; i < engine_num_inputs(); i++) {
        eat_link_read_payload(engine_input(i), engine_input_info(i)->bytes, &crc);
    }
    if (!eat_link_read_crc_ok(crc)) {
        eat_link_send_error(h->seq, EAT_ERR_CRC, "INFER frame CRC mismatch");
        return;
    }

    uint64_t start = hal_cycles();
    int status = engine_invoke();
    uint64_t cycles = hal_cycles() - start;
    if (status != 0) {
        eat_link_send_error(h->seq, EAT_ERR_INVOKE, "the engine failed to invoke the model");
        return;
    }

    sink_t s = {0, 0, 0};
    eat_link_begin(EAT_MSG_RESULT, h->seq, (uint16_t)(8u + output_bytes()), &s.crc);
    put_u32(&s, (uint32_t)cycles);
    put_u32(&s, (uint32_t)(cycles >> 32));
    for (int i = 0; i < engine_num_outputs(); i++) {
        put(&s, engine_output(i), engine_output_info(i)->bytes);
    }
    eat_link_end(s.crc);
}

#ifdef EAT_PROFILE
/* PROFILE -> PROFILE_DATA: u32 op count, then u64 cycles per op of the last INFER. */
static void handle_profile(const eat_frame_header_t *h, uint32_t crc)
{
    if (h->length != 0u) {
        eat_link_send_error(h->seq, EAT_ERR_LENGTH, "PROFILE has no payload");
        return;
    }
    if (!eat_link_read_crc_ok(crc)) {
        eat_link_send_error(h->seq, EAT_ERR_CRC, "PROFILE frame CRC mismatch");
        return;
    }
    const uint64_t *cycles = 0;
    uint32_t n = (uint32_t)engine_profile(&cycles);
    sink_t s = {0, 0, 0};
    eat_link_begin(EAT_MSG_PROFILE_DATA, h->seq, (uint16_t)(4u + 8u * n), &s.crc);
    put_u32(&s, n);
    for (uint32_t i = 0; i < n; i++) {
        put_u32(&s, (uint32_t)cycles[i]);
        put_u32(&s, (uint32_t)(cycles[i] >> 32));
    }
    eat_link_end(s.crc);
}
#endif

void eat_server_run(const eat_server_identity_t *id, const char *init_error)
{
    /* The boot announcement: a host that sees it mid-run knows the device reset. */
    send_info(id, EAT_MSG_BOOT, 0u);
    for (;;) {
        eat_frame_header_t h;
        uint32_t crc;
        eat_link_read_header(&h, &crc);
        /* Every refusal below leaves the payload unread: the next sync is searched from here. */
        if (init_error != 0) {
            eat_link_send_error(h.seq, EAT_ERR_INIT, init_error);
        } else if (h.type == EAT_MSG_HELLO) {
            if (h.length != 0u) {
                eat_link_send_error(h.seq, EAT_ERR_LENGTH, "HELLO has no payload");
            } else if (eat_link_read_crc_ok(crc)) {
                send_info(id, EAT_MSG_INFO, h.seq);
            } else {
                eat_link_send_error(h.seq, EAT_ERR_CRC, "HELLO frame CRC mismatch");
            }
#ifdef EAT_PROFILE
        } else if (h.type == EAT_MSG_PROFILE) {
            handle_profile(&h, crc);
#endif
        } else if (h.type == EAT_MSG_INFER) {
            handle_infer(&h, crc);
        } else {
            eat_link_send_error(h.seq, EAT_ERR_UNKNOWN, "unknown frame type");
        }
    }
}
