/*
 * Board HAL for the STM32F746ZG (NUCLEO-F746ZG), bare metal, no CMSIS/HAL library.
 *
 * Register addresses and values from RM0385 (STM32F75xxx/74xxx reference manual) and PM0253
 * (Cortex-M7 programming manual); section numbers next to each block.
 *
 * Real board: HSI 16 MHz -> PLL -> 216 MHz SYSCLK (over-drive on, 7 flash wait states, ART
 * accelerator and the core's I-cache on), APB1 = 54 MHz, USART3 on PD8 (TX) / PD9 (RX) = the
 * ST-LINK virtual COM port, 115200 8N1.
 *
 * NOT SIMULATED HERE: QEMU has no STM32F7. The simulated build of this board links
 * firmware_templates/hal/mps2.c and mps2_an500.ld instead (boards/nucleo_f746zg.json, sim);
 * this file is built for the real board only and has not run on one here.
 *
 * Cycle counter: SysTick on the processor clock, 24 bits extended to 64 by its wrap interrupt.
 */
#include "hal.h"
#include "cortexm.h"
#include "stm32_clocks.h"

#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* RM0385 5.3 RCC, base 0x40023800 (clock tree: stm32_clocks.h; APB1 = 54 MHz, APB2 = 108 MHz). */
#define RCC_AHB1ENR     0x40023830u
#define RCC_APB1ENR     0x40023840u
#define RCC_AHB1ENR_GPIODEN  (1u << 3)
#define RCC_APB1ENR_USART3EN (1u << 18)
/* 5.3.2 PLLCFGR: HSI 16 MHz / M 8 = 2 MHz, * N 216 = 432 MHz VCO, / P 2 = 216 MHz, Q 9 = 48 MHz. */
#define PLLCFGR_VALUE   ((8u << 0) | (216u << 6) | (0u << 16) | (9u << 24))

#define PCLK1_PLL_HZ    (216000000u / 4u)

/* RM0385 4.1.4: scale 1 + over-drive for 216 MHz (stm32_clocks.h).
 * RM0385 3.3.2: 7 wait states at 216 MHz, 2.7-3.6 V; prefetch and ART on. */
#define FLASH_ACR_LATENCY_7WS 7u
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ARTEN  (1u << 9)
#define FLASH_ACR_VALUE  (FLASH_ACR_LATENCY_7WS | FLASH_ACR_PRFTEN | FLASH_ACR_ARTEN)

/* RM0385 6.4 GPIOD, base 0x40020c00: PD8/PD9 alternate function 7 (USART3). */
#define GPIOD_BASE      0x40020c00u
#define GPIOD_MODER     (GPIOD_BASE + 0x00u)
#define GPIOD_OSPEEDR   (GPIOD_BASE + 0x08u)
#define GPIOD_PUPDR     (GPIOD_BASE + 0x0cu)
#define GPIOD_AFRH      (GPIOD_BASE + 0x24u)

/* RM0385 31.8 USART3, base 0x40004800 (the F7 USART: ISR/RDR/TDR, not SR/DR). */
#define USART3_BASE     0x40004800u
#define USART_CR1       (USART3_BASE + 0x00u)
#define USART_BRR       (USART3_BASE + 0x0cu)
#define USART_ISR       (USART3_BASE + 0x1cu)
#define USART_ICR       (USART3_BASE + 0x20u)
#define USART_RDR       (USART3_BASE + 0x24u)
#define USART_TDR       (USART3_BASE + 0x28u)
#define USART_CR1_UE    (1u << 0)
#define USART_CR1_RE    (1u << 2)
#define USART_CR1_TE    (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_ISR_ORE   (1u << 3)
#define USART_ISR_RXNE  (1u << 5)
#define USART_ISR_TXE   (1u << 7)
#define USART_ICR_ORECF (1u << 3)
#define BAUD            115200u
/* RM0385 10.2 vector table: USART3 global interrupt = position 39. */
#define USART3_IRQ      39u

/* PM0253 4.8: SCB cache maintenance (NVIC and SysTick: cortexm.h). */
#define SCB_CCR         0xe000ed14u
#define SCB_CCR_IC      (1u << 17)
#define SCB_ICIALLU     0xe000ef50u

void SysTick_Handler(void);
void IRQ39_Handler(void);

static void icache_enable(void)
{
    /* PM0253 4.8.5: invalidate, then enable the L1 instruction cache. (The D-cache stays off:
     * nothing here needs it, and it would need set/way invalidation first.) */
    __asm__ volatile("dsb\n\tisb" : : : "memory");
    REG(SCB_ICIALLU) = 0u;
    __asm__ volatile("dsb\n\tisb" : : : "memory");
    REG(SCB_CCR) |= SCB_CCR_IC;
    __asm__ volatile("dsb\n\tisb" : : : "memory");
}

static void usart3_init(uint32_t pclk1_hz)
{
    REG(RCC_AHB1ENR) |= RCC_AHB1ENR_GPIODEN;
    REG(RCC_APB1ENR) |= RCC_APB1ENR_USART3EN;
    (void)REG(RCC_APB1ENR);

    /* PD8 = TX, PD9 = RX: AF7, high speed, pull-up on RX. */
    REG(GPIOD_AFRH) = (REG(GPIOD_AFRH) & ~0xffu) | (7u << 0) | (7u << 4);
    REG(GPIOD_OSPEEDR) |= (2u << 16) | (2u << 18);
    REG(GPIOD_PUPDR) = (REG(GPIOD_PUPDR) & ~(0xfu << 16)) | (1u << 18);
    REG(GPIOD_MODER) = (REG(GPIOD_MODER) & ~(0xfu << 16)) | (2u << 16) | (2u << 18);

    /* 31.5.4: oversampling by 16, BRR = fck / baud: 54 MHz -> 469 (115139 baud, -0.05 %). */
    REG(USART_CR1) = 0u;
    REG(USART_BRR) = (pclk1_hz + BAUD / 2u) / BAUD;
    REG(USART_CR1) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;

    cortexm_nvic_disable(USART3_IRQ);
    cortexm_nvic_clear_pending(USART3_IRQ);
}

void hal_init(void)
{
    (void)cortexm_irq_save();
    icache_enable();
    usart3_init(stm32_clocks_init(PLLCFGR_VALUE, FLASH_ACR_VALUE, PCLK1_PLL_HZ));
    cortexm_systick_init();
    cortexm_irq_restore(0u);
}

void SysTick_Handler(void)
{
    cortexm_systick_on_wrap();
}

void IRQ39_Handler(void)
{
    cortexm_nvic_disable(USART3_IRQ);
}

uint64_t hal_cycles(void)
{
    return cortexm_systick_ticks();
}

void hal_uart_write(const uint8_t *buf, uint32_t n)
{
    for (uint32_t i = 0u; i < n; i++) {
        while (!(REG(USART_ISR) & USART_ISR_TXE)) {
        }
        REG(USART_TDR) = buf[i];
    }
}

uint8_t hal_uart_read_byte(void)
{
    uint32_t primask = cortexm_irq_save();
    while (!(REG(USART_ISR) & USART_ISR_RXNE)) {
        if (REG(USART_ISR) & USART_ISR_ORE) {
            REG(USART_ICR) = USART_ICR_ORECF;  /* the F7 USART stops receiving until cleared */
        }
        cortexm_nvic_enable(USART3_IRQ);
        cortexm_wait_for_interrupt_masked();
    }
    uint8_t b = (uint8_t)REG(USART_RDR);
    cortexm_irq_restore(primask);
    return b;
}
