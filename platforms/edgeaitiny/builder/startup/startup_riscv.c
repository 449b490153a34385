/*
 * RV32 C runtime start for the edgeaitiny platform (ESP32-C3): .data copy, .bss zero, static
 * constructors, main(). entry_riscv.S sets gp, sp and mtvec, then calls eat_crt_start.
 */
#include <stdint.h>

typedef void (*eat_init_fn_t)(void);

extern uint32_t __data_start__, __data_end__, __data_load__;
extern uint32_t __bss_start__, __bss_end__;
extern eat_init_fn_t __init_array_start[], __init_array_end[];

int main(void);
void eat_crt_start(void) __attribute__((noreturn, used));
void eat_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval) __attribute__((noreturn, used));

/* Kept for a debugger: the last trap's cause, pc and value. */
volatile uint32_t eat_last_trap[3];

void eat_crt_start(void)
{
    uint32_t *src = &__data_load__;
    uint32_t *dst = &__data_start__;
    if (src != dst) {
        while (dst < &__data_end__) {
            *dst++ = *src++;
        }
    }
    for (dst = &__bss_start__; dst < &__bss_end__; dst++) {
        *dst = 0u;
    }
    for (eat_init_fn_t *f = __init_array_start; f < __init_array_end; f++) {
        (*f)();
    }
    (void)main();
    for (;;) {
        __asm__ volatile("wfi");
    }
}

void eat_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    /* An exception or interrupt nobody handles: record it and stop (ebreak under a debugger). */
    eat_last_trap[0] = mcause;
    eat_last_trap[1] = mepc;
    eat_last_trap[2] = mtval;
    for (;;) {
        __asm__ volatile("ebreak");
    }
}
