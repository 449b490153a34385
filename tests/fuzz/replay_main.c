/* Replays fuzz inputs without libFuzzer (gcc + ASan/UBSan): each file named on the command line
 * is one UART byte stream; with -o DIR, what the firmware answered is written to DIR/<n>.out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal_buffer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    const char *out_dir = NULL;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "-o") == 0) {
        out_dir = argv[2];
        first = 3;
    }
    for (int i = first; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            fprintf(stderr, "replay: cannot open %s\n", argv[i]);
            return 2;
        }
        static uint8_t buf[1u << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        uint8_t *copy = malloc(n ? n : 1); /* exact size, so ASan sees any overread */
        memcpy(copy, buf, n);
        LLVMFuzzerTestOneInput(copy, n);
        free(copy);
        if (out_dir != NULL) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%d.out", out_dir, i - first);
            size_t m;
            const uint8_t *out = hal_buffer_output(&m);
            FILE *o = fopen(path, "wb");
            if (o == NULL || fwrite(out, 1, m, o) != m) {
                fprintf(stderr, "replay: cannot write %s\n", path);
                return 2;
            }
            fclose(o);
        }
    }
    return 0;
}
