//! The rule table: each rule is a token pattern (see [`super::pattern`]) with what a match means and how its
//! subject is found. Named word lists (`@NAME`) are shared by several patterns.

use super::CrisisKind;

pub(super) const SETS: &[(&str, &str)] = &[
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

// ---------------------------------------------------------------------------------------------------------
// The rule table.

#[derive(Debug, Clone, Copy)]
pub(super) enum Out {
    /// An explicit crisis phrase, subject to the judging rules.
    Crisis(CrisisKind),
    /// A crisis topic that is never more than a mention ("my uncle died by suicide", "sie ritzt sich").
    Topic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Subj {
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
pub(super) struct Spec {
    pub(super) pat: &'static str,
    pub(super) out: Out,
    pub(super) subj: Subj,
    /// The phrase is itself a negative statement of risk; negators do not turn it into a mention.
    pub(super) immune: bool,
}

pub(super) const SUI: Out = Out::Crisis(CrisisKind::SuicidalIntent);
pub(super) const SH: Out = Out::Crisis(CrisisKind::SelfHarm);
pub(super) const OTH: Out = Out::Crisis(CrisisKind::HarmToOthers);
pub(super) const AB: Out = Out::Crisis(CrisisKind::Abuse);
pub(super) const TOPIC: Out = Out::Topic;

pub(super) const fn r(pat: &'static str, out: Out, subj: Subj) -> Spec {
    Spec {
        pat,
        out,
        subj,
        immune: false,
    }
}

/// A rule whose phrase is itself negative ("don't want to live"): negation does not weaken it.
pub(super) const fn neg_immune(pat: &'static str, out: Out, subj: Subj) -> Spec {
    Spec {
        pat,
        out,
        subj,
        immune: true,
    }
}

use Subj::{Explicit, NeedsFirst, Scan, Victim};

pub(super) const SPECS: &[Spec] = &[
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
