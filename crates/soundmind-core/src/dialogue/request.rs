//! Recognising when the person asks Soundmind for a question (see [`asks_for_a_question`]).
//!
//! Private to `dialogue`; [`asks_for_a_question`] is public as `dialogue::bank::asks_for_a_question`.

use super::words;

/// Phrases a person uses to ask for a question. `*` skips up to two words; `$` requires the end of the
/// sentence. Apostrophes are dropped before matching ("don't" is `dont`).
#[rustfmt::skip]
const ANYWHERE: &[&str] = &[
    "dont know what * to talk about", "do not know what * to talk about", "not sure what * to talk about",
    "no idea what * to talk about", "dont know what * to say $", "do not know what * to say $",
    "not sure what * to say $", "no idea what * to say $", "dont know where to start $",
    "not sure where to start $", "what should i talk about", "what do i talk about", "what can i talk about",
    "want you to ask me", "i need a question", "i want a question", "i want another question", "id like a question",
    "would like a question", "do you have * question for me", "have you got * question for me",
    "weiß nicht worüber ich * reden", "weiß nicht worüber ich * sprechen", "weiss nicht worüber ich * reden",
    "weiss nicht worüber ich * sprechen", "weiß nicht was ich * sagen soll", "weiss nicht was ich * sagen soll",
    "weiß nicht wo ich anfangen soll", "mir fällt nichts ein $", "hast du * frage für mich",
    "ich brauche * frage", "hätte gern * frage", "hätte gerne * frage",
];

/// Requests that count only when nothing but filler comes before them in the sentence ("Can you just ask me
/// something?"), so that "Why did she ask me a question?" is not a request.
#[rustfmt::skip]
const IMPERATIVE: &[&str] = &[
    "give me * question", "give me * prompt", "give me something to talk about", "ask me * question",
    "ask me * something", "ask me anything", "next question", "another question", "a different question",
    "gib mir * frage", "stell mir * frage", "stelle mir * frage", "frag mich * etwas", "frag mich * was",
    "frag mich * irgendwas", "frage mich * etwas", "nächste frage", "noch eine frage", "eine andere frage",
    "mir * frage stellen",
];

#[rustfmt::skip]
const LEAD: &[&str] = &[
    "can", "could", "would", "will", "you", "please", "just", "then", "so", "maybe", "perhaps", "ok", "okay",
    "now", "well", "um", "uh", "hmm", "and", "alright", "right", "yeah", "yes", "actually", "why", "dont", "hey",
    "oh", "kannst", "könntest", "du", "bitte", "dann", "einfach", "mal", "doch", "vielleicht", "na", "also",
    "ähm", "äh", "ja", "gut",
];

/// Whether the person is asking Soundmind for a question ("give me a question", "can you ask me something",
/// "I don't know what to talk about", "gib mir eine Frage", "frag mich etwas"), in either of the last two
/// sentences of `transcript`. Case and punctuation do not matter.
pub fn asks_for_a_question(transcript: &str) -> bool {
    let sentences: Vec<Vec<String>> = transcript
        .split(['.', '!', '?', ';', '…', '\n'])
        .map(words)
        .filter(|w| !w.is_empty())
        .collect();
    sentences.iter().rev().take(2).any(|sentence| {
        let starts = |pattern: &str| -> Vec<usize> {
            (0..sentence.len())
                .filter(|&i| matches_at(sentence, i, pattern).is_some())
                .collect()
        };
        ANYWHERE.iter().any(|p| !starts(p).is_empty())
            || IMPERATIVE.iter().any(|p| {
                starts(p)
                    .into_iter()
                    .any(|i| sentence[..i].iter().all(|w| LEAD.contains(&w.as_str())))
            })
    })
}

/// Matches `pattern` against `words` from `start`; the index after the match.
fn matches_at(words: &[String], start: usize, pattern: &str) -> Option<usize> {
    fn go(words: &[String], i: usize, pat: &[&str]) -> Option<usize> {
        match pat.split_first() {
            None => Some(i),
            Some((&"$", rest)) => (i == words.len()).then_some(i).and_then(|i| go(words, i, rest)),
            Some((&"*", rest)) => (0..=2)
                .filter(|n| i + n <= words.len())
                .find_map(|n| go(words, i + n, rest)),
            Some((w, rest)) => (words.get(i)? == w).then(|| go(words, i + 1, rest)).flatten(),
        }
    }
    let pat: Vec<&str> = pattern.split(' ').collect();
    go(words, start, &pat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_requests_for_a_question() {
        for yes in [
            "Give me a question.",
            "I don't really know. Can you ask me something?",
            "I don't know what to talk about today",
            "Hmm, ask me a question",
            "OK so could you just ask me another question please",
            "I'm tired. Honestly I don't know what to say. Maybe next question",
            "Well. I want you to ask me something. Yeah.",
            "Do you have a question for me?",
            "I'd like a question, please.",
            "GIVE ME A DIFFERENT QUESTION!!!",
            "Gib mir eine Frage.",
            "Frag mich doch mal etwas",
            "Ich weiß nicht, worüber ich reden soll.",
            "Kannst du mir bitte eine Frage stellen?",
            "Und jetzt. Stell mir eine andere Frage",
        ] {
            assert!(asks_for_a_question(yes), "should ask: {yes}");
        }
        for no in [
            "",
            "My manager asked me a question I could not answer.",
            "Why did she ask me a question like that in front of everyone?",
            "I don't know what to say to my sister about the money.",
            "I know exactly what to talk about: the move.",
            "Give me a question, I said to him back then. Anyway, we went home. It rained all day.",
            "That raises another question for me about my job.",
            "Er hat mich etwas gefragt, und ich wusste keine Antwort.",
            "That sounds like a question my mother would ask.",
            "They have a question for me about the budget.",
            "Er wollte mir eine Frage stellen, aber dann ging er.",
        ] {
            assert!(!asks_for_a_question(no), "should not ask: {no}");
        }
    }
}
