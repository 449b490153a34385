/*
 * Board HAL: the contract between the firmware templates and one MCU family
 * (docs/design.md, "Board HAL"). One implementation per family: firmware_templates/hal/<family>.c.
 */
#ifndef EAT_HAL_H
#define EAT_HAL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Clocks (CPU at its nominal F_CPU), the console UART (115200 8N1), the cycle counter. */
void hal_init(void);

/* Blocking write of n bytes to the console UART. */
void hal_uart_write(const uint8_t *buf, uint32_t n);

/* Blocking read of one byte from the console UART (sleeps between bytes where it can). */
uint8_t hal_uart_read_byte(void);

/* Free-running CPU cycle counter, 64 bits, monotonic; valid after hal_init(). */
uint64_t hal_cycles(void);

#ifdef __cplusplus
}
#endif

#endif /* EAT_HAL_H */
