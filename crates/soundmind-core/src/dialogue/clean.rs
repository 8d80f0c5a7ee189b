//! Cleaning a model's raw reply down to the question it contains (see [`clean`]).
//!
//! Private to `dialogue`; [`clean`] is public as `dialogue::guard::clean`.

use super::tokens;

/// Removes the packaging a model puts around its question; never rewrites the question's words.
///
/// Trims; drops code-fence lines, headings without a question, list bullets and numbers, labels such as
/// `Question:` or `**Follow-up question:**`, Markdown emphasis and surrounding quotes; keeps the lines up to
/// the first one containing `?` (later lines are notes or further list items); drops a leading chat preamble
/// ("Sure.", "Here is a question:"); cuts after the last `?` that is not followed by a note such as
/// "(This invites reflection.)"; collapses whitespace. A short acknowledgement before the question is kept.
pub fn clean(raw: &str) -> String {
    let text: String = raw
        .chars()
        .map(|c| match c {
            '？' => '?',
            '！' => '!',
            '\r' => '\n',
            _ => c,
        })
        .collect();
    let mut kept: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("```") || (line.starts_with('#') && !line.contains('?')) {
            continue;
        }
        let line = clean_line(line);
        if line.is_empty() {
            continue;
        }
        let has_question = line.contains('?');
        kept.push(line);
        if has_question {
            break;
        }
    }
    while kept.len() > 1 && kept[0].ends_with(':') {
        kept.remove(0);
    }
    let mut joined = kept.join(" ").split_whitespace().collect::<Vec<_>>().join(" ");
    while joined.contains("??") {
        joined = joined.replace("??", "?");
    }
    let body = drop_preamble(&joined);
    let cut = strip_quotes(cut_after_question(body).trim());
    capitalise(cut.trim())
}

#[rustfmt::skip]
const QUOTES: &[char] = &['"', '\'', '“', '”', '„', '‟', '«', '»', '‘', '’', '‹', '›'];

/// Removes surrounding quotes: a pair, or a lone quote at one end when the text has no other quote
/// (apostrophes do not count as quotes, and a lone one is never removed, so "What's" stays intact).
fn strip_quotes(s: &str) -> String {
    let mut s = s.trim();
    while let (Some(first), Some(last)) = (s.chars().next(), s.chars().last()) {
        let count = s
            .chars()
            .filter(|c| QUOTES.contains(c) && !matches!(c, '\'' | '’'))
            .count();
        if s.chars().count() > 1 && QUOTES.contains(&first) && QUOTES.contains(&last) {
            s = s[first.len_utf8()..s.len() - last.len_utf8()].trim();
        } else if QUOTES.contains(&first) && first != '\'' && count == 1 {
            s = s[first.len_utf8()..].trim();
        } else if QUOTES.contains(&last) && !matches!(last, '\'' | '’') && count == 1 {
            s = s[..s.len() - last.len_utf8()].trim();
        } else {
            break;
        }
    }
    s.to_owned()
}

/// Strips bullets, emphasis, labels and quotes from one line until nothing changes.
fn clean_line(line: &str) -> String {
    let mut s = line.to_owned();
    for _ in 0..6 {
        let before = s.clone();
        s = s.trim_start_matches('#').trim().to_owned();
        s = strip_tags(&s).to_owned();
        s = strip_bullet(&s).to_owned();
        s = strip_emphasis(&s);
        s = strip_label(&s).to_owned();
        s = strip_quotes(&s);
        if s == before {
            break;
        }
    }
    s
}

fn strip_bullet(s: &str) -> &str {
    let Some(first) = s.chars().next() else { return s };
    if "-•–—+*·‣◦●▪■►".contains(first) {
        let rest = &s[first.len_utf8()..];
        if rest.starts_with(char::is_whitespace) {
            return rest.trim_start();
        }
    }
    let inner = s.strip_prefix('(').unwrap_or(s);
    let digits = inner.chars().take_while(char::is_ascii_digit).count();
    let letter = digits == 0 && inner.starts_with(|c: char| c.is_ascii_alphabetic());
    let n = if letter { 1 } else { digits };
    if (1..=3).contains(&n) {
        let rest = &inner[n..];
        let allowed: &[char] = if letter { &[')'] } else { &['.', ')', ':'] };
        if let Some(rest) = rest.strip_prefix(allowed)
            && rest.starts_with(char::is_whitespace)
        {
            return rest.trim_start();
        }
    }
    s
}

/// Removes a leading `<tag>` and a trailing `</tag>` (models echo the prompt's `<question>` tags).
fn strip_tags(s: &str) -> &str {
    let is_tag = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || "_-/".contains(c));
    let mut s = s;
    if let Some(close) = s.strip_prefix('<').and_then(|r| r.find('>'))
        && is_tag(&s[1..=close])
    {
        s = s[close + 2..].trim_start();
    }
    if let Some(open) = s.rfind("</")
        && s.ends_with('>')
        && is_tag(&s[open + 2..s.len() - 1])
    {
        s = s[..open].trim_end();
    }
    s
}

/// Removes `*` and `__` anywhere and `_` at the edge of a word (Markdown emphasis).
fn strip_emphasis(s: &str) -> String {
    let chars: Vec<char> = s.replace("__", "").chars().filter(|&c| c != '*').collect();
    let word = |i: Option<usize>| i.and_then(|i| chars.get(i)).is_some_and(|c| c.is_alphanumeric());
    (0..chars.len())
        .filter(|&i| chars[i] != '_' || (word(i.checked_sub(1)) && word(Some(i + 1))))
        .map(|i| chars[i])
        .collect()
}

/// Labels that do not contain "question" or "Frage".
#[rustfmt::skip]
const LABELS: &[&str] = &[
    "q", "ai", "assistant", "response", "reply", "answer", "antwort", "output", "ki", "soundmind", "follow-up",
    "followup", "follow up",
];

/// Removes a leading label such as `Question:`, `Q:`, `Frage:` or `Here is my follow-up question:`.
fn strip_label(s: &str) -> &str {
    let Some(colon) = s.find(':') else { return s };
    let label = &s[..colon];
    if label.contains(['?', '.']) || label.split_whitespace().count() > 8 {
        return s;
    }
    let toks = tokens(label);
    let is_label = toks.iter().any(|t| t.contains("question") || t.contains("frage"))
        || LABELS.contains(&toks.join(" ").as_str());
    if is_label { s[colon + 1..].trim_start() } else { s }
}

/// Drops leading chat filler sentences ("Sure!", "Of course.", "Here is a question for you.").
fn drop_preamble(s: &str) -> &str {
    let mut s = s;
    loop {
        let end = s.char_indices().find(|&(i, c)| {
            ".!:".contains(c)
                && s[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
        });
        let Some((i, c)) = end else { return s };
        let (sentence, rest) = (&s[..i], s[i + c.len_utf8()..].trim_start());
        let toks = tokens(sentence);
        let text = toks.join(" ");
        let filler = [
            "sure",
            "sure thing",
            "of course",
            "certainly",
            "okay",
            "ok",
            "alright",
            "all right",
            "absolutely",
            "here you go",
            "klar",
            "gerne",
            "natürlich",
        ]
        .contains(&text.as_str());
        let opener = [
            "sure",
            "okay",
            "ok",
            "certainly",
            "alright",
            "here",
            "here's",
            "hier",
            "gerne",
            "let",
        ]
        .contains(&toks.first().map_or("", String::as_str));
        let about_asking = toks
            .iter()
            .any(|t| t.contains("question") || t.contains("frage") || t == "ask");
        if rest.is_empty() || sentence.contains('?') || !(filler || (opener && about_asking)) {
            return s;
        }
        s = rest;
    }
}

/// Keeps the text up to the last `?` of the question, dropping whatever follows it; stops early at a `?`
/// that is followed by a note ("(This invites reflection.)", "Note: …", "PS …").
fn cut_after_question(s: &str) -> &str {
    let marks: Vec<usize> = s.match_indices('?').map(|(i, _)| i).collect();
    let Some(&first) = marks.first() else { return s };
    let mut end = first;
    for &next in &marks[1..] {
        if is_note(&s[end + 1..next]) {
            break;
        }
        end = next;
    }
    &s[..=end]
}

fn is_note(text: &str) -> bool {
    let text = text.trim_start();
    if text.starts_with(['(', '[', '—', '–']) || strip_bullet(text).len() < text.len() {
        return true;
    }
    let toks: Vec<String> = tokens(text).into_iter().filter(|t| t != "|").take(2).collect();
    let first = toks.first().map_or("", String::as_str);
    matches!(
        first,
        "note" | "ps" | "p" | "explanation" | "rationale" | "reasoning" | "hinweis" | "anmerkung"
    ) || (matches!(first, "this" | "diese") && toks.get(1).is_some_and(|t| t != "is"))
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_lowercase() => c.to_uppercase().chain(chars).collect(),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::guard::{GuardFailure as F, check, guard};
    use super::*;

    fn praise(word: &str) -> Option<F> {
        Some(F::Praise {
            word: word.to_owned(),
        })
    }

    /// Raw replies in the style of a small local model (SmolLM2-135M and friends): what `clean` keeps, and
    /// what `check` then says about it (`None`: shown as is).
    #[test]
    #[rustfmt::skip]
    fn realistic_model_outputs() {
        let cases: Vec<(&str, &str, Option<F>)> = vec![
            // A statement, no question.
            ("I think you should take some time to relax and focus on yourself.",
             "I think you should take some time to relax and focus on yourself.", Some(F::NotAQuestion)),
            // Several questions in one reply.
            ("What made you feel that way? How did you cope with it? What would you do differently next time?",
             "What made you feel that way? How did you cope with it? What would you do differently next time?",
             Some(F::MultipleQuestions)),
            // Praise up front.
            ("Great question! What do you think is the main reason for your stress?",
             "Great question! What do you think is the main reason for your stress?", praise("great")),
            ("That's wonderful. What else happened at the party?",
             "That's wonderful. What else happened at the party?", praise("wonderful")),
            ("I'm so proud of you for sharing that. What would you like to do next?",
             "I'm so proud of you for sharing that. What would you like to do next?", praise("proud of you")),
            ("Das ist toll. Was möchtest du als Nächstes ausprobieren?",
             "Das ist toll. Was möchtest du als Nächstes ausprobieren?", praise("toll")),
            // A numbered list of questions: the first item is kept.
            ("1. What are you grateful for today?\n2. What made you smile?\n3. What would you like to change?",
             "What are you grateful for today?", None),
            ("Here are some questions:\n- **What drained you most this week?**\n- What helped?",
             "What drained you most this week?", None),
            // A label and an explanation after the question.
            ("Question: What would you like to focus on this week?\n\nThis question helps the user reflect on their priorities.",
             "What would you like to focus on this week?", None),
            ("**Follow-up question:** What does rest look like for you right now?",
             "What does rest look like for you right now?", None),
            ("Q: How did the conversation with your manager end?", "How did the conversation with your manager end?", None),
            ("Follow-up: what happened next at the meeting?", "What happened next at the meeting?", None),
            ("1) What made today feel so hard?  2) What helped?", "What made today feel so hard?", None),
            ("Next question: which part of the move worries you the most?",
             "Which part of the move worries you the most?", None),
            ("Frage: Was hat dich heute am meisten beschäftigt?", "Was hat dich heute am meisten beschäftigt?", None),
            ("Sure! Here's a follow-up question for you:\n\nWhat part of the day felt the heaviest?",
             "What part of the day felt the heaviest?", None),
            ("Sure. Here is a question to reflect on. What would a calmer morning look like?",
             "What would a calmer morning look like?", None),
            // Quotes around the question.
            ("\"How did that conversation with your sister leave you feeling?\"",
             "How did that conversation with your sister leave you feeling?", None),
            ("“What would you like to be different by next month?”",
             "What would you like to be different by next month?", None),
            ("\"What's on your mind this evening, now that it is quiet?",
             "What's on your mind this evening, now that it is quiet?", None),
            ("'What's the first thing you notice when you wake up?'",
             "What's the first thing you notice when you wake up?", None),
            // Notes after the question on the same line.
            ("How are you feeling about the exam now? (This invites reflection on emotions.)",
             "How are you feeling about the exam now?", None),
            ("What would you like to do next? Note: this is an open-ended question.",
             "What would you like to do next?", None),
            ("What did you learn from that day? PS (debug): reflection, phase open_up",
             "What did you learn from that day?", None),
            // Emoji.
            ("What is one thing that made you happy today? 😊", "What is one thing that made you happy today?", None),
            ("What made you 😊 today at the lake with your friends?",
             "What made you 😊 today at the lake with your friends?", Some(F::Emoji)),
            // Role claims.
            ("As an AI, I don't have feelings, but what do you think about your day?",
             "As an AI, I don't have feelings, but what do you think about your day?",
             Some(F::RoleClaim { phrase: "as an ai".into() })),
            ("I'm an AI language model. How can I help you reflect on your week?",
             "I'm an AI language model. How can I help you reflect on your week?",
             Some(F::RoleClaim { phrase: "i'm an ai".into() })),
            // A neutral acknowledgement stays.
            ("That sounds like a long day. What made it feel so long?",
             "That sounds like a long day. What made it feel so long?", None),
            // Echoed prompt format.
            ("## AI Q\n\n```llm-question\nWhat do you want to remember about today?\n```",
             "What do you want to remember about today?", None),
            ("<question>What did you learn about yourself this week?</question>",
             "What did you learn about yourself this week?", None),
            // Tone, length, emptiness, markup.
            ("What do you think about that!", "What do you think about that!", Some(F::Exclamation)),
            ("Why?", "Why?", Some(F::TooShort { words: 1 })),
            ("   \n\n  ", "", Some(F::Empty)),
            ("Which `habit` would you like to look at more closely today?",
             "Which `habit` would you like to look at more closely today?", Some(F::Markup)),
            // Words that only look like praise.
            ("What toll has this year taken on you, in your own words?",
             "What toll has this year taken on you, in your own words?", None),
            ("How is your work as a therapist affecting your sleep lately?",
             "How is your work as a therapist affecting your sleep lately?", None),
        ];
        let long = format!("What {}?", "do you think about all of this ".repeat(7).trim());
        assert_eq!(guard(&long), Err(F::TooLong { words: 50 }));
        for (raw, cleaned, failure) in cases {
            assert_eq!(clean(raw), cleaned, "clean({raw:?})");
            assert_eq!(check(cleaned).err(), failure, "check({cleaned:?})");
            assert_eq!(guard(raw), failure.map_or(Ok(cleaned.to_owned()), Err), "guard({raw:?})");
        }
    }

    #[test]
    fn clean_is_idempotent_and_keeps_inner_punctuation() {
        for raw in [
            "What did you mean by \"enough\"?",
            "What's on your mind, now that it's quiet?",
        ] {
            assert_eq!(clean(raw), raw);
            assert_eq!(clean(&clean(raw)), clean(raw));
        }
        assert_eq!(clean("what   do\tyou\n want??"), "What do you want?");
    }
}
