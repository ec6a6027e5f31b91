// Calls llama.cpp's own quantizer (llama_model_quantize) from the libllama.so that node-llama-cpp
// ships -- no llama-quantize binary is shipped, and llama.h comes from the llama.cpp source bundled
// with node-llama-cpp (see make-golden.sh). Used once to make the golden files in test/fixtures/gguf.
#include <stdio.h>
#include <stdlib.h>
#include "llama.h"

int main(int argc, char ** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s in.gguf out.gguf ftype (llama_ftype: 1=F16, 2=Q4_0, 7=Q8_0)\n", argv[0]);
        return 2;
    }
    llama_backend_init();
    llama_model_quantize_params p = llama_model_quantize_default_params();
    p.ftype = (enum llama_ftype) atoi(argv[3]);
    p.nthread = 1; // deterministic and light on a 2-core machine
    uint32_t rc = llama_model_quantize(argv[1], argv[2], &p);
    llama_backend_free();
    fprintf(stderr, "llama_model_quantize(%s -> %s, ftype %s) rc=%u\n", argv[1], argv[2], argv[3], rc);
    return rc == 0 ? 0 : 1;
}
