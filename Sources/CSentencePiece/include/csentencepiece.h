// A plain C face over SentencePiece (C++), so no Swift target needs C++ interop.
// Every call that can fail returns a status (or NULL) and writes a message into `err`.
#ifndef CSENTENCEPIECE_H
#define CSENTENCEPIECE_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct csp_model csp_model;  // opaque handle; free with csp_free

/// Trains a model from a text file with one sentence per line; writes PREFIX.model and PREFIX.vocab.
/// `extra_args` are further trainer flags ("--hard_vocab_limit=false", ...), or NULL. 0 = ok.
int csp_train(const char *input_path, const char *model_prefix, int vocab_size,
              const char *model_type, const char *extra_args, char *err, size_t err_len);

/// Loads a .model file. NULL on error, with the reason in `err`.
csp_model *csp_load(const char *model_path, char *err, size_t err_len);
void csp_free(csp_model *model);

int csp_vocab_size(const csp_model *model);

/// Encodes UTF-8 text to ids. Returns the number of ids (if greater than `cap`, call again with a
/// larger buffer), or -1 on error with the reason in `err`.
int csp_encode_ids(const csp_model *model, const char *text, size_t text_len,
                   int32_t *out_ids, int cap, char *err, size_t err_len);

/// Encodes UTF-8 text to pieces joined by '\n' (pieces never contain one). Returns the bytes needed
/// without the terminating NUL (retry with a larger buffer if >= cap), or -1 on error.
int csp_encode_pieces(const csp_model *model, const char *text, size_t text_len,
                      char *out, size_t cap, char *err, size_t err_len);

/// Copies the piece of `id` into `out` (NUL-terminated); returns its length, or -1 for a bad id.
int csp_id_to_piece(const csp_model *model, int id, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
