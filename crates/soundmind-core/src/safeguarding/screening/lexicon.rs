//! The word lists the judge reads: subjects, objects, negators, reporting verbs, time words. Umlauts are
//! already folded (ä → ae, ß → ss) in every entry.

use std::collections::HashSet;
use std::sync::OnceLock;

/// First-person subjects.
pub(super) const FIRST_SUBJ: &str = "i ich we wir";
/// First-person objects: "it makes *me* want to die" is still the user.
pub(super) const FIRST_OBJ: &str = "me mich mir myself";
/// Third-person subject pronouns.
pub(super) const THIRD_PRON: &str = "he she they someone somebody er sie jemand";
/// Third-person object pronouns: inside a match they mean the phrase is about someone else.
pub(super) const THIRD_OBJ: &str = "him her them ihn ihm";
/// Nouns that name someone (or something fictional) other than the user.
pub(super) const THIRD_NOUN: &str = "\
    friend friends mate buddy bestie sister brother mum mom mother dad father parents partner husband wife \
    boyfriend girlfriend fiance fiancee ex son daughter kid kids child children colleague coworker boss \
    client patient character guy girl boy woman man person student neighbour neighbor cousin uncle aunt \
    grandma grandpa grandmother grandfather teacher therapist doctor film movie book song show series novel \
    lyrics poem story article podcast protagonist narrator singer actor author hero heroine villain people \
    everyone everybody \
    freund freundin freunde kumpel schwester bruder mutter mama mutti vater papa eltern partnerin mann frau \
    ehemann ehefrau sohn tochter kind kollege kollegin chef chefin nachbar nachbarin cousine onkel tante oma \
    opa lehrer lehrerin therapeut therapeutin figur buch lied serie roman hauptfigur protagonistin typ leute";
/// Non-person subjects: a match governed by one of these is an idiom ("das bringt mich noch um").
pub(super) const THING: &str = "it this that das dies dieses es";
/// Verbs that introduce someone's reported words.
pub(super) const REPORT: &str = "\
    said says told tells wrote writes texted texts posted posts asked asks yelled screamed shouted goes sings \
    sang messaged mentioned admitted confessed \
    sagte sagt gesagt meinte meint erzaehlt erzaehlte schrieb schreibt geschrieben fragte gefragt singt gesungen";
/// Negators.
pub(super) const NEG: &str =
    "not never no nie niemals nicht kein keine keinen keiner nimmer nein accidentally accidently";
/// Words a negator may stand in front of and still govern the phrase that follows ("I would *never even
/// think about* killing myself", "ich habe *nicht vor*, mich umzubringen").
pub(super) const GOVERNABLE: &str = "\
    to want wanna wanted wants going gonna will would ever even really actually seriously truly plan planning \
    intend mean think thinking thought about of try tried trying be been have had has just do did does \
    consider considering could should am is are was anymore again feel feeling ready \
    vor daran darueber dran wirklich ernsthaft je jemals auch nur einfach mehr werde wuerde moechte wollen \
    wollte habe hab hatte gedacht denken denke mich mir selbst an bin war";
/// Conjunctions that start a new clause when *I*/*ich* follows.
pub(super) const CONJ: &str = "and so because cause cos coz then or und weil denn dann also oder";
/// Words that, after "when I was" / "als ich" / "as a", place a statement in childhood or youth.
pub(super) const KID: &str = "\
    kid child teenager teen younger little small boy girl student baby young school uni university college \
    toddler five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen \
    nineteen \
    kind klein kleiner jugendlicher jugendliche teenie jung juenger schueler schuelerin studentin schule \
    fuenf sechs sieben acht neun zehn elf zwoelf dreizehn vierzehn fuenfzehn sechzehn siebzehn achtzehn \
    neunzehn";

/// Named word lists usable in patterns as `@NAME`. A trailing `*` on an entry matches by prefix.

#[derive(Debug)]
pub(super) struct Lexicon {
    pub(super) first_subj: Set,
    pub(super) first_obj: Set,
    pub(super) third_pron: Set,
    pub(super) third_obj: Set,
    pub(super) third_noun: Set,
    pub(super) thing: Set,
    pub(super) report: Set,
    pub(super) neg: Set,
    pub(super) governable: Set,
    pub(super) conj: Set,
    pub(super) kid: Set,
}

pub(super) type Set = HashSet<&'static str>;

pub(super) fn set(list: &'static str) -> Set {
    list.split_whitespace().collect()
}

pub(super) fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| Lexicon {
        first_subj: set(FIRST_SUBJ),
        first_obj: set(FIRST_OBJ),
        third_pron: set(THIRD_PRON),
        third_obj: set(THIRD_OBJ),
        third_noun: set(THIRD_NOUN),
        thing: set(THING),
        report: set(REPORT),
        neg: set(NEG),
        governable: set(GOVERNABLE),
        conj: set(CONJ),
        kid: set(KID),
    })
}
