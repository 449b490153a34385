/* The d4 walk in Thumb-1, shared by sparse_d4_armv6m.c and fully_connected_sparse_rows_armv6m.c (inside
 * their assembly). EAT_ARMV6M_D4_PAIR: one index byte; byte K of the step bytes at r3 holds two
 * steps (low nibble, then high), each moving the input pointer r1 to the next non-zero's input; the two
 * weights are bytes W0 and W1 at r2; r0 += x * w for both. Clobbers r5-r7. */
#ifndef EAT_SPARSE_D4_WALK_ARMV6M_H
#define EAT_SPARSE_D4_WALK_ARMV6M_H

#define EAT_ARMV6M_D4_PAIR(K, W0, W1)                                         \
        "ldrb r5, [r3, #" #K "]\n\t"                                          \
        "lsls r6, r5, #28\n\t" "lsrs r6, r6, #28\n\t"                         \
        "ldrsb r7, [r1, r6]\n\t" "adds r1, r1, r6\n\t"                        \
        "ldrb r6, [r2, #" #W0 "]\n\t" "sxtb r6, r6\n\t"                       \
        "muls r7, r6, r7\n\t" "adds r0, r0, r7\n\t"                           \
        "lsrs r5, r5, #4\n\t"                                                 \
        "ldrsb r7, [r1, r5]\n\t" "adds r1, r1, r5\n\t"                        \
        "ldrb r6, [r2, #" #W1 "]\n\t" "sxtb r6, r6\n\t"                       \
        "muls r7, r6, r7\n\t" "adds r0, r0, r7\n\t"

/* The first index byte's second half alone (a channel of odd entry count: eat/sparse.h): its high
 * nibble moves r1, r0 += x * the weight at r2; r3 and r2 step past them. Clobbers r5-r7. */
#define EAT_ARMV6M_D4_HALF                                                    \
        "ldrb r5, [r3, #0]\n\t"                                              \
        "lsrs r5, r5, #4\n\t"                                                \
        "ldrsb r7, [r1, r5]\n\t" "adds r1, r1, r5\n\t"                       \
        "ldrb r6, [r2, #0]\n\t" "sxtb r6, r6\n\t"                           \
        "muls r7, r6, r7\n\t" "adds r0, r0, r7\n\t"                          \
        "adds r3, r3, #1\n\t"                                                \
        "adds r2, r2, #1\n\t"

/* A run of index bytes from r3 to lr (r4: the end of its part of whole groups of 4), four bytes per loop
 * pass, then one per pass; r2 advances two weights per byte. Local labels 1-4. */
#define EAT_ARMV6M_D4_RUN                                                     \
        "cmp r3, r4\n\t"                                                      \
        "beq 2f\n"                                                             \
        "1:\n\t"                                                              \
        EAT_ARMV6M_D4_PAIR(0, 0, 1) EAT_ARMV6M_D4_PAIR(1, 2, 3)               \
        EAT_ARMV6M_D4_PAIR(2, 4, 5) EAT_ARMV6M_D4_PAIR(3, 6, 7)               \
        "adds r3, r3, #4\n\t"                                                 \
        "adds r2, r2, #8\n\t"                                                 \
        "cmp r3, r4\n\t"                                                      \
        "bne 1b\n"                                                             \
        "2:\n\t"                                                              \
        "cmp r3, lr\n\t"                                                      \
        "beq 4f\n"                                                             \
        "3:\n\t"                                                              \
        EAT_ARMV6M_D4_PAIR(0, 0, 1)                                           \
        "adds r3, r3, #1\n\t"                                                 \
        "adds r2, r2, #2\n\t"                                                 \
        "cmp r3, lr\n\t"                                                      \
        "bne 3b\n"                                                             \
        "4:\n\t"

#endif /* EAT_SPARSE_D4_WALK_ARMV6M_H */
