//! The question guard: every generated question is cleaned and checked before anyone sees it.
//!
//! Small local models rarely return just a question. They add labels (`Question:`), quotes, list numbers,
//! Markdown, a preamble ("Sure, here is a question:") or a note after the question ("This invites
//! reflection."). [`clean`] removes that packaging without rewriting the question itself. [`check`] then
//! decides whether what is left is acceptable: one plain, neutral question of a sensible length, with no
//! praise, no role claims, no emoji and no markup. On a failure the caller retries once with
//! [`GuardFailure::corrective_instruction`] and otherwise falls back to the question bank.
//!
//! Praise is never cleaned away: a question that opens with flattery fails, so the retry can fix the tone
//! rather than hiding it.

pub use super::clean::clean;
use super::tokens;

/// Fewest words an acceptable question may have.
pub const MIN_WORDS: usize = 5;
/// Most words an acceptable question may have.
pub const MAX_WORDS: usize = 40;

/// Why a (cleaned) question was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardFailure {
    /// Nothing is left after cleaning.
    #[error("the question is empty")]
    Empty,
    /// The text does not end with a question mark.
    #[error("the text is not a question (it does not end with a question mark)")]
    NotAQuestion,
    /// The text contains more than one question mark.
    #[error("the text asks more than one question")]
    MultipleQuestions,
    /// Fewer than [`MIN_WORDS`] words.
    #[error("the question has {words} words, fewer than {MIN_WORDS}")]
    TooShort {
        /// Words counted.
        words: usize,
    },
    /// More than [`MAX_WORDS`] words.
    #[error("the question has {words} words, more than {MAX_WORDS}")]
    TooLong {
        /// Words counted.
        words: usize,
    },
    /// The text contains an exclamation mark.
    #[error("the question contains an exclamation mark")]
    Exclamation,
    /// The text praises or flatters (the matched word or phrase, lowercase).
    #[error("the question contains praise: {word:?}")]
    Praise {
        /// The praise word or phrase found.
        word: String,
    },
    /// The text claims a role: therapist, counsellor, AI, language model (the matched phrase, lowercase).
    #[error("the question claims a role: {phrase:?}")]
    RoleClaim {
        /// The phrase found.
        phrase: String,
    },
    /// The text contains an emoji, pictograph or emoji variation selector.
    #[error("the question contains an emoji")]
    Emoji,
    /// The text contains markup: `#`, `*`, `<` or a backtick.
    #[error("the question contains markup")]
    Markup,
    /// The question was already asked in this session.
    #[error("the question was already asked in this session")]
    Repeated,
}

impl GuardFailure {
    /// One sentence telling the model what to fix, appended to the prompt for the single retry.
    pub fn corrective_instruction(&self) -> String {
        match self {
            GuardFailure::Empty => {
                "Your reply was empty; write one short, open question for the person, ending with a question mark."
                    .to_owned()
            }
            GuardFailure::NotAQuestion => "Your reply was not a question; rewrite it as one open question that ends \
                 with a question mark, with nothing after it."
                .to_owned(),
            GuardFailure::MultipleQuestions => "You asked more than one question; ask only the single most useful \
                 one, with exactly one question mark, at the end."
                .to_owned(),
            GuardFailure::TooShort { words } => format!(
                "Your question had only {words} words; write one complete, specific question of about 8 to 25 words."
            ),
            GuardFailure::TooLong { words } => format!(
                "Your question had {words} words; shorten it to a single question of at most 25 words."
            ),
            GuardFailure::Exclamation => {
                "Remove every exclamation mark and ask the question in a calm, neutral tone.".to_owned()
            }
            GuardFailure::Praise { word } => format!(
                "Do not praise, compliment or flatter the person (you wrote \"{word}\"); ask one neutral question instead."
            ),
            GuardFailure::RoleClaim { phrase } => format!(
                "Do not describe yourself or claim any role (you wrote \"{phrase}\"); reply with only the question."
            ),
            GuardFailure::Emoji => "Remove the emoji and write the question in plain words only.".to_owned(),
            GuardFailure::Markup => {
                "Write plain text only, with no Markdown, HTML, headings, asterisks or backticks.".to_owned()
            }
            GuardFailure::Repeated => "You already asked that in this session; ask a different question that \
                 follows from their last answer."
                .to_owned(),
        }
    }
}

/// Cleans then checks: the question as it may be shown, or why it may not.
pub fn guard(raw: &str) -> Result<String, GuardFailure> {
    let cleaned = clean(raw);
    check(&cleaned)?;
    Ok(cleaned)
}

/// Checks a cleaned question; the first failure found wins (content before form).
pub fn check(question: &str) -> Result<(), GuardFailure> {
    let q = question.trim();
    if q.is_empty() {
        return Err(GuardFailure::Empty);
    }
    let toks = tokens(q);
    if let Some(phrase) = find_role_claim(&toks) {
        return Err(GuardFailure::RoleClaim { phrase });
    }
    if let Some(word) = find_praise(&toks) {
        return Err(GuardFailure::Praise { word });
    }
    if q.contains(['!', '¡', '‼', '⁉']) {
        return Err(GuardFailure::Exclamation);
    }
    if q.chars().any(is_emoji) {
        return Err(GuardFailure::Emoji);
    }
    if q.contains(['#', '*', '<', '`']) {
        return Err(GuardFailure::Markup);
    }
    if !q.ends_with('?') {
        return Err(GuardFailure::NotAQuestion);
    }
    if q.matches('?').count() > 1 {
        return Err(GuardFailure::MultipleQuestions);
    }
    let words = q
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    if words < MIN_WORDS {
        return Err(GuardFailure::TooShort { words });
    }
    if words > MAX_WORDS {
        return Err(GuardFailure::TooLong { words });
    }
    Ok(())
}

/// Where `phrase` (space-separated words) occurs in `toks`, as start indices.
/// Whether `question` repeats one of `asked` (ignoring case, punctuation and spacing).
pub fn is_repeat(question: &str, asked: &[&str]) -> bool {
    let norm = |s: &str| {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
    };
    let question = norm(question);
    asked.iter().any(|a| norm(a) == question)
}

/// Checks one insight (a bold title, then a few sentences): the same tone rules as a question (no role claims,
/// praise, exclamation marks or emoji), and it must end with an open question. Markdown is allowed.
pub fn check_insight(insight: &str) -> Result<(), GuardFailure> {
    let text = insight.trim();
    if text.is_empty() {
        return Err(GuardFailure::Empty);
    }
    let toks = tokens(text);
    if let Some(phrase) = find_role_claim(&toks) {
        return Err(GuardFailure::RoleClaim { phrase });
    }
    if let Some(word) = find_praise(&toks) {
        return Err(GuardFailure::Praise { word });
    }
    if text.contains(['!', '¡', '‼', '⁉']) {
        return Err(GuardFailure::Exclamation);
    }
    if text.chars().any(is_emoji) {
        return Err(GuardFailure::Emoji);
    }
    if !text
        .trim_end_matches(['*', '_', '"', '\'', '”', '’', ')'])
        .ends_with('?')
    {
        return Err(GuardFailure::NotAQuestion);
    }
    Ok(())
}

/// HSJ's five-point check of a model's question (`diagnose compare`), each point named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionScore {
    /// Each check and whether it passed, in HSJ's order.
    pub checks: [(&'static str, bool); 5],
}

impl QuestionScore {
    /// Checks passed, out of 5.
    pub fn points(&self) -> usize {
        self.checks.iter().filter(|(_, ok)| *ok).count()
    }
}

/// Scores a question as HSJ's `diagnose local compare` did: ends with `?`, 5–40 words, no `!`, no praise, and an
/// opening an answer can take up (a wh- or modal word).
pub fn score(question: &str) -> QuestionScore {
    let q = question.trim();
    let toks = tokens(q);
    let words = q
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    const OPENERS: &[&str] = &[
        "what",
        "how",
        "why",
        "when",
        "where",
        "which",
        "who",
        "could",
        "would",
        "can",
        "might",
        "may",
        "should",
        "was",
        "wie",
        "warum",
        "wann",
        "wo",
        "welche",
        "welcher",
        "welches",
        "wer",
        "könntest",
        "würdest",
        "kannst",
    ];
    QuestionScore {
        checks: [
            ("ends with a question mark", q.ends_with('?')),
            ("5 to 40 words", (MIN_WORDS..=MAX_WORDS).contains(&words)),
            ("no exclamation mark", !q.contains('!')),
            ("no praise", find_praise(&toks).is_none()),
            (
                "open wh- or modal word",
                toks.iter().any(|t| OPENERS.contains(&t.as_str())),
            ),
        ],
    }
}

fn find_all(toks: &[String], phrase: &str) -> Vec<usize> {
    let words: Vec<&str> = phrase.split(' ').collect();
    (0..toks.len())
        .filter(|&i| toks.len() - i >= words.len() && words.iter().zip(&toks[i..]).all(|(w, t)| w == t))
        .collect()
}

#[rustfmt::skip]
const ROLE_CLAIMS: &[&str] = &[
    "as your therapist", "as your counselor", "as your counsellor", "as your coach", "as your psychologist",
    "as your assistant", "i'm an ai", "i am an ai", "i'm just an ai", "i am just an ai", "i'm a language model",
    "i am a language model", "i'm a therapist", "i am a therapist", "i'm your therapist", "i am your therapist",
    "i'm not a therapist", "i am not a therapist", "i'm a counselor", "i am a counselor", "i'm a counsellor",
    "i am a counsellor", "i'm a chatbot", "i am a chatbot", "als dein therapeut", "als ihr therapeut",
    "als deine therapeutin", "als ihre therapeutin", "ich bin eine ki", "ich bin ein ki", "ich bin nur eine ki",
    "ich bin ein sprachmodell", "ich bin therapeut", "ich bin therapeutin", "ich bin kein therapeut",
    "ich bin keine therapeutin", "ich bin dein therapeut",
];

/// "As a …" claims that can also describe the person ("your work as a therapist"): they count only at
/// the start of a clause or when the speaker goes on about themselves ("as an AI, I …").
#[rustfmt::skip]
const ROLE_CLAIMS_AT_CLAUSE_START: &[&str] = &[
    "as a therapist", "as an ai", "as a language model", "as an assistant", "as a counselor", "as a counsellor",
    "as a psychologist", "as a chatbot", "as a mental health professional", "als ki", "als künstliche intelligenz",
    "als therapeut", "als therapeutin", "als sprachmodell",
];

fn find_role_claim(toks: &[String]) -> Option<String> {
    if let Some(p) = ROLE_CLAIMS.iter().find(|p| !find_all(toks, p).is_empty()) {
        return Some((*p).to_owned());
    }
    ROLE_CLAIMS_AT_CLAUSE_START.iter().find_map(|p| {
        let len = p.split(' ').count();
        find_all(toks, p)
            .into_iter()
            .any(|i| {
                let starts_clause = i == 0 || toks[i - 1] == "|";
                let next = toks[i + len..].iter().find(|t| *t != "|").map(String::as_str);
                starts_clause || matches!(next, Some("i" | "i'm" | "ich" | "let"))
            })
            .then(|| (*p).to_owned())
    })
}

#[rustfmt::skip]
const PRAISE_WORDS: &[&str] = &[
    "great", "wonderful", "amazing", "awesome", "fantastic", "brilliant", "excellent", "incredible", "impressive",
    "beautiful", "beautifully", "powerful", "inspiring", "terrific", "outstanding", "superb", "marvelous",
    "marvellous", "remarkable", "phenomenal", "insightful", "courageous", "admirable", "amazingly", "wonderfully",
    "super", "bravo", "klasse", "prima", "spitze",
];

/// German adjectives, matched with their inflections (`-e`, `-er`, `-es`, `-en`, `-em`).
#[rustfmt::skip]
const PRAISE_STEMS_DE: &[&str] = &[
    "toll", "wunderbar", "großartig", "grossartig", "fantastisch", "hervorragend", "beeindruckend", "wunderschön",
    "fabelhaft", "genial",
];

#[rustfmt::skip]
const PRAISE_PHRASES: &[&str] = &[
    "proud of you", "well done", "good job", "great job", "nice job", "nice work", "i love that", "i love how",
    "love that you", "so glad you", "stolz auf dich", "stolz auf sie", "gut gemacht",
];

/// English words before "toll" that make it the noun ("the toll it takes"), not German praise.
#[rustfmt::skip]
const TOLL_NOUN_CONTEXT: &[&str] = &[
    "the", "a", "its", "heavy", "what", "which", "this", "that", "emotional", "physical", "mental", "any", "much",
    "real", "take", "takes", "took", "taken", "taking", "high", "huge", "big",
];

fn find_praise(toks: &[String]) -> Option<String> {
    for (i, t) in toks.iter().enumerate() {
        let next = toks.get(i + 1).map(String::as_str);
        if PRAISE_WORDS.contains(&t.as_str()) && !(t == "great" && matches!(next, Some("deal" | "many"))) {
            return Some(t.clone());
        }
        let stem = PRAISE_STEMS_DE.iter().find(|s| {
            t.strip_prefix(**s)
                .is_some_and(|rest| ["", "e", "er", "es", "en", "em"].contains(&rest))
        });
        if let Some(stem) = stem {
            let noun = *stem == "toll" && i > 0 && TOLL_NOUN_CONTEXT.contains(&toks[i - 1].as_str());
            if !noun {
                return Some(t.clone());
            }
        }
    }
    PRAISE_PHRASES
        .iter()
        .find(|p| !find_all(toks, p).is_empty())
        .map(|p| (*p).to_owned())
}

/// Emoji, pictographs, dingbats, regional indicators, keycaps, ZWJ, tags and variation selectors.
#[rustfmt::skip]
const EMOJI_RANGES: &[(u32, u32)] = &[
    (0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x2300, 0x23FF), (0x2194, 0x2199), (0x21A9, 0x21AA),
    (0x25A0, 0x25FF), (0x2934, 0x2935), (0xFE00, 0xFE0F), (0x200D, 0x200D), (0x20E3, 0x20E3), (0x2122, 0x2122),
    (0x2139, 0x2139), (0x24C2, 0x24C2), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3299), (0xE0020, 0xE007F),
];

fn is_emoji(c: char) -> bool {
    EMOJI_RANGES
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&(c as u32)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(q: &str) -> GuardFailure {
        check(q).expect_err(q)
    }

    #[test]
    fn word_limits_are_inclusive() {
        assert_eq!(check("What matters to you today?"), Ok(()));
        assert_eq!(fails("What matters to you?"), GuardFailure::TooShort { words: 4 });
        let forty = format!("What {}?", "do you want ".repeat(13).trim());
        assert_eq!(check(&forty), Ok(()));
        let forty_one = format!("What {} today?", "do you want ".repeat(13).trim());
        assert_eq!(fails(&forty_one), GuardFailure::TooLong { words: 41 });
        assert_eq!(
            check("What — if anything — would you change now?"),
            Ok(()),
            "dashes are not words"
        );
    }

    #[test]
    fn one_question_mark_at_the_end() {
        assert_eq!(
            fails("Is it fear? Or is it something else?"),
            GuardFailure::MultipleQuestions
        );
        assert_eq!(
            fails("What do you mean? I would like to know more."),
            GuardFailure::NotAQuestion
        );
        assert_eq!(
            fails("Tell me more about what happened at work."),
            GuardFailure::NotAQuestion
        );
    }

    #[test]
    fn praise_is_matched_as_whole_words_in_english_and_german() {
        let praise = |q| match fails(q) {
            GuardFailure::Praise { word } => word,
            other => panic!("{q}: {other:?}"),
        };
        assert_eq!(
            praise("That is an AMAZING plan, so where do you start?"),
            "amazing"
        );
        assert_eq!(
            praise("Well done, and what would you like to try next?"),
            "well done"
        );
        assert_eq!(praise("Good job on that, what comes next for you?"), "good job");
        assert_eq!(praise("Das ist eine tolle Idee, was brauchst du dafür?"), "tolle");
        assert_eq!(
            praise("Großartig, und was ist dein nächster Schritt?"),
            "großartig"
        );
        assert_eq!(praise("Super, wie geht es dir jetzt damit?"), "super");
        for ok in [
            "What did your great-grandmother teach you about work?",
            "What would the greatest relief be for you this week?",
            "What has taken a great deal of your energy this month?",
            "What toll has the move taken on your sleep?",
            "Which moments feel superbly ordinary to you lately?",
            "What would be good for you right now, and what does good work mean to you?",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn role_claims_but_not_the_persons_own_roles() {
        let role = |q| match fails(q) {
            GuardFailure::RoleClaim { phrase } => phrase,
            other => panic!("{q}: {other:?}"),
        };
        assert_eq!(
            role("As your therapist, what would you like to work on today?"),
            "as your therapist"
        );
        assert_eq!(
            role("Speaking as a therapist, I wonder what you need most now?"),
            "as a therapist"
        );
        assert_eq!(
            role("I am a counselor, so what brings you here today?"),
            "i am a counselor"
        );
        assert_eq!(
            role("Als KI frage ich dich: was beschäftigt dich gerade?"),
            "als ki"
        );
        assert_eq!(
            role("I’m an AI, but what would help you most right now?"),
            "i'm an ai"
        );
        assert_eq!(
            check("How has training as a counselor changed the way you listen?"),
            Ok(())
        );
        assert_eq!(
            check("Wie fühlt sich deine Arbeit als Therapeutin gerade an?"),
            Ok(())
        );
    }

    #[test]
    fn tone_emoji_and_markup() {
        assert_eq!(
            fails("What would you like to change now?!"),
            GuardFailure::Exclamation
        );
        assert_eq!(
            fails("What feels heavy ❤\u{FE0F} about this for you?"),
            GuardFailure::Emoji
        );
        assert_eq!(
            fails("What feels heavy \u{FE0F} about this for you?"),
            GuardFailure::Emoji
        );
        assert_eq!(
            fails("What would you 🙂 like to look at first today?"),
            GuardFailure::Emoji
        );
        for q in [
            "What # matters most to you now?",
            "What would <b>you</b> change first?",
            "What *really* matters to you?",
        ] {
            assert_eq!(fails(q), GuardFailure::Markup, "{q}");
        }
        assert_eq!(
            check("Was würdest du gern ändern, wenn es möglich wäre?"),
            Ok(()),
            "umlauts are not emoji"
        );
    }

    #[test]
    fn corrective_instructions_are_single_sentences() {
        let all = [
            GuardFailure::Empty,
            GuardFailure::NotAQuestion,
            GuardFailure::MultipleQuestions,
            GuardFailure::TooShort { words: 2 },
            GuardFailure::TooLong { words: 55 },
            GuardFailure::Exclamation,
            GuardFailure::Praise { word: "great".into() },
            GuardFailure::RoleClaim {
                phrase: "as an ai".into(),
            },
            GuardFailure::Emoji,
            GuardFailure::Markup,
        ];
        for failure in all {
            let s = failure.corrective_instruction();
            assert!(
                s.ends_with('.') && s.matches(". ").count() == 0 && !s.contains('\n'),
                "{s}"
            );
            assert!(s.chars().next().is_some_and(char::is_uppercase), "{s}");
            assert!(!failure.to_string().is_empty());
        }
        assert!(
            GuardFailure::Praise { word: "great".into() }
                .corrective_instruction()
                .contains("\"great\"")
        );
        assert!(
            GuardFailure::TooLong { words: 55 }
                .corrective_instruction()
                .contains("55")
        );
    }

    #[test]
    fn guard_cleans_then_checks() {
        assert_eq!(
            guard("Question: \"What do you need tonight?\""),
            Ok("What do you need tonight?".to_owned())
        );
        assert_eq!(
            guard("Amazing! What next?"),
            Err(GuardFailure::Praise {
                word: "amazing".into()
            })
        );
    }

    #[test]
    fn repeats_ignore_case_and_punctuation() {
        let asked = ["What is on your mind right now?"];
        assert!(is_repeat("what is on your mind, right now?", &asked));
        assert!(!is_repeat("What is on your mind tonight?", &asked));
        assert!(
            GuardFailure::Repeated
                .corrective_instruction()
                .contains("different question")
        );
    }

    #[test]
    fn insights_keep_the_tone_rules_and_end_with_a_question() {
        let good =
            "**Mornings**\n\nYou said mornings felt \"tight\". What seems different on the easier ones?";
        assert_eq!(check_insight(good), Ok(()));
        assert_eq!(
            check_insight("**Mornings**\n\nYou're going to make it, I'm sure of it."),
            Err(GuardFailure::NotAQuestion)
        );
        assert!(matches!(
            check_insight("What a wonderful week you had. What made it so?"),
            Err(GuardFailure::Praise { .. })
        ));
        assert_eq!(
            check_insight("Keep going! What helps?"),
            Err(GuardFailure::Exclamation)
        );
    }

    #[test]
    fn scores_questions_the_way_hsj_compared_models() {
        assert_eq!(
            score("What felt different about today's walk by the river?").points(),
            5
        );
        let praise = score("Great job! How are you?");
        assert_eq!(praise.points(), 3, "{praise:?}");
        assert!(!praise.checks[2].1 && !praise.checks[3].1);
        assert_eq!(score("I hear that you slept badly.").points(), 3);
    }
}
