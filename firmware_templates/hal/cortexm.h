/*
 * What the Cortex-M board HALs share (rp2040.c, stm32f4.c, stm32f7.c, mps2.c): PRIMASK
 * save/restore, the masked wfi wait, NVIC enable/disable/clear-pending, and SysTick as a
 * free-running counter (24 bits extended to 64 by its wrap interrupt). C99, header only.
 *
 * Register addresses are the architecture's, the same on every Cortex-M: the System Control
 * Space of the ARMv6-M ARM (DDI 0419, B3.2 SCB, B3.3 SysTick, B3.4 NVIC) and of the ARMv7-M ARM
 * (DDI 0403, B3.2, B3.3, B3.4). ARMv6-M has one NVIC register of each kind (32 IRQs); ARMv7-M has
 * up to 16, one per 32 IRQs, at consecutive words.
 *
 * Include it from exactly one translation unit, the board HAL: it holds the SysTick wrap count
 * (a static variable, one per including file). The HAL defines SysTick_Handler (the vector name
 * in startup_cortexm.c) as a call to cortexm_systick_on_wrap(), and scales the ticks from
 * cortexm_systick_ticks() to what its hal_cycles() reports.
 */
#ifndef EAT_CORTEXM_H
#define EAT_CORTEXM_H

#include <stdint.h>

#define CORTEXM_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* B3.4 NVIC: set-enable, clear-enable, clear-pending, one bit per IRQ, 32 IRQs per word. */
#define NVIC_ISER(n)        (0xe000e100u + 4u * (n))
#define NVIC_ICER(n)        (0xe000e180u + 4u * (n))
#define NVIC_ICPR(n)        (0xe000e280u + 4u * (n))

/* B3.2 SCB: Interrupt Control and State Register. */
#define SCB_ICSR            0xe000ed04u
#define ICSR_PENDSTSET      (1u << 26)

/* B3.3 SysTick: control and status, reload value, current value. */
#define SYST_CSR            0xe000e010u
#define SYST_RVR            0xe000e014u
#define SYST_CVR            0xe000e018u
#define SYST_CSR_ENABLE     (1u << 0)
#define SYST_CSR_TICKINT    (1u << 1)
#define SYST_CSR_CLKSOURCE  (1u << 2)     /* 1 = processor clock */
#define SYST_RELOAD         0x00ffffffu   /* 24-bit counter, full range: period 2^24 ticks */

/* SysTick wraps since cortexm_systick_init(). 32-bit reads and writes are atomic on every
 * Cortex-M, and wraps * 2^24 covers 2^56 ticks (18 years at 125 MHz). */
static volatile uint32_t s_cortexm_systick_wraps;

/* Mask interrupts (PRIMASK = 1) and return the previous PRIMASK for cortexm_irq_restore(). */
static inline uint32_t cortexm_irq_save(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask) : : "memory");
    return primask;
}

static inline void cortexm_irq_restore(uint32_t primask)
{
    __asm__ volatile("msr primask, %0" : : "r"(primask) : "memory");
}

/* With interrupts masked: sleep until an enabled interrupt is pending (wfi wakes on it even with
 * PRIMASK set, so an event after the caller's last check is not missed), then open a short window
 * in which its handler runs, and mask again. */
static inline void cortexm_wait_for_interrupt_masked(void)
{
    __asm__ volatile("wfi" : : : "memory");
    __asm__ volatile("cpsie i\n\tisb\n\tcpsid i" : : : "memory");
}

static inline void cortexm_nvic_enable(uint32_t irq)
{
    CORTEXM_REG(NVIC_ISER(irq / 32u)) = 1u << (irq % 32u);
}

static inline void cortexm_nvic_disable(uint32_t irq)
{
    CORTEXM_REG(NVIC_ICER(irq / 32u)) = 1u << (irq % 32u);
}

static inline void cortexm_nvic_clear_pending(uint32_t irq)
{
    CORTEXM_REG(NVIC_ICPR(irq / 32u)) = 1u << (irq % 32u);
}

/* B3.3: processor clock, full 24-bit reload, an interrupt on each wrap. Call with interrupts
 * masked. */
static inline void cortexm_systick_init(void)
{
    s_cortexm_systick_wraps = 0u;
    CORTEXM_REG(SYST_CSR) = 0u;
    CORTEXM_REG(SYST_RVR) = SYST_RELOAD;
    CORTEXM_REG(SYST_CVR) = 0u;  /* any write clears the counter; it reloads on the next clock */
    CORTEXM_REG(SYST_CSR) = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

/* The body of SysTick_Handler. */
static inline void cortexm_systick_on_wrap(void)
{
    s_cortexm_systick_wraps = s_cortexm_systick_wraps + 1u;
}

/* SysTick ticks since cortexm_systick_init(), 64 bits, monotonic; safe with interrupts on or off. */
static inline uint64_t cortexm_systick_ticks(void)
{
    uint32_t primask = cortexm_irq_save();
    uint32_t wraps = s_cortexm_systick_wraps;
    uint32_t cvr = CORTEXM_REG(SYST_CVR);
    if (CORTEXM_REG(SCB_ICSR) & ICSR_PENDSTSET) {
        /* Wrapped, but the handler has not run (interrupts are masked here): count the wrap
         * ourselves and re-read CVR, which now certainly belongs to the new period. */
        wraps += 1u;
        cvr = CORTEXM_REG(SYST_CVR);
    }
    cortexm_irq_restore(primask);
    /* SysTick pends at the 1 -> 0 transition and reloads on the next clock, so CVR == 0 is the
     * first count of the new period ("just wrapped"): elapsed = (2^24 - CVR) mod 2^24. */
    return ((uint64_t)wraps << 24) + ((0x01000000u - cvr) & SYST_RELOAD);
}

#endif /* EAT_CORTEXM_H */
