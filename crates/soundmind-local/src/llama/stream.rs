//! Turning sampled token pieces into text deltas: whole UTF-8 characters only, and stop strings held back until it is
//! clear whether they complete.

/// Accumulates token bytes and hands out text that is safe to show.
#[derive(Debug, Default)]
pub(crate) struct TextStream {
    /// Bytes of a character split across tokens, not yet complete.
    pending_bytes: Vec<u8>,
    /// Everything decoded so far (the answer, before any stop string).
    text: String,
    /// How much of `text` was handed out.
    shown: usize,
    stops: Vec<String>,
    stopped: bool,
}

impl TextStream {
    pub(crate) fn new(stops: &[String]) -> Self {
        Self {
            stops: stops.iter().filter(|s| !s.is_empty()).cloned().collect(),
            ..Self::default()
        }
    }

    /// Adds a token's bytes. Returns the new text that can be shown now (possibly empty).
    pub(crate) fn push(&mut self, bytes: &[u8]) -> &str {
        if self.stopped {
            return "";
        }
        self.pending_bytes.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&self.pending_bytes) {
            Ok(_) => self.pending_bytes.len(),
            // An incomplete character at the end waits for the next token; invalid bytes become U+FFFD.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending_bytes.len(),
        };
        let complete: Vec<u8> = self.pending_bytes.drain(..valid).collect();
        self.text.push_str(&String::from_utf8_lossy(&complete));
        if let Some(at) = self.stops.iter().filter_map(|s| self.text.find(s.as_str())).min() {
            self.text.truncate(at);
            self.stopped = true;
            return self.release(self.text.len());
        }
        // Hold back a tail that could still grow into a stop string.
        let held = self
            .stops
            .iter()
            .map(|stop| longest_suffix_prefix(&self.text, stop))
            .max()
            .unwrap_or(0);
        self.release(self.text.len() - held)
    }

    /// True once a stop string was generated.
    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }

    /// Ends the stream: whatever was held back is shown.
    pub(crate) fn finish(&mut self) -> &str {
        if !self.pending_bytes.is_empty() {
            let rest = std::mem::take(&mut self.pending_bytes);
            self.text.push_str(&String::from_utf8_lossy(&rest));
        }
        self.release(self.text.len())
    }

    /// The whole answer.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    fn release(&mut self, upto: usize) -> &str {
        let from = self.shown;
        self.shown = upto.max(from);
        &self.text[from..self.shown]
    }
}

/// The length of the longest suffix of `text` that is a proper prefix of `stop`, on a character boundary.
fn longest_suffix_prefix(text: &str, stop: &str) -> usize {
    (1..stop.len().min(text.len() + 1))
        .rev()
        .find(|&n| {
            text.is_char_boundary(text.len() - n) && stop.is_char_boundary(n) && text.ends_with(&stop[..n])
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pieces: &[&[u8]], stops: &[&str]) -> (Vec<String>, String, bool) {
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let mut stream = TextStream::new(&stops);
        let mut deltas: Vec<String> = pieces.iter().map(|p| stream.push(p).to_string()).collect();
        let stopped = stream.stopped();
        deltas.push(stream.finish().to_string());
        (deltas, stream.text().to_string(), stopped)
    }

    #[test]
    fn characters_split_across_tokens_are_shown_whole() {
        let heart = "é❤".as_bytes();
        let (deltas, text, _) = run(&[b"caf", &heart[..1], &heart[1..3], &heart[3..]], &[]);
        assert_eq!(deltas, ["caf", "", "é", "❤", ""]);
        assert_eq!(text, "café❤");
    }

    #[test]
    fn stop_strings_end_the_text_and_are_never_shown() {
        let (deltas, text, stopped) = run(&[b"What now", b"?\nUs", b"er: hi"], &["\nUser:"]);
        assert_eq!(text, "What now?");
        assert!(stopped);
        assert_eq!(deltas.concat(), "What now?");
        assert_eq!(
            deltas[1], "?",
            "the possible start of the stop string is held back"
        );
        // A held-back tail that turns out not to be a stop string is released.
        let (deltas, text, stopped) = run(&[b"a\nU", b"nder"], &["\nUser:"]);
        assert_eq!(
            (deltas.concat(), text, stopped),
            ("a\nUnder".into(), "a\nUnder".into(), false)
        );
    }
}
