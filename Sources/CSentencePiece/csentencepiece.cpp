#include "csentencepiece.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

struct csp_model {
  sentencepiece::SentencePieceProcessor processor;
};

static void copy_message(const std::string &message, char *err, size_t err_len) {
  if (err == nullptr || err_len == 0) return;
  size_t n = message.size() < err_len - 1 ? message.size() : err_len - 1;
  std::memcpy(err, message.data(), n);
  err[n] = 0;
}

// The trainer logs "Running command: ..." to stderr before it parses --minloglevel, so the only
// way to keep a CLI's output clean is to point fd 2 elsewhere while it runs.
struct StderrSilencer {
  int saved = -1;
  StderrSilencer() {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull < 0) return;
    fflush(stderr);
    saved = dup(2);
    dup2(devnull, 2);
    close(devnull);
  }
  ~StderrSilencer() {
    if (saved < 0) return;
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
  }
};

extern "C" int csp_train(const char *input_path, const char *model_prefix, int vocab_size,
                         const char *model_type, const char *extra_args, char *err,
                         size_t err_len) {
  if (input_path == nullptr || model_prefix == nullptr) {
    copy_message("input path and model prefix are required", err, err_len);
    return 1;
  }
  std::string args = std::string("--input=") + input_path + " --model_prefix=" + model_prefix +
                     " --vocab_size=" + std::to_string(vocab_size) +
                     " --model_type=" + (model_type ? model_type : "bpe") +
                     " --num_threads=2 --minloglevel=2";
  if (extra_args != nullptr && *extra_args != 0) {
    args += " ";
    args += extra_args;
  }
  sentencepiece::util::Status status;
  {
    StderrSilencer silence;
    status = sentencepiece::SentencePieceTrainer::Train(args);
  }
  if (!status.ok()) {
    copy_message(status.ToString(), err, err_len);
    return 1;
  }
  return 0;
}

extern "C" csp_model *csp_load(const char *model_path, char *err, size_t err_len) {
  auto *model = new csp_model();
  auto status = model->processor.Load(model_path);
  if (!status.ok()) {
    copy_message(status.ToString(), err, err_len);
    delete model;
    return nullptr;
  }
  return model;
}

extern "C" void csp_free(csp_model *model) { delete model; }

extern "C" int csp_vocab_size(const csp_model *model) { return model->processor.GetPieceSize(); }

extern "C" int csp_encode_ids(const csp_model *model, const char *text, size_t text_len,
                              int32_t *out_ids, int cap, char *err, size_t err_len) {
  std::vector<int> ids;
  auto status = model->processor.Encode(std::string_view(text, text_len), &ids);
  if (!status.ok()) {
    copy_message(status.ToString(), err, err_len);
    return -1;
  }
  int n = static_cast<int>(ids.size());
  for (int i = 0; i < n && i < cap; ++i) out_ids[i] = ids[i];
  return n;
}

extern "C" int csp_encode_pieces(const csp_model *model, const char *text, size_t text_len,
                                 char *out, size_t cap, char *err, size_t err_len) {
  std::vector<std::string> pieces;
  auto status = model->processor.Encode(std::string_view(text, text_len), &pieces);
  if (!status.ok()) {
    copy_message(status.ToString(), err, err_len);
    return -1;
  }
  std::string joined;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) joined += '\n';
    joined += pieces[i];
  }
  if (out != nullptr && cap > 0) copy_message(joined, out, cap);
  return static_cast<int>(joined.size());
}

extern "C" int csp_id_to_piece(const csp_model *model, int id, char *out, size_t cap) {
  if (id < 0 || id >= model->processor.GetPieceSize()) return -1;
  const std::string &piece = model->processor.IdToPiece(id);
  if (out != nullptr && cap > 0) copy_message(piece, out, cap);
  return static_cast<int>(piece.size());
}
