/*
 * What the STM32F4 and STM32F7 HALs share (stm32f4.c, stm32f7.c): HSI 16 MHz -> main PLL ->
 * SYSCLK with voltage scale 1 and over-drive, flash wait states, APB1 = SYSCLK/4, APB2 = SYSCLK/2.
 * C99, header only; include it from the board HAL after cortexm.h.
 *
 * The registers used here sit at the same addresses with the same bits in both families:
 * RCC (RM0390 6.3 / RM0385 5.3, base 0x40023800: CR, PLLCFGR, CFGR, APB1ENR), PWR (RM0390 5.4
 * PWR_CR/PWR_CSR / RM0385 4.4 PWR_CR1/PWR_CSR1, base 0x40007000) and the flash interface's ACR
 * (RM0390 3.9 / RM0385 3.3, 0x40023c00). The board passes what differs: the PLLCFGR value, the
 * FLASH_ACR value (wait states and accelerators) and the APB1 clock it gives.
 *
 * Every step waits with a bound and gives up when its ready flag never comes, leaving the core
 * on HSI: QEMU models no RCC, PWR or flash interface (they read 0), and the image must still run.
 */
#ifndef EAT_STM32_CLOCKS_H
#define EAT_STM32_CLOCKS_H

#include <stdint.h>

#include "cortexm.h"

#define STM32_RCC_CR            0x40023800u
#define STM32_RCC_PLLCFGR       0x40023804u
#define STM32_RCC_CFGR          0x40023808u
#define STM32_RCC_APB1ENR       0x40023840u
#define STM32_RCC_CR_HSIRDY     (1u << 1)
#define STM32_RCC_CR_PLLON      (1u << 24)
#define STM32_RCC_CR_PLLRDY     (1u << 25)
#define STM32_RCC_CFGR_SW_PLL       (2u << 0)
#define STM32_RCC_CFGR_SWS_MASK     (3u << 2)
#define STM32_RCC_CFGR_SWS_PLL      (2u << 2)
#define STM32_RCC_CFGR_HPRE_DIV1    (0u << 4)
#define STM32_RCC_CFGR_PPRE1_DIV4   (5u << 10)
#define STM32_RCC_CFGR_PPRE2_DIV2   (4u << 13)
#define STM32_RCC_APB1ENR_PWREN (1u << 28)

#define STM32_PWR_CR            0x40007000u   /* PWR_CR1 on the F7 */
#define STM32_PWR_CSR           0x40007004u   /* PWR_CSR1 on the F7 */
#define STM32_PWR_CR_VOS_MASK   (3u << 14)
#define STM32_PWR_CR_VOS_SCALE1 (3u << 14)
#define STM32_PWR_CR_ODEN       (1u << 16)
#define STM32_PWR_CR_ODSWEN     (1u << 17)
#define STM32_PWR_CSR_ODRDY     (1u << 16)
#define STM32_PWR_CSR_ODSWRDY   (1u << 17)

#define STM32_FLASH_ACR         0x40023c00u
#define STM32_FLASH_ACR_LATENCY_MASK 0xfu

#define STM32_HSI_HZ            16000000u

/* A clock step that does not report ready within this many polls is given up (about 6 ms at
 * 16 MHz: PLL lock takes ~100 us, over-drive ~ 50 us on silicon). */
#define STM32_READY_POLLS       100000u

static inline int stm32_wait_set(uint32_t addr, uint32_t mask, uint32_t value)
{
    for (uint32_t i = 0u; i < STM32_READY_POLLS; i++) {
        if ((CORTEXM_REG(addr) & mask) == value) {
            return 1;
        }
    }
    return 0;
}

/* RM0390 5.1.4 and 6.2 / RM0385 4.1.4 and 5.2: returns the APB1 clock in use afterwards
 * (pclk1_pll_hz, or HSI's if a step fails). */
static inline uint32_t stm32_clocks_init(uint32_t pllcfgr, uint32_t flash_acr, uint32_t pclk1_pll_hz)
{
    CORTEXM_REG(STM32_RCC_APB1ENR) |= STM32_RCC_APB1ENR_PWREN;
    (void)CORTEXM_REG(STM32_RCC_APB1ENR);  /* wait for the enable to reach the bus */
    CORTEXM_REG(STM32_PWR_CR) = (CORTEXM_REG(STM32_PWR_CR) & ~STM32_PWR_CR_VOS_MASK) | STM32_PWR_CR_VOS_SCALE1;
    if (!stm32_wait_set(STM32_RCC_CR, STM32_RCC_CR_HSIRDY, STM32_RCC_CR_HSIRDY)) {
        return STM32_HSI_HZ;                                   /* QEMU: no RCC model */
    }
    CORTEXM_REG(STM32_RCC_PLLCFGR) = pllcfgr;
    CORTEXM_REG(STM32_RCC_CR) |= STM32_RCC_CR_PLLON;
    if (!stm32_wait_set(STM32_RCC_CR, STM32_RCC_CR_PLLRDY, STM32_RCC_CR_PLLRDY)) {
        return STM32_HSI_HZ;
    }
    /* Over-drive: required above 168 MHz (F4) / 180 MHz (F7); enable, then switch the regulator. */
    CORTEXM_REG(STM32_PWR_CR) |= STM32_PWR_CR_ODEN;
    if (!stm32_wait_set(STM32_PWR_CSR, STM32_PWR_CSR_ODRDY, STM32_PWR_CSR_ODRDY)) {
        return STM32_HSI_HZ;
    }
    CORTEXM_REG(STM32_PWR_CR) |= STM32_PWR_CR_ODSWEN;
    if (!stm32_wait_set(STM32_PWR_CSR, STM32_PWR_CSR_ODSWRDY, STM32_PWR_CSR_ODSWRDY)) {
        return STM32_HSI_HZ;
    }
    /* Raise the wait states first and check they took, then switch SYSCLK. */
    CORTEXM_REG(STM32_FLASH_ACR) = flash_acr;
    if ((CORTEXM_REG(STM32_FLASH_ACR) & STM32_FLASH_ACR_LATENCY_MASK) != (flash_acr & STM32_FLASH_ACR_LATENCY_MASK)) {
        return STM32_HSI_HZ;
    }
    CORTEXM_REG(STM32_RCC_CFGR) = STM32_RCC_CFGR_HPRE_DIV1 | STM32_RCC_CFGR_PPRE1_DIV4 | STM32_RCC_CFGR_PPRE2_DIV2;
    CORTEXM_REG(STM32_RCC_CFGR) |= STM32_RCC_CFGR_SW_PLL;
    if (!stm32_wait_set(STM32_RCC_CFGR, STM32_RCC_CFGR_SWS_MASK, STM32_RCC_CFGR_SWS_PLL)) {
        return STM32_HSI_HZ;
    }
    return pclk1_pll_hz;
}

#endif /* EAT_STM32_CLOCKS_H */
