/*
 * Board HAL for the STM32F446RE (NUCLEO-F446RE), bare metal, no CMSIS/HAL library.
 *
 * Register addresses and values from RM0390 (STM32F446xx reference manual) and PM0214 (Cortex-M4
 * programming manual); section numbers next to each block.
 *
 * Real board: HSI 16 MHz -> PLL -> 180 MHz SYSCLK (over-drive on, 5 flash wait states),
 * APB1 = 45 MHz, USART2 on PA2 (TX) / PA3 (RX) = the ST-LINK virtual COM port, 115200 8N1.
 *
 * Simulation: the same image runs in QEMU `-M netduinoplus2` (an STM32F405: same USART2, GPIO,
 * NVIC and SysTick; flash and SRAM at the same bases). QEMU 7.2 models no RCC, PWR or flash
 * interface (they read 0, writes are ignored), so every clock step below waits with a bound and
 * leaves the clocks alone when its ready flag never comes: in QEMU the core stays "on HSI" and
 * the UART ignores BRR. The RCC/PWR/FLASH/GPIO writes are therefore real-board only in effect.
 *
 * Cycle counter: SysTick on the processor clock, 24 bits extended to 64 by its wrap interrupt
 * (DWT CYCCNT would do on the real core, but reads 0 in QEMU). In QEMU SysTick counts the
 * model's 168 MHz clock in virtual time; under `-icount shift=0` that is instruction-derived
 * and deterministic, and the simulated build (EAT_SIM_SYSTICK_NS_NUM/DEN, the only difference
 * from the real-board build) converts it to instructions (boards/nucleo_f446re.json).
 *
 * The only mutable globals are the SysTick wrap counter and the UART clock actually in use.
 */
#include "hal.h"
#include "cortexm.h"
#include "stm32_clocks.h"

#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* RM0390 6.3 RCC, base 0x40023800 (clock tree: stm32_clocks.h; APB1 = 45 MHz, APB2 = 90 MHz). */
#define RCC_AHB1ENR     0x40023830u
#define RCC_APB1ENR     0x40023840u
#define RCC_AHB1ENR_GPIOAEN  (1u << 0)
#define RCC_APB1ENR_USART2EN (1u << 17)
/* 6.3.2 PLLCFGR: HSI (16 MHz) / M 8 = 2 MHz VCO input, * N 180 = 360 MHz VCO, / P 2 = 180 MHz.
 * Q = 8 (45 MHz, unused), R = 2 (unused). PLLSRC (bit 22) = 0: HSI. */
#define PLL_M   8u
#define PLL_N   180u
#define PLL_P_DIV2 0u
#define PLL_Q   8u
#define PLL_R   2u
#define PLLCFGR_VALUE ((PLL_M << 0) | (PLL_N << 6) | (PLL_P_DIV2 << 16) | (PLL_Q << 24) | (PLL_R << 28))

#define SYSCLK_HZ     180000000u
#define PCLK1_PLL_HZ  (SYSCLK_HZ / 4u)

/* RM0390 5.1.4: voltage scale 1 and over-drive for 180 MHz (stm32_clocks.h).
 * RM0390 3.9 flash interface: 5 wait states at 180 MHz, 2.7-3.6 V (table 5). */
#define FLASH_ACR_LATENCY_5WS  5u
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN   (1u << 9)
#define FLASH_ACR_DCEN   (1u << 10)
#define FLASH_ACR_VALUE  (FLASH_ACR_LATENCY_5WS | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN)

/* RM0390 7.4 GPIOA, base 0x40020000: PA2/PA3 alternate function 7 (USART2, datasheet table 16). */
#define GPIOA_BASE      0x40020000u
#define GPIOA_MODER     (GPIOA_BASE + 0x00u)
#define GPIOA_OSPEEDR   (GPIOA_BASE + 0x08u)
#define GPIOA_PUPDR     (GPIOA_BASE + 0x0cu)
#define GPIOA_AFRL      (GPIOA_BASE + 0x20u)
#define GPIO_MODE_AF    2u
#define GPIO_AF7_USART  7u

/* RM0390 25.6 USART2, base 0x40004400. */
#define USART2_BASE     0x40004400u
#define USART_SR        (USART2_BASE + 0x00u)
#define USART_DR        (USART2_BASE + 0x04u)
#define USART_BRR       (USART2_BASE + 0x08u)
#define USART_CR1       (USART2_BASE + 0x0cu)
#define USART_SR_RXNE   (1u << 5)
#define USART_SR_TXE    (1u << 7)
#define USART_CR1_RE    (1u << 2)
#define USART_CR1_TE    (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_UE    (1u << 13)
#define BAUD            115200u
/* RM0390 10.2 vector table: USART2 global interrupt = position 38 -> IRQ38_Handler. */
#define USART2_IRQ      38u

/* PM0214 4.3-4.4: NVIC, SCB, SysTick: cortexm.h. */

void SysTick_Handler(void);
void IRQ38_Handler(void);

static void usart2_init(uint32_t pclk1_hz)
{
    REG(RCC_AHB1ENR) |= RCC_AHB1ENR_GPIOAEN;
    REG(RCC_APB1ENR) |= RCC_APB1ENR_USART2EN;
    (void)REG(RCC_APB1ENR);  /* 6.3.10 note: wait for the enable to reach the bus */

    /* PA2 = TX, PA3 = RX: AF7, high speed, pull-up on RX (idle-high line). */
    REG(GPIOA_AFRL) = (REG(GPIOA_AFRL) & ~(0xffu << 8)) | (GPIO_AF7_USART << 8) | (GPIO_AF7_USART << 12);
    REG(GPIOA_OSPEEDR) |= (2u << 4) | (2u << 6);
    REG(GPIOA_PUPDR) = (REG(GPIOA_PUPDR) & ~(0xfu << 4)) | (1u << 6);
    REG(GPIOA_MODER) = (REG(GPIOA_MODER) & ~(0xfu << 4)) | (GPIO_MODE_AF << 4) | (GPIO_MODE_AF << 6);

    /* 25.4.4: oversampling by 16, BRR = USARTDIV * 16 = fck / baud, rounded: 45 MHz -> 391
     * (115090 baud, -0.09 %); 16 MHz (HSI fallback) -> 139 (115108 baud, -0.08 %). */
    REG(USART_CR1) = 0u;
    REG(USART_BRR) = (pclk1_hz + BAUD / 2u) / BAUD;
    REG(USART_CR1) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;

    /* The RX interrupt only wakes hal_uart_read_byte's wfi; its handler disables itself in the
     * NVIC (the USART line stays high until DR is read, in silicon and in QEMU). */
    cortexm_nvic_disable(USART2_IRQ);
    cortexm_nvic_clear_pending(USART2_IRQ);
}

void hal_init(void)
{
    (void)cortexm_irq_save();
    uint32_t pclk1 = stm32_clocks_init(PLLCFGR_VALUE, FLASH_ACR_VALUE, PCLK1_PLL_HZ);
    usart2_init(pclk1);
    cortexm_systick_init();
    cortexm_irq_restore(0u);
}

void SysTick_Handler(void)
{
    cortexm_systick_on_wrap();
}

void IRQ38_Handler(void)
{
    cortexm_nvic_disable(USART2_IRQ);
}

uint64_t hal_cycles(void)
{
    uint64_t ticks = cortexm_systick_ticks();
#if defined(EAT_SIM_SYSTICK_NS_NUM) && defined(EAT_SIM_SYSTICK_NS_DEN)
    /* Simulated build only (boards/nucleo_f446re.json, sim): QEMU -icount shift=0 gives each
     * instruction 1 ns of virtual time, and SysTick counts the model's 168 MHz clock, so
     * instructions = ticks * 1e9 / 168e6 = ticks * 125 / 21. */
    return ticks * EAT_SIM_SYSTICK_NS_NUM / EAT_SIM_SYSTICK_NS_DEN;
#else
    return ticks;
#endif
}

void hal_uart_write(const uint8_t *buf, uint32_t n)
{
    for (uint32_t i = 0u; i < n; i++) {
        while (!(REG(USART_SR) & USART_SR_TXE)) {
        }
        REG(USART_DR) = buf[i];
    }
}

uint8_t hal_uart_read_byte(void)
{
    uint32_t primask = cortexm_irq_save();
    while (!(REG(USART_SR) & USART_SR_RXNE)) {
        /* Sleep until RX: with PRIMASK set, wfi still wakes on the enabled, pending USART2
         * interrupt, so a byte arriving after the check is not missed; the handler then runs
         * in the short cpsie window and disables the IRQ again. Under QEMU icount this keeps
         * the wait cheap (a busy poll burns virtual time). */
        cortexm_nvic_enable(USART2_IRQ);
        cortexm_wait_for_interrupt_masked();
    }
    uint8_t b = (uint8_t)REG(USART_DR);  /* reading DR clears RXNE (and ORE after an SR read) */
    cortexm_irq_restore(primask);
    return b;
}
