use super::pattern::{Elem, rules};
use super::rules::SPECS;
use super::*;

fn crisis(kind: CrisisKind) -> Screening {
    Screening::Crisis(kind)
}

fn check(cases: &[(&str, Screening)]) {
    let mut wrong = Vec::new();
    for &(text, want) in cases {
        let got = screen(text);
        if got != want {
            wrong.push(format!("{text:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
}

#[test]
fn every_pattern_compiles_and_starts_with_a_word() {
    let rules = rules();
    assert_eq!(rules.patterns.len(), SPECS.len());
    for (spec, elems) in &rules.patterns {
        assert!(matches!(elems.first(), Some(Elem::Word(_))), "{}", spec.pat);
        // A pattern must not end in a gap (it would only widen the match for nothing).
        assert!(!matches!(elems.last(), Some(Elem::Gap(_))), "{}", spec.pat);
    }
}

#[test]
fn explicit_statements_are_crises() {
    use CrisisKind::*;
    check(&[
        ("I want to kill myself.", crisis(SuicidalIntent)),
        ("honestly i just want to die", crisis(SuicidalIntent)),
        ("I don't want to live anymore", crisis(SuicidalIntent)),
        ("i've been cutting myself again", crisis(SelfHarm)),
        ("i'm going to kill him", crisis(HarmToOthers)),
        ("my husband hits me", crisis(Abuse)),
        ("ich will mich umbringen", crisis(SuicidalIntent)),
        ("ich ritze mich", crisis(SelfHarm)),
        ("ich bringe ihn um", crisis(HarmToOthers)),
        ("er schlägt mich", crisis(Abuse)),
    ]);
}

#[test]
fn negation_turns_a_crisis_into_a_mention() {
    check(&[
        ("I would never kill myself", Screening::Mention),
        ("i'm not going to hurt anyone", Screening::Mention),
        ("I don't want to die", Screening::Mention),
        ("i wouldn't ever think about killing myself", Screening::Mention),
        ("there's no way i'd kill myself", Screening::Mention),
        ("ich will mich nicht umbringen", Screening::Mention),
        ("ich habe nicht vor, mir das Leben zu nehmen", Screening::Mention),
        ("ich ritze mich nicht mehr", Screening::Mention),
        ("he never hits me", Screening::Mention),
    ]);
}

#[test]
fn negative_risk_phrases_are_immune_to_negation() {
    use CrisisKind::*;
    check(&[
        ("i don't want to live", crisis(SuicidalIntent)),
        ("I can't go on", crisis(SuicidalIntent)),
        ("there's no reason to live", crisis(SuicidalIntent)),
        ("ich will nicht mehr leben", crisis(SuicidalIntent)),
        ("ich will einfach nicht mehr", crisis(SuicidalIntent)),
        ("I'm not safe at home", crisis(Abuse)),
    ]);
}

#[test]
fn a_negator_far_away_or_across_a_subject_does_not_count() {
    use CrisisKind::*;
    check(&[
        ("i don't know, i just want to die", crisis(SuicidalIntent)),
        ("i can't sleep and want to die", crisis(SuicidalIntent)),
        (
            "i never thought i would want to kill myself",
            crisis(SuicidalIntent),
        ),
        ("no, i want to die", crisis(SuicidalIntent)),
        ("i'm not okay but i want to kill myself", crisis(SuicidalIntent)),
    ]);
}

#[test]
fn other_peoples_words_and_states_are_mentions() {
    check(&[
        ("my friend said she wanted to kill herself", Screening::Mention),
        ("he told me he'd end it", Screening::Mention),
        ("in the film the character wants to die", Screening::Mention),
        ("she wrote \"I want to die\" on her wall", Screening::Mention),
        (
            "meine Freundin hat gesagt, dass sie sterben will",
            Screening::Mention,
        ),
        ("mein Kollege hat sich umgebracht", Screening::Mention),
    ]);
}

#[test]
fn third_person_harming_the_user_is_abuse() {
    use CrisisKind::*;
    check(&[
        ("he said he would kill me", crisis(Abuse)),
        ("my husband threatened to kill me", crisis(Abuse)),
        ("i'm afraid he will hurt me", crisis(Abuse)),
        ("er hat gedroht mich umzubringen", crisis(Abuse)),
    ]);
}

#[test]
fn the_users_own_words_in_quotes_or_told_to_someone_stay_crises() {
    use CrisisKind::*;
    check(&[
        ("I keep thinking \"I want to die\"", crisis(SuicidalIntent)),
        (
            "i told my therapist i want to kill myself",
            crisis(SuicidalIntent),
        ),
        ("it makes me want to die", crisis(SuicidalIntent)),
        (
            "my friend said she wanted to die and i want to die too",
            crisis(SuicidalIntent),
        ),
    ]);
}

#[test]
fn idioms_are_clear() {
    check(&[
        ("this heat is killing me", Screening::Clear),
        ("my feet are killing me", Screening::Clear),
        ("I'm dying to see it", Screening::Clear),
        ("that cake is to die for", Screening::Clear),
        ("she's killing it at work", Screening::Clear),
        ("I could kill for a coffee", Screening::Clear),
        ("my mum will kill me if I'm late", Screening::Clear),
        ("I nearly died laughing", Screening::Clear),
        ("the deadline is friday and i'm dead tired", Screening::Clear),
        ("ich lach mich tot", Screening::Clear),
        ("das bringt mich noch um", Screening::Clear),
        ("ich glaube das wird mich noch umbringen", Screening::Clear),
        ("i want to die of embarrassment", Screening::Clear),
        ("I cut myself while cooking", Screening::Clear),
        ("i burnt myself out at work", Screening::Clear),
        ("i want to end it with him", Screening::Clear),
        ("i'm going to hurt my back lifting that", Screening::Clear),
        ("my brother beats me at chess", Screening::Clear),
    ]);
}

#[test]
fn long_ago_is_a_mention_unless_it_is_back() {
    use CrisisKind::*;
    check(&[
        ("years ago i thought about ending it", Screening::Mention),
        ("when i was a teenager i used to cut myself", Screening::Mention),
        ("früher wollte ich mich umbringen", Screening::Mention),
        ("ich wurde als Kind missbraucht", Screening::Mention),
        (
            "i used to be happy now i want to kill myself",
            crisis(SuicidalIntent),
        ),
        (
            "years ago i wanted to die and now i want to die again",
            crisis(SuicidalIntent),
        ),
        ("i want to die now, years ago i was fine", crisis(SuicidalIntent)),
    ]);
}

#[test]
fn german_spellings_are_folded() {
    use CrisisKind::*;
    check(&[
        ("ich möchte sterben", crisis(SuicidalIntent)),
        ("ich moechte sterben", crisis(SuicidalIntent)),
        ("Ich MÖCHTE nicht mehr leben", crisis(SuicidalIntent)),
        ("ich will mich umbringen", crisis(SuicidalIntent)),
        ("ich will mich töten", crisis(SuicidalIntent)),
        ("ich will mich toeten", crisis(SuicidalIntent)),
        ("ich fühle mich zu Hause nicht sicher", crisis(Abuse)),
        ("ich fuehle mich zuhause nicht sicher", crisis(Abuse)),
        ("er schlaegt mich", crisis(Abuse)),
        ("es hat alles keinen Sinn mehr zu leben", crisis(SuicidalIntent)),
        ("ich habe Angst, dass er mich schlägt", crisis(Abuse)),
        ("alle wären ohne mich besser dran", crisis(SuicidalIntent)),
        ("alle waeren ohne mich besser dran", crisis(SuicidalIntent)),
        ("ich bin total erschöpft", Screening::Clear),
        (
            "das Spiel, das ich nicht mehr spielen will, heißt Schach",
            Screening::Clear,
        ),
        ("das will ich nicht mehr", Screening::Clear),
    ]);
}

#[test]
fn apostrophes_and_missing_apostrophes_are_unified() {
    use CrisisKind::*;
    for text in [
        "I don't want to live anymore",
        "I don’t want to live anymore",
        "I donʼt want to live anymore",
        "i dont want to live anymore",
        "I do not want to live anymore",
    ] {
        assert_eq!(screen(text), crisis(SuicidalIntent), "{text:?}");
    }
    assert_eq!(screen("im gonna kill myself"), crisis(SuicidalIntent));
    assert_eq!(screen("I’m gonna kill him"), crisis(HarmToOthers));
}

#[test]
fn the_strongest_finding_over_all_sentences_wins() {
    use CrisisKind::*;
    assert_eq!(
        screen("I had a long day. My feet are killing me. I would never kill myself."),
        Screening::Mention
    );
    assert_eq!(
        screen("I had a long day. I would never hurt anyone. But I want to end my life."),
        crisis(SuicidalIntent)
    );
    assert_eq!(
        screen("he hits me. i want to kill myself."),
        crisis(SuicidalIntent)
    );
    assert_eq!(screen(""), Screening::Clear);
    assert_eq!(screen("   ...  \n ,,, "), Screening::Clear);
}

#[test]
fn unclosed_quotes_do_not_hide_a_crisis() {
    assert_eq!(
        screen("she said \"it's fine. i want to kill myself"),
        Screening::Crisis(CrisisKind::SuicidalIntent)
    );
}

#[test]
fn a_100k_character_transcript_is_screened_in_one_linear_pass() {
    let sentences = [
        "I walked the dog this morning and thought about the project deadline",
        "My feet are killing me after the hike, but the view was to die for",
        "I feel a bit hopeless about the budget and I cried all evening",
        "ich bin total erschöpft, aber morgen wird es besser",
        "she's killing it at work and I'm dying to see her new flat",
    ];
    // With punctuation: many short clauses.
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 100_000 {
        text.push_str(sentences[i % sentences.len()]);
        text.push_str(". ");
        i += 1;
    }
    assert!(text.len() >= 100_000);
    assert_eq!(screen(&text), Screening::Clear);

    // Without any punctuation: a single 100k-character clause, the worst case for backward windows.
    let unpunctuated: String = text
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .collect();
    assert_eq!(screen(&unpunctuated), Screening::Clear);

    // Dense matches: every window is bounded, so this stays linear too.
    let dense = "i want to kill myself i would never kill myself ".repeat(2_100);
    assert!(dense.len() >= 100_000);
    assert_eq!(screen(&dense), Screening::Crisis(CrisisKind::SuicidalIntent));
}

#[test]
fn kinds_have_stable_names() {
    assert_eq!(CrisisKind::SuicidalIntent.as_str(), "suicidal");
    assert_eq!(CrisisKind::SelfHarm.as_str(), "self_harm");
    assert_eq!(CrisisKind::HarmToOthers.as_str(), "harm_to_others");
    assert_eq!(CrisisKind::Abuse.as_str(), "abuse");
    assert!(Screening::Crisis(CrisisKind::Abuse).is_crisis());
    assert!(!Screening::Mention.is_crisis());
    assert!(!Screening::Clear.is_crisis());
}

#[test]
fn inferred_risk_is_a_concern_and_an_attempt_under_way_a_crisis() {
    use CrisisKind::*;
    check(&[
        (
            "I bought a rope today and I know the beam in the garage will hold my weight.",
            Screening::Concern(SuicidalIntent),
        ),
        (
            "this is my last entry, i won't need the app after tonight, then i watched the football",
            Screening::Concern(SuicidalIntent),
        ),
        (
            "I swallowed every pill in the cabinet twenty minutes ago and now I'm dizzy",
            crisis(SuicidalIntent),
        ),
        (
            "He grabbed me by the throat again when I came home.",
            Screening::Concern(Abuse),
        ),
        (
            "I gave the cat to my sister for good and wrote letters to the kids.",
            Screening::Concern(SuicidalIntent),
        ),
        (
            "My sister gave her cat away for good and wrote letters to her kids.",
            Screening::Clear,
        ),
        ("I bought a new climbing rope for the weekend.", Screening::Clear),
        (
            "Picked up my vitamins at the pharmacy, the bottle was nearly empty.",
            Screening::Clear,
        ),
        (
            "My brother beats me at chess every single time.",
            Screening::Clear,
        ),
        (
            "In the film the hero jumps off the bridge to escape.",
            Screening::Clear,
        ),
    ]);
}
