# runtime/: the library, one folder per step of the data path (docs/ARCHITECTURE.md draws it):
# base -> gguf -> tokenizer -> forward -> decode -> speculative -> translate -> quantize -> api,
# and cli/, the `tolk` command line, a client of runtime/tolk.h only.
RUNTIME_DIRS = base gguf tokenizer forward decode speculative translate quantize tm api
include runtime/base/local.mk
include runtime/gguf/local.mk
include runtime/tokenizer/local.mk
include runtime/forward/local.mk
include runtime/decode/local.mk
include runtime/speculative/local.mk
include runtime/translate/local.mk
include runtime/quantize/local.mk
include runtime/formats/local.mk
include runtime/tm/local.mk
include runtime/api/local.mk
include runtime/cli/local.mk
