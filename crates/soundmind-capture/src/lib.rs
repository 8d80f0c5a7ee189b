//! The microphone: native capture with cpal, delivered as 16 kHz mono through the
//! [`AudioSource`](soundmind_audio::AudioSource) interface that file sources share.
//!
//! Device and rate fallback follow HSJ: the chosen (or default) device at 16 kHz, then at its own rate, then every
//! other input device the same way. Whatever rate the device runs at, a converter thread downmixes and resamples.
//! cpal's stream may not move between threads on every platform, so it lives on a thread of its own for the
//! length of a take.
#![warn(missing_docs)]

use std::sync::mpsc::{self, Receiver, Sender};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use rubato::{FftFixedIn, Resampler};
use soundmind_audio::{AudioSource, SourceError, SourceEvent, Stream};
use soundmind_engine::SAMPLE_RATE;

const NO_DEVICE_HINT: &str = "Connect a microphone (on Linux, `arecord -l` lists what the system sees), or answer \
     by typing with `soundmind journal --type`, or from audio files with `--input FILE...`.";

/// Input frames per resampler call at the device rate (about 20 ms at 48 kHz).
const RESAMPLE_CHUNK: usize = 960;

/// The input devices the system offers, by name.
pub fn input_devices() -> Vec<String> {
    cpal::default_host()
        .input_devices()
        .map(|devices| devices.filter_map(|d| d.name().ok()).collect())
        .unwrap_or_default()
}

/// A microphone: the system default, or the device whose name contains `device`.
#[derive(Debug, Clone, Default)]
pub struct Microphone {
    device: Option<String>,
}

impl Microphone {
    /// The default input device, or the first whose name contains `device` (case-insensitive).
    pub fn new(device: Option<String>) -> Self {
        Self { device }
    }

    /// Candidate devices, best first: the requested (or default) one, then every other input.
    fn candidates(&self) -> Result<Vec<cpal::Device>, SourceError> {
        let host = cpal::default_host();
        let all: Vec<cpal::Device> = host.input_devices().map(|d| d.collect()).unwrap_or_default();
        let name = |d: &cpal::Device| d.name().unwrap_or_default();
        let first = match &self.device {
            Some(wanted) => {
                let wanted_lower = wanted.to_lowercase();
                let found = all
                    .iter()
                    .find(|d| name(d).to_lowercase().contains(&wanted_lower))
                    .cloned();
                Some(found.ok_or_else(|| SourceError::Device {
                    device: wanted.clone(),
                    reason: format!("no such input device; available: {}", input_devices().join(", ")),
                })?)
            }
            None => host.default_input_device(),
        };
        let mut candidates: Vec<cpal::Device> = first.into_iter().collect();
        let first_name = candidates.first().map(name);
        candidates.extend(all.into_iter().filter(|d| Some(name(d)) != first_name));
        if candidates.is_empty() {
            return Err(SourceError::NoDevice {
                hint: NO_DEVICE_HINT.into(),
            });
        }
        Ok(candidates)
    }
}

impl AudioSource for Microphone {
    fn describe(&self) -> String {
        match &self.device {
            Some(device) => format!("microphone: {device}"),
            None => "microphone: system default".into(),
        }
    }

    fn open(&mut self) -> Result<Stream, SourceError> {
        let candidates = self.candidates()?;
        let (events_tx, events_rx) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        // The cpal stream is built, run and dropped on this thread.
        let thread = std::thread::Builder::new()
            .name("microphone".into())
            .spawn(move || {
                let stream = match start_first_working(&candidates, &events_tx) {
                    Ok(stream) => stream,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                let _ = stop_rx.recv();
                drop(stream);
            })
            .expect("spawn the microphone thread");
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Stream::new(events_rx, move || {
                let _ = stop_tx.send(());
                let _ = thread.join();
            })),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(SourceError::Device {
                device: self.describe(),
                reason: "the audio thread ended unexpectedly".into(),
            }),
        }
    }
}

/// Tries each device at 16 kHz, then at its own default rate; returns the first stream that plays.
fn start_first_working(
    devices: &[cpal::Device],
    events: &Sender<SourceEvent>,
) -> Result<cpal::Stream, SourceError> {
    let mut last_error = None;
    for device in devices {
        let name = device.name().unwrap_or_else(|_| "unknown".into());
        let Ok(default) = device.default_input_config() else {
            continue;
        };
        let mut configs = vec![cpal::StreamConfig {
            channels: default.channels(),
            sample_rate: cpal::SampleRate(SAMPLE_RATE),
            buffer_size: cpal::BufferSize::Default,
        }];
        if default.sample_rate().0 != SAMPLE_RATE {
            configs.push(default.config());
        }
        for config in configs {
            match build_stream(device, &config, default.sample_format(), events.clone()) {
                Ok(stream) => match stream.play() {
                    Ok(()) => return Ok(stream),
                    Err(e) => last_error = Some((name.clone(), e.to_string())),
                },
                Err(e) => last_error = Some((name.clone(), e)),
            }
        }
    }
    Err(match last_error {
        Some((device, reason)) => SourceError::Device { device, reason },
        None => SourceError::NoDevice {
            hint: NO_DEVICE_HINT.into(),
        },
    })
}

fn build_stream(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    format: cpal::SampleFormat,
    events: Sender<SourceEvent>,
) -> Result<cpal::Stream, String> {
    let (raw_tx, raw_rx) = mpsc::channel::<Vec<f32>>();
    let channels = usize::from(config.channels.max(1));
    let rate = config.sample_rate.0;
    let failed = events.clone();
    let on_error = move |e: cpal::StreamError| {
        let _ = failed.send(SourceEvent::Failed(SourceError::Device {
            device: "microphone".into(),
            reason: e.to_string(),
        }));
    };
    let stream = match format {
        cpal::SampleFormat::I16 => device.build_input_stream(
            config,
            move |data: &[i16], _: &_| {
                let _ = raw_tx.send(data.iter().map(|s| f32::from(*s) / 32_768.0).collect());
            },
            on_error,
            None,
        ),
        cpal::SampleFormat::U16 => device.build_input_stream(
            config,
            move |data: &[u16], _: &_| {
                let _ = raw_tx.send(
                    data.iter()
                        .map(|s| (f32::from(*s) - 32_768.0) / 32_768.0)
                        .collect(),
                );
            },
            on_error,
            None,
        ),
        _ => device.build_input_stream(
            config,
            move |data: &[f32], _: &_| {
                let _ = raw_tx.send(data.to_vec());
            },
            on_error,
            None,
        ),
    }
    .map_err(|e| e.to_string())?;
    // Downmixing and resampling happen off the audio callback, which must never block.
    std::thread::Builder::new()
        .name("microphone-convert".into())
        .spawn(move || convert(raw_rx, channels, rate, events))
        .map_err(|e| e.to_string())?;
    Ok(stream)
}

/// Downmixes interleaved frames to mono and resamples them to 16 kHz until the stream is dropped.
fn convert(raw: Receiver<Vec<f32>>, channels: usize, rate: u32, events: Sender<SourceEvent>) {
    let mut resampler = (rate != SAMPLE_RATE).then(|| {
        FftFixedIn::<f32>::new(rate as usize, SAMPLE_RATE as usize, RESAMPLE_CHUNK, 2, 1)
            .expect("valid resampler settings")
    });
    let mut pending: Vec<f32> = Vec::new();
    for data in raw {
        let mono = data
            .chunks(channels)
            .map(|frame| frame.iter().sum::<f32>() / channels as f32);
        let out = match resampler.as_mut() {
            None => mono.collect(),
            Some(resampler) => {
                pending.extend(mono);
                let mut out = Vec::new();
                while pending.len() >= RESAMPLE_CHUNK {
                    let chunk: Vec<f32> = pending.drain(..RESAMPLE_CHUNK).collect();
                    if let Ok(mut frames) = resampler.process(&[chunk], None) {
                        out.append(&mut frames[0]);
                    }
                }
                out
            }
        };
        if !out.is_empty() && events.send(SourceEvent::Audio(out)).is_err() {
            return;
        }
    }
}
