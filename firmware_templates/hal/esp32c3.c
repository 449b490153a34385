/*
 * Board HAL for the ESP32-C3 (ESP32-C3-DevKitM-1), bare metal, no ESP-IDF.
 *
 * Register addresses from the ESP32-C3 Technical Reference Manual (v1.x); chapter numbers next
 * to each block. Boots by the ROM's direct boot (see esp32c3.ld): no 2nd-stage bootloader, so
 * this file stops the watchdogs the ROM leaves running and sets the console UART itself.
 *
 * Real board: CPU from the PLL at 160 MHz (APB 80 MHz), UART0 at 115200 8N1 on GPIO21 (TX) /
 * GPIO20 (RX), which the DevKitM-1's CP2102N USB-UART bridge connects to its micro-USB port.
 * The PLL switch assumes the BBPLL is powered, as the ROM leaves it for flash boot; this has
 * not run on silicon here (no board), only in labwired.
 *
 * Simulation (labwired, chip "esp32c3"), built with -DEAT_SIM_LABWIRED (the board file's
 * sim.build_flags): two differences, both here and nowhere else:
 *   - UART_CLKDIV is written small (16): labwired paces TX at the programmed baud rate in
 *     virtual time, and 115200 baud would cost ~14 000 simulated cycles per byte;
 *   - hal_cycles() reads TIMG0's timer 0 (54 bits, TRM 11) instead of the performance counter:
 *     labwired's CSR 0x7E2 reads 256 x the instructions retired in 32 bits, so it wraps every
 *     2^24 instructions and one long op (resnet's reference convolutions) lost whole wraps; its
 *     TIMG0 T0 at divider 1 advances one count per instruction (checked: ad01 1,104,457 via
 *     0x7E2 / 256 polled per op, 1,104,468 via T0, the 11 being this function's own reads), and
 *     does not wrap. In simulation the figure is instructions.
 *
 * Cycle counter: the C3's machine performance counter (CSR 0x7E2 MPCCR, counting clock cycles
 * when MPCER 0x7E0 = 1 and MPCMR 0x7E1 = 1), 32 bits, extended to 64 in software: each call
 * adds the 32-bit difference since the previous call, so deltas up to 2^32 counts (26 s at
 * 160 MHz) between two calls are exact.
 */
#include "hal.h"

#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* TRM 26.5 UART0, base 0x60000000. */
#define UART0_BASE      0x60000000u
#define UART_FIFO       (UART0_BASE + 0x00u)
#define UART_INT_ENA    (UART0_BASE + 0x0cu)
#define UART_CLKDIV     (UART0_BASE + 0x14u)
#define UART_STATUS     (UART0_BASE + 0x1cu)
#define UART_CONF0      (UART0_BASE + 0x20u)
#define UART_CLK_CONF   (UART0_BASE + 0x78u)
#define UART_ID         (UART0_BASE + 0x80u)
#define UART_STATUS_RXFIFO_CNT(s) ((s) & 0x3ffu)
#define UART_STATUS_TXFIFO_CNT(s) (((s) >> 16) & 0x3ffu)
#define UART_TXFIFO_SIZE 128u
#define UART_CONF0_8N1  (3u << 2)              /* BIT_NUM = 3: 8 data bits, no parity, 1 stop */
#define UART_ID_UPDATE  (1u << 30)             /* sync config to the UART core clock domain */
#define UART_CLK_CONF_APB (1u << 20)           /* SCLK_SEL = 1: APB_CLK */
#define UART_CLK_CONF_EN  ((1u << 22) | (1u << 24) | (1u << 25)) /* SCLK_EN, RX/TX_SCLK_EN */
/* 26.4.2: baud = APB 80 MHz / (CLKDIV + FRAG/16): 80e6 / 115200 = 694 + 7/16 (115200.4 baud). */
#define UART_CLKDIV_115200 (694u | (7u << 20))
#define UART_CLKDIV_SIM    16u

/* TRM 11 (timer group) and 9 (RTC): watchdogs the ROM leaves armed in flash boot. */
#define TIMG0_T0CONFIG     0x6001f000u
#define TIMG0_T0LO         0x6001f004u
#define TIMG0_T0HI         0x6001f008u
#define TIMG0_T0UPDATE     0x6001f00cu
#define T0CONFIG_RUN_DIV1  ((1u << 31) | (1u << 30) | (1u << 13))   /* EN, INCREASE, DIVIDER = 1 */
#define TIMG0_WDTCONFIG0   0x6001f048u
#define TIMG0_WDTWPROTECT  0x6001f064u
#define RTC_WDTCONFIG0     0x60008090u
#define RTC_WDTWPROTECT    0x600080a8u
#define RTC_SWD_CONF       0x600080acu
#define RTC_SWD_WPROTECT   0x600080b0u
#define WDT_WKEY           0x50d83aa1u
#define SWD_WKEY           0x8f1d312au
#define SWD_AUTO_FEED_EN   (1u << 31)

/* TRM 7.4 (reset and clock): CPU_PER_CONF and SYSCLK_CONF in the SYSTEM block. */
#define SYSTEM_CPU_PER_CONF 0x600c0008u
#define SYSTEM_SYSCLK_CONF  0x600c0058u
#define CPU_PER_CONF_160MHZ ((1u << 0) | (1u << 2)) /* CPUPERIOD_SEL = 1, PLL_FREQ_SEL = 1 (480 MHz) */
#define SYSCLK_CONF_SOC_PLL (1u << 10)               /* SOC_CLK_SEL = 1: PLL_CLK, PRE_DIV_CNT = 0 */

static uint32_t s_cycles_last;
static uint64_t s_cycles_total;

static void watchdogs_off(void)
{
    REG(TIMG0_WDTWPROTECT) = WDT_WKEY;
    REG(TIMG0_WDTCONFIG0) = 0u;
    REG(TIMG0_WDTWPROTECT) = 0u;
    REG(RTC_WDTWPROTECT) = WDT_WKEY;
    REG(RTC_WDTCONFIG0) = 0u;
    REG(RTC_WDTWPROTECT) = 0u;
    REG(RTC_SWD_WPROTECT) = SWD_WKEY;
    REG(RTC_SWD_CONF) |= SWD_AUTO_FEED_EN;     /* the super watchdog cannot be disabled: auto-feed */
    REG(RTC_SWD_WPROTECT) = 0u;
}

static void uart0_init(void)
{
    /* GPIO20/21 are UART0's default IO_MUX pins: nothing to route. */
    REG(UART_INT_ENA) = 0u;
    REG(UART_CLK_CONF) = UART_CLK_CONF_EN | UART_CLK_CONF_APB;
    REG(UART_CONF0) = UART_CONF0_8N1;
#ifdef EAT_SIM_LABWIRED
    REG(UART_CLKDIV) = UART_CLKDIV_SIM;
#else
    REG(UART_CLKDIV) = UART_CLKDIV_115200;
#endif
    REG(UART_ID) |= UART_ID_UPDATE;
    for (uint32_t i = 0u; i < 10000u && (REG(UART_ID) & UART_ID_UPDATE); i++) {
    }
}

/* CSR access; `.option arch, +zicsr` because binutils 2.40 no longer implies Zicsr in rv32imc
 * (and -march=rv32imc_zicsr would lose picolibc's rv32imc multilib with GCC 12). */
#define CSR_WRITE(csr, v) __asm__ volatile(".option push\n\t.option arch, +zicsr\n\t" \
                                           "csrw " #csr ", %0\n\t.option pop" : : "r"(v))

static inline uint32_t mpccr_read(void)
{
    uint32_t v;
    __asm__ volatile(".option push\n\t.option arch, +zicsr\n\tcsrr %0, 0x7e2\n\t.option pop" : "=r"(v));
    return v;
}

void hal_init(void)
{
    watchdogs_off();
    REG(SYSTEM_CPU_PER_CONF) = CPU_PER_CONF_160MHZ;
    REG(SYSTEM_SYSCLK_CONF) = SYSCLK_CONF_SOC_PLL;
    uart0_init();
    /* Performance counter: count clock cycles (MPCER bit 0), enable (MPCMR bit 0), clear. */
    CSR_WRITE(0x7e0, 1u);
    CSR_WRITE(0x7e1, 1u);
    CSR_WRITE(0x7e2, 0u);
    s_cycles_last = mpccr_read();
    s_cycles_total = 0u;
#ifdef EAT_SIM_LABWIRED
    REG(TIMG0_T0CONFIG) = T0CONFIG_RUN_DIV1;
#endif
}

#ifdef EAT_SIM_LABWIRED
/* TIMG0 timer 0, latched by a write to T0UPDATE (bit 31), read low then high (54 bits). */
static uint64_t timg0_t0_read(void)
{
    REG(TIMG0_T0UPDATE) = 1u << 31;
    return ((uint64_t)REG(TIMG0_T0HI) << 32) | REG(TIMG0_T0LO);
}
#endif

uint64_t hal_cycles(void)
{
#ifdef EAT_SIM_LABWIRED
    return timg0_t0_read();                              /* labwired: one count per instruction */
#else
    uint32_t now = mpccr_read();
    s_cycles_total += (uint32_t)(now - s_cycles_last);  /* modulo 2^32: one wrap per call is fine */
    s_cycles_last = now;
    return s_cycles_total;
#endif
}

void hal_uart_write(const uint8_t *buf, uint32_t n)
{
    for (uint32_t i = 0u; i < n; i++) {
        while (UART_STATUS_TXFIFO_CNT(REG(UART_STATUS)) >= UART_TXFIFO_SIZE - 1u) {
        }
        REG(UART_FIFO) = buf[i];
    }
}

uint8_t hal_uart_read_byte(void)
{
    /* Polling: nothing here runs on a host-clocked timer (labwired is virtual time, the real
     * chip has nothing else to do), so no interrupt set-up is needed to wait. */
    while (UART_STATUS_RXFIFO_CNT(REG(UART_STATUS)) == 0u) {
    }
    return (uint8_t)REG(UART_FIFO);
}
