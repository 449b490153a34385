/*
 * Board HAL on ESP-IDF (framework espidf of PlatformIO's official espressif32 platform), for
 * the Xtensa boards (esp32dev, esp32-s3-devkitc-1). NOT BUILT HERE: no Xtensa compiler is
 * reachable on this machine; `python -m pipeline render` writes a project that an online user
 * builds with `pio run` (the platform fetches ESP-IDF and the toolchain).
 *
 * UART0 (the USB-UART bridge) through the IDF UART driver at 115200 8N1; IDF logging is turned
 * off so only protocol frames go out after boot (the ROM/bootloader banner before app start is
 * skipped by the host's frame sync). Cycle counter: CCOUNT (esp_cpu_get_cycle_count, 32 bits)
 * extended to 64 bits in software by summing the differences between calls.
 */
#include "hal.h"

#include <stdint.h>

#include "driver/uart.h"
#include "esp_cpu.h"
#include "esp_log.h"
#include "freertos/FreeRTOS.h"

#define HAL_UART UART_NUM_0

static uint32_t s_ccount_last;
static uint64_t s_cycles_total;

int main(void);

/* ESP-IDF starts the application at app_main (in a FreeRTOS task); the firmware's main() runs
 * there and never returns. */
void app_main(void)
{
    (void)main();
}

void hal_init(void)
{
    const uart_config_t cfg = {
        .baud_rate = 115200,
        .data_bits = UART_DATA_8_BITS,
        .parity = UART_PARITY_DISABLE,
        .stop_bits = UART_STOP_BITS_1,
        .flow_ctrl = UART_HW_FLOWCTRL_DISABLE,
        .source_clk = UART_SCLK_DEFAULT,
    };
    esp_log_level_set("*", ESP_LOG_NONE);
    uart_driver_install(HAL_UART, 2048, 0, 0, NULL, 0);
    uart_param_config(HAL_UART, &cfg);
    s_ccount_last = (uint32_t)esp_cpu_get_cycle_count();
    s_cycles_total = 0u;
}

uint64_t hal_cycles(void)
{
    uint32_t now = (uint32_t)esp_cpu_get_cycle_count();
    s_cycles_total += (uint32_t)(now - s_ccount_last);
    s_ccount_last = now;
    return s_cycles_total;
}

void hal_uart_write(const uint8_t *buf, uint32_t n)
{
    uart_write_bytes(HAL_UART, (const char *)buf, n);
}

uint8_t hal_uart_read_byte(void)
{
    uint8_t b = 0u;
    while (uart_read_bytes(HAL_UART, &b, 1, portMAX_DELAY) != 1) {
    }
    return b;
}
