// ckpt-logits: evaluates one token sequence with llama.cpp and writes the float32 logits of every
// position, raw little-endian [n_tokens][n_vocab], so two builds or two model files can be compared
// bit for bit. Test helper for Scripts/test-llama-cpp, which compiles it against each build's static
// libraries (it uses only the public llama.h API, so it builds patched or not).
//
//   ckpt-logits MODEL OUT.bin TOKENS [THREADS [N_UBATCH]]
//
// TOKENS is a comma-separated list of token ids, or @FILE to tokenize a text file (with the
// model's BOS, cut to CKPT_LOGITS_MAX_TOKENS, default 512). The sequence is decoded in one batch
// split into N_UBATCH-token micro-batches (default: all at once). Prints "n_tokens n_vocab" on
// stdout. With CKPT_LOGITS_KV_F32 set, the KV cache is F32 (llama.cpp's default is F16) and flash
// attention is off.
#include "llama.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

static void quiet_log(ggml_log_level level, const char * text, void *) {
    if (level == GGML_LOG_LEVEL_ERROR) {
        fputs(text, stderr);
    }
}

int main(int argc, char ** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL OUT.bin TOKENS|@TEXTFILE [THREADS [N_UBATCH]]\n", argv[0]);
        return 2;
    }
    const std::string model_path = argv[1];
    const std::string out_path   = argv[2];
    const std::string tokens_arg = argv[3];
    const int n_threads = argc > 4 ? atoi(argv[4]) : 2;
    int       n_ubatch  = argc > 5 ? atoi(argv[5]) : 0;

    if (!getenv("CKPT_LOGITS_VERBOSE")) {
        llama_log_set(quiet_log, nullptr);
    }
    llama_backend_init();

    llama_model_params mparams = llama_model_default_params();
    mparams.n_gpu_layers = 0;
    llama_model * model = llama_model_load_from_file(model_path.c_str(), mparams);
    if (!model) {
        fprintf(stderr, "ckpt-logits: failed to load %s\n", model_path.c_str());
        return 1;
    }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);

    std::vector<llama_token> tokens;
    if (!tokens_arg.empty() && tokens_arg[0] == '@') {
        std::ifstream in(tokens_arg.substr(1), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string text = ss.str();
        tokens.resize(text.size() + 16);
        const int n = llama_tokenize(vocab, text.c_str(), (int) text.size(), tokens.data(), (int) tokens.size(), true, false);
        if (n < 0) {
            fprintf(stderr, "ckpt-logits: tokenization failed\n");
            return 1;
        }
        const char * max_env = getenv("CKPT_LOGITS_MAX_TOKENS");
        tokens.resize(std::min(n, max_env ? atoi(max_env) : 512));
    } else {
        std::stringstream ss(tokens_arg);
        std::string item;
        while (std::getline(ss, item, ',')) {
            tokens.push_back((llama_token) atoi(item.c_str()));
        }
    }
    const int n_tokens = (int) tokens.size();
    if (n_tokens == 0) {
        fprintf(stderr, "ckpt-logits: no tokens\n");
        return 1;
    }
    if (n_ubatch <= 0) {
        n_ubatch = n_tokens;
    }

    llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx           = std::max(n_tokens, 16);
    cparams.n_batch         = n_tokens;
    cparams.n_ubatch        = n_ubatch;
    cparams.n_seq_max       = 1;
    cparams.n_threads       = n_threads;
    cparams.n_threads_batch = n_threads;
    if (getenv("CKPT_LOGITS_KV_F32")) { // F32 KV cache and no flash attention: no F16 rounding of k, v, kq
        cparams.type_k          = GGML_TYPE_F32;
        cparams.type_v          = GGML_TYPE_F32;
        cparams.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    }
    llama_context * ctx = llama_init_from_model(model, cparams);
    if (!ctx) {
        fprintf(stderr, "ckpt-logits: failed to create a context\n");
        return 1;
    }

    llama_batch batch = llama_batch_init(n_tokens, 0, 1);
    for (int i = 0; i < n_tokens; ++i) {
        batch.token[i]     = tokens[i];
        batch.pos[i]       = i;
        batch.n_seq_id[i]  = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i]    = 1;
    }
    batch.n_tokens = n_tokens;
    if (llama_decode(ctx, batch) != 0) {
        fprintf(stderr, "ckpt-logits: llama_decode failed\n");
        return 1;
    }

    FILE * out = fopen(out_path.c_str(), "wb");
    if (!out) {
        fprintf(stderr, "ckpt-logits: cannot write %s\n", out_path.c_str());
        return 1;
    }
    for (int i = 0; i < n_tokens; ++i) {
        const float * logits = llama_get_logits_ith(ctx, i);
        if (!logits || fwrite(logits, sizeof(float), n_vocab, out) != (size_t) n_vocab) {
            fprintf(stderr, "ckpt-logits: no logits for position %d\n", i);
            return 1;
        }
    }
    fclose(out);
    printf("%d %d\n", n_tokens, n_vocab);

    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
