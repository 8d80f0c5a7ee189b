//! Encoding a take to Ogg Opus (RFC 7845), the compact copy kept once the WAV is no longer needed.
//!
//! Design decision: the encoder returns the file's bytes instead of writing it, so this crate stays free of the
//! store; the caller writes them with its atomic, durable write. A take is minutes long, so its Opus bytes (about
//! 3 KB a second at 24 kbit/s) fit in memory easily.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use ogg::writing::{PacketWriteEndInfo, PacketWriter};
use opus::{Application, Bitrate, Channels, Encoder, Signal};
use soundmind_engine::SAMPLE_RATE;

/// Opus bitrate for speech: transparent enough for a voice journal at a fraction of the WAV's 256 kbit/s.
pub const OPUS_BITRATE: i32 = 24_000;
/// Samples per packet at 16 kHz: 20 ms, Opus's usual frame for speech.
const FRAME: usize = (SAMPLE_RATE as usize) / 50;
/// Granule positions and pre-skip are always counted at 48 kHz in Ogg Opus, whatever the input rate.
const GRANULE_PER_SAMPLE: u64 = 48_000 / SAMPLE_RATE as u64;
/// Packets per Ogg page: a page a second keeps seeking fine-grained and a damaged page costs one second.
const PACKETS_PER_PAGE: usize = 50;
/// libopus's recommended upper bound for one packet.
const MAX_PACKET: usize = 4000;
/// The vendor string in `OpusTags`.
const VENDOR: &str = "soundmind";

/// Why a take could not be encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// There were no samples to encode.
    #[error("no audio to encode (0 samples)")]
    NoSamples,
    /// libopus refused a setting or a frame.
    #[error("the Opus encoder failed while {action}: {source}")]
    Opus {
        /// What the encoder was doing.
        action: &'static str,
        /// libopus's error.
        source: opus::Error,
    },
    /// The Ogg pages could not be assembled.
    #[error("could not write the Ogg pages: {0}")]
    Ogg(#[from] std::io::Error),
}

/// Encodes 16 kHz mono samples (`[-1, 1]`) as a standard Ogg Opus file and returns its bytes.
///
/// The stream is mono, 20 ms packets at [`OPUS_BITRATE`] tuned for voice. `OpusHead` carries the encoder's
/// lookahead as pre-skip and 16000 as the input rate; granule positions count 48 kHz samples including the
/// pre-skip, and the last page (flagged end-of-stream) carries the true end, so players trim the zero padding
/// of the final frame and the decoded length equals the input's.
pub fn encode_ogg_opus(samples: &[f32]) -> Result<Vec<u8>, EncodeError> {
    if samples.is_empty() {
        return Err(EncodeError::NoSamples);
    }
    let opus = |action| move |source| EncodeError::Opus { action, source };
    let mut encoder =
        Encoder::new(SAMPLE_RATE, Channels::Mono, Application::Voip).map_err(opus("starting"))?;
    encoder
        .set_bitrate(Bitrate::Bits(OPUS_BITRATE))
        .map_err(opus("setting the bitrate"))?;
    encoder
        .set_signal(Signal::Voice)
        .map_err(opus("setting the signal type"))?;
    // The lookahead is in input-rate samples; it is both the pre-skip and how much extra input the encoder
    // needs after the last real sample before that sample is in a packet.
    let lookahead =
        usize::try_from(encoder.get_lookahead().map_err(opus("reading the lookahead"))?).unwrap_or(0);
    let pre_skip = lookahead as u64 * GRANULE_PER_SAMPLE;

    let serial = stream_serial();
    let mut ogg = PacketWriter::new(Vec::with_capacity(samples.len() / 8 + 1024));
    ogg.write_packet(opus_head(pre_skip), serial, PacketWriteEndInfo::EndPage, 0)?;
    ogg.write_packet(opus_tags(), serial, PacketWriteEndInfo::EndPage, 0)?;

    // Feed zeros after the input until the lookahead is flushed, so the end of the last word is encoded.
    let frames = (samples.len() + lookahead).div_ceil(FRAME);
    let end_granule = pre_skip + samples.len() as u64 * GRANULE_PER_SAMPLE;
    let mut frame = vec![0f32; FRAME];
    let mut packet = vec![0u8; MAX_PACKET];
    for i in 0..frames {
        let start = (i * FRAME).min(samples.len());
        let end = ((i + 1) * FRAME).min(samples.len());
        frame.fill(0.0);
        frame[..end - start].copy_from_slice(&samples[start..end]);
        let len = encoder
            .encode_float(&frame, &mut packet)
            .map_err(opus("encoding"))?;
        let (granule, end_info) = if i + 1 == frames {
            // The true end, not the padded one: decoders trim the rest (RFC 7845 §4.4).
            (end_granule, PacketWriteEndInfo::EndStream)
        } else {
            let granule = (i as u64 + 1) * FRAME as u64 * GRANULE_PER_SAMPLE;
            let end_info = if (i + 1) % PACKETS_PER_PAGE == 0 {
                PacketWriteEndInfo::EndPage
            } else {
                PacketWriteEndInfo::NormalPacket
            };
            (granule, end_info)
        };
        ogg.write_packet(packet[..len].to_vec(), serial, end_info, granule)?;
    }
    Ok(ogg.into_inner())
}

/// The identification header (RFC 7845 §5.1).
fn opus_head(pre_skip: u64) -> Vec<u8> {
    let mut head = Vec::with_capacity(19);
    head.extend_from_slice(b"OpusHead");
    head.push(1); // version
    head.push(1); // channels
    head.extend_from_slice(&u16::try_from(pre_skip).unwrap_or(u16::MAX).to_le_bytes());
    head.extend_from_slice(&SAMPLE_RATE.to_le_bytes()); // the input rate, informational
    head.extend_from_slice(&0i16.to_le_bytes()); // output gain
    head.push(0); // mapping family 0: mono or stereo, no mapping table
    head
}

/// The comment header (RFC 7845 §5.2): the vendor string and no user comments.
fn opus_tags() -> Vec<u8> {
    let mut tags = Vec::with_capacity(8 + 4 + VENDOR.len() + 4);
    tags.extend_from_slice(b"OpusTags");
    tags.extend_from_slice(&(VENDOR.len() as u32).to_le_bytes());
    tags.extend_from_slice(VENDOR.as_bytes());
    tags.extend_from_slice(&0u32.to_le_bytes());
    tags
}

/// A random stream serial number, as RFC 3533 asks, so the file can be chained with others without a clash.
fn stream_serial() -> u32 {
    RandomState::new().build_hasher().finish() as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_file;

    fn encode_to_file(samples: &[f32]) -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("take.ogg");
        let bytes = encode_ogg_opus(samples).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        (dir, path, bytes)
    }

    #[test]
    fn three_seconds_of_voice_round_trip_at_a_fraction_of_the_size() {
        let samples = soundmind_testkit::voice_like(3.0);
        let (_dir, path, bytes) = encode_to_file(&samples);
        let (decoded, info) = decode_file(&path).unwrap();
        assert_eq!(info.codec, "opus");
        let seconds = |n: usize| n as f64 / f64::from(SAMPLE_RATE);
        let diff = (seconds(decoded.len()) - seconds(samples.len())).abs();
        assert!(
            diff <= 0.030,
            "decoded {} samples for {} in",
            decoded.len(),
            samples.len()
        );
        let wav_bytes = 44 + samples.len() * 2;
        assert!(
            bytes.len() * 5 < wav_bytes,
            "Ogg Opus is {} bytes, the WAV {wav_bytes}",
            bytes.len()
        );
        // The speech survives: the decoded level is close to the input's.
        let rms = |s: &[f32]| (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt();
        let (a, b) = (rms(&samples), rms(&decoded));
        assert!((a - b).abs() < 0.3 * a, "input RMS {a}, decoded RMS {b}");
    }

    #[test]
    fn a_partial_last_frame_keeps_its_true_length() {
        // 1.234 s is not a whole number of 20 ms frames.
        let samples = soundmind_testkit::voice_like(1.234);
        let (_dir, path, _) = encode_to_file(&samples);
        let (decoded, _) = decode_file(&path).unwrap();
        let diff = decoded.len().abs_diff(samples.len()) as f64 / f64::from(SAMPLE_RATE);
        assert!(
            diff <= 0.030,
            "decoded {} samples for {}",
            decoded.len(),
            samples.len()
        );
    }

    #[test]
    fn headers_and_pages_follow_rfc_7845() {
        let samples = soundmind_testkit::voice_like(2.5);
        let (_dir, _path, bytes) = encode_to_file(&samples);
        let mut reader = ogg::reading::PacketReader::new(std::io::Cursor::new(bytes));
        let head = reader.read_packet_expected().unwrap();
        assert_eq!(&head.data[..8], b"OpusHead");
        assert_eq!(head.data.len(), 19);
        assert_eq!(head.data[8], 1, "version");
        assert_eq!(head.data[9], 1, "channels");
        let pre_skip = u64::from(u16::from_le_bytes([head.data[10], head.data[11]]));
        assert!(
            pre_skip > 0 && pre_skip % GRANULE_PER_SAMPLE == 0,
            "pre-skip {pre_skip}"
        );
        assert_eq!(u32::from_le_bytes(head.data[12..16].try_into().unwrap()), 16_000);
        assert_eq!(&head.data[16..19], &[0, 0, 0], "gain 0, mapping family 0");
        assert!(head.first_in_stream() && head.last_in_page());
        let tags = reader.read_packet_expected().unwrap();
        assert_eq!(&tags.data[..8], b"OpusTags");
        assert_eq!(&tags.data[12..12 + VENDOR.len()], VENDOR.as_bytes());
        assert!(tags.last_in_page());

        let mut packets = 0;
        let mut last_granule = 0;
        let mut last = None;
        while let Some(p) = reader.read_packet().unwrap() {
            packets += 1;
            assert!(p.absgp_page() >= last_granule, "granules never go back");
            last_granule = p.absgp_page();
            last = Some(p);
        }
        let last = last.unwrap();
        assert!(last.last_in_stream(), "the last page is flagged end-of-stream");
        assert_eq!(
            last.absgp_page(),
            pre_skip + samples.len() as u64 * GRANULE_PER_SAMPLE
        );
        let lookahead = (pre_skip / GRANULE_PER_SAMPLE) as usize;
        assert_eq!(packets, (samples.len() + lookahead).div_ceil(FRAME));
    }

    #[test]
    fn nothing_to_encode_is_an_error() {
        assert!(matches!(encode_ogg_opus(&[]), Err(EncodeError::NoSamples)));
    }
}
