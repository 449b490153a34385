/* libFuzzer entry for the device side of the serial protocol: eat_server.c and eat_link.c, with
 * the real engine (engine_eat.c over a compiled model.c), fed one input as the UART byte stream.
 * Built by tests/fuzz/harness.py: clang -fsanitize=fuzzer,address,undefined for the fuzz run, or
 * gcc -fsanitize=address,undefined with replay_main.c to replay a corpus in the tests. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "eat_server.h"
#include "engine.h"
#include "hal_buffer.h"

static const eat_server_identity_t identity = {"fuzz", "eat", "00", 1000000u};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jmp_buf done;
    if (setjmp(done) == 0) {
        const char *error = 0;
        hal_buffer_start(data, size, &done);
        (void)engine_init(&error);
        eat_server_run(&identity, 0);
    }
    return 0;
}
