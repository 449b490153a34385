/*
 * Generic Cortex-M startup (ARMv6-M / ARMv7-M), in C: vector table, .data copy, .bss zero,
 * static constructors, main(). Used by every Cortex-M board of the edgeaitiny platform; the
 * linker script provides the symbols below and places section .vectors where the core (or, on
 * the RP2040, boot2) expects it.
 *
 * Device interrupts are named by number: IRQ<n>_Handler (e.g. RP2040 UART0_IRQ = 20 ->
 * IRQ20_Handler). Every handler is weak and defaults to Default_Handler, which stops at a
 * breakpoint (the rp2040js runner reports it; a real core halts under a debugger, or locks up).
 */
#include <stdint.h>

#ifndef EAT_NUM_IRQS
#define EAT_NUM_IRQS 32
#endif
#if EAT_NUM_IRQS > 32
#error "startup_cortexm.c declares 32 device IRQ handlers: extend the list for this MCU"
#endif

typedef void (*eat_vector_t)(void);

extern uint32_t __StackTop;
extern uint32_t __data_start__, __data_end__, __data_load__;
extern uint32_t __bss_start__, __bss_end__;
extern eat_vector_t __preinit_array_start[], __preinit_array_end[];
extern eat_vector_t __init_array_start[], __init_array_end[];

int main(void);
void Reset_Handler(void);
void Default_Handler(void);

#define WEAK_DEFAULT __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_DEFAULT;
void HardFault_Handler(void) WEAK_DEFAULT;
void MemManage_Handler(void) WEAK_DEFAULT;
void BusFault_Handler(void) WEAK_DEFAULT;
void UsageFault_Handler(void) WEAK_DEFAULT;
void SVC_Handler(void) WEAK_DEFAULT;
void DebugMon_Handler(void) WEAK_DEFAULT;
void PendSV_Handler(void) WEAK_DEFAULT;
void SysTick_Handler(void) WEAK_DEFAULT;
void IRQ0_Handler(void) WEAK_DEFAULT;
void IRQ1_Handler(void) WEAK_DEFAULT;
void IRQ2_Handler(void) WEAK_DEFAULT;
void IRQ3_Handler(void) WEAK_DEFAULT;
void IRQ4_Handler(void) WEAK_DEFAULT;
void IRQ5_Handler(void) WEAK_DEFAULT;
void IRQ6_Handler(void) WEAK_DEFAULT;
void IRQ7_Handler(void) WEAK_DEFAULT;
void IRQ8_Handler(void) WEAK_DEFAULT;
void IRQ9_Handler(void) WEAK_DEFAULT;
void IRQ10_Handler(void) WEAK_DEFAULT;
void IRQ11_Handler(void) WEAK_DEFAULT;
void IRQ12_Handler(void) WEAK_DEFAULT;
void IRQ13_Handler(void) WEAK_DEFAULT;
void IRQ14_Handler(void) WEAK_DEFAULT;
void IRQ15_Handler(void) WEAK_DEFAULT;
void IRQ16_Handler(void) WEAK_DEFAULT;
void IRQ17_Handler(void) WEAK_DEFAULT;
void IRQ18_Handler(void) WEAK_DEFAULT;
void IRQ19_Handler(void) WEAK_DEFAULT;
void IRQ20_Handler(void) WEAK_DEFAULT;
void IRQ21_Handler(void) WEAK_DEFAULT;
void IRQ22_Handler(void) WEAK_DEFAULT;
void IRQ23_Handler(void) WEAK_DEFAULT;
void IRQ24_Handler(void) WEAK_DEFAULT;
void IRQ25_Handler(void) WEAK_DEFAULT;
void IRQ26_Handler(void) WEAK_DEFAULT;
void IRQ27_Handler(void) WEAK_DEFAULT;
void IRQ28_Handler(void) WEAK_DEFAULT;
void IRQ29_Handler(void) WEAK_DEFAULT;
void IRQ30_Handler(void) WEAK_DEFAULT;
void IRQ31_Handler(void) WEAK_DEFAULT;

/* ARMv6-M/ARMv7-M vector table: initial SP, 15 system exceptions, then device IRQs. */
__attribute__((section(".vectors"), used))
const eat_vector_t eat_vector_table[16 + EAT_NUM_IRQS] = {
    (eat_vector_t)(uintptr_t)&__StackTop,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,   /* reserved on ARMv6-M */
    BusFault_Handler,    /* reserved on ARMv6-M */
    UsageFault_Handler,  /* reserved on ARMv6-M */
    0, 0, 0, 0,
    SVC_Handler,
    DebugMon_Handler,    /* reserved on ARMv6-M */
    0,
    PendSV_Handler,
    SysTick_Handler,
    IRQ0_Handler,
    IRQ1_Handler,
    IRQ2_Handler,
    IRQ3_Handler,
    IRQ4_Handler,
    IRQ5_Handler,
    IRQ6_Handler,
    IRQ7_Handler,
    IRQ8_Handler,
    IRQ9_Handler,
    IRQ10_Handler,
    IRQ11_Handler,
    IRQ12_Handler,
    IRQ13_Handler,
    IRQ14_Handler,
    IRQ15_Handler,
    IRQ16_Handler,
    IRQ17_Handler,
    IRQ18_Handler,
    IRQ19_Handler,
    IRQ20_Handler,
    IRQ21_Handler,
    IRQ22_Handler,
    IRQ23_Handler,
    IRQ24_Handler,
    IRQ25_Handler,
    IRQ26_Handler,
    IRQ27_Handler,
    IRQ28_Handler,
    IRQ29_Handler,
    IRQ30_Handler,
    IRQ31_Handler,
};

void Reset_Handler(void)
{
    uint32_t *src = &__data_load__;
    uint32_t *dst = &__data_start__;
    while (dst < &__data_end__) {
        *dst++ = *src++;
    }
    for (dst = &__bss_start__; dst < &__bss_end__; dst++) {
        *dst = 0u;
    }
    for (eat_vector_t *f = __preinit_array_start; f < __preinit_array_end; f++) {
        (*f)();
    }
    for (eat_vector_t *f = __init_array_start; f < __init_array_end; f++) {
        (*f)();
    }
    (void)main();
    for (;;) {
        __asm__ volatile("wfi");
    }
}

void Default_Handler(void)
{
    /* An exception nobody handles: stop here (debugger / simulator see the breakpoint). */
    __asm__ volatile("bkpt #0x7f");
    for (;;) {
    }
}

/* -nostartfiles: newlib's __libc_init_array may still reference these. */
__attribute__((weak)) void _init(void) {}
__attribute__((weak)) void _fini(void) {}
