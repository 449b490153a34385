/*
 * RP2040 second-stage bootloader (boot2), generic 03h read. Our own implementation of the same
 * recipe as pico-sdk's boot2_generic_03h: slow and conservative, works with any SPI NOR flash.
 *
 * On a real chip the bootrom copies the first 256 bytes of flash to SRAM (0x20041f00) and checks
 * the CRC32 in the last 4 bytes before running it, so this code must be position independent:
 * only PC-relative literal loads, no absolute references to its own labels.
 *
 * Register offsets are from the RP2040 datasheet, 4.10.13 (SSI, base XIP_SSI 0x18000000).
 * Entered with lr == 0 from the bootrom: set up XIP, then vector into the image's vector table at
 * 0x10000100 (datasheet 2.8.1: "boot2 ... jumps to the reset vector of the main program").
 * Entered with any other lr (e.g. called again by a running program): set up XIP and return.
 */
    .syntax unified
    .cpu cortex-m0plus
    .thumb

    .equ SSI_BASE,        0x18000000
    .equ SSI_CTRLR0,      0x00
    .equ SSI_CTRLR1,      0x04
    .equ SSI_SSIENR,      0x08
    .equ SSI_BAUDR,       0x14
    .equ SSI_SPI_CTRLR0,  0xf4
    .equ PPB_VTOR,        0xe000ed08
    .equ IMAGE_VECTORS,   0x10000100

    .section .text
    .global _boot2_entry
    .type _boot2_entry, %function
    .thumb_func
_boot2_entry:
    push {lr}
    ldr r3, =SSI_BASE
    movs r1, #0
    str r1, [r3, #SSI_SSIENR]      /* SSIENR = 0: SSI disabled while it is reconfigured */
    movs r1, #4
    str r1, [r3, #SSI_BAUDR]       /* BAUDR = 4: clk_sys / 4 SCK, safe for any flash at 03h */
    ldr r1, =0x001f0300            /* CTRLR0: SPI_FRF std (bits 22:21 = 0), DFS_32 = 31
                                      (32-bit frames, bits 20:16), TMOD = 3 EEPROM read (9:8) */
    str r1, [r3, #SSI_CTRLR0]
    ldr r1, =0x03000218            /* SPI_CTRLR0: XIP_CMD 0x03 (31:24), INST_L 2 = 8-bit (9:8),
                                      ADDR_L 6 = 24 bits (5:2), TRANS_TYPE 0 = 1C1A (1:0) */
    movs r0, #SSI_SPI_CTRLR0       /* 0xf4 is beyond str's immediate offset range */
    str r1, [r3, r0]
    movs r1, #0
    str r1, [r3, #SSI_CTRLR1]      /* CTRLR1 = 0: NDF, one data frame per XIP transfer */
    movs r1, #1
    str r1, [r3, #SSI_SSIENR]      /* SSIENR = 1: XIP reads now go through the 03h command */

    pop {r0}
    cmp r0, #0
    beq 1f
    bx r0                          /* called from a program: return to it */
1:  ldr r0, =IMAGE_VECTORS         /* from the bootrom: VTOR, SP and reset from the image */
    ldr r1, =PPB_VTOR
    str r0, [r1]
    ldmia r0!, {r1, r2}
    msr msp, r1
    bx r2

    .ltorg
