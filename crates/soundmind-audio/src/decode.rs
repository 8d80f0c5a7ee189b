//! Decoding any supported file into 16 kHz mono `f32`, in blocks.

use std::fs::File;
use std::path::{Path, PathBuf};

use rubato::{FftFixedIn, Resampler};
use soundmind_engine::SAMPLE_RATE;
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, CODEC_TYPE_OPUS, CodecType, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// Why a file could not be decoded. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// The file could not be opened or read.
    #[error("could not read {path}: {source}", path = .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("{path} is empty (0 bytes): there is no audio in it", path = .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The bytes are not a recognised audio container, or the container is damaged.
    #[error("{path} is not audio Soundmind can read ({reason}); supported: WAV, WebM/Opus, Ogg/Opus, MP3, M4A/AAC, FLAC", path = .path.display())]
    Unrecognised {
        /// The file.
        path: PathBuf,
        /// What the demuxer said.
        reason: String,
    },
    /// The container holds no audio track (a video without sound, for example).
    #[error("{path} has no audio track", path = .path.display())]
    NoAudioTrack {
        /// The file.
        path: PathBuf,
    },
    /// The audio codec is not supported.
    #[error("{path}: the {codec} codec is not supported", path = .path.display())]
    UnsupportedCodec {
        /// The file.
        path: PathBuf,
        /// The codec's name.
        codec: String,
    },
    /// The audio stream is damaged beyond what can be skipped.
    #[error("{path} is damaged: {reason}", path = .path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The file decodes to no samples at all.
    #[error("{path} contains no audio samples (zero length)", path = .path.display())]
    ZeroLength {
        /// The file.
        path: PathBuf,
    },
}

/// What the source file held.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedInfo {
    /// The source sample rate.
    pub source_rate: u32,
    /// The source channel count.
    pub channels: usize,
    /// The codec, e.g. `opus`, `pcm_s16le`, `mp3`.
    pub codec: String,
}

enum Codec {
    Symphonia(Box<dyn symphonia::core::codecs::Decoder>),
    Opus(opus::Decoder),
}

/// A streaming decoder: each [`next_block`](Decoder::next_block) returns the next piece of the file as
/// 16 kHz mono samples, so memory stays bounded whatever the file's length.
pub struct Decoder {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    track_id: u32,
    codec: Codec,
    info: DecodedInfo,
    resampler: Option<Resampling>,
    pending: Vec<f32>,
    finished: bool,
    produced: usize,
}

struct Resampling {
    inner: FftFixedIn<f32>,
    /// Output frames still to drop at the start: the resampler's delay.
    skip: usize,
    /// Source frames fed in so far, to know how many output frames the input is worth.
    consumed: usize,
    /// Output frames handed out so far.
    emitted: usize,
    rate_in: usize,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("path", &self.path)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

const OPUS_RATE: u32 = 48_000;
/// Input frames per resampler call.
const RESAMPLE_CHUNK: usize = 4096;

impl Decoder {
    /// Opens `path` and finds its first audio track. The format is detected from the content; the extension is
    /// only a hint, so a mislabelled file still decodes.
    pub fn open(path: &Path) -> Result<Self, AudioError> {
        let io = |source| AudioError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        if file.metadata().map_err(io)?.len() == 0 {
            return Err(AudioError::Empty {
                path: path.to_path_buf(),
            });
        }
        let stream = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let probed = symphonia::default::get_probe()
            .format(
                &hint,
                stream,
                &FormatOptions::default(),
                &MetadataOptions::default(),
            )
            .map_err(|e| AudioError::Unrecognised {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        let format = probed.format;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL && is_audio(t.codec_params.codec))
            .ok_or_else(|| AudioError::NoAudioTrack {
                path: path.to_path_buf(),
            })?;
        let params = track.codec_params.clone();
        let track_id = track.id;
        let codec_name = symphonia::default::get_codecs()
            .get_codec(params.codec)
            .map_or_else(|| codec_label(params.codec), |d| d.short_name.to_string());
        let (codec, source_rate, channels) = if params.codec == CODEC_TYPE_OPUS {
            // Browsers record Opus; symphonia demuxes it but has no decoder, so libopus decodes the packets.
            // Always decode to stereo at 48 kHz (libopus upmixes mono streams) and downmix below.
            let decoder =
                opus::Decoder::new(OPUS_RATE, opus::Channels::Stereo).map_err(|e| AudioError::Corrupt {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })?;
            (Codec::Opus(decoder), OPUS_RATE, 2)
        } else {
            let decoder = symphonia::default::get_codecs()
                .make(&params, &DecoderOptions::default())
                .map_err(|_| AudioError::UnsupportedCodec {
                    path: path.to_path_buf(),
                    codec: codec_name.clone(),
                })?;
            let rate = params.sample_rate.unwrap_or(SAMPLE_RATE);
            let channels = params.channels.map_or(1, |c| c.count());
            (Codec::Symphonia(decoder), rate, channels)
        };
        let resampler = if source_rate == SAMPLE_RATE {
            None
        } else {
            let inner = FftFixedIn::new(source_rate as usize, SAMPLE_RATE as usize, RESAMPLE_CHUNK, 2, 1)
                .map_err(|e| AudioError::Corrupt {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })?;
            let skip = inner.output_delay();
            Some(Resampling {
                inner,
                skip,
                consumed: 0,
                emitted: 0,
                rate_in: source_rate as usize,
            })
        };
        Ok(Self {
            path: path.to_path_buf(),
            format,
            track_id,
            codec,
            info: DecodedInfo {
                source_rate,
                channels,
                codec: codec_name,
            },
            resampler,
            pending: Vec::new(),
            finished: false,
            produced: 0,
        })
    }

    /// What the file holds.
    pub fn info(&self) -> &DecodedInfo {
        &self.info
    }

    /// The next block of 16 kHz mono samples, or `None` at the end of the file.
    pub fn next_block(&mut self) -> Result<Option<Vec<f32>>, AudioError> {
        loop {
            if self.finished && self.pending.is_empty() {
                return Ok(None);
            }
            // Gather about one resampler chunk of mono source samples, then convert it.
            while !self.finished && self.pending.len() < RESAMPLE_CHUNK {
                match self.next_packet_mono()? {
                    Some(mono) => self.pending.extend(mono),
                    None => self.finished = true,
                }
            }
            let out = self.convert()?;
            if !out.is_empty() {
                self.produced += out.len();
                return Ok(Some(out));
            }
        }
    }

    fn convert(&mut self) -> Result<Vec<f32>, AudioError> {
        let Some(resampling) = self.resampler.as_mut() else {
            return Ok(std::mem::take(&mut self.pending));
        };
        let corrupt = |e: rubato::ResampleError| AudioError::Corrupt {
            path: self.path.clone(),
            reason: e.to_string(),
        };
        let mut out = Vec::new();
        while self.pending.len() >= RESAMPLE_CHUNK {
            let chunk: Vec<f32> = self.pending.drain(..RESAMPLE_CHUNK).collect();
            resampling.consumed += chunk.len();
            let mut frames = resampling.inner.process(&[chunk], None).map_err(corrupt)?;
            out.append(&mut frames[0]);
        }
        if self.finished {
            if !self.pending.is_empty() {
                let rest = std::mem::take(&mut self.pending);
                resampling.consumed += rest.len();
                let mut frames = resampling
                    .inner
                    .process_partial(Some(&[rest]), None)
                    .map_err(corrupt)?;
                out.append(&mut frames[0]);
            }
            // Flush the resampler's delay line so the end of the speech is not cut off.
            let mut tail = resampling
                .inner
                .process_partial::<Vec<f32>>(None, None)
                .map_err(corrupt)?;
            out.append(&mut tail[0]);
        }
        let skip = resampling.skip.min(out.len());
        resampling.skip -= skip;
        out.drain(..skip);
        if self.finished {
            // The flush pads with silence; keep exactly what the input is worth at 16 kHz.
            let worth = (resampling.consumed * SAMPLE_RATE as usize).div_ceil(resampling.rate_in);
            out.truncate(worth.saturating_sub(resampling.emitted));
        }
        resampling.emitted += out.len();
        Ok(out)
    }

    /// Decodes packets until one yields audio; returns it downmixed to mono at the source rate.
    fn next_packet_mono(&mut self) -> Result<Option<Vec<f32>>, AudioError> {
        loop {
            let packet = match self.format.next_packet() {
                Ok(packet) => packet,
                Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(None);
                }
                Err(SymphoniaError::ResetRequired) => return Ok(None),
                Err(e) => {
                    return Err(AudioError::Corrupt {
                        path: self.path.clone(),
                        reason: e.to_string(),
                    });
                }
            };
            if packet.track_id() != self.track_id {
                continue;
            }
            match &mut self.codec {
                Codec::Opus(decoder) => {
                    // 120 ms is the longest Opus frame.
                    let mut stereo = vec![0f32; (OPUS_RATE as usize / 1000) * 120 * 2];
                    let frames = match decoder.decode_float(&packet.data, &mut stereo, false) {
                        Ok(n) => n,
                        Err(_) => continue, // a damaged packet: skip it, as players do
                    };
                    stereo.truncate(frames * 2);
                    return Ok(Some(stereo.chunks(2).map(|lr| (lr[0] + lr[1]) * 0.5).collect()));
                }
                Codec::Symphonia(decoder) => {
                    let decoded = match decoder.decode(&packet) {
                        Ok(decoded) => decoded,
                        Err(SymphoniaError::DecodeError(_)) => continue,
                        Err(e) => {
                            return Err(AudioError::Corrupt {
                                path: self.path.clone(),
                                reason: e.to_string(),
                            });
                        }
                    };
                    let spec = *decoded.spec();
                    let channels = spec.channels.count().max(1);
                    let mut buffer = SampleBuffer::<f32>::new(decoded.capacity() as u64, spec);
                    buffer.copy_interleaved_ref(decoded);
                    let mono = buffer
                        .samples()
                        .chunks(channels)
                        .map(|f| f.iter().sum::<f32>() / channels as f32);
                    return Ok(Some(mono.collect()));
                }
            }
        }
    }
}

fn is_audio(codec: CodecType) -> bool {
    codec == CODEC_TYPE_OPUS || symphonia::default::get_codecs().get_codec(codec).is_some()
}

fn codec_label(codec: CodecType) -> String {
    if codec == CODEC_TYPE_OPUS {
        "opus".into()
    } else {
        format!("{codec}")
    }
}

/// Decodes a whole file to 16 kHz mono. Fails with [`AudioError::ZeroLength`] when there are no samples.
pub fn decode_file(path: &Path) -> Result<(Vec<f32>, DecodedInfo), AudioError> {
    let mut decoder = Decoder::open(path)?;
    let mut samples = Vec::new();
    while let Some(block) = decoder.next_block()? {
        samples.extend(block);
    }
    if samples.is_empty() {
        return Err(AudioError::ZeroLength {
            path: path.to_path_buf(),
        });
    }
    Ok((samples, decoder.info.clone()))
}
