//! The concept layer: finds risk that no phrase in the table spells out.
//!
//! People rarely say "I want to kill myself" in a journal. They say "I keep counting the pills I've saved and
//! Friday feels like the day", "bought a rope today", "this is my last entry", "the blades are back in my pencil
//! case". Each of those joins *concepts* that published risk scales ask about (the Columbia scale's wish,
//! ideation, method, intent, plan, preparation and attempt): a means, a plan or a time, a farewell, an act under
//! way, always with the speaker as the one at risk. This layer tags every token with the concepts its word (or
//! a short cue starting at it) stands for, then looks at the stretch of speech around each *core* concept
//! (death, a means, a farewell, an act of harm) and decides from what meets there:
//!
//! - **Concern** when a core concept meets the speaker with a second sign (a means with a plan, a time or a
//!   search for how, a blade with the body, two farewells, a wish with death, "doing it" with a day), or is a
//!   farewell that stands alone ("this is my last entry"): the layer infers a risk nobody said, so the app asks
//!   its fixed safety check-in instead of a reflective question, and a "no" to that makes it a crisis;
//! - **Crisis** only where inference is as plain as a phrase: an attempt under way (a means, a time, "already",
//!   "right now"), or death joined with a means or a plan;
//! - nothing when the stretch belongs to someone else (the nearest person before the concept), to fiction or the
//!   news, to work with patients or clients, to practical use (climbing rope, shaving, vitamins), to recovery or
//!   long ago, or follows a denial. These blockers look at the whole window, so a nurse's own risk said beside
//!   a word about her ward is missed: one more reason the layer only ever adds to the phrase layer.
//!
//! Every window is bounded ([`REACH`] tokens each side), and each token is looked up once, so the layer is
//! linear in the length of the transcript, like the phrase layer. A journal speaks in the first person, so a
//! stretch with no person in it is the speaker's (speech-to-text often drops the "I").
//!
//! The cues were tuned on the dev split and the exemplar bank (`data/screening-exemplars.toml`), never on the
//! held-out split; `tests/screening_eval.rs` prints all three.

use std::sync::OnceLock;

use super::doc::Doc;
use super::pattern::PatternSet;
use super::{CrisisKind, Screening};

/// How far (in tokens) each side of a core concept the other concepts are looked for: about a sentence.
const REACH: usize = 14;

/// A set of concepts, one bit each.
type Tags = u64;

const SELF: Tags = 1;
const OTHER: Tags = 1 << 1;
const DEATH: Tags = 1 << 2;
const MEANS: Tags = 1 << 3;
const SH_OBJECT: Tags = 1 << 4;
const SH_ACT: Tags = 1 << 5;
const BODY: Tags = 1 << 6;
const INTENT: Tags = 1 << 7;
const TIME: Tags = 1 << 8;
const FAREWELL: Tags = 1 << 9;
const ATTEMPT: Tags = 1 << 10;
const BURDEN: Tags = 1 << 11;
const HARM: Tags = 1 << 12;
const TARGET: Tags = 1 << 13;
const WEAPON: Tags = 1 << 14;
const ABUSE: Tags = 1 << 15;
const FEAR: Tags = 1 << 16;
const WISH: Tags = 1 << 17;
/// Fiction, games, the news, songs: someone else's story.
const STORY: Tags = 1 << 18;
/// Work with patients, clients, students, callers; research and training.
const WORK: Tags = 1 << 19;
/// Everyday and medical uses of the same objects: shaving, climbing, hunting, prescriptions.
const PRACTICAL: Tags = 1 << 20;
/// Long ago, recovered, survived.
const PAST: Tags = 1 << 21;
/// A denial of risk: "I would never", "I'm not going to do anything".
const DENIED: Tags = 1 << 22;
/// Deliberate: on purpose, again, to feel something, relapse.
const DELIBERATE: Tags = 1 << 23;
/// Possessives of the speaker: "my", "mein".
const MINE: Tags = 1 << 24;
/// Better now: grateful, recovered, "glad I was wrong".
const RECOVERED: Tags = 1 << 25;
/// Home: "scared to go home".
const HOME: Tags = 1 << 26;
/// A method with a plan: "that's how I'd do it", "high enough to be sure", "next time".
const PLAN: Tags = 1 << 27;
/// Someone threatening the speaker's life or body: "he said he'd kill me".
const THREAT: Tags = 1 << 28;
/// A preposition: the person after it is an object ("gave the cat *to* my sister"), not who acts.
const PREPOSITION: Tags = 1 << 29;
/// Words that stand between a preposition and its person: "to *my* sister", "mit *meiner* Schwester".
const DETERMINER: Tags = 1 << 30;
/// A farewell that stands alone: "this is my last entry", "the letters for my kids are finished".
const FINAL: Tags = 1 << 31;
/// "Doing it": the act nobody names, with a day or a decision ("I'm doing it Friday", "heute Nacht mach ich's").
const DO_IT: Tags = 1 << 32;

/// Concepts around which a window is judged.
const CORE: Tags = DEATH
    | MEANS
    | SH_OBJECT
    | SH_ACT
    | FAREWELL
    | FINAL
    | DO_IT
    | ATTEMPT
    | BURDEN
    | HARM
    | WEAPON
    | ABUSE
    | WISH
    | FEAR;

/// Words and short cues, each with the concepts it stands for. Patterns use the phrase table's language
/// ([`super::pattern`]): `a|b` alternatives, `?opt`, `~N` gaps, `word*` prefixes. Umlauts are folded (ä → ae).
const CUES: &[(Tags, &str)] = &[
    // ---- who -----------------------------------------------------------------------------------------------
    (SELF, "i|me|myself|id|ill|ive|ich|mich|mir|hab|bin|werd"),
    (MINE, "my|mine|mein|meine|meinen|meinem|meiner|meins"),
    (
        PREPOSITION,
        "to|with|for|from|at|about|of|zu|zur|zum|mit|bei|von|vom|an|fuer|ueber",
    ),
    (
        DETERMINER,
        "my|the|a|his|her|our|their|your|mein|meine|meinen|meinem|meiner|die|der|den|dem|das|ein|eine|einen|\
         einem|einer|unserer|unserem|seiner|seinem|ihrer|ihrem",
    ),
    (
        OTHER,
        "he|she|they|him|her|his|them|their|herself|himself|themselves|sich|er|sie|ihn|ihm|ihr|ihre|seine|\
         seinen|jemand|friend|brother|sister|roommate|flatmate|daughter|wife|husband|partner|girlfriend|\
         boyfriend|kid|kids|nephew|niece|stepbrother|stepsister|stepdad|stepfather|stepmom|stepmum|grandma|\
         grandpa|student|ex|\
         cousin|uncle|aunt|dad|father|mum|mom|mother|son|daughter|colleague|coworker|neighbour|neighbor|client|\
         patient|character|freund|freundin|bruder|schwester|kollege|kollegin|nachbar|nachbarin|vater|mutter|\
         sohn|tochter|onkel|tante",
    ),
    // ---- death and the wish to be gone ----------------------------------------------------------------------
    (
        DEATH,
        "suicid*|lethal|fatal|overdos*|toedlich*|selbstmord*|suizid*",
    ),
    (
        DEATH,
        "to|i ~1 die !for|of|laughing|from|in|at|on|with|before|happy|old|alone",
    ),
    (
        DEATH,
        "be|being|was|were|am ~1 dead !tired|serious|set|wrong|right|on|end|battery|quiet|inside|weight|zone|last",
    ),
    (DEATH, "wish|want|wanted|rather|better ~3 dead|died|gone"),
    (DEATH, "tot ~1 sein|waere|waer|bin"),
    (DEATH, "sterben !vor|an|fuer|lassen"),
    (DEATH, "kill|killing ~1 myself"),
    (DEATH, "end|ending|take|taking ~1 my ?own life"),
    (
        DEATH,
        "end|ending ~1 it|things|everything|this ~1 all|$|for|tonight|now|today|soon",
    ),
    (DEATH, "not|never ~2 wake|waking ?up"),
    (DEATH, "not|never ~1 coming|come back"),
    (DEATH, "not ~2 be|being here|around|alive"),
    (DEATH, "not ~1 exist|existing"),
    (DEATH, "check|checking out for good"),
    (DEATH, "check|checking out permanently"),
    (DEATH, "check|checking out of life"),
    (DEATH, "off|unalive|unaliving ~1 myself"),
    (DEATH, "unaliv*"),
    (DEATH, "stop|stopped|stopping existing"),
    (DEATH, "live or die"),
    (DEATH, "leben oder sterben"),
    (DEATH, "god|gott ~1 takes|nimmt|holt ~1 me|mich"),
    (DEATH, "make it through the night"),
    (
        DEATH,
        "join|follow|be with ~3 him|her|dad|mum|mom|mother|father|husband|wife|son|daughter",
    ),
    (DEATH, "zu ~3 mama|papa|mutter|vater|mann|frau ~3 himmel"),
    (DEATH, "im himmel"),
    (DEATH, "asleep ~3 never"),
    (DEATH, "fuer immer schlafen|einschlafen"),
    (DEATH, "nie wieder aufwachen|aufzuwachen|aufwache"),
    (DEATH, "stick|sticking around"),
    (DEATH, "ended|end it !with|between|off|there|here"),
    (DEATH, "ganzen ~1 ein ende ~1 setzen|machen"),
    (DEATH, "mich|mir ~2 umbringen|umzubringen|antun|anzutun"),
    (DEATH, "mir ~2 das leben nehmen"),
    (
        DEATH,
        "death|tod|sterben ~3 relief|erloesung|option|answer|loesung|ausweg",
    ),
    (
        DEATH,
        "idea|option|thought|thoughts|gedanke|gedanken|ausweg ~2 suicide|suizid|selbstmord",
    ),
    (DEATH, "kein|keinen ~2 ausweg"),
    (DEATH, "nicht mehr ~1 zu|am ~1 leben"),
    (DEATH, "thats|that is ~1 it for me"),
    (DEATH, "wars|war es ~2 fuer mich"),
    (DEATH, "einfach weg"),
    (DEATH, "dark thoughts"),
    (DEATH, "i am|im ~1 out"),
    (DEATH, "be|being gone|over !with"),
    (DEATH, "after|when|once ~1 i am gone|dead"),
    (DEATH, "never ~2 been born"),
    (DEATH, "nicht mehr aufwache|aufwachen|aufzuwachen|da|leben|am"),
    (DEATH, "nicht mehr ~1 da ~1 sein|bin"),
    (DEATH, "leben ~2 nehmen|nehme|beenden|beende"),
    (DEATH, "schluss ~2 machen|mache|mach"),
    (DEATH, "mach|mache ~2 schluss"),
    (DEATH, "fuer immer ~1 weg|einschlafen"),
    (
        WISH,
        "wish|wishing|wished|hope|hoping|pray|rather|relieved|relief|easier|fine|mind|egal|wuensche|wuenschte|\
         lieber|erleichtert|einfacher",
    ),
    (INTENT, "want|wanna|wanted|will|moechte|willst|wollte"),
    (INTENT, "bought|buying|ordered|gekauft|besorgt|bestellt"),
    (BURDEN, "burden|burdens|belastung|zumutung"),
    (BURDEN, "without|ohne me|mich"),
    (BURDEN, "better ?off|dran"),
    (BURDEN, "zur last"),
    (BURDEN, "why ~3 still here"),
    (DEATH, "no ~1 way out"),
    (DEATH, "only way out"),
    (DEATH, "kein|keinen ausweg"),
    (DEATH, "einzige|einzigen ausweg|loesung"),
    (
        DEATH,
        "disappear|vanish|verschwinden|verschwinde ~2 forever|permanently|immer|ganz|good",
    ),
    (DEATH, "gone ~1 forever|good"),
    // ---- a means ------------------------------------------------------------------------------------------
    (
        MEANS,
        "pill|pills|tablet|tablets|meds|medication|medications|morphine|insulin|paracetamol|acetaminophen|\
         ibuprofen|antidepressant*|opioid*|oxy*|sleeping|bottle|dose|doses|rope|noose|beam|hanging|hang|hanged|\
         gun|guns|pistol|rifle|firearm|bullet|bullets|trigger|bridge|roof|rooftop|ledge|cliff|tracks|track|train|\
         express|motorway|highway|overpass|garage|exhaust|hose|engine|carbon|jump|jumping|swerve|drown|drowning|\
         stones|sea|river|lake|height|high|deck|tree|crash|poison|gas|\
         tabletten|schlaftabletten|pillen|medikament*|strick|seil|schlinge|balken|pistole|waffe|gewehr|kugel|\
         bruecke|dach|parkhaus|gleis*|zug|ueberdosis|springen|spring|springe|runterspringen|baum|klippe|\
         abgase|schlauch|vergift*|pulsader*|ertraenk*|erhaeng*|aufhaeng*|packet|pack|packung|packungen|\
         railing|railings|balcony|balkon|platform|bahnsteig|stock|stockwerk|storey|fence|pfeiler|\
         cabinet|schrank|woods|wald|see|meer|fluss|brueckengelaender|gelaender|autobahn|chair|stuhl|\
         hochhaus|turm|tower|waves",
    ),
    (
        MEANS,
        "step|stepped|stepping|walk|walking|drive|driving|go|going ~1 off|over|into|in front",
    ),
    (MEANS, "runter|runterspringen|runtergehen|hinunter"),
    (MEANS, "in front of"),
    (MEANS, "vor ~2 zug|bus|auto|lkw|bahn"),
    // ---- self-harm ----------------------------------------------------------------------------------------
    (
        SH_OBJECT,
        "razor|razors|blade|blades|lighter|knife|scissors|pin|spoon|compass|glass|sharpener|rasierklinge*|\
         klinge|klingen|feuerzeug|messer|schere|nadel|scherbe*|nails|cigarette|zigarette|naegel",
    ),
    (
        SH_ACT,
        "cut|cuts|cutting|carve|carved|carving|burn|burned|burnt|burning|scratch|scratched|scratching|bleed|\
         bleeding|bled|blood|bruise|bruises|blister*|relapse*|scars|scar|punch|punched|bite|biting|slit|\
         geschnitten|schneide|schneiden|ritz*|verbrannt|verbrenn*|kratz*|blut|blutet|bluten|blutig|geblutet|\
         narbe*|schlag|schlage|beiss*|aufgeschnitten|aufgeritzt|pinch|pinching|dig|digging|picking|slammed|\
         slam|bit|heated|pressed|ausgedrueckt|schnitte|ritzen|geschlagen|pain|schmerz|schmerzen|raw",
    ),
    (
        BODY,
        "arm|arms|forearm|wrist|wrists|thigh|thighs|leg|legs|skin|stomach|knuckles|face|hand|hands|hip|\
         handgelenk*|oberschenkel|bein|beine|haut|bauch|gesicht|wange|unterarm*|pulsader*|palms|palm|\
         kopf|head|neck|hals|finger|fingers",
    ),
    (
        DELIBERATE,
        "again|deliberately|relapsed|relapse|wieder|absichtlich|deserve|verdient|verdiene",
    ),
    (DELIBERATE, "on purpose"),
    (DELIBERATE, "miss ~2 feeling|feel"),
    (DELIBERATE, "vermiss ~2 gefuehl"),
    (DELIBERATE, "need|needed ~2 feel|it"),
    (DELIBERATE, "overwhelmed|until|bis"),
    (SH_ACT, "hurt|harm myself"),
    (SH_ACT, "mir ~1 wehtun|weh tun|schaden"),
    (
        BODY,
        "bleed|bleeding|bled|blood|blut|blutet|bluten|deep|deeper|tief|tiefer",
    ),
    (DELIBERATE, "damit ich ~2 spuer*|fuehle"),
    (DELIBERATE, "feel ~1 something|anything"),
    (DELIBERATE, "wanted|want ~1 it to hurt"),
    (DELIBERATE, "only thing"),
    // ---- harm to others -------------------------------------------------------------------------------------
    (
        HARM,
        "hurt|stab|shoot|strangle|murder|poison|kill|shake|beat|regret|pay|auflauern|umbringen|umzubringen|\
         weh|wehtun|abstechen|erstechen|erschiessen|toeten|verletzen|fertigmachen|zahlen|bereuen|hurting|\
         hitting|hit|poisoning|shaking|stabbing|shooting|strangling|killing|push|pushing|violent|violence|\
         schlage|schlagen|antue|antun|verletzen|umbring*|erwuerg*|vergiften",
    ),
    (HARM, "run ~2 over"),
    (HARM, "set|setting ~1 fire"),
    (HARM, "get rid of"),
    (HARM, "hands around ~1 his|her ~1 throat|neck"),
    (HARM, "make it look like"),
    (
        HARM,
        "something violent|was antun|was ab|was passiert|passiert was",
    ),
    (HARM, "trust myself|trau mir ~1 selbst"),
    (HARM, "ins essen|in his|her drink"),
    (
        INTENT,
        "imagine|imagining|picture|picturing|fantasis*|fantasiz*|thoughts|vorstell*|vor|gedanken|urge|urges",
    ),
    (HARM, "burn ~3 house|down|flat|car"),
    (HARM, "wait|waiting ~2 for|outside ~1 him|her"),
    (HARM, "feel what i felt"),
    (
        TARGET,
        "him|her|them|boss|ex|neighbour|neighbor|husband|wife|stepfather|stepdad|baby|kids|teacher|bully|bullies|\
         ihn|ihm|ihr|chef|chefin|nachbar*|exfreund*|exmann|exfrau|stiefvater|lehrer*|kollege*|daughter|son|\
         brother|sister|roommate|flatmate|dad|father|mother|mum|mom|manager|coworker|kid|child|dog|partner|\
         bruder|schwester|vater|mutter|kind|mitbewohner*|typen|klasse|tochter|sohn|hund|baby",
    ),
    (
        WEAPON,
        "knife|rifle|gun|pistol|tire|iron|bat|axe|hammer|messer|waffe|pistole|gewehr|axt|hammer",
    ),
    // ---- abuse ----------------------------------------------------------------------------------------------
    (
        ABUSE,
        "grabbed|throat|choked|choke|chokes|strangled|shoved|pushed|slapped|punched|kicked|hit|hits|beats|\
         locks|locked|threw|throws|controls|threatens|threatened|forces|forced|touches|touched|rape*|molest*|\
         bruises|gepackt|gewuergt|geschubst|geschlagen|geohrfeigt|getreten|eingesperrt|sperrt|kontrolliert|\
         bedroht|droht|angefasst|gezwungen|zwingt|befummelt|vergewaltig*|missbrauch*",
    ),
    (ABUSE, "takes|took ~1 my ~1 phone|keys|money|car"),
    (ABUSE, "makes|made|make ~1 me ~2 do|stuff|things"),
    (
        THREAT,
        "kill|hurt|hit|beat|stab|shoot|strangle|choke|umbringen|schlagen|toeten ~1 me|us|mich|uns",
    ),
    (ABUSE, "nobody|niemand ~2 believe|believes|glaubt|glauben"),
    (
        ABUSE,
        "if i tell|wenn ich was|wenn ich es|our secret|unser geheimnis",
    ),
    (ABUSE, "bringt ~1 er|sie ~1 mich um"),
    (ABUSE, "hands around my|neck|hals"),
    (
        ABUSE,
        "eggshells|flinch|flinches|zittere|hiding|verstecke|eingeschlossen|banging|tritt gegen",
    ),
    (
        ABUSE,
        "not allowed|darf nicht|allowance|checks my|reads my|liest meine",
    ),
    (
        ABUSE,
        "burns|burned|schlaegt|schlug|kicked|sperrt ~1 me|mich|meinen|meine",
    ),
    (ABUSE, "no one ~2 believe|believes"),
    (FEAR, "scared|afraid|terrified|frightened|angst|fuerchte|furcht"),
    (FEAR, "what he|she|they ~2 do|will|would|might"),
    // ---- plans, time, preparation, attempts ---------------------------------------------------------------
    (
        INTENT,
        "decided|decide|decision|plan|plans|planned|planning|ready|going|gonna|intend|intending|timed|googled|\
         googling|looked|looking|checked|researched|counting|know|how|thinking|considering|seriously|sure|\
         enough|tonight|entschieden|beschlossen|vorgenommen|plan|plane|geplant|bereit|nachgelesen|nachgeschaut|\
         recherchiert|gegoogelt|ueberlegt|ueberlege|gedacht|denke|ernsthaft|genug|reichen|reicht|weiss",
    ),
    (
        TIME,
        "tonight|tomorrow|today|now|this|week|weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\
         christmas|birthday|date|soon|after|afterwards|next|when|heute|morgen|jetzt|gerade|grad|bald|wochenende|\
         montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|naechsten|naechste|danach|wenn|weihnachten",
    ),
    (
        FAREWELL,
        "goodbye|goodbyes|farewell|letters|letter|passwords|cancelled|canceled|\
         cancelling|tidy|deleted|deleting|rehome*|rehoming|afterwards|\
         abschied*|verabschiedet|brief|briefe|briefen|testament|gekuendigt|kuendige|passwoerter|verschenkt|\
         versicherung|aufgeraeumt|entschuldigung|leid",
    ),
    (
        FAREWELL,
        "last|letzter|letzte|letzten ~1 entry|eintrag|time|mal|recording|aufnahme",
    ),
    (FAREWELL, "not ~1 need|needing"),
    (FAREWELL, "nicht ~1 mehr brauche|brauchen"),
    (FAREWELL, "where i am going"),
    (FAREWELL, "find|finds ~1 me|mich"),
    (FAREWELL, "for good"),
    (FAREWELL, "give|gave|giving|given ~3 away"),
    (
        FAREWELL,
        "updated|update|wrote|write|made|make ?my will|testament",
    ),
    (FAREWELL, "say|said|saying ~1 goodbye"),
    (
        FINAL,
        "last|letzter|letzte|letzten ~1 entry|eintrag|recording|aufnahme",
    ),
    (FINAL, "this|that ~1 is ~1 goodbye"),
    (FINAL, "das ~1 ist ~2 abschied"),
    (
        FINAL,
        "letters|letter|notes|briefe|brief ~3 for|to|an|fuer ~2 kids|children|mum|mom|dad|sister|brother|family|\
         wife|husband|kinder|mama|papa|schwester|bruder|familie|frau|mann",
    ),
    (FINAL, "goodbye ~1 message|note|letter|messages|notes|letters"),
    (FINAL, "abschiedsbrief*|abschiedsnachricht*"),
    (FINAL, "affairs ~1 in order"),
    (
        FINAL,
        "who|wer ~3 should|gets|get|soll|kriegt|kriegen|bekommt|bekommen ~2 my|meine ~1 things|stuff|sachen",
    ),
    (
        FINAL,
        "when|once|after|wenn ~1 i am|im|ich ~1 gone|weg|nicht mehr da",
    ),
    (FINAL, "will not|wont ~1 be back|need"),
    (FINAL, "nicht mehr ~1 brauche|brauch|brauchen"),
    (FINAL, "alles ~1 geregelt"),
    (FINAL, "ich kann gehen"),
    (FINAL, "one last time|ein letztes mal"),
    (FINAL, "after me|nach mir"),
    (FINAL, "without saying it|ohne dass"),
    (DO_IT, "do|doing ~1 it|this"),
    (DO_IT, "go through with it|happening"),
    (DO_IT, "durchziehen|durchzieh|durch"),
    (DO_IT, "mach|mache|machs ~1 ichs|ich|es"),
    (PLAN, "how i ~1 would|will|could|am ~2 do it"),
    (PLAN, "i know how|when|where"),
    (PLAN, "that is|thats ~1 the|my plan"),
    (PLAN, "the day|night|date"),
    (PLAN, "next time"),
    (
        PLAN,
        "thinking|think|thought|wonder|wondering|dran|daran ~2 about it|denk|denke|dran|daran",
    ),
    (
        PLAN,
        "how|wie ~2 long|much|many|tief|hoch|lange|viel|viele|schnell|fast|quick",
    ),
    (
        PLAN,
        "looked|look|looking up|googled|googling|searched|nachgeschaut|gegoogelt|recherchiert",
    ),
    (
        PLAN,
        "which|welche|welcher|welchen ~2 one|way|bridge|train|beam|floor|bruecke|zug|weg",
    ),
    (PLAN, "keeps|keep ~2 calling|pulling|staring"),
    (PLAN, "geht|gehen ~3 nicht aus dem kopf"),
    (PLAN, "i|ich ~2 have|hab|habe ~2 a|einen|nen ~1 plan"),
    (PLAN, "worked out|thought it through|durchgeplant|alles geplant"),
    (PLAN, "picked|chosen|chose|ausgesucht ~3 date|day|tag|datum"),
    (PLAN, "high enough|deep enough|strong enough|enough to"),
    (PLAN, "hold my weight"),
    (PLAN, "so ~1 wuerd|wuerde|werde|werd ~1 ich|ichs"),
    (PLAN, "beim naechsten mal"),
    (
        PLAN,
        "nobody|niemand ~2 notices|sees|passt|merkt|goes|comes|findet",
    ),
    (PLAN, "no one ~2 notices|sees|goes|comes"),
    (DEATH, "hit|hits ~1 me !up|back"),
    (DEATH, "use|using|do|doing ~2 on|to myself"),
    (FAREWELL, "forever"),
    (FAREWELL, "fuer immer"),
    (
        ATTEMPT,
        "already|swallowed|took|taken|ago|standing|sitting|running|shaking|fuzzy|heavy|dizzy|numb|\
         geschluckt|genommen|eingenommen|schon|stehe|steh|sitze|schwindelig|vorhin",
    ),
    (ATTEMPT, "right now"),
    (
        ATTEMPT,
        "took|swallowed|taken|genommen|geschluckt ~2 whole|all|everything|alle|alles|ganze|ganzen",
    ),
    (ATTEMPT, "i am|im ~1 on|at|in ~2 the"),
    (ATTEMPT, "ich ~1 bin|steh|stehe|sitze ~2 auf|am|an|im"),
    (ATTEMPT, "is|are|its ~1 up|running|ready"),
    (ATTEMPT, "waiting for"),
    (ATTEMPT, "too late ~1 now"),
    (ATTEMPT, "zu spaet"),
    (
        ATTEMPT,
        "drank|trank|getrunken|jumped|gesprungen|walked|held|let go|gegangen",
    ),
    (ATTEMPT, "writing this from"),
    (ATTEMPT, "sitz|sitze|sitting ~2 am|im|at|in|on"),
    (MEANS, "bleach|pillow|wheel|kalte"),
    (ATTEMPT, "will|would not stop"),
    (ATTEMPT, "hoert nicht auf"),
    // ---- whose story, and when --------------------------------------------------------------------------
    (
        STORY,
        "movie|movies|film|films|series|episode|book|novel|character|characters|podcast|documentary|article|\
         news|song|lyrics|album|scene|thriller|netflix|videogame|buch|roman|serie|folge|nachrichten|zeitung|\
         artikel|doku|krimi|lied|szene|staffel|figur|tatort",
    ),
    (
        WORK,
        "patient|patients|client|clients|clinic|ward|shift|training|workshop|seminar|students|course|research|\
         study|hotline|callers|caller|nurse|nursing|therapist|counsellor|counselor|volunteer|volunteering|\
         lecture|paramedic|patienten|patientin|klienten|schicht|schulung|fortbildung|forschung|\
         studie|anrufer|pflege|seminar|praktikum|notaufnahme|kurs",
    ),
    (
        PRACTICAL,
        "shaving|shave|climbing|climb|hiking|camping|harness|range|hunting|hunt|vitamins|vitamin|prescribed|\
         prescription|pharmacy|pharmacist|doctor|dentist|recipe|cooking|kitchen|garden|gardening|repair|repairs|\
         fixing|gutters|tiles|swimming|swim|dive|diving|commute|drive|driving|renovation|surgery|vet|\
         rasieren|rasiert|klettern|kletter*|wandern|jagd|jaeger|schiessstand|vitamin*|verschrieben|rezept|\
         apotheke|arzt|aerztin|kochen|garten|reparatur|reparieren|schwimmen|pendeln|pendel*|tierarzt|chess|\
         game|games|cards|tennis|football|soccer|race|match|poker|boxing|sparring|schach|spiel|karten|fussball|\
         headache|kopfschmerz*|fever|fieber|migraine|migraene|holiday|vacation|urlaub|trip|reise|lawyer|anwalt|\
         notar|notary|mortgage|hypothek|hike|jagd*",
    ),
    (PAST, "frueher|damals|once|als|anniversary"),
    (
        RECOVERED,
        "recovered|recovery|survived|survivor|grateful|sober|ueberlebt|dankbar|glad|proud|stolz|celebrated|\
         gefeiert|besser|better",
    ),
    (RECOVERED, "different ~1 life|place|person"),
    (PRACTICAL, "burned|burnt|burning|ausgebrannt out"),
    (RECOVERED, "days|weeks|months|years since"),
    (HOME, "home|house|flat|hause|zuhause|wohnung"),
    (PAST, "years|months|winters|summers|decades ago"),
    (PAST, "vor ~1 jahren|monaten|jahrzehnten"),
    (PAST, "back in"),
    (PAST, "in college|school|uni|university"),
    (PAST, "in my twenties|teens|youth|childhood"),
    (PAST, "looking back"),
    (PAST, "in years|seit jahren"),
    (PAST, "vor ~3 jahren|monaten"),
    (PAST, "used to"),
    (PAST, "back then"),
    (PAST, "when i was"),
    (PAST, "vor ~1 jahren"),
    (PAST, "clean ~2 for|since"),
    (DENIED, "never ~2 do|hurt|kill|that|anything|act"),
    (DENIED, "not ~2 going ~1 to ~1 do|hurt|kill|anything|act"),
    (DENIED, "would|will|could not ~2 do|hurt|kill|anything|act"),
    (DENIED, "no ~1 intention|plan|plans"),
    (DENIED, "not suicidal"),
    (DENIED, "no|keine ~1 thoughts|gedanken"),
    (DENIED, "nie|never ~2 geschlagen|hit|angefasst|touched"),
    (DENIED, "nie ~2 tun|antun|machen"),
    (DENIED, "nicht ~1 vor"),
];

fn cues() -> &'static PatternSet<Tags> {
    static CUE_SET: OnceLock<PatternSet<Tags>> = OnceLock::new();
    CUE_SET.get_or_init(|| PatternSet::new(CUES.iter().map(|&(tags, pat)| (pat, tags))))
}

/// The concepts of every token: a cue's concepts go to every token it spans.
fn tag(doc: &Doc) -> Vec<Tags> {
    let mut tags = vec![0; doc.toks.len()];
    cues().for_each_match(doc, |cue_tags, _, start, end, _| {
        for tag in &mut tags[start..end.max(start + 1)] {
            *tag |= cue_tags;
        }
    });
    tags
}

/// Screens `doc` by the concepts that meet around each core concept. `settled` are the token spans the phrase
/// layer has already judged not to be a present risk (negated, someone else's, long ago, an idiom): its judgement
/// is the finer one there, so no core concept inside them counts.
pub(super) fn screen(doc: &Doc, settled: &[(usize, usize)]) -> Screening {
    let tags = tag(doc);
    let mut best = Screening::Clear;
    for t in 0..tags.len() {
        if tags[t] & CORE == 0 || settled.iter().any(|&(s, e)| (s..e).contains(&t)) {
            continue;
        }
        best = best.stronger(judge(&Window::new(doc, &tags, t)));
    }
    best
}

/// The stretch of speech around one core token.
#[derive(Debug)]
struct Window<'a> {
    doc: &'a Doc,
    tags: &'a [Tags],
    /// The core token.
    at: usize,
    lo: usize,
    hi: usize,
    /// Every concept in the window.
    around: Tags,
}

impl<'a> Window<'a> {
    fn new(doc: &'a Doc, tags: &'a [Tags], at: usize) -> Self {
        let lo = at.saturating_sub(REACH);
        let hi = (at + REACH + 1).min(tags.len());
        let around = tags[lo..hi].iter().fold(0, |a, &b| a | b);
        Window {
            doc,
            tags,
            at,
            lo,
            hi,
            around,
        }
    }

    fn has(&self, tags: Tags) -> bool {
        self.around & tags != 0
    }

    /// How many separate stretches of the window carry `tags` ("last entry … won't need it" is two).
    fn count(&self, tags: Tags) -> usize {
        let mut runs = 0;
        let mut inside = false;
        for &t in &self.tags[self.lo..self.hi] {
            let here = t & tags != 0;
            runs += usize::from(here && !inside);
            inside = here;
        }
        runs
    }

    fn core(&self) -> Tags {
        self.tags[self.at]
    }

    /// Whether `tags` occur within `n` tokens after the core token.
    fn within_after(&self, tags: Tags, n: usize) -> bool {
        self.tags[self.at + 1..(self.at + 1 + n).min(self.hi)]
            .iter()
            .any(|&t| t & tags != 0)
    }

    /// Whether `tags` occur within `n` tokens before the core token.
    fn within_before(&self, tags: Tags, n: usize) -> bool {
        self.tags[self.at.saturating_sub(n).max(self.lo)..self.at]
            .iter()
            .any(|&t| t & tags != 0)
    }

    /// The nearest person word before the core token that can be the one acting: [`SELF`] or [`OTHER`]. A
    /// person after a preposition is an object ("I gave the cat *to my sister*") and is passed over.
    fn nearest_person(&self) -> Option<Tags> {
        (self.lo..self.at).rev().find_map(|k| match self.tags[k] {
            t if t & SELF != 0 => Some(SELF),
            t if t & OTHER != 0 && !self.after_preposition(k) => Some(OTHER),
            _ => None,
        })
    }

    /// Whether a preposition stands right before token `k`, or before the determiner in front of it.
    fn after_preposition(&self, k: usize) -> bool {
        let before = |j: usize| if j > 0 { self.tags[j - 1] } else { 0 };
        let mut j = k;
        if before(j) & DETERMINER != 0 {
            j -= 1;
        }
        before(j) & PREPOSITION != 0
    }

    /// Who the core concept is about: the nearest person before it ("*my daughter* has been burning herself",
    /// "*I* bought a rope"), unless the speaker turns up after it ("my dad's gun … on *myself*").
    fn about_someone_else(&self) -> bool {
        match self.nearest_person() {
            Some(OTHER) => !self.within_after(SELF, 4),
            // A journal speaks in the first person even when speech-to-text drops the "I" ("took the whole
            // packet", "death sounds like a relief").
            Some(_) | None => false,
        }
    }

    /// Long ago and not back: a past marker before the core concept with no present-time marker after it.
    fn long_ago(&self) -> bool {
        let Some(past) = (self.lo..self.at).rev().find(|&k| self.tags[k] & PAST != 0) else {
            return self.within_after(PAST, 4);
        };
        !self.doc.present_near(past + 1, self.at + 1)
    }
}

/// What the concepts around one core token add up to. The layer infers where the phrase layer hears, so it
/// raises a [`Screening::Concern`] (the fixed safety check-in, whose answer can still make it a crisis) and goes
/// straight to [`Screening::Crisis`] only for an attempt under way or death joined with a means or a plan.
fn judge(w: &Window) -> Screening {
    match infer(w) {
        Some((kind, Certainty::Strong)) => Screening::Crisis(kind),
        Some((kind, Certainty::Inferred)) => Screening::Concern(kind),
        None => Screening::Clear,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Certainty {
    /// An attempt under way, or death with a means or a plan: as explicit as a phrase.
    Strong,
    /// Concepts that meet as they do in statements of risk, without the risk being said.
    Inferred,
}

fn infer(w: &Window) -> Option<(CrisisKind, Certainty)> {
    use Certainty::{Inferred, Strong};
    use CrisisKind::{Abuse, HarmToOthers, SelfHarm, SuicidalIntent};
    let core = w.core();
    // Someone else's story, work with clients, recovery, or a denial just before: not this person's risk now.
    if w.has(STORY | WORK | RECOVERED) || w.long_ago() || w.within_before(DENIED, 6) {
        return None;
    }

    // Abuse: another person acting on the speaker ("he grabbed *me*", "sperrt *mich* ein"), or fear of them.
    let by_other = w.nearest_person() == Some(OTHER) && !w.has(PRACTICAL);
    if core & ABUSE != 0 && by_other && (w.within_after(SELF | MINE, 5) || w.within_before(SELF, 5)) {
        return Some((Abuse, Inferred));
    }
    if core & FEAR != 0 && w.has(SELF) && w.has(HOME | THREAT) {
        return Some((Abuse, Inferred));
    }
    if core & FEAR != 0 && w.has(OTHER) && w.has(SELF) && w.has(HARM | ABUSE | HOME | THREAT) {
        return Some((Abuse, Inferred));
    }
    if w.has(THREAT) && w.has(OTHER) && w.has(FEAR | WEAPON | ABUSE) && core & (WEAPON | FEAR | ABUSE) != 0 {
        return Some((Abuse, Inferred));
    }
    if w.about_someone_else() {
        return None;
    }
    let practical = w.has(PRACTICAL);

    // Harm to others: a harm or a weapon with a target and a plan or a time.
    let harm_to_me = w.within_after(SELF, 1);
    if core & (HARM | WEAPON) != 0
        && w.has(TARGET)
        && w.has(INTENT | TIME | PLAN | DO_IT)
        && !practical
        && !harm_to_me
    {
        return Some((HarmToOthers, Inferred));
    }

    // Self-harm: an act with its object or the body, done deliberately or now.
    if core & (SH_ACT | SH_OBJECT) != 0 && !practical {
        let act = w.has(SH_ACT);
        let object = w.has(SH_OBJECT);
        if act && (object || w.has(BODY)) && w.has(DELIBERATE | TIME | INTENT | SELF | MINE | ATTEMPT) {
            return Some((SelfHarm, Inferred));
        }
        if core & SH_ACT != 0 && w.has(DELIBERATE) && w.has(SELF) {
            return Some((SelfHarm, Inferred));
        }
        if object && w.has(DELIBERATE) && w.has(TIME | INTENT) {
            return Some((SelfHarm, Inferred));
        }
    }

    // Suicide: death, a means, a farewell, an attempt, a burden, with what makes it present and real.
    if core & DEATH != 0 {
        if w.has(MEANS | PLAN | ATTEMPT) {
            return Some((SuicidalIntent, Strong));
        }
        return Some((SuicidalIntent, Inferred));
    }
    if core & MEANS != 0
        && !practical
        && (w.has(DEATH | ATTEMPT | PLAN) || (w.has(INTENT) && w.has(TIME | FAREWELL)))
    {
        return Some((SuicidalIntent, Inferred));
    }
    // Farewells have no everyday object to be practical about: a game on TV nearby changes nothing.
    if core & FAREWELL != 0 && (w.has(DEATH | MEANS) || w.count(FAREWELL) >= 2) {
        return Some((SuicidalIntent, Inferred));
    }
    if core & FINAL != 0 && !practical {
        return Some((SuicidalIntent, Inferred));
    }
    if core & DO_IT != 0 && w.has(TIME | PLAN | INTENT | DEATH) && !practical {
        return Some((SuicidalIntent, Inferred));
    }
    if core & ATTEMPT != 0 && w.has(MEANS | SH_ACT) && w.has(TIME) && !practical {
        return Some((SuicidalIntent, Strong));
    }
    let near = |tags| w.within_before(tags, 6) || w.within_after(tags, 6);
    if core & ATTEMPT != 0 && near(MEANS | SH_ACT | SH_OBJECT) && !practical {
        return Some((SuicidalIntent, Inferred));
    }
    if core & (BURDEN | WISH) != 0 && w.has(DEATH | BURDEN) {
        return Some((SuicidalIntent, Inferred));
    }
    None
}
