/*
 * RV32 entry (ESP32-C3 direct boot): the ROM maps flash at 0x42000000 / 0x3C000000 and jumps
 * to 0x42000008, right after the two direct-boot magic words of esp32c3.ld's .header. labwired
 * loads the ELF by segment and starts at the ELF entry, which is the same _start.
 * Only what C cannot do is here: gp, sp and the trap vector; startup_riscv.c does the rest.
 */
    .option arch, +zicsr        /* csrr/csrw (binutils 2.40 no longer implies Zicsr) */
    .section .text.entry, "ax"
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __StackTop
    la t0, eat_trap_table
    ori t0, t0, 1               /* vectored mode (the C3 implements only that), 256-aligned table */
    csrw mtvec, t0
    call eat_crt_start          /* never returns */
1:  j 1b
    .size _start, . - _start

    /* 32 vectors: exceptions at entry 0, interrupt n at entry n; all end in eat_trap, since
     * the firmware enables no interrupts (the HAL polls). */
    .section .text.trap, "ax"
    .balign 256
    .globl eat_trap_table
eat_trap_table:
    .rept 32
    j eat_trap_entry
    .endr
eat_trap_entry:
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    j eat_trap                  /* startup_riscv.c: stops there */
