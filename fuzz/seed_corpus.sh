#!/usr/bin/env bash
# Builds fuzz/corpus/<target>/ from the recorded answers in a corpus folder (default
# /work/shared/corpus) at run time; the recordings themselves are never committed.
set -euo pipefail
src=${1:-/work/shared/corpus}
cd "$(dirname "$0")"
for t in sse_chunked chat_stream_decoder responses_stream_decoder normalize_body error_body config_yaml config_json config_litellm translate; do
  mkdir -p "corpus/$t"
done
for f in "$src"/*; do
  [ -f "$f" ] || continue
  b=$(basename "$f")
  case "$b" in
    *.headers.txt) cp "$f" "corpus/error_body/$b" ;;
    *.sse|*stream*) for t in sse_chunked chat_stream_decoder responses_stream_decoder; do cp "$f" "corpus/$t/$b"; done ;;
    error_*) cp "$f" "corpus/error_body/$b" ;;
    *.yaml|*.yml) for t in config_yaml config_litellm; do cp "$f" "corpus/$t/$b"; done ;;
    *.json) for t in normalize_body translate config_json; do cp "$f" "corpus/$t/$b"; done ;;
  esac
done
