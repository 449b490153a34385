/*
 * Board HAL for QEMU's `-M mps2-an500` (ARM MPS2 FPGA image AN500, Cortex-M7): the SIMULATION
 * STAND-IN for the NUCLEO-F746ZG, which QEMU does not model. Built only into the simulated
 * build of that board (boards/nucleo_f746zg.json, sim); the real board uses stm32f7.c.
 *
 * Same core (Cortex-M7, FPv5), same NVIC/SysTick; different UART and memory map:
 *   UART: CMSDK APB UART0 at 0x40004000 (ARM DDI 0479C 4.5): DATA +0, STATE +4 (bit 0 TX full,
 *         bit 1 RX full), CTRL +8 (bit 0 TX enable, bit 1 RX enable, bit 3 RX interrupt enable),
 *         INTSTATUS/INTCLEAR +0xC (bit 1 RX), BAUDDIV +0x10. QEMU wires UART0 RX to IRQ 0.
 *   clocks: fixed 25 MHz system clock in the FPGA image; nothing to configure.
 *
 * Cycle counter: SysTick on the processor clock, 24 bits extended to 64 by its wrap interrupt,
 * reported as INSTRUCTIONS: under QEMU's -icount shift=0 each instruction takes 1 ns of virtual
 * time and SysTick ticks every 40 ns (see boards/nucleo_f746zg.json, simulator.cycles).
 */
#include "hal.h"
#include "cortexm.h"

#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define UART0_BASE      0x40004000u
#define UART_DATA       (UART0_BASE + 0x00u)
#define UART_STATE      (UART0_BASE + 0x04u)
#define UART_CTRL       (UART0_BASE + 0x08u)
#define UART_INTCLEAR   (UART0_BASE + 0x0cu)
#define UART_BAUDDIV    (UART0_BASE + 0x10u)
#define UART_STATE_TXFULL (1u << 0)
#define UART_STATE_RXFULL (1u << 1)
#define UART_CTRL_TXEN  (1u << 0)
#define UART_CTRL_RXEN  (1u << 1)
#define UART_CTRL_RXIE  (1u << 3)
#define UART_INT_RX     (1u << 1)
#define UART0_RX_IRQ    0u
#define SYSCLK_HZ       25000000u
#define BAUD            115200u
#define NS_PER_TICK     (1000000000u / SYSCLK_HZ)

void SysTick_Handler(void);
void IRQ0_Handler(void);

void hal_init(void)
{
    (void)cortexm_irq_save();
    REG(UART_CTRL) = 0u;
    REG(UART_BAUDDIV) = SYSCLK_HZ / BAUD;  /* 217; QEMU requires >= 16 */
    REG(UART_INTCLEAR) = 0xfu;
    REG(UART_CTRL) = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXIE;
    cortexm_nvic_disable(UART0_RX_IRQ);
    cortexm_nvic_clear_pending(UART0_RX_IRQ);

    cortexm_systick_init();
    cortexm_irq_restore(0u);
}

void SysTick_Handler(void)
{
    cortexm_systick_on_wrap();
}

void IRQ0_Handler(void)
{
    cortexm_nvic_disable(UART0_RX_IRQ);
}

uint64_t hal_cycles(void)
{
    /* QEMU -icount shift=0: one instruction per ns of virtual time; SysTick counts the 25 MHz
     * model clock, one tick per 40 ns: instructions = ticks * 40 (to +-40). */
    return cortexm_systick_ticks() * NS_PER_TICK;
}

void hal_uart_write(const uint8_t *buf, uint32_t n)
{
    for (uint32_t i = 0u; i < n; i++) {
        while (REG(UART_STATE) & UART_STATE_TXFULL) {
        }
        REG(UART_DATA) = buf[i];
    }
}

uint8_t hal_uart_read_byte(void)
{
    uint32_t primask = cortexm_irq_save();
    while (!(REG(UART_STATE) & UART_STATE_RXFULL)) {
        /* The RX interrupt status stays latched until cleared: clear it, then sleep until the
         * next byte raises it (wfi wakes on the pending IRQ even with PRIMASK set). */
        REG(UART_INTCLEAR) = UART_INT_RX;
        if (REG(UART_STATE) & UART_STATE_RXFULL) {
            break;
        }
        cortexm_nvic_clear_pending(UART0_RX_IRQ);
        cortexm_nvic_enable(UART0_RX_IRQ);
        cortexm_wait_for_interrupt_masked();
    }
    uint8_t b = (uint8_t)REG(UART_DATA);
    cortexm_irq_restore(primask);
    return b;
}
