/*
 * Generic Cortex-M startup (ARMv6-M / ARMv7-M), in C: vector table, .data copy, .bss zero,
 * static constructors, main(). Used by every Cortex-M board of the edgeaitiny platform; the
 * linker script provides the symbols below and places section .vectors where the core (or, on
 * the RP2040, boot2) expects it.
 *
 * Device interrupts are named by number: IRQ<n>_Handler (e.g. RP2040 UART0_IRQ = 20 ->
 * IRQ20_Handler, STM32F4 USART2 = 38 -> IRQ38_Handler). Every handler is weak and defaults to Default_Handler, which stops at a
 * breakpoint (the rp2040js runner reports it; a real core halts under a debugger, or locks up).
 */
#include <stdint.h>

#ifndef EAT_NUM_IRQS
#define EAT_NUM_IRQS 32
#endif
#if EAT_NUM_IRQS > 128
#error "startup_cortexm.c declares 128 device IRQ handlers: extend the list for this MCU"
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
/* Device IRQ handlers in groups of 32 (RP2040: 32; STM32F4/F7: up to 98). */
#define EAT_IRQS_0_31(M) \
    M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) \
    M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15) \
    M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) \
    M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31)
#define EAT_IRQS_32_63(M) \
    M(32) M(33) M(34) M(35) M(36) M(37) M(38) M(39) \
    M(40) M(41) M(42) M(43) M(44) M(45) M(46) M(47) \
    M(48) M(49) M(50) M(51) M(52) M(53) M(54) M(55) \
    M(56) M(57) M(58) M(59) M(60) M(61) M(62) M(63)
#define EAT_IRQS_64_95(M) \
    M(64) M(65) M(66) M(67) M(68) M(69) M(70) M(71) \
    M(72) M(73) M(74) M(75) M(76) M(77) M(78) M(79) \
    M(80) M(81) M(82) M(83) M(84) M(85) M(86) M(87) \
    M(88) M(89) M(90) M(91) M(92) M(93) M(94) M(95)
#define EAT_IRQS_96_127(M) \
    M(96) M(97) M(98) M(99) M(100) M(101) M(102) M(103) \
    M(104) M(105) M(106) M(107) M(108) M(109) M(110) M(111) \
    M(112) M(113) M(114) M(115) M(116) M(117) M(118) M(119) \
    M(120) M(121) M(122) M(123) M(124) M(125) M(126) M(127)
#define EAT_DECLARE_IRQ(n) void IRQ##n##_Handler(void) WEAK_DEFAULT;
EAT_IRQS_0_31(EAT_DECLARE_IRQ)
EAT_IRQS_32_63(EAT_DECLARE_IRQ)
EAT_IRQS_64_95(EAT_DECLARE_IRQ)
EAT_IRQS_96_127(EAT_DECLARE_IRQ)

/* ARMv6-M/ARMv7-M vector table: initial SP, 15 system exceptions, then device IRQs, in groups
 * of 32 up to EAT_NUM_IRQS (build.num_irqs of the board). */
#define EAT_VECTOR_ENTRY(n) IRQ##n##_Handler,
__attribute__((section(".vectors"), used))
const eat_vector_t eat_vector_table[] = {
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
    EAT_IRQS_0_31(EAT_VECTOR_ENTRY)
#if EAT_NUM_IRQS > 32
    EAT_IRQS_32_63(EAT_VECTOR_ENTRY)
#endif
#if EAT_NUM_IRQS > 64
    EAT_IRQS_64_95(EAT_VECTOR_ENTRY)
#endif
#if EAT_NUM_IRQS > 96
    EAT_IRQS_96_127(EAT_VECTOR_ENTRY)
#endif
};

void Reset_Handler(void)
{
#if defined(__ARM_FP)
    /* Cores with an FPU (M4F, M7) built for it: grant CP10/CP11 full access before any code
     * that may use the FP registers (ARMv7-M ARM B3.2.20, CPACR at 0xE000ED88). */
    *(volatile uint32_t *)0xe000ed88u |= 0xfu << 20;
    __asm__ volatile("dsb\n\tisb" : : : "memory");
#endif
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
