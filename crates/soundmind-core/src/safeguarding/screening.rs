//! Crisis-language screening: a conservative, explicit-phrase matcher that runs on every transcript before any
//! language model sees it.
//!
//! [`screen`] returns [`Screening::Crisis`] only for *explicit* statements of present risk ("I want to kill
//! myself", "ich will nicht mehr leben", "my husband hits me", "I'm going to hurt him"). On a crisis the app
//! stops the reflective dialogue and shows the fixed help lines from [`super::CrisisDirectory`]; a crisis must
//! never be answered with a reflective question. [`Screening::Mention`] covers crisis topics without a present
//! risk to the user (negated, someone else's words or state, long ago); the app shows a one-line resources note
//! and carries on. Everything else is [`Screening::Clear`], including idioms ("this heat is killing me", "ich
//! lach mich tot") and hard feelings that are not a crisis ("I feel hopeless about this project").
//!
//! # How it works
//!
//! 1. **Normalise** (one pass, linear): lowercase; `ä ö ü ß` become `ae oe ue ss`, so "möchte" and "moechte"
//!    are the same token; the apostrophes `’ ' ʼ ‘` are unified and English contractions expanded ("don't" →
//!    "do not", "I'm" → "i am", also the apostrophe-less "dont", "im", "wanna", "gonna"); punctuation is
//!    stripped. `. ! ?`, line breaks and `;` end a clause, as do the words *but* and *aber*; a conjunction
//!    directly followed by *I*/*ich* ("… and I want to die") starts a new clause too. Commas, colons, dashes and
//!    ellipses are remembered as soft boundaries. Text inside closed quotation marks is flagged as quoted.
//! 2. **Match** a fixed table of token patterns, clause by clause, looked up by their first token. A pattern
//!    is a sequence of word alternatives (`kill|killing myself`), with optional words (`?own`), bounded gaps
//!    (`~2`: up to two tokens of any kind), an end-of-clause anchor (`$`) and a one-token negative look-ahead
//!    (`!laughing`) for idioms. Every window the matcher looks at is bounded, so screening is linear in the
//!    length of the text.
//! 3. **Judge** each match: quoted or reported speech of a third person ("my friend said she wanted to die"),
//!    a third-person subject ("he'd end it"), a negator governing the phrase ("I would never kill myself", "ich
//!    will mich nicht umbringen") or a long-ago marker without a present one ("years ago I thought about ending
//!    it") turn a crisis phrase into a [`Screening::Mention`]. Phrases that are themselves negative statements
//!    of risk ("don't want to live", "nicht mehr leben", "no reason to live") are immune to negation. A thing
//!    as the subject ("das wird mich noch umbringen") makes the match an idiom: [`Screening::Clear`]. Abuse
//!    patterns *are* third-person ("he hits me"), so a third-person subject keeps them a crisis.
//!
//! The matcher errs towards `Crisis` when a statement is explicit but oddly phrased; it does not try to read
//! between the lines (implicit hopelessness is `Clear` by design: the reflective dialogue, not this screen,
//! is the place for it).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The outcome of screening a transcript: the strongest finding over all its sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screening {
    /// Nothing of concern.
    Clear,
    /// Crisis topics without a present risk to the user: negated statements ("I would never kill myself"),
    /// someone else's words or state ("my friend said she wanted to die"), or long ago ("years ago I thought
    /// about ending it"). The app shows a gentle one-line resources note but continues.
    Mention,
    /// Explicit present risk: the app stops the dialogue and shows the help lines.
    Crisis(CrisisKind),
}

/// The kind of an explicit crisis statement. When one transcript holds several, [`screen`] reports the most
/// severe in this order: [`SuicidalIntent`](Self::SuicidalIntent), [`HarmToOthers`](Self::HarmToOthers),
/// [`Abuse`](Self::Abuse), [`SelfHarm`](Self::SelfHarm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrisisKind {
    /// Suicidal intent or wish: "I want to kill myself", "ich will nicht mehr leben".
    SuicidalIntent,
    /// Self-harm: "I've been cutting myself again", "ich ritze mich".
    SelfHarm,
    /// Intent to harm another person: "I'm going to hurt him", "ich bringe ihn um".
    HarmToOthers,
    /// The user is being harmed by someone: "my husband hits me", "ich werde missbraucht".
    Abuse,
}

impl CrisisKind {
    /// A stable snake_case name (`suicidal`, `self_harm`, `harm_to_others`, `abuse`), e.g. for a content-free
    /// `crisis_flagged` log event.
    pub fn as_str(self) -> &'static str {
        match self {
            CrisisKind::SuicidalIntent => "suicidal",
            CrisisKind::SelfHarm => "self_harm",
            CrisisKind::HarmToOthers => "harm_to_others",
            CrisisKind::Abuse => "abuse",
        }
    }

    fn severity(self) -> u8 {
        match self {
            CrisisKind::SelfHarm => 0,
            CrisisKind::Abuse => 1,
            CrisisKind::HarmToOthers => 2,
            CrisisKind::SuicidalIntent => 3,
        }
    }
}

impl Screening {
    /// Whether the finding is an explicit crisis, which must stop the dialogue.
    pub fn is_crisis(&self) -> bool {
        matches!(self, Screening::Crisis(_))
    }

    fn rank(self) -> u8 {
        match self {
            Screening::Clear => 0,
            Screening::Mention => 1,
            Screening::Crisis(kind) => 2 + kind.severity(),
        }
    }

    fn stronger(self, other: Screening) -> Screening {
        if other.rank() > self.rank() { other } else { self }
    }
}

/// Screens a transcript (any length, English or German) and returns the strongest finding over all its
/// sentences. Runs in time linear in the length of `text`.
pub fn screen(text: &str) -> Screening {
    let doc = Doc::new(text);
    let rules = rules();
    let mut best = Screening::Clear;
    let mut lits: Vec<usize> = Vec::with_capacity(16);
    for &(cs, ce) in &doc.clauses {
        for t in cs..ce {
            let word = doc.word(t);
            let exact = rules.by_first.get(word).map(Vec::as_slice).unwrap_or(&[]);
            let prefixed = rules
                .by_prefix
                .iter()
                .filter(|(prefix, _)| word.starts_with(prefix))
                .map(|&(_, rule)| rule);
            for ri in exact.iter().copied().chain(prefixed) {
                let rule = &rules.rules[ri];
                lits.clear();
                if let Some(me) = match_at(&rule.elems, 0, &doc, t, ce, &mut lits) {
                    let finding = doc.judge(rule, cs, ce, t, me, &lits);
                    best = best.stronger(finding);
                }
            }
        }
    }
    best
}

// ---------------------------------------------------------------------------------------------------------
// Word lists, space-separated. Umlauts are already folded (ä → ae, ß → ss) in every entry.

/// First-person subjects.
const FIRST_SUBJ: &str = "i ich we wir";
/// First-person objects: "it makes *me* want to die" is still the user.
const FIRST_OBJ: &str = "me mich mir myself";
/// Third-person subject pronouns.
const THIRD_PRON: &str = "he she they someone somebody er sie jemand";
/// Third-person object pronouns: inside a match they mean the phrase is about someone else.
const THIRD_OBJ: &str = "him her them ihn ihm";
/// Nouns that name someone (or something fictional) other than the user.
const THIRD_NOUN: &str = "\
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
const THING: &str = "it this that das dies dieses es";
/// Verbs that introduce someone's reported words.
const REPORT: &str = "\
    said says told tells wrote writes texted texts posted posts asked asks yelled screamed shouted goes sings \
    sang messaged mentioned admitted confessed \
    sagte sagt gesagt meinte meint erzaehlt erzaehlte schrieb schreibt geschrieben fragte gefragt singt gesungen";
/// Negators.
const NEG: &str =
    "not never no nie niemals nicht kein keine keinen keiner nimmer nein accidentally accidently";
/// Words a negator may stand in front of and still govern the phrase that follows ("I would *never even
/// think about* killing myself", "ich habe *nicht vor*, mich umzubringen").
const GOVERNABLE: &str = "\
    to want wanna wanted wants going gonna will would ever even really actually seriously truly plan planning \
    intend mean think thinking thought about of try tried trying be been have had has just do did does \
    consider considering could should am is are was anymore again feel feeling ready \
    vor daran darueber dran wirklich ernsthaft je jemals auch nur einfach mehr werde wuerde moechte wollen \
    wollte habe hab hatte gedacht denken denke mich mir selbst an bin war";
/// Conjunctions that start a new clause when *I*/*ich* follows.
const CONJ: &str = "and so because cause cos coz then or und weil denn dann also oder";
/// Words that, after "when I was" / "als ich" / "as a", place a statement in childhood or youth.
const KID: &str = "\
    kid child teenager teen younger little small boy girl student baby young school uni university college \
    toddler five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen \
    nineteen \
    kind klein kleiner jugendlicher jugendliche teenie jung juenger schueler schuelerin studentin schule \
    fuenf sechs sieben acht neun zehn elf zwoelf dreizehn vierzehn fuenfzehn sechzehn siebzehn achtzehn \
    neunzehn";

/// Named word lists usable in patterns as `@NAME`. A trailing `*` on an entry matches by prefix.
const SETS: &[(&str, &str)] = &[
    (
        "INTENT",
        "want wants wanted wanting wanna going gonna plan plans planned planning thinking thought think \
         considering considered consider about ready decided decide tried try trying will would intend \
         intending intended might urge urges tempted keep kept",
    ),
    (
        "HINTENT",
        "want wanna wanted going gonna will plan plans planning intend intending about ready mean decided",
    ),
    (
        "HARMV",
        "kill hurt stab shoot strangle murder choke poison attack smother harm kidnap",
    ),
    (
        "TARGET",
        "him her them someone somebody people everyone everybody anyone anybody",
    ),
    (
        "NONPERSON",
        "feelings chances chance career reputation pride ego business plans relationship confidence sales \
         game mood vibe back knee case",
    ),
    (
        "PADJ",
        "stupid fucking bloody damn own ex little whole new old annoying next entire",
    ),
    (
        "PERSON",
        "boss husband wife partner boyfriend girlfriend ex dad father mum mom mother brother sister son \
         daughter kids kid children child baby neighbour neighbor neighbours neighbors colleague colleagues \
         coworker coworkers manager teacher teachers flatmate roommate landlord family parents friend friends \
         classmates bully stepdad stepmum stepmom guy woman man girl boy uncle aunt cousin grandma grandpa \
         fiance fiancee person people class",
    ),
    (
        "ABUSER",
        "he she they partner husband wife boyfriend girlfriend bf gf fiance fiancee ex dad father stepdad \
         stepfather mum mom mother stepmum stepmom stepmother parents brother sister stepbrother uncle aunt \
         grandad grandfather son daughter carer caregiver flatmate roommate someone somebody guy man",
    ),
    (
        "DE_ABUSER",
        "er sie mann ehemann freund partner partnerin frau ehefrau freundin vater papa stiefvater mutter \
         mama stiefmutter bruder schwester ex onkel tante eltern jemand opa sohn tochter typ",
    ),
    (
        "AHARM",
        "kill hurt hit beat stab shoot strangle choke rape harm attack murder",
    ),
    (
        "HIGH",
        "bridge building roof rooftop balcony cliff tower window ledge car parking motorway overpass",
    ),
    ("VEHICLE", "train car bus truck lorry tram traffic subway tube"),
    (
        "SHBLOCK",
        "on while when shaving cooking accidentally by slicing chopping off short some out free loose \
         opening if lifting playing running trying doing falling skiing climbing up down open in",
    ),
    (
        "LIVEBLOCK",
        "in with near there here at on without alone together abroad somewhere forever my a the through \
         for off up by to under close next far so that this outside inside anywhere where like long",
    ),
    (
        "DIEBLOCK",
        "of from laughing for happy old rich a at trying doing first before knowing having famous \
         peacefully naturally",
    ),
    (
        "DE_UMBLOCK",
        "den die das dem zu acht sieben neun zehn elf zwoelf halb viertel mitternacht ein eine einen meinen \
         meine mein ihren seinen jeden alles sechs fuenf vier drei zwei eins ihre seine unseren \
         unsere",
    ),
    (
        "DE_TARGET",
        "ihn sie jemanden jemand leute menschen alle meinen meine meinem den die ihm ihr euch seinen seine",
    ),
    (
        "DE_FILL",
        "wieder gestern heute schon oft immer einfach mehrmals mal so richtig fest hart ins gesicht nochmal \
         erneut letzte woche nacht vorhin grundlos brutal",
    ),
    (
        "DE_KILL",
        "umbringen umzubringen toeten verletzen erstechen erschiessen abstechen umlegen erwuergen kaltmachen \
         wehtun weh ermorden",
    ),
];

/// The word lists above as sets, built once.
#[derive(Debug)]
struct Lexicon {
    first_subj: Set,
    first_obj: Set,
    third_pron: Set,
    third_obj: Set,
    third_noun: Set,
    thing: Set,
    report: Set,
    neg: Set,
    governable: Set,
    conj: Set,
    kid: Set,
}

type Set = HashSet<&'static str>;

fn set(list: &'static str) -> Set {
    list.split_whitespace().collect()
}

fn lexicon() -> &'static Lexicon {
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

// ---------------------------------------------------------------------------------------------------------
// The rule table.

#[derive(Debug, Clone, Copy)]
enum Out {
    /// An explicit crisis phrase, subject to the judging rules.
    Crisis(CrisisKind),
    /// A crisis topic that is never more than a mention ("my uncle died by suicide", "sie ritzt sich").
    Topic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subj {
    /// Find the subject: inside the match, then backwards. No subject found counts as the user.
    Scan,
    /// As `Scan`, but no subject found counts as someone else (nominal phrases such as "self harm").
    NeedsFirst,
    /// The pattern names the subject ("i … want … kill him"); only reported speech and a third person or
    /// thing inside a gap change the finding.
    Explicit,
    /// Abuse: the pattern names a third person harming the user, so no subject check.
    Victim,
}

#[derive(Debug)]
struct Spec {
    pat: &'static str,
    out: Out,
    subj: Subj,
    /// The phrase is itself a negative statement of risk; negators do not turn it into a mention.
    immune: bool,
}

const SUI: Out = Out::Crisis(CrisisKind::SuicidalIntent);
const SH: Out = Out::Crisis(CrisisKind::SelfHarm);
const OTH: Out = Out::Crisis(CrisisKind::HarmToOthers);
const AB: Out = Out::Crisis(CrisisKind::Abuse);
const TOPIC: Out = Out::Topic;

const fn r(pat: &'static str, out: Out, subj: Subj) -> Spec {
    Spec {
        pat,
        out,
        subj,
        immune: false,
    }
}

/// A rule whose phrase is itself negative ("don't want to live"): negation does not weaken it.
const fn neg_immune(pat: &'static str, out: Out, subj: Subj) -> Spec {
    Spec {
        pat,
        out,
        subj,
        immune: true,
    }
}

use Subj::{Explicit, NeedsFirst, Scan, Victim};

const SPECS: &[Spec] = &[
    // ---- Suicidal intent, English --------------------------------------------------------------------
    r("kill|killing myself !laughing", SUI, Scan),
    r("if i killed myself", SUI, Scan),
    r(
        "end|ending|take|taking my ?own life !back|into|in|seriously|apart|forward|over|as|more",
        SUI,
        Scan,
    ),
    r("end|ending it all", SUI, Scan),
    r(
        "@INTENT ~2 end|ending it !with|for|between|off|there|here|up|at|by|on|early|well",
        SUI,
        Scan,
    ),
    r("commit|committing|commits suicide", SUI, Scan),
    r("@INTENT ~2 suicide", SUI, Scan),
    r(
        "thoughts|thought|thinking|ideas of|about suicide|killing",
        SUI,
        Scan,
    ),
    r(
        "am|feel|feeling|felt|been|get|getting|become|became|is ~2 suicidal",
        SUI,
        Scan,
    ),
    r(
        "have|having|had|get|getting ~3 suicidal|suicide thoughts|thought|ideation|feelings|urges|plans|plan",
        SUI,
        Scan,
    ),
    r(
        "wrote|written|writing|write ~2 suicide|goodbye note|notes|letter|letters",
        SUI,
        Scan,
    ),
    neg_immune("not ~1 want|wanna|wanting ?to live|exist !@LIVEBLOCK", SUI, Scan),
    neg_immune("not ~1 want|wanna ?to be alive", SUI, Scan),
    neg_immune("not ~1 want|wanna ?to be here|around anymore|any|no", SUI, Scan),
    neg_immune(
        "no longer ~1 want|wanna ?to ?be live|exist|alive|here|around",
        SUI,
        Scan,
    ),
    neg_immune(
        "not ~1 want|wanna ?to wake up $|anymore|any|tomorrow|again|ever",
        SUI,
        Scan,
    ),
    neg_immune("never want|wanna ?to wake up", SUI, Scan),
    neg_immune(
        "hope|wish|pray|want|sleep ~4 not|never wake up $|anymore|tomorrow|again|ever",
        SUI,
        Scan,
    ),
    r("want|wanna ?to ~1 sleep forever", SUI, Scan),
    neg_immune(
        "no ~1 reason|point|purpose ?in ?to live|living|exist|existing",
        SUI,
        Scan,
    ),
    neg_immune("no ~1 reason|point|purpose ?in ?to be|being alive", SUI, Scan),
    neg_immune(
        "no ~1 reason|point ?in ?to go|going|keep on $|anymore|any|living",
        SUI,
        Scan,
    ),
    neg_immune("nothing ?left to live for", SUI, Scan),
    neg_immune(
        "point of|in living|existing !in|with|here|there|abroad|together|alone|on|near",
        SUI,
        Scan,
    ),
    neg_immune("point of|in being alive", SUI, Scan),
    neg_immune("why ~1 bother living|existing", SUI, Scan),
    neg_immune("life ~2 not worth living", SUI, Scan),
    r("better off dead", SUI, Scan),
    r(
        "everyone|everybody|world|family|they|people|all|kids|children|everything|husband|wife|partner|friends|parents|mum|mom|dad ~4 better without me",
        SUI,
        Explicit,
    ),
    r(
        "everyone|everybody|world|family|they|people|all|kids|children|everything|husband|wife|partner|friends|parents|mum|mom|dad ~4 better off without me",
        SUI,
        Explicit,
    ),
    neg_immune(
        "better ?off if i ~3 gone|dead|died|disappeared|here|around|existed|born",
        SUI,
        Explicit,
    ),
    r(
        "wish i ~2 dead|died|die !tired|serious|set|on|wrong|right|end|beat|center|centre|ahead|last|weight|line|silent|quiet|drunk|sure|of|laughing",
        SUI,
        Scan,
    ),
    neg_immune("wish i ~3 never ~2 born", SUI, Scan),
    r("wish i ~3 disappear|vanish forever|permanently|for", SUI, Scan),
    r(
        "want|wanna ?to ~1 disappear|vanish forever|permanently",
        SUI,
        Scan,
    ),
    r(
        "want|wanted|wanna|wanting|wants|deserve|deserves|ready ?to ?just|really|simply ?to die !@DIEBLOCK",
        SUI,
        Scan,
    ),
    neg_immune("can|could not go on $|living|anymore|any|no", SUI, Scan),
    neg_immune("can|could not go on like this anymore|any", SUI, Scan),
    neg_immune("can|could not keep living|existing", SUI, Scan),
    r(
        "saving|saved|stockpiling|stockpiled|hoarding|hoarded|collecting|collected|stashing|stashed ~3 pills|tablets|meds|medication|painkillers|paracetamol|antidepressants|insulin|opioids|prescriptions",
        SUI,
        Scan,
    ),
    r(
        "pills|tablets|meds|painkillers ~2 saved|stockpiled|hidden|stashed|ready|hoarded",
        SUI,
        Scan,
    ),
    r(
        "overdose|overdosing|overdosed ~3 on purpose|deliberately|intentionally",
        SUI,
        Scan,
    ),
    r("@INTENT ~3 overdose", SUI, Scan),
    r("take|taking|took an overdose", SUI, Scan),
    r(
        "@INTENT ~3 jump|jumping|throw|throwing ?myself off|from ~2 @HIGH",
        SUI,
        Scan,
    ),
    r(
        "@INTENT ~3 jump|jumping|step|stepping|throw|throwing|walk|walking ?myself in front of ~2 @VEHICLE",
        SUI,
        Scan,
    ),
    r(
        "hang|hanging|hanged|shoot|shooting|drown|drowning|poison|poisoning|gas|gassing|suffocate|suffocating|electrocute myself !in|out|up|down|dry|with",
        SUI,
        Scan,
    ),
    r(
        "@INTENT ~3 drive|driving|crash|crashing|steer|steering ~3 off|into ~2 cliff|bridge|wall|tree|river|lake|sea|truck|lorry|train|oncoming",
        SUI,
        Scan,
    ),
    r("rather be dead !than", SUI, Scan),
    r("want|wanna ?it ~1 all to end|stop|be", SUI, Scan),
    r("want|wanna everything to end|stop $", SUI, Scan),
    // ---- Suicidal intent, German ---------------------------------------------------------------------
    r(
        "ich ~4 mich ~3 umbringen|umzubringen|toeten|erhaengen|erschiessen|vergiften|umbringe|ertraenken|aufhaengen|aufzuhaengen",
        SUI,
        Explicit,
    ),
    r("ich bring|bringe mich ~3 um !@DE_UMBLOCK", SUI, Explicit),
    r("bring|bringe ich mich ~3 um !@DE_UMBLOCK", SUI, Explicit),
    r("mir ~3 das leben ~2 nehmen", SUI, Scan),
    r("nehme|nehm mir ~2 das leben", SUI, Scan),
    r("selbstmord|suizid|freitod ~3 begehen|begehe|machen", SUI, Scan),
    r(
        "habe|hab|hatte ~3 selbstmordgedanken|suizidgedanken|suizidale|todesgedanken|selbstmordabsichten|suizidabsichten",
        SUI,
        Scan,
    ),
    r(
        "bin|fuehle|war ~3 suizidal|suizidgefaehrdet|lebensmuede",
        SUI,
        Scan,
    ),
    r(
        "denke|dachte|gedacht|nachgedacht ~3 selbstmord|suizid|umbringen",
        SUI,
        Scan,
    ),
    neg_immune(
        "nicht mehr leben|existieren|aufwachen|weiterleben !in|mit|bei|ohne|zusammen|dort|hier|allein|alleine|wie|so",
        SUI,
        Scan,
    ),
    neg_immune("nicht mehr da sein", SUI, Scan),
    neg_immune("nicht mehr am leben", SUI, Scan),
    neg_immune(
        "ich ~3 will|moechte ?einfach|echt|wirklich|halt|eigentlich|ehrlich|so|gar nicht mehr $",
        SUI,
        Explicit,
    ),
    neg_immune(
        "ich ~3 will|moechte ?einfach|echt|wirklich|halt|eigentlich|ehrlich|so|gar nicht mehr aufwachen|leben|weiterleben|existieren|sein",
        SUI,
        Explicit,
    ),
    r(
        "alle|allen|jeder|jedem|welt|familie|kinder|eltern ~5 ohne mich ~2 besser",
        SUI,
        Explicit,
    ),
    r(
        "alle|allen|jeder|jedem|welt|familie|kinder|eltern ~5 besser ~2 ohne mich",
        SUI,
        Explicit,
    ),
    neg_immune(
        "besser ~2 wenn ich ~2 tot|gestorben|sterbe|sterben",
        SUI,
        Explicit,
    ),
    neg_immune(
        "besser ~2 wenn ich ~1 nicht mehr da|leben|lebe|existiere|waere",
        SUI,
        Explicit,
    ),
    neg_immune("leben ~3 keinen|kein sinn mehr", SUI, Scan),
    neg_immune("keinen|kein sinn ~1 mehr ~1 zu leben|weiterzuleben", SUI, Scan),
    neg_immune("keinen|kein grund ~2 zu leben|weiterzuleben", SUI, Scan),
    neg_immune("keine lust mehr ~2 leben|weiterzuleben", SUI, Scan),
    neg_immune("sinnlos ~2 weiterzuleben", SUI, Scan),
    r("schluss ~3 mit allem !was|das|die|den|der", SUI, Scan),
    r("mit allem ~2 schluss", SUI, Scan),
    r("schluss ~3 mit meinem leben", SUI, Scan),
    r("mit meinem leben ~2 schluss", SUI, Scan),
    r(
        "will|moechte|wollte|moechten|wuensche ~2 sterben !vor|fuer|fuers|an",
        SUI,
        Scan,
    ),
    r("sterben will|moechte|wollte", SUI, Scan),
    r("liebsten ~2 sterben|tot", SUI, Scan),
    r("wuenschte|wuensche|wuenscht ~3 tot|gestorben !als", SUI, Scan),
    neg_immune("wuenschte|wuensche|wuenscht ~3 nie geboren", SUI, Scan),
    r("waere|waer ~2 lieber|liebsten tot !als", SUI, Scan),
    r(
        "tabletten|pillen|medikamente ~3 gesammelt|gehortet|gespart|gebunkert|zurueckgelegt",
        SUI,
        Scan,
    ),
    r("sammle|horte|bunkere ~3 tabletten|pillen|medikamente", SUI, Scan),
    r(
        "mich ~3 vor ~2 zug|auto|bus|lkw|bahn|ubahn ~1 werfen|schmeissen|legen",
        SUI,
        Scan,
    ),
    r(
        "von ~2 bruecke|dach|hochhaus|balkon|turm ~2 springen|stuerzen",
        SUI,
        Scan,
    ),
    r("abschiedsbrief*", SUI, NeedsFirst),
    // ---- Self-harm ----------------------------------------------------------------------------------
    r(
        "@INTENT ~2 cut|cutting|burn|burning|hurt|hurting|harm|harming|hit|hitting|punish|punishing|scratch|scratching|starve|starving myself !@SHBLOCK",
        SH,
        Scan,
    ),
    r(
        "cut|cutting|burn|burning|burned|burnt|harm|harming|harmed myself !@SHBLOCK",
        SH,
        Scan,
    ),
    r("hurting myself !@SHBLOCK", SH, Scan),
    r("hurt myself on purpose", SH, Scan),
    r(
        "hit|hitting|punch|punching|slap|slapping myself !on|by|accidentally|playing|while|against|up",
        SH,
        Scan,
    ),
    r(
        "scratch|scratching|scratched|pick|picking|bite|biting myself ~3 bleed|bleeds|bled|blood|raw",
        SH,
        Scan,
    ),
    r("hurt myself deliberately|intentionally|again", SH, Scan),
    r(
        "self harm|harming|harmed|harms|injure|injury|injuring|injured",
        SH,
        NeedsFirst,
    ),
    r("selfharm*", SH, NeedsFirst),
    r("ritze|ritz mich", SH, Scan),
    r(
        "schneide|schneid|verbrenne mich ?selbst !beim|in|an|am|oft|dabei|bei",
        SH,
        Scan,
    ),
    r("mich ~3 ritzen|geritzt|ritze", SH, Scan),
    r(
        "mich ~2 selbst ~3 verletzen|verletzt|verletze|verletzte|wehtun|weh|schaden|bestrafen",
        SH,
        Scan,
    ),
    r("verletze|verletzte mich ~1 selbst", SH, Scan),
    r(
        "will|moechte|muss|werde ~3 mich ~2 verletzen|wehtun|ritzen",
        SH,
        Scan,
    ),
    r("selbstverletz*", SH, NeedsFirst),
    // ---- Harm to others -----------------------------------------------------------------------------
    r("i ~3 @HINTENT ~2 @HARMV @TARGET !@NONPERSON", OTH, Explicit),
    r(
        "i ~3 @HINTENT ~2 @HARMV my|the|his|her|that|this|our|those|these ?@PADJ ?@PADJ @PERSON",
        OTH,
        Explicit,
    ),
    r(
        "i ~3 @HINTENT ~2 beat ~1 the shit|crap|hell out of",
        OTH,
        Explicit,
    ),
    r(
        "ich ~3 bring|bringe|bringen ihn|sie|jemanden|den|die|meinen|meine ~2 um !@DE_UMBLOCK",
        OTH,
        Explicit,
    ),
    r(
        "bring|bringe ich ihn|sie|jemanden ~2 um !@DE_UMBLOCK",
        OTH,
        Explicit,
    ),
    r(
        "ich ~3 will|werde|moechte|wollte|plane|muss ~3 @DE_TARGET ~3 @DE_KILL !wenn|falls",
        OTH,
        Explicit,
    ),
    // ---- Abuse, English -----------------------------------------------------------------------------
    r("@ABUSER ~3 hits|hit|hitting me !up", AB, Victim),
    r(
        "@ABUSER ~3 beats|beat|beating me !at|in|to|by|every|easily|fair|hands|home|there",
        AB,
        Victim,
    ),
    r(
        "@ABUSER ~3 chokes|strangles|slaps|punches|rapes|abuses|assaults|molests|choked|strangled|slapped|punched|raped|abused|assaulted|molested|choking|strangling|slapping|punching|raping|abusing|assaulting|molesting|attacks|attacked|attacking|threatens|threatened|threatening me",
        AB,
        Victim,
    ),
    r("@ABUSER ~3 kicks|kicked|kicking me !out|off", AB, Victim),
    r(
        "@ABUSER ~3 touches|touching me !on|gently|softly|deeply|emotionally|with|when",
        AB,
        Victim,
    ),
    r(
        "@ABUSER ~3 touched|touches|touching me ~1 inappropriately|there|sexually|down|without",
        AB,
        Victim,
    ),
    r(
        "@ABUSER ~3 hurts|hurting me !with|by|emotionally|deeply|inside|so|feelings",
        AB,
        Victim,
    ),
    r(
        "threaten*|threatening ~2 to ~2 kill|hurt|hit|beat|harm|stab|shoot|strangle|choke|rape me|us|my|our|the",
        AB,
        Victim,
    ),
    r(
        "said|says|told|tells|swore|swears|texted|promised ~3 he|she|they ~2 would|will|going|gonna|is|was ~2 @AHARM me|us",
        AB,
        Victim,
    ),
    r(
        "afraid|scared|terrified|frightened|fear|fears|worried ~4 @ABUSER ~3 @AHARM me|us",
        AB,
        Victim,
    ),
    r(
        "afraid|scared|terrified|frightened ~1 of what he|she|they ~3 do to me",
        AB,
        Victim,
    ),
    r(
        "think|know|feel|sure|believe ~2 he|she|they ~3 going|gonna|will|would|might ~2 kill|hurt|rape|attack|strangle me",
        AB,
        Victim,
    ),
    r(
        "being abused|beaten|raped|assaulted|molested|hit|hurt|threatened|strangled|choked|stalked|trafficked",
        AB,
        NeedsFirst,
    ),
    r(
        "was|got|been ~1 raped|assaulted|molested|abused|strangled|choked",
        AB,
        NeedsFirst,
    ),
    neg_immune("not ~2 safe at|in home|house", AB, Scan),
    neg_immune("not ~2 safe with|around him|her|them|my", AB, Scan),
    neg_immune("unsafe at|in home|house", AB, Scan),
    r(
        "forced|forces|forcing|force|made|makes|pressured|pressures|pressuring ~1 me ~3 sex|sexual|sleep",
        AB,
        Victim,
    ),
    // ---- Abuse, German ------------------------------------------------------------------------------
    r(
        "@DE_ABUSER ~3 schlaegt|schlug|schlagen|wuergt|wuergte|tritt|trat|bedroht|bedrohte|vergewaltigt|vergewaltigte|missbraucht|missbrauchte|misshandelt|misshandelte|verpruegelt|verpruegelte|quaelt|ohrfeigt mich|uns !beim|im|in|bei",
        AB,
        Victim,
    ),
    r(
        "@DE_ABUSER ~2 hat|haben ~3 mich|uns ?@DE_FILL ?@DE_FILL ?@DE_FILL geschlagen",
        AB,
        Victim,
    ),
    r(
        "@DE_ABUSER ~2 hat|haben ~3 mich|uns ~3 gewuergt|bedroht|vergewaltigt|missbraucht|verpruegelt|getreten|misshandelt|angegriffen|geohrfeigt",
        AB,
        Victim,
    ),
    r(
        "ich werde|wurde ~3 geschlagen|missbraucht|bedroht|vergewaltigt|misshandelt|verpruegelt|gewuergt !geben",
        AB,
        Victim,
    ),
    neg_immune("zu|zuhause ?hause ~3 nicht ?mehr sicher", AB, Scan),
    neg_immune("nicht ?mehr sicher zu|zuhause|daheim", AB, Scan),
    neg_immune("bei ihm|ihr ~2 nicht ?mehr sicher", AB, Scan),
    r(
        "angst ~4 @DE_ABUSER ~3 mich|mir|uns ~3 schlaegt|umbringt|wehtut|weh|toetet|verletzt|antut|schlagen|umbringen|vergewaltigt|angreift",
        AB,
        Victim,
    ),
    r(
        "@DE_ABUSER ~4 gedroht|droht|drohte|drohen ~4 mich|mir|uns|die|den ~3 umzubringen|umbringen|toeten|schlagen|wehzutun|verletzen|umbringt",
        AB,
        Victim,
    ),
    r(
        "@DE_ABUSER ~3 droht|drohte|bedroht|bedrohte mir|mich|uns",
        AB,
        Victim,
    ),
    r(
        "@DE_ABUSER ~1 hat|haben ~2 mir|mich|uns ~2 gedroht|bedroht",
        AB,
        Victim,
    ),
    r(
        "@DE_ABUSER ~3 will|wird|wollte ~3 mich ~3 umbringen|toeten|schlagen|verletzen|umzubringen|vergewaltigen !wenn|falls",
        AB,
        Victim,
    ),
    r("@DE_ABUSER bringt mich um !wenn|falls", AB, Victim),
    r("mich ~3 sex ~2 gezwungen|zwingt|zwang", AB, Victim),
    r("zwingt|zwang|gezwungen ~2 mich ~3 sex", AB, Victim),
    // ---- Topics (never more than a mention) ---------------------------------------------------------
    r("suicide|suicides|suicidal|suicidality", TOPIC, Scan),
    r(
        "kill|killed|killing|kills himself|herself|themselves|themself !with|over|trying|working|laughing|for",
        TOPIC,
        Scan,
    ),
    r(
        "took|take|taking|takes|ended|end|ending|ends his|her|their ?own life !back|into|in|seriously|apart|forward|over|as",
        TOPIC,
        Scan,
    ),
    r(
        "selbstmord*|suizid*|freitod|selbsttoetung|selbstmoerder*",
        TOPIC,
        Scan,
    ),
    r(
        "sich ~3 umbringen|umzubringen|umgebracht|toeten|getoetet|ritzen|ritzt|geritzt|erhaengt|erhaengen",
        TOPIC,
        Scan,
    ),
    r("ritzt sich", TOPIC, Scan),
    r(
        "hurt|hurting|hurts|harm|harming|harms|cut|cutting|cuts|burn|burning|burns himself|herself|themselves|themself",
        TOPIC,
        Scan,
    ),
    r("sich ~2 das leben ~2 nehmen|genommen|zu", TOPIC, Scan),
];

// ---------------------------------------------------------------------------------------------------------
// Pattern compilation and matching.

#[derive(Debug, Clone, Copy)]
enum Alt {
    /// This word.
    Exact(&'static str),
    /// Any word starting with this.
    Prefix(&'static str),
    /// `$`: the end of the clause or a soft boundary, consuming nothing.
    End,
}

impl Alt {
    fn matches(self, word: &str) -> bool {
        match self {
            Alt::Exact(w) => w == word,
            Alt::Prefix(p) => word.starts_with(p),
            Alt::End => false,
        }
    }
}

#[derive(Debug)]
enum Elem {
    /// One of the alternatives, required (a `$` among them also accepts a boundary, consuming nothing).
    Word(Vec<Alt>),
    /// One of the alternatives, or nothing.
    Opt(Vec<Alt>),
    /// Up to this many tokens of any kind.
    Gap(usize),
    /// The next token, if any, is none of these.
    NotNext(Vec<Alt>),
}

#[derive(Debug)]
struct Rule {
    elems: Vec<Elem>,
    out: Out,
    subj: Subj,
    immune: bool,
}

#[derive(Debug)]
struct Rules {
    rules: Vec<Rule>,
    /// Rule indexes by the exact first word.
    by_first: HashMap<&'static str, Vec<usize>>,
    /// Rules whose first element holds a prefix alternative.
    by_prefix: Vec<(&'static str, usize)>,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(compile_all)
}

fn compile_all() -> Rules {
    let mut rules = Vec::with_capacity(SPECS.len());
    let mut by_first: HashMap<&'static str, Vec<usize>> = HashMap::new();
    let mut by_prefix = Vec::new();
    for (index, spec) in SPECS.iter().enumerate() {
        let elems = compile(spec.pat);
        let Some(Elem::Word(first)) = elems.first() else {
            panic!("pattern {:?} must start with a required word", spec.pat);
        };
        for alt in first {
            match *alt {
                Alt::Exact(w) => {
                    let list = by_first.entry(w).or_default();
                    if !list.contains(&index) {
                        list.push(index);
                    }
                }
                Alt::Prefix(p) => by_prefix.push((p, index)),
                Alt::End => panic!("pattern {:?} must not start at the end", spec.pat),
            }
        }
        rules.push(Rule {
            elems,
            out: spec.out,
            subj: spec.subj,
            immune: spec.immune,
        });
    }
    Rules {
        rules,
        by_first,
        by_prefix,
    }
}

fn compile(pat: &'static str) -> Vec<Elem> {
    pat.split_whitespace()
        .map(|piece| {
            if let Some(n) = piece.strip_prefix('~') {
                Elem::Gap(n.parse().unwrap_or_else(|_| panic!("bad gap in {pat:?}")))
            } else if let Some(rest) = piece.strip_prefix('!') {
                Elem::NotNext(alts(rest, pat))
            } else if let Some(rest) = piece.strip_prefix('?') {
                Elem::Opt(alts(rest, pat))
            } else {
                Elem::Word(alts(piece, pat))
            }
        })
        .collect()
}

fn alts(piece: &'static str, pat: &str) -> Vec<Alt> {
    let mut out = Vec::new();
    for alt in piece.split('|') {
        if let Some(name) = alt.strip_prefix('@') {
            let (_, list) = SETS
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("unknown set @{name} in {pat:?}"));
            out.extend(list.split_whitespace().map(one_alt));
        } else {
            assert!(!alt.is_empty(), "empty alternative in {pat:?}");
            out.push(one_alt(alt));
        }
    }
    out
}

fn one_alt(word: &'static str) -> Alt {
    if word == "$" {
        return Alt::End;
    }
    match word.strip_suffix('*') {
        Some(prefix) => Alt::Prefix(prefix),
        None => Alt::Exact(word),
    }
}

/// Matches `elems[i..]` from token `t` (clause ends at `end`); returns the end of the match (exclusive) and
/// leaves the indexes of the tokens that matched a word (not a gap) in `lits`. Gaps and options are tried
/// shortest first; every gap is bounded, so the work per start token is bounded by the pattern.
fn match_at(
    elems: &[Elem],
    i: usize,
    doc: &Doc,
    t: usize,
    end: usize,
    lits: &mut Vec<usize>,
) -> Option<usize> {
    let Some(elem) = elems.get(i) else {
        return Some(t);
    };
    let word_matches = |alts: &[Alt], t: usize| t < end && alts.iter().any(|a| a.matches(doc.word(t)));
    let at_end =
        |alts: &[Alt], t: usize| alts.iter().any(|a| matches!(a, Alt::End)) && doc.boundary_before(t, end);
    match elem {
        Elem::Word(alts) | Elem::Opt(alts) => {
            if word_matches(alts, t) {
                lits.push(t);
                if let Some(found) = match_at(elems, i + 1, doc, t + 1, end, lits) {
                    return Some(found);
                }
                lits.pop();
            }
            if matches!(elem, Elem::Opt(_)) || at_end(alts, t) {
                match_at(elems, i + 1, doc, t, end, lits)
            } else {
                None
            }
        }
        Elem::Gap(n) => {
            for skip in 0..=*n {
                if t + skip > end {
                    break;
                }
                if let Some(found) = match_at(elems, i + 1, doc, t + skip, end, lits) {
                    return Some(found);
                }
            }
            None
        }
        Elem::NotNext(alts) => {
            if !doc.boundary_before(t, end) && word_matches(alts, t) {
                None
            } else {
                match_at(elems, i + 1, doc, t, end, lits)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The normalised document.

#[derive(Debug, Clone, Copy)]
struct Tok {
    start: u32,
    end: u32,
    /// A comma, colon, dash or ellipsis stands between this token and the previous one.
    soft_before: bool,
    /// The token lies inside closed quotation marks.
    quoted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    First,
    Third,
    Thing,
    Unknown,
}

#[derive(Debug)]
struct Doc {
    lex: &'static Lexicon,
    buf: String,
    toks: Vec<Tok>,
    /// Token ranges `[start, end)` of clauses.
    clauses: Vec<(usize, usize)>,
    /// The token is part of a long-ago marker ("years ago", "when I was a teenager", "früher").
    past: Vec<bool>,
    /// The token is a present-time marker ("now", "again", "still", "jetzt", "wieder").
    present: Vec<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteMark {
    /// `"`, `“`, `”`, `»`, `«`, `‹`, `›`: opens when none is open, else closes.
    Toggle,
    /// `„`: only opens.
    Open,
}

#[derive(Debug, Default)]
struct Builder {
    buf: String,
    toks: Vec<Tok>,
    clauses: Vec<(usize, usize)>,
    clause_start: usize,
    pending_soft: bool,
    quotes: Vec<(usize, QuoteMark)>,
}

impl Builder {
    fn push_token(&mut self, word: &str) {
        if word == "but" || word == "aber" {
            self.clause_break();
            return;
        }
        let start = self.buf.len();
        self.buf.push_str(word);
        self.toks.push(Tok {
            start: start as u32,
            end: self.buf.len() as u32,
            soft_before: std::mem::take(&mut self.pending_soft),
            quoted: false,
        });
    }

    fn flush_word(&mut self, word: &mut String) {
        if !word.is_empty() {
            expand_contractions(word, |w| self.push_token(w));
            word.clear();
        }
    }

    fn clause_break(&mut self) {
        if self.toks.len() > self.clause_start {
            self.clauses.push((self.clause_start, self.toks.len()));
        }
        self.clause_start = self.toks.len();
        self.pending_soft = false;
    }

    fn soft(&mut self) {
        if self.toks.len() > self.clause_start {
            self.pending_soft = true;
        }
    }
}

/// Apostrophe-less spellings that transcription and typing produce.
const FIXED: &[(&str, &str)] = &[
    ("dont", "do not"),
    ("doesnt", "does not"),
    ("didnt", "did not"),
    ("cant", "can not"),
    ("cannot", "can not"),
    ("wont", "will not"),
    ("wouldnt", "would not"),
    ("couldnt", "could not"),
    ("shouldnt", "should not"),
    ("isnt", "is not"),
    ("arent", "are not"),
    ("wasnt", "was not"),
    ("werent", "were not"),
    ("havent", "have not"),
    ("hasnt", "has not"),
    ("hadnt", "had not"),
    ("aint", "am not"),
    ("im", "i am"),
    ("ive", "i have"),
    ("wanna", "want to"),
    ("gonna", "going to"),
    ("gotta", "got to"),
    ("tryna", "trying to"),
    ("dunno", "do not know"),
    ("thats", "that is"),
    ("whats", "what is"),
    ("shes", "she is"),
    ("hes", "he is"),
    ("theyre", "they are"),
    ("youre", "you are"),
    ("kinda", "kind of"),
];

/// Words whose `'s` means "is".
const S_IS: &[&str] = &["he", "she", "it", "that", "there", "what", "who", "here", "where"];

/// Splits a lowercased word (apostrophes unified to `'`) into tokens, expanding English contractions.
fn expand_contractions(word: &str, mut out: impl FnMut(&str)) {
    let w = word.trim_matches('\'');
    if w.is_empty() {
        return;
    }
    if let Some((_, expansion)) = FIXED.iter().find(|(k, _)| *k == w) {
        expansion.split(' ').for_each(&mut out);
        return;
    }
    let Some(i) = w.rfind('\'') else {
        out(w);
        return;
    };
    let (stem, suffix) = (&w[..i], &w[i + 1..]);
    let stem_is_plain = !stem.contains('\'');
    match suffix {
        "t" if stem_is_plain && stem.ends_with('n') => {
            let base = match &stem[..stem.len() - 1] {
                "ca" => "can",
                "wo" => "will",
                "sha" => "shall",
                "ai" => "am",
                other => other,
            };
            out(base);
            out("not");
        }
        "m" if stem_is_plain => {
            out(stem);
            out("am");
        }
        "re" if stem_is_plain => {
            out(stem);
            out("are");
        }
        "ve" if stem_is_plain => {
            out(stem);
            out("have");
        }
        "ll" if stem_is_plain => {
            out(stem);
            out("will");
        }
        "d" if stem_is_plain => {
            out(stem);
            out("would");
        }
        "s" if stem_is_plain => {
            out(stem);
            if S_IS.contains(&stem) {
                out("is");
            }
        }
        _ => out(&w.replace('\'', "")),
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘' | '`' | '´' | '′')
}

fn quote_mark(c: char) -> Option<QuoteMark> {
    match c {
        '"' | '“' | '”' | '»' | '«' | '‹' | '›' | '‟' => Some(QuoteMark::Toggle),
        '„' => Some(QuoteMark::Open),
        _ => None,
    }
}

impl Doc {
    fn new(text: &str) -> Doc {
        let mut b = Builder::default();
        let mut word = String::new();
        let mut chars = text.chars().peekable();
        let mut prev_alnum = false;
        while let Some(c) = chars.next() {
            // Before the alphanumeric test: `ʼ` (U+02BC) is a letter to Unicode.
            if is_apostrophe(c) && prev_alnum {
                word.push('\'');
                continue;
            }
            if c.is_alphanumeric() {
                for l in c.to_lowercase() {
                    match l {
                        'ä' => word.push_str("ae"),
                        'ö' => word.push_str("oe"),
                        'ü' => word.push_str("ue"),
                        'ß' => word.push_str("ss"),
                        _ => word.push(l),
                    }
                }
                prev_alnum = true;
                continue;
            }
            b.flush_word(&mut word);
            let next_alnum = chars.peek().is_some_and(|n| n.is_alphanumeric());
            match c {
                '.' => {
                    if chars.peek() == Some(&'.') {
                        while chars.peek() == Some(&'.') {
                            chars.next();
                        }
                        b.soft();
                    } else if prev_alnum && next_alnum {
                        // "3.5", "z.b": no boundary.
                    } else {
                        b.clause_break();
                    }
                }
                '!' | '?' | '\n' | '\r' | ';' | '\u{2029}' => b.clause_break(),
                ',' | ':' | '—' | '–' | '(' | ')' | '[' | ']' | '…' | '/' => b.soft(),
                '-' if !(prev_alnum && next_alnum) => b.soft(),
                _ => {
                    if let Some(mark) = quote_mark(c) {
                        b.quotes.push((b.toks.len(), mark));
                    }
                }
            }
            prev_alnum = false;
        }
        b.flush_word(&mut word);
        b.clause_break();

        // Pair quotation marks; an unclosed one is ignored (a stray mark must not hide a crisis).
        let mut open: Option<usize> = None;
        for &(at, mark) in &b.quotes {
            match (open, mark) {
                (None, _) => open = Some(at),
                (Some(start), QuoteMark::Toggle) => {
                    for tok in &mut b.toks[start..at] {
                        tok.quoted = true;
                    }
                    open = None;
                }
                (Some(_), QuoteMark::Open) => {}
            }
        }

        let mut doc = Doc {
            lex: lexicon(),
            buf: b.buf,
            toks: b.toks,
            clauses: Vec::new(),
            past: Vec::new(),
            present: Vec::new(),
        };
        doc.clauses = doc.split_at_conjunctions(&b.clauses);
        doc.mark_times();
        doc
    }

    fn word(&self, t: usize) -> &str {
        let tok = self.toks[t];
        &self.buf[tok.start as usize..tok.end as usize]
    }

    fn is(&self, t: usize, set: &Set) -> bool {
        set.contains(self.word(t))
    }

    /// Whether a boundary stands before token `t`: the clause end, a soft boundary, or a quotation mark.
    fn boundary_before(&self, t: usize, end: usize) -> bool {
        t >= end || self.toks[t].soft_before || (t > 0 && self.toks[t].quoted != self.toks[t - 1].quoted)
    }

    /// "… and I want to die": a conjunction followed (within two tokens) by *I*/*ich* starts a new clause.
    fn split_at_conjunctions(&self, clauses: &[(usize, usize)]) -> Vec<(usize, usize)> {
        let mut out = Vec::with_capacity(clauses.len());
        for &(cs, ce) in clauses {
            let mut start = cs;
            for t in cs + 1..ce {
                if self.is(t, &self.lex.conj)
                    && ((t + 1 < ce && matches!(self.word(t + 1), "i" | "ich"))
                        || (t + 2 < ce && matches!(self.word(t + 2), "i" | "ich")))
                {
                    out.push((start, t));
                    start = t;
                }
            }
            out.push((start, ce));
        }
        out
    }

    /// Marks long-ago and present-time markers, per clause, in one linear pass.
    fn mark_times(&mut self) {
        let n = self.toks.len();
        self.past = vec![false; n];
        self.present = vec![false; n];
        for &(cs, ce) in &self.clauses {
            for k in cs..ce {
                let w = self.word(k);
                let back = |j: usize| if k >= cs + j { self.word(k - j) } else { "" };
                let fwd = |j: usize| if k + j < ce { self.word(k + j) } else { "" };
                let kid =
                    self.lex.kid.contains(w) || (!w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()));
                let past = match w {
                    "ago" => {
                        matches!(back(1), "years" | "decades" | "long" | "ages")
                            || (back(1) == "time" && back(2) == "long")
                    }
                    "used" => {
                        fwd(1) == "to"
                            && !matches!(
                                back(1),
                                "am" | "are"
                                    | "is"
                                    | "was"
                                    | "were"
                                    | "be"
                                    | "been"
                                    | "get"
                                    | "got"
                                    | "getting"
                                    | "being"
                            )
                    }
                    "then" => back(1) == "back",
                    "past" => back(1) == "the" && back(2) == "in",
                    "up" => back(1) == "growing",
                    "frueher" | "damals" => true,
                    "jahren" | "jahrzehnten" => (1..=3).any(|j| back(j) == "vor"),
                    "zeit" => back(1) == "langer" && back(2) == "vor",
                    "jugend" | "kindheit" | "schulzeit" | "jugendzeit" => {
                        matches!(back(1), "meiner" | "der")
                    }
                    "teens" | "twenties" | "youth" | "childhood" => {
                        back(1) == "my" && matches!(back(2), "in" | "during")
                    }
                    _ => false,
                } || (kid
                    && ((back(1) == "a" && back(2) == "as")
                        || back(1) == "als"
                        || (1..=3).any(|j| {
                            (back(j) == "was" && back(j + 1) == "i" && back(j + 2) == "when")
                                || (back(j) == "ich" && back(j + 1) == "als")
                        })));
                let negated_near = self.lex.neg.contains(back(1))
                    || (1..=2).any(|j| {
                        k + j < ce && !self.toks[k + j].soft_before && self.lex.neg.contains(fwd(j))
                    });
                let present = !negated_near
                    && (matches!(
                        w,
                        "now"
                            | "again"
                            | "still"
                            | "today"
                            | "tonight"
                            | "currently"
                            | "lately"
                            | "recently"
                            | "nowadays"
                            | "jetzt"
                            | "wieder"
                            | "heute"
                            | "gerade"
                            | "momentan"
                            | "zurzeit"
                            | "derzeit"
                            | "aktuell"
                    ) || (w == "noch" && (back(1) == "immer" || fwd(1) == "immer"))
                        || (w == "days" && back(1) == "these"));
                self.past[k] = past;
                self.present[k] = present;
            }
        }
    }

    // ---- judging a match -----------------------------------------------------------------------------

    fn judge(&self, rule: &Rule, cs: usize, ce: usize, ms: usize, me: usize, lits: &[usize]) -> Screening {
        let Out::Crisis(kind) = rule.out else {
            return Screening::Mention;
        };
        if self.toks[ms].quoted && !self.self_quoted(cs, ms) {
            return Screening::Mention;
        }
        let who = match rule.subj {
            Subj::Scan | Subj::NeedsFirst => self.subject(cs, ms, me, lits),
            Subj::Explicit => self.explicit_subject(cs, ms, me, lits),
            Subj::Victim => Who::First,
        };
        match who {
            // "das wird mich noch umbringen"; but "it's got no point living" is not an idiom.
            Who::Thing if !rule.immune => return Screening::Clear,
            Who::Third => return Screening::Mention,
            Who::Unknown if rule.subj == Subj::NeedsFirst => return Screening::Mention,
            _ => {}
        }
        let negated = !rule.immune
            && match rule.subj {
                // The pattern starts with its own subject ("i … kill him"): only a negator inside counts.
                Subj::Explicit => self.negated_inside(ms, me, lits) || self.negated_after(ce, me),
                _ => self.negated(cs, ce, ms, me, lits),
            };
        if negated || self.long_ago(cs, ce, ms, me) {
            return Screening::Mention;
        }
        Screening::Crisis(kind)
    }

    /// A quoted match counts as the user's own words only when the quote is introduced by *I*/*ich* ("I keep
    /// thinking "I want to die""); otherwise it is someone else's (a song, a friend, a film).
    fn self_quoted(&self, cs: usize, ms: usize) -> bool {
        let mut q0 = ms;
        while q0 > cs && self.toks[q0 - 1].quoted && ms - q0 < 60 {
            q0 -= 1;
        }
        let lo = q0.saturating_sub(6).max(cs);
        for k in (lo..q0).rev() {
            if self.is(k, &self.lex.first_subj) {
                return true;
            }
            if self.is(k, &self.lex.third_pron) || self.is(k, &self.lex.third_noun) {
                return false;
            }
        }
        false
    }

    /// Who the phrase is about: a subject inside the match ("will *sie* einfach sterben"), else the nearest
    /// subject before it, with reported speech ("my friend *said* …") counting as someone else.
    fn subject(&self, cs: usize, ms: usize, me: usize, lits: &[usize]) -> Who {
        let mut found_first = false;
        for k in ms..me {
            if lits.contains(&k) {
                continue;
            }
            if self.is(k, &self.lex.third_pron) || self.is(k, &self.lex.third_obj) {
                return Who::Third;
            }
            if self.is(k, &self.lex.first_subj) {
                found_first = true;
                break;
            }
        }
        let lo = ms.saturating_sub(12).max(cs);
        for k in (lo..ms).rev() {
            if self.is(k, &self.lex.report) {
                match self.reporter(cs, k) {
                    Who::Third => return Who::Third,
                    Who::First => return Who::First,
                    _ => continue,
                }
            }
            if found_first {
                continue;
            }
            if self.is(k, &self.lex.first_subj) || self.is(k, &self.lex.first_obj) {
                found_first = true;
            } else if self.is(k, &self.lex.third_pron) || self.is(k, &self.lex.third_noun) {
                return Who::Third;
            } else if self.is(k, &self.lex.thing) {
                return Who::Thing;
            }
        }
        if found_first { Who::First } else { Who::Unknown }
    }

    /// For patterns that name their subject: a third person or thing inside a gap ("ich glaube *er* will ihn
    /// umbringen", "ich glaube *das* wird mich umbringen"), or reported speech before it.
    fn explicit_subject(&self, cs: usize, ms: usize, me: usize, lits: &[usize]) -> Who {
        for k in ms..me {
            if lits.contains(&k) {
                continue;
            }
            if self.is(k, &self.lex.third_pron) {
                return Who::Third;
            }
            if self.is(k, &self.lex.thing) {
                return Who::Thing;
            }
        }
        let lo = ms.saturating_sub(12).max(cs);
        for k in (lo..ms).rev() {
            if self.is(k, &self.lex.report) && self.reporter(cs, k) == Who::Third {
                return Who::Third;
            }
        }
        Who::First
    }

    /// The subject of the reporting verb at `k`, looking up to three tokens back ("my friend said", "er hat
    /// gesagt").
    fn reporter(&self, cs: usize, k: usize) -> Who {
        let lo = k.saturating_sub(3).max(cs);
        for j in (lo..k).rev() {
            if self.is(j, &self.lex.first_subj) {
                return Who::First;
            }
            if self.is(j, &self.lex.third_pron) || self.is(j, &self.lex.third_noun) {
                return Who::Third;
            }
        }
        Who::Unknown
    }

    fn is_neg(&self, k: usize) -> bool {
        let w = self.word(k);
        // "no, I want to die": a "no" answering something does not negate what follows.
        self.lex.neg.contains(w)
            && !(matches!(w, "no" | "nein") && self.toks.get(k + 1).is_some_and(|t| t.soft_before))
    }

    fn negated_inside(&self, ms: usize, me: usize, lits: &[usize]) -> bool {
        (ms..me).any(|k| !lits.contains(&k) && self.is_neg(k))
    }

    /// German verb-second: "ich ritze mich *nicht mehr*", "er schlägt mich *nicht*".
    fn negated_after(&self, ce: usize, me: usize) -> bool {
        let mut k = me;
        for _ in 0..2 {
            if k >= ce || self.toks[k].soft_before {
                return false;
            }
            match self.word(k) {
                "nicht" | "nie" | "niemals" | "nimmer" => return true,
                "mehr" | "wirklich" | "selbst" | "einfach" | "doch" | "ja" | "gar" | "so" => k += 1,
                _ => return false,
            }
        }
        false
    }

    /// A negator governs the phrase: inside it, right after it (German), or before it with only words a
    /// negator can reach across in between ("I would *never* even think about …").
    fn negated(&self, cs: usize, ce: usize, ms: usize, me: usize, lits: &[usize]) -> bool {
        if self.negated_inside(ms, me, lits) || self.negated_after(ce, me) {
            return true;
        }
        let mut k = ms;
        let mut steps = 0;
        while k > cs && steps < 6 {
            k -= 1;
            steps += 1;
            if self.is_neg(k) {
                return true;
            }
            if self.is(k, &self.lex.governable) {
                continue;
            }
            // "there's no way I'd kill myself"
            if self.is(k, &self.lex.first_subj)
                && k >= cs + 2
                && self.word(k - 1) == "way"
                && self.word(k - 2) == "no"
            {
                return true;
            }
            break;
        }
        false
    }

    /// A long-ago marker before the phrase (or right after it, in the same stretch of speech) with no
    /// present-time marker after it: "years ago I thought about ending it", "ich wurde als Kind missbraucht".
    fn long_ago(&self, cs: usize, ce: usize, ms: usize, me: usize) -> bool {
        let lo = ms.saturating_sub(20).max(cs);
        let last_past = (lo..me).rev().find(|&k| self.past[k]);
        let mut past_after = false;
        let mut present_after = false;
        let mut k = me;
        while k < ce && k < me + 5 {
            if self.toks[k].soft_before {
                break;
            }
            past_after |= self.past[k];
            present_after |= self.present[k] && k < me + 3;
            k += 1;
        }
        if last_past.is_none() && !past_after {
            return false;
        }
        let from = last_past.map_or(me, |p| p + 1);
        let present = (from..me).any(|k| self.present[k]) || present_after;
        !present
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(rules.rules.len(), SPECS.len());
        for (rule, spec) in rules.rules.iter().zip(SPECS) {
            assert!(matches!(rule.elems.first(), Some(Elem::Word(_))), "{}", spec.pat);
            // A pattern must not end in a gap (it would only widen the match for nothing).
            assert!(!matches!(rule.elems.last(), Some(Elem::Gap(_))), "{}", spec.pat);
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
}
