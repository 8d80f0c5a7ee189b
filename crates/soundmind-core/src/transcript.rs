//! Transcript formatting, as HSJ stores answers: one sentence per line.

/// How transcripts are laid out in the session file (`stt_formatting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Formatting {
    /// One sentence per line (HSJ's default).
    #[default]
    Sentences,
    /// Whitespace collapsed, no line breaks added.
    Raw,
}

impl Formatting {
    /// Parses HSJ's names: `sentences`, or `raw` / `plain` / `none`.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "sentences" => Some(Formatting::Sentences),
            "raw" | "plain" | "none" => Some(Formatting::Raw),
            _ => None,
        }
    }
}

/// Formats a transcript: collapses whitespace, then (for [`Formatting::Sentences`]) breaks after `.`, `!` or `?`
/// when the next word starts with an upper-case letter or a digit. An ellipsis (`...`/`…`) never ends a sentence.
pub fn format_transcript(text: &str, formatting: Formatting) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if formatting == Formatting::Raw {
        return words.join(" ");
    }
    let mut out = String::with_capacity(text.len());
    for (i, word) in words.iter().enumerate() {
        out.push_str(word);
        let Some(next) = words.get(i + 1) else { break };
        let ends_sentence = word.ends_with(['.', '!', '?']) && !word.ends_with("...") && !word.ends_with('…');
        let next_starts = next
            .trim_start_matches(['"', '\'', '“', '„', '(', '«'])
            .chars()
            .next();
        let starts_sentence = next_starts.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
        out.push(if ends_sentence && starts_sentence {
            '\n'
        } else {
            ' '
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sentence_per_line_like_hsj() {
        let text = "Honestly, sleep.  I woke at 4:10 and lay there... until the alarm. Was it the coffee? 2 cups, maybe. e.g. this stays.";
        assert_eq!(
            format_transcript(text, Formatting::Sentences),
            "Honestly, sleep.\nI woke at 4:10 and lay there... until the alarm.\nWas it the coffee?\n2 cups, maybe. e.g. this stays."
        );
        assert_eq!(format_transcript(" a \n b ", Formatting::Raw), "a b");
        assert_eq!(
            format_transcript("Grüß euch! Schön, dass ihr da seid.", Formatting::Sentences),
            "Grüß euch!\nSchön, dass ihr da seid."
        );
        assert_eq!(Formatting::parse("plain"), Some(Formatting::Raw));
        assert_eq!(Formatting::parse("fancy"), None);
    }
}
