"""One timed faster-whisper transcription, for Soundmind's STT benchmark (HSJ's local engine as the baseline).

Usage: faster_whisper_run.py MODEL_DIR WAV {beam5|greedy}
Prints one JSON line: {"seconds": transcription time (model load excluded), "load_seconds": ..., "text": ...}.
HSJ's default local setup is faster-whisper with compute_type=int8, beam 5, cpu_threads=2.
"""

import json
import sys
import time

from faster_whisper import WhisperModel


def main() -> None:
    model_dir, wav, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    started = time.perf_counter()
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=2)
    loaded = time.perf_counter()
    beam = 5 if mode == "beam5" else 1
    segments, _info = model.transcribe(wav, beam_size=beam, language="en", vad_filter=False)
    text = " ".join(s.text.strip() for s in segments)  # the generator runs the decode
    done = time.perf_counter()
    print(json.dumps({"seconds": done - loaded, "load_seconds": loaded - started, "text": text}))


if __name__ == "__main__":
    main()
