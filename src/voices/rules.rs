//! The word lists quote attribution reads, per language and merged (articles
//! mix languages, and a French title in a Spanish article is still a title).
//!
//! Speech verbs and `according to` phrases come from the stance lexicons
//! (`speech` entries of `data/lexicons/<lang>.tsv`); [`EXTRA_CUES`] adds the
//! forms attribution needs and stance does not (French inversions
//! `a-t-il déclaré`, Spanish `agregó`, German `versicherte`). Every word is
//! written folded (lowercase, no diacritics, as [`crate::actors::fold`]
//! folds), because the rules compare folded tokens.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Reported-speech cues the stance lexicons lack, as folded word sequences.
#[rustfmt::skip]
pub const EXTRA_CUES: &[&str] = &[
    // en
    "warned", "stressed", "replied", "responded", "added", "promised", "vowed", "conceded",
    "admitted", "maintained", "recalled", "affirmed", "countered", "cautioned", "repeated",
    "shouted", "chanted", "reported",
    // es
    "agrego", "indico", "manifesto", "subrayo", "recalco", "asevero", "sentencio", "expreso",
    "reitero", "aseguro", "advirtio", "apunto", "admitio", "reconocio", "prometio", "ha dicho",
    "ha afirmado", "ha declarado", "de acuerdo con", "afirmo", "denuncio", "denunciaron",
    "denuncian", "conto", "cuenta", "gritaban", "grito", "repitio",
    // fr
    "d'apres", "a precise", "a indique", "a martele", "a lance", "a rappele", "a reconnu",
    "a promis", "a juge", "a assure", "a repondu", "a confie", "a prevenu", "a conclu",
    "precise", "poursuit", "ajoute", "a t il", "a t elle", "ont t ils", "a repete", "raconte",
    "racontent", "estiment", "expliquent", "scandaient", "a crie", "ont indique",
    "ont affirme", "ont assure", "ont explique", "ont precise", "ont souligne", "ont dit",
    // de
    "versicherte", "unterstrich", "bekraftigte", "sagte", "berichten", "berichtete",
    "wiederholte", "rief", "riefen", "erklarte", "betonte", "warnte", "meinte", "so",
    "hiess es", "heisst es", "fugte", "bekannte", "versprach", "antwortete", "entgegnete",
    // pt
    "ressaltou", "destacou", "garantiu", "sublinhou", "completou", "avaliou", "alertou",
    "reiterou", "admitiu", "prometeu", "de acordo com", "afirmou", "declarou", "disse",
    "contou", "lembrou", "repetiu", "denunciam", "denunciou", "avaliam", "gritavam", "gritou",
];

/// Cues whose speaker follows them (`according to X`), or, for the
/// postposition `zufolge`, precedes them.
#[rustfmt::skip]
pub const PREPOSITIONAL_CUES: &[&str] = &[
    "according to", "segun", "de acuerdo con", "selon", "d'apres", "laut", "zufolge",
    "segundo", "de acordo com",
];

/// German `so` (`„…“, so Maduro`) is a cue only right after a quotation.
#[rustfmt::skip]
pub const AFTER_QUOTE_ONLY_CUES: &[&str] = &["so"];

/// Words that open reported content (`said that …`).
#[rustfmt::skip]
pub const COMPLEMENTIZERS: &[&str] = &["that", "que", "dass", "qu'il", "qu'elle", "qu'ils"];

/// Third-person pronouns: the speaker is the one quoted last.
#[rustfmt::skip]
pub const PRONOUNS: &[&str] = &[
    "he", "she", "they", "ella", "ellos", "ellas", "il", "elle", "ils", "elles", "er", "sie",
    "ele", "ela", "eles", "elas",
];

/// Relative pronouns: a clause between a speaker and its verb
/// (`Maduro, who spoke in Caracas, said`).
/// (German `der`/`die` are articles too often to count.)
#[rustfmt::skip]
pub const RELATIVES: &[&str] = &["who", "which", "quien", "que", "qui", "welche", "quem"];

/// Coordinating conjunctions: `X confirmed … and said`, the speaker is the
/// clause's subject.
#[rustfmt::skip]
pub const CONJUNCTIONS: &[&str] = &["and", "y", "et", "und", "e"];

/// Heads of unnamed sources (`officials`, `a diplomat`, `fuentes`).
#[rustfmt::skip]
pub const ANONYMOUS_HEADS: &[&str] = &[
    // en
    "official", "officials", "source", "sources", "diplomat", "diplomats", "analyst",
    "analysts", "spokesperson", "spokesman", "spokeswoman", "aide", "aides", "adviser",
    "advisers", "advisor", "witness", "witnesses", "observer", "observers", "insider",
    "insiders", "negotiator", "negotiators", "representative", "representatives", "residents",
    "resident", "workers", "employees", "protesters", "demonstrators", "economists", "experts",
    // es
    "funcionario", "funcionarios", "funcionaria", "fuente", "fuentes", "diplomatico",
    "diplomaticos", "analista", "analistas", "portavoz", "vocero", "vocera", "asesor",
    "asesores", "testigo", "testigos", "observador", "observadores", "negociador",
    "negociadores", "responsable", "responsables", "autoridades", "representante",
    "trabajadores", "manifestantes", "empleados", "expertos",
    // fr
    "source", "sources", "diplomate", "diplomates", "analyste", "analystes", "parole",
    "conseiller", "conseillers", "temoin", "temoins", "observateur", "observateurs",
    "negociateur", "negociateurs", "proche", "proches", "entourage", "employes",
    "manifestants", "experts", "habitants",
    // de
    "sprecher", "sprecherin", "diplomat", "diplomaten", "beamte", "beamter", "beamten",
    "kreise", "kreisen", "quelle", "quellen", "analyst", "analysten", "beobachter", "berater",
    "beraterin", "unterhandler", "insider", "vertreter", "vertreterin", "mitarbeiter",
    "demonstranten", "experten", "bewohner",
    // pt
    "funcionario", "funcionarios", "fonte", "fontes", "diplomata", "diplomatas", "analista",
    "analistas", "voz", "assessor", "assessores", "testemunha", "testemunhas", "observadores",
    "negociador", "negociadores", "autoridades", "trabalhadores", "manifestantes", "moradores",
    "especialistas",
];

/// German compounds ending in an anonymous head (`Regierungskreise`,
/// `Regierungssprecher` is a title, see [`TITLE_SUFFIXES`]).
#[rustfmt::skip]
pub const ANONYMOUS_SUFFIXES: &[&str] = &["kreise", "kreisen", "quellen", "beamte", "beamten"];

/// Titles and offices: words of a speaker phrase that are not a name.
#[rustfmt::skip]
pub const TITLES: &[&str] = &[
    // en
    "president", "vice", "minister", "foreign", "defence", "defense", "interior", "secretary",
    "general", "spokesman", "spokesperson", "spokeswoman", "leader", "chief", "senator",
    "ambassador", "envoy", "special", "representative", "deputy", "high", "commissioner", "mr",
    "mrs", "ms", "dr", "prime", "chancellor", "adviser", "national", "security", "state",
    "etat", "estado", "staat", "human", "rights", "opposition", "lawmaker", "governor",
    "mayor", "sen", "rep", "gen", "lieutenant", "colonel", "captain", "head", "speaker",
    "former",
    // es
    "presidente", "presidenta", "vicepresidente", "vicepresidenta", "ministro", "ministra",
    "canciller", "secretario", "secretaria", "embajador", "embajadora", "enviado", "enviada",
    "alto", "alta", "comisionado", "comisionada", "lider", "jefe", "jefa", "diputado",
    "diputada", "senador", "senadora", "sr", "sra", "don", "dona", "exministro", "gobernador",
    "alcalde", "fiscal", "defensor", "mandatario", "encargado",
    // fr
    "ministre", "presidente", "chef", "porte", "secretaire", "ambassadeur", "ambassadrice",
    "envoye", "envoyee", "haut", "haute", "commissaire", "m", "mme", "dirigeant", "dirigeante",
    "depute", "deputee", "chancelier", "premier", "premiere", "ancien",
    // de
    "herr", "frau", "vize", "generalsekretar", "prasident", "prasidentin",
    // pt
    "chanceler", "secretario", "geral", "embaixador", "embaixadora", "comissario",
    "comissaria", "chefe", "deputado", "deputada", "senadora", "ex", "porta",
];

/// German compound titles (`Außenminister`, `Regierungssprecher`).
#[rustfmt::skip]
pub const TITLE_SUFFIXES: &[&str] = &[
    "minister", "ministerin", "prasident", "prasidentin", "sprecher", "sprecherin", "sekretar",
    "sekretarin", "chef", "chefin", "fuhrer", "fuhrerin", "botschafter", "botschafterin",
    "kanzler", "kanzlerin", "kommissar", "kommissarin", "gesandte", "gesandter", "abgeordnete",
    "abgeordneter", "vorsitzende", "vorsitzender",
];

/// Small words that may start a sentence with a capital, days and months:
/// never part of a name.
#[rustfmt::skip]
pub const NOT_NAMES: &[&str] = &[
    // en
    "the", "a", "an", "in", "on", "at", "for", "of", "from", "with", "by", "but", "and",
    "after", "before", "during", "while", "this", "these", "those", "his", "her", "their",
    "its", "our", "we", "i", "it", "there", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december", "asked", "speaking",
    "however", "meanwhile", "later", "earlier", "yesterday", "today", "as", "like", "como",
    "comme", "wie", "so",
    // es
    "el", "la", "los", "las", "un", "una", "en", "de", "del", "con", "por", "para", "tras",
    "al", "lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo", "enero",
    "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
    "noviembre", "diciembre", "ayer", "hoy", "sin", "embargo", "mientras", "su", "sus",
    // fr
    "le", "les", "une", "des", "du", "au", "aux", "a", "dans", "pour", "par", "avec", "apres",
    "avant", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
    "octobre", "novembre", "decembre", "hier", "son", "sa", "ses", "leur",
    // de
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "im",
    "am", "vom", "zum", "zur", "nach", "bei", "mit", "fur", "auf", "aus", "von", "montag",
    "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "januar", "februar",
    "marz", "juni", "juli", "oktober", "dezember", "gestern", "heute", "sein", "seine", "ihre",
    "ihr", "auch", "zudem", "dabei", "doch",
    // pt
    "o", "os", "as", "um", "uma", "em", "no", "na", "nos", "nas", "do", "da", "dos", "das",
    "ao", "pelo", "pela", "com", "apos", "segunda", "terca", "quarta", "quinta", "sexta",
    "sabado", "feira", "janeiro", "fevereiro", "marco", "maio", "junho", "julho", "setembro",
    "outubro", "novembro", "dezembro", "ontem", "seu", "sua",
];

/// Prepositions: a name right after one is not the speaker
/// (`a spokesperson for the UN`, `ein Sprecher von Guaidó`).
#[rustfmt::skip]
pub const PREPOSITIONS: &[&str] = &[
    "for", "of", "from", "to", "in", "at", "with", "de", "del", "para", "en", "a", "al",
    "pour", "du", "des", "aupres", "von", "fur", "aus", "in", "im", "bei", "des", "der", "vor",
    "uber", "gegen", "unter", "zu", "nach", "ante", "devant", "diante", "do", "da", "dos",
    "das", "em", "no", "na", "com",
];

/// Words that end a speaker phrase after the verb: where and when
/// (`said Guaidó in Caracas`, `a lancé le chef de l'État devant …`).
#[rustfmt::skip]
pub const PHRASE_ENDS: &[&str] = &[
    "in", "at", "on", "during", "after", "before", "en", "ante", "durante", "tras", "devant",
    "pendant", "lors", "apres", "vor", "im", "am", "beim", "wahrend", "nach", "diante", "em",
    "durante", "apos", "yesterday", "ayer", "hier", "gestern", "ontem",
];

/// Auxiliaries of compound tenses before a speech verb (`has said`).
#[rustfmt::skip]
pub const AUXILIARIES: &[&str] = &[
    "has", "have", "had", "ha", "han", "hat", "haben", "hatte", "tem", "tinha",
];

/// Determiners: a phrase they open describes a speaker (`the chief of staff`).
#[rustfmt::skip]
pub const DETERMINERS: &[&str] = &[
    "the", "a", "an", "el", "la", "los", "las", "un", "una", "le", "les", "une", "der", "die",
    "das", "ein", "eine", "o", "os", "um", "uma",
];

/// Lowercase particles inside names (`Padrino López` has none; `Lula da Silva`).
#[rustfmt::skip]
pub const NAME_PARTICLES: &[&str] = &["de", "del", "da", "do", "dos", "das", "van", "von", "la"];

fn set(words: &[&'static str]) -> HashSet<&'static str> {
    words.iter().copied().collect()
}

/// The lists as sets, built once.
pub struct WordSets {
    pub prepositional: HashSet<&'static str>,
    pub complementizers: HashSet<&'static str>,
    pub pronouns: HashSet<&'static str>,
    pub relatives: HashSet<&'static str>,
    pub conjunctions: HashSet<&'static str>,
    pub anonymous: HashSet<&'static str>,
    pub titles: HashSet<&'static str>,
    pub not_names: HashSet<&'static str>,
    pub prepositions: HashSet<&'static str>,
    pub particles: HashSet<&'static str>,
    pub phrase_ends: HashSet<&'static str>,
    pub auxiliaries: HashSet<&'static str>,
    pub determiners: HashSet<&'static str>,
    /// [`EXTRA_CUES`] as word sequences.
    pub extra_cues: Vec<Vec<&'static str>>,
}

impl WordSets {
    pub fn get() -> &'static WordSets {
        static SETS: OnceLock<WordSets> = OnceLock::new();
        SETS.get_or_init(|| WordSets {
            prepositional: set(PREPOSITIONAL_CUES),
            complementizers: set(COMPLEMENTIZERS),
            pronouns: set(PRONOUNS),
            relatives: set(RELATIVES),
            conjunctions: set(CONJUNCTIONS),
            anonymous: set(ANONYMOUS_HEADS),
            titles: set(TITLES),
            not_names: set(NOT_NAMES),
            prepositions: set(PREPOSITIONS),
            particles: set(NAME_PARTICLES),
            phrase_ends: set(PHRASE_ENDS),
            auxiliaries: set(AUXILIARIES),
            determiners: set(DETERMINERS),
            extra_cues: EXTRA_CUES.iter().map(|c| c.split(' ').collect()).collect(),
        })
    }

    /// A title or office, German compounds included.
    pub fn is_title(&self, folded: &str) -> bool {
        self.titles.contains(folded)
            || TITLE_SUFFIXES
                .iter()
                .any(|s| folded.len() > s.len() + 2 && folded.ends_with(s))
            || TITLE_SUFFIXES.contains(&folded)
    }

    /// The head of an unnamed source.
    pub fn is_anonymous_head(&self, folded: &str) -> bool {
        self.anonymous.contains(folded)
            || ANONYMOUS_SUFFIXES
                .iter()
                .any(|s| folded.len() > s.len() + 2 && folded.ends_with(s))
    }
}
