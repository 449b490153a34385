/*
 * Board self-test firmware (any board with a HAL): exercises UART in both directions and the
 * cycle counter.
 *   any byte b  -> answers b + 1 (mod 256)
 *   'c'         -> answers the decimal cycle count of a fixed 1000-iteration busy loop, then "\n"
 * ('c' is answered with the count instead of 'd'.)
 */
#include <stdint.h>

#include "hal.h"

#define SELFTEST_LOOP_ITERATIONS 1000u

static uint64_t measure_busy_loop(void)
{
    uint64_t t0 = hal_cycles();
    for (uint32_t i = 0u; i < SELFTEST_LOOP_ITERATIONS; i++) {
        __asm__ volatile("" : : "r"(i) : "memory"); /* keep the loop, one pass per iteration */
    }
    return hal_cycles() - t0;
}

static void write_u64_decimal(uint64_t v)
{
    uint8_t buf[21];
    uint32_t n = sizeof buf;
    buf[--n] = '\n';
    do {
        buf[--n] = (uint8_t)('0' + (uint8_t)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    hal_uart_write(&buf[n], (uint32_t)(sizeof buf - n));
}

int main(void)
{
    hal_init();
    for (;;) {
        uint8_t b = hal_uart_read_byte();
        if (b == (uint8_t)'c') {
            write_u64_decimal(measure_busy_loop());
        } else {
            uint8_t reply = (uint8_t)(b + 1u);
            hal_uart_write(&reply, 1u);
        }
    }
}
