/*
 * Board HAL for the RP2040 (Raspberry Pi Pico), bare metal, no SDK.
 *
 * Register addresses and values come from the RP2040 datasheet (build-date 2023 edition);
 * section numbers are given next to each block. The same bring-up runs on a real board and in
 * rp2040js (which models RESETS, XOSC, PLL, CLOCKS, UART0, SysTick and the NVIC).
 *
 * The Cortex-M0+ core peripherals (2.4.5: SysTick, NVIC, SCB) are driven through cortexm.h; the
 * only mutable global is its SysTick wrap counter. SysTick runs on the processor clock, so
 * hal_cycles() is CPU cycles.
 */
#include "hal.h"
#include "cortexm.h"

#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* 2.1.2 Atomic register access: +0x1000 XOR, +0x2000 SET, +0x3000 CLEAR alias of each APB reg. */
#define ALIAS_SET   0x2000u
#define ALIAS_CLR   0x3000u

/* 2.14.3 RESETS, base 0x4000c000: RESET +0x0, RESET_DONE +0x8; bit numbers per peripheral. */
#define RESETS_BASE        0x4000c000u
#define RESETS_RESET       (RESETS_BASE + 0x0u)
#define RESETS_RESET_DONE  (RESETS_BASE + 0x8u)
#define RESET_IO_BANK0     (1u << 5)
#define RESET_PADS_BANK0   (1u << 8)
#define RESET_PLL_SYS      (1u << 12)
#define RESET_TIMER        (1u << 21)
#define RESET_UART0        (1u << 22)

/* 2.16.7 XOSC, base 0x40024000. */
#define XOSC_BASE          0x40024000u
#define XOSC_CTRL          (XOSC_BASE + 0x00u)
#define XOSC_STATUS        (XOSC_BASE + 0x04u)
#define XOSC_STARTUP       (XOSC_BASE + 0x0cu)
#define XOSC_CTRL_FREQ_RANGE_1_15MHZ  0xaa0u          /* CTRL.FREQ_RANGE, 1-15 MHz crystal */
#define XOSC_CTRL_ENABLE_VALUE        (0xfabu << 12)  /* CTRL.ENABLE magic value "ENABLE" */
#define XOSC_STATUS_STABLE            (1u << 31)
/* 2.16.3 STARTUP.DELAY = ((12 MHz / 1000) + 128) / 256 = 47 -> about 1 ms of settling. */
#define XOSC_STARTUP_DELAY_1MS        47u

/* 2.18.4 PLL_SYS, base 0x40028000. */
#define PLL_SYS_BASE       0x40028000u
#define PLL_CS             (PLL_SYS_BASE + 0x0u)
#define PLL_PWR            (PLL_SYS_BASE + 0x4u)
#define PLL_FBDIV_INT      (PLL_SYS_BASE + 0x8u)
#define PLL_PRIM           (PLL_SYS_BASE + 0xcu)
#define PLL_CS_LOCK        (1u << 31)
#define PLL_PWR_PD         (1u << 0)
#define PLL_PWR_POSTDIVPD  (1u << 3)
#define PLL_PWR_VCOPD      (1u << 5)
/* 2.18.2: FOUTPOSTDIV = (FREF / REFDIV) * FBDIV / (POSTDIV1 * POSTDIV2)
 *       = 12 MHz / 1 * 125 / (6 * 2) = 125 MHz, VCO 1500 MHz (the SDK's 125 MHz setting). */
#define PLL_SYS_REFDIV     1u
#define PLL_SYS_FBDIV      125u
#define PLL_SYS_POSTDIV1   6u
#define PLL_SYS_POSTDIV2   2u

/* 2.15.7 CLOCKS, base 0x40008000. */
#define CLOCKS_BASE         0x40008000u
#define CLK_REF_CTRL        (CLOCKS_BASE + 0x30u)
#define CLK_REF_SELECTED    (CLOCKS_BASE + 0x38u)
#define CLK_SYS_CTRL        (CLOCKS_BASE + 0x3cu)
#define CLK_SYS_DIV         (CLOCKS_BASE + 0x40u)
#define CLK_SYS_SELECTED    (CLOCKS_BASE + 0x44u)
#define CLK_PERI_CTRL       (CLOCKS_BASE + 0x48u)
#define CLK_SYS_RESUS_CTRL  (CLOCKS_BASE + 0x78u)
#define CLK_REF_SRC_ROSC    0x0u           /* CLK_REF_CTRL.SRC (1:0) */
#define CLK_REF_SRC_XOSC    0x2u
#define CLK_SYS_SRC_REF     0x0u           /* CLK_SYS_CTRL.SRC (0): clk_ref */
#define CLK_SYS_SRC_AUX     0x1u           /* CLK_SYS_CTRL.SRC (0): clksrc_clk_sys_aux */
#define CLK_SYS_AUXSRC_PLL_SYS (0x0u << 5) /* CLK_SYS_CTRL.AUXSRC (7:5): clksrc_pll_sys */
#define CLK_SYS_DIV_1       (1u << 8)      /* CLK_SYS_DIV.INT (31:8) = 1 */
#define CLK_PERI_ENABLE     (1u << 11)     /* CLK_PERI_CTRL.ENABLE */
#define CLK_PERI_AUXSRC_CLK_SYS (0x0u << 5)/* CLK_PERI_CTRL.AUXSRC (7:5): clk_sys */

/* 2.19.6.1 IO_BANK0, base 0x40014000: GPIOn_CTRL at 0x04 + 8n; FUNCSEL (4:0) = 2 is UART. */
#define IO_BANK0_GPIO0_CTRL 0x40014004u
#define IO_BANK0_GPIO1_CTRL 0x4001400cu
#define GPIO_FUNC_UART      2u

/* 4.2.8 UART0 (ARM PL011), base 0x40034000. */
#define UART0_BASE       0x40034000u
#define UART_DR          (UART0_BASE + 0x00u)
#define UART_FR          (UART0_BASE + 0x18u)
#define UART_IBRD        (UART0_BASE + 0x24u)
#define UART_FBRD        (UART0_BASE + 0x28u)
#define UART_LCR_H       (UART0_BASE + 0x2cu)
#define UART_CR          (UART0_BASE + 0x30u)
#define UART_IFLS        (UART0_BASE + 0x34u)
#define UART_IMSC        (UART0_BASE + 0x38u)
#define UART_ICR         (UART0_BASE + 0x44u)
#define UART_FR_RXFE     (1u << 4)
#define UART_FR_TXFF     (1u << 5)
#define UART_LCR_H_FEN   (1u << 4)
#define UART_LCR_H_WLEN8 (3u << 5)
#define UART_CR_UARTEN   (1u << 0)
#define UART_CR_TXE      (1u << 8)
#define UART_CR_RXE      (1u << 9)
#define UART_IMSC_RXIM   (1u << 4)
#define UART_IMSC_RTIM   (1u << 6)
/* 4.2.7.1 baud divisor = clk_peri / (16 * baud) = 125e6 / (16 * 115200) = 67.817...:
 * IBRD = 67, FBRD = round(0.817 * 64) = 52 (115207 baud, +0.006 %). */
#define UART_IBRD_115200 67u
#define UART_FBRD_115200 52u
/* 2.3.2 interrupt numbers: UART0_IRQ = 20 -> vector IRQ20_Handler in startup_cortexm.c. */
#define UART0_IRQ        20u

void SysTick_Handler(void);
void IRQ20_Handler(void);

static void unreset(uint32_t bits)
{
    REG(RESETS_RESET + ALIAS_CLR) = bits;
    while ((REG(RESETS_RESET_DONE) & bits) != bits) {
    }
}

static void clocks_init(void)
{
    /* 2.15.3.6: no clock resus (its reset value is fine, but a previous program may have set it). */
    REG(CLK_SYS_RESUS_CTRL) = 0u;

    /* 2.16: start the 12 MHz crystal oscillator and wait until it is stable. */
    REG(XOSC_CTRL) = XOSC_CTRL_FREQ_RANGE_1_15MHZ;
    REG(XOSC_STARTUP) = XOSC_STARTUP_DELAY_1MS;
    REG(XOSC_CTRL + ALIAS_SET) = XOSC_CTRL_ENABLE_VALUE;
    while (!(REG(XOSC_STATUS) & XOSC_STATUS_STABLE)) {
    }

    /* 2.15.3.2: move clk_sys and clk_ref off the aux muxes (glitchless) before the PLL changes. */
    REG(CLK_SYS_CTRL) = CLK_SYS_SRC_REF;
    while (REG(CLK_SYS_SELECTED) != (1u << CLK_SYS_SRC_REF)) {
    }
    REG(CLK_REF_CTRL) = CLK_REF_SRC_ROSC;
    while (REG(CLK_REF_SELECTED) != (1u << CLK_REF_SRC_ROSC)) {
    }

    /* 2.18.2.1: PLL_SYS programming sequence: reset, dividers, power up, lock, post dividers. */
    REG(RESETS_RESET + ALIAS_SET) = RESET_PLL_SYS;
    unreset(RESET_PLL_SYS);
    REG(PLL_CS) = PLL_SYS_REFDIV;
    REG(PLL_FBDIV_INT) = PLL_SYS_FBDIV;
    REG(PLL_PWR + ALIAS_CLR) = PLL_PWR_PD | PLL_PWR_VCOPD;
    while (!(REG(PLL_CS) & PLL_CS_LOCK)) {
    }
    REG(PLL_PRIM) = (PLL_SYS_POSTDIV1 << 16) | (PLL_SYS_POSTDIV2 << 12);
    REG(PLL_PWR + ALIAS_CLR) = PLL_PWR_POSTDIVPD;

    /* 2.15.3.2: clk_ref = XOSC (12 MHz), clk_sys = PLL_SYS / 1 (125 MHz), clk_peri = clk_sys. */
    REG(CLK_REF_CTRL) = CLK_REF_SRC_XOSC;
    while (REG(CLK_REF_SELECTED) != (1u << CLK_REF_SRC_XOSC)) {
    }
    REG(CLK_SYS_DIV) = CLK_SYS_DIV_1;
    REG(CLK_SYS_CTRL) = CLK_SYS_AUXSRC_PLL_SYS;            /* select the aux source first... */
    REG(CLK_SYS_CTRL) = CLK_SYS_AUXSRC_PLL_SYS | CLK_SYS_SRC_AUX; /* ...then switch to it */
    while (REG(CLK_SYS_SELECTED) != (1u << CLK_SYS_SRC_AUX)) {
    }
    REG(CLK_PERI_CTRL) = CLK_PERI_ENABLE | CLK_PERI_AUXSRC_CLK_SYS;
}

static void uart0_init(void)
{
    /* 2.19.2: route GPIO0 (TX) and GPIO1 (RX) to UART0; PADS_BANK0 reset values (IE=1, OD=0)
     * already suit a UART. */
    REG(IO_BANK0_GPIO0_CTRL) = GPIO_FUNC_UART;
    REG(IO_BANK0_GPIO1_CTRL) = GPIO_FUNC_UART;

    /* 4.2.7.1: the divisors are latched by the following LCR_H write. */
    REG(UART_CR) = 0u;
    REG(UART_IBRD) = UART_IBRD_115200;
    REG(UART_FBRD) = UART_FBRD_115200;
    REG(UART_LCR_H) = UART_LCR_H_WLEN8 | UART_LCR_H_FEN;  /* 8 data bits, no parity, 1 stop, FIFOs */
    REG(UART_IFLS) = 0u;                                  /* RX/TX interrupt at 1/8 FIFO */
    REG(UART_IMSC) = 0u;
    REG(UART_ICR) = 0x7ffu;
    REG(UART_CR) = UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE;

    /* The RX interrupt only wakes hal_uart_read_byte's wfi; its handler masks it again. */
    cortexm_nvic_clear_pending(UART0_IRQ);
    cortexm_nvic_enable(UART0_IRQ);
}

void hal_init(void)
{
    (void)cortexm_irq_save();
    unreset(RESET_IO_BANK0 | RESET_PADS_BANK0 | RESET_TIMER | RESET_UART0);
    clocks_init();
    uart0_init();
    cortexm_systick_init();
    cortexm_irq_restore(0u);
}

void SysTick_Handler(void)
{
    cortexm_systick_on_wrap();
}

void IRQ20_Handler(void)
{
    /* UART0: the level interrupt would re-enter while data waits; mask it, the reader unmasks. */
    REG(UART_IMSC) = 0u;
}

uint64_t hal_cycles(void)
{
    return cortexm_systick_ticks();
}

void hal_uart_write(const uint8_t *buf, uint32_t n)
{
    for (uint32_t i = 0u; i < n; i++) {
        while (REG(UART_FR) & UART_FR_TXFF) {
        }
        REG(UART_DR) = buf[i];
    }
}

uint8_t hal_uart_read_byte(void)
{
    uint32_t primask = cortexm_irq_save();
    while (REG(UART_FR) & UART_FR_RXFE) {
        /* Sleep until RX data (level or timeout interrupt). With PRIMASK set, wfi still wakes on
         * the pending interrupt, so a byte arriving after the FR check is not missed; the
         * handler then runs once interrupts are re-enabled and masks the UART interrupt. */
        REG(UART_IMSC) = UART_IMSC_RXIM | UART_IMSC_RTIM;
        cortexm_wait_for_interrupt_masked();
    }
    uint8_t b = (uint8_t)REG(UART_DR);
    cortexm_irq_restore(primask);
    return b;
}
