// Runs on the audio thread: turns the microphone into 16 kHz mono little-endian 16-bit PCM, ~100 ms per message.
class PcmRecorder extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.ratio = sampleRate / 16000;
    this.position = 0;
    this.block = new Int16Array(1600);
    this.filled = 0;
  }
  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const frames = channels[0].length;
    for (let i = 0; i < frames; i++) {
      // Mono: the mean of the channels. Resampled by picking the nearest frame when the context is not 16 kHz.
      this.position += 1;
      if (this.position < this.ratio) continue;
      this.position -= this.ratio;
      let sum = 0;
      for (const channel of channels) sum += channel[i];
      const sample = Math.max(-1, Math.min(1, sum / channels.length));
      this.block[this.filled++] = sample < 0 ? sample * 32768 : sample * 32767;
      if (this.filled === this.block.length) {
        this.port.postMessage(this.block.buffer, [this.block.buffer]);
        this.block = new Int16Array(1600);
        this.filled = 0;
      }
    }
    return true;
  }
}
registerProcessor("pcm-recorder", PcmRecorder);
