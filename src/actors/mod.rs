//! Actor sets: who a story is about, and how each actor is named.
//!
//! An actor set is a TOML file (see `data/actors/venezuela.toml` and
//! `docs/schema.md`): each actor has an id, a display name, a kind, aliases
//! per language, member names that count as the actor (`Maduro` counts as
//! the government) and the aliases that must match with their case (`US` is
//! not the pronoun `us`, `UN` is not the French article `un`). Inline actors
//! (`--actor 'id=alias|alias'`) extend or replace actors of a set for a quick
//! run. Matching lives in [`matcher`], text folding in [`fold`].
//!
//! ```
//! use newsframe::actors::ActorSet;
//!
//! let set = ActorSet::from_toml_str(r#"
//! [[actors]]
//! id = "norway"
//! name = "Norway"
//! kind = "country"
//! aliases = { en = ["Norway", "Oslo"], es = ["Noruega"] }
//! "#, "example.toml").unwrap();
//! assert_eq!(set.actors[0].all_aliases().count(), 3);
//! ```

pub mod fold;
pub mod matcher;
pub mod naming;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use matcher::{ActorMatcher, Mention};

/// Kinds most actor sets use. `kind` is free text: any other value
/// (`military`, `party`, `company`, `media`, `union`, …) is accepted and
/// passed on to the records as written.
pub const COMMON_KINDS: &[&str] = &[
    "government",
    "opposition",
    "country",
    "organization",
    "person",
    "group",
    "military",
    "party",
    "company",
    "media",
];

/// One actor of a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// Stable identifier used in records (`government`, `us`, …).
    pub id: String,
    /// Display name, also used in stance hypotheses (`{actor}`).
    pub name: String,
    /// What sort of party the actor is: free text, usually one of
    /// [`COMMON_KINDS`]; records and reports show it as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Aliases per language code (`en`, `es`, …; `any` for inline actors).
    /// Every alias is matched in every article: articles mix languages.
    #[serde(default)]
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Names of people or bodies that count as this actor.
    #[serde(default)]
    pub members: Vec<String>,
    /// Aliases and members matched with their exact case (diacritics are
    /// still folded). Every other name matches case-insensitively.
    #[serde(default)]
    pub case_sensitive: Vec<String>,
}

impl Actor {
    /// Every alias of every language, in file order.
    pub fn all_aliases(&self) -> impl Iterator<Item = &str> {
        self.aliases.values().flatten().map(String::as_str)
    }

    pub fn is_case_sensitive(&self, name: &str) -> bool {
        self.case_sensitive.iter().any(|c| c == name)
    }
}

/// A named list of actors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorSet {
    /// A short name for the set (defaults to the file stem).
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub actors: Vec<Actor>,
}

/// An actor set that cannot be used; the message names the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum ActorSetError {
    #[error("cannot read actor set {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("actor set {path} is not valid TOML for an actor set: {message}")]
    Parse { path: String, message: String },
    #[error("actor set {path}: {message}")]
    Invalid { path: String, message: String },
    #[error("--actor {spec:?}: {message} (expected 'id=alias|alias', e.g. 'us=US|United States')")]
    Inline { spec: String, message: String },
}

impl ActorSet {
    /// Reads and validates an actor set file.
    pub fn load(path: &Path) -> Result<ActorSet, ActorSetError> {
        let text = std::fs::read_to_string(path).map_err(|source| ActorSetError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut set = ActorSet::from_toml_str(&text, &path.display().to_string())?;
        if set.name.is_empty() {
            set.name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
        }
        Ok(set)
    }

    /// Parses and validates an actor set; `path` only names it in errors.
    pub fn from_toml_str(text: &str, path: &str) -> Result<ActorSet, ActorSetError> {
        let set: ActorSet = toml::from_str(text).map_err(|e| ActorSetError::Parse {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        set.validate(path)?;
        Ok(set)
    }

    /// An empty set, to be filled with inline actors.
    pub fn empty(name: &str) -> ActorSet {
        ActorSet {
            name: name.to_string(),
            description: None,
            actors: Vec::new(),
        }
    }

    fn validate(&self, path: &str) -> Result<(), ActorSetError> {
        let invalid = |message: String| ActorSetError::Invalid {
            path: path.to_string(),
            message,
        };
        let mut seen = std::collections::HashSet::new();
        for actor in &self.actors {
            if actor.id.trim().is_empty() {
                return Err(invalid("an actor has an empty id".into()));
            }
            if !seen.insert(actor.id.as_str()) {
                return Err(invalid(format!("actor id {:?} appears twice", actor.id)));
            }
            if actor.kind.as_deref().is_some_and(|k| k.trim().is_empty()) {
                return Err(invalid(format!(
                    "actor {:?} has a blank kind; leave `kind` out or name one (e.g. {})",
                    actor.id,
                    COMMON_KINDS.join(", ")
                )));
            }
            if actor.all_aliases().next().is_none() && actor.members.is_empty() {
                return Err(invalid(format!(
                    "actor {:?} has no aliases and no members, so it can never match",
                    actor.id
                )));
            }
            if let Some(blank) = actor
                .all_aliases()
                .chain(actor.members.iter().map(String::as_str))
                .find(|a| a.trim().is_empty())
            {
                return Err(invalid(format!(
                    "actor {:?} has a blank name {blank:?}",
                    actor.id
                )));
            }
            for name in &actor.case_sensitive {
                let known = actor.all_aliases().any(|a| a == name) || actor.members.contains(name);
                if !known {
                    return Err(invalid(format!(
                        "actor {:?}: case_sensitive names {name:?}, which is neither an alias nor a member",
                        actor.id
                    )));
                }
            }
        }
        Ok(())
    }

    /// Adds an inline actor `id=alias|alias` (or replaces the actor with
    /// that id). Aliases written in capitals only (`US`, `UN`) match with
    /// their case; `id:Name=…` also sets the display name.
    pub fn add_inline(&mut self, spec: &str) -> Result<(), ActorSetError> {
        let err = |message: &str| ActorSetError::Inline {
            spec: spec.to_string(),
            message: message.to_string(),
        };
        let (head, aliases) = spec.split_once('=').ok_or_else(|| err("missing '='"))?;
        let (id, name) = match head.split_once(':') {
            Some((id, name)) => (id.trim(), name.trim()),
            None => (head.trim(), head.trim()),
        };
        if id.is_empty() {
            return Err(err("empty id"));
        }
        let aliases: Vec<String> = aliases
            .split('|')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();
        if aliases.is_empty() {
            return Err(err("no aliases"));
        }
        let case_sensitive = aliases.iter().filter(|a| is_acronym(a)).cloned().collect();
        let actor = Actor {
            id: id.to_string(),
            name: if name.is_empty() { id } else { name }.to_string(),
            kind: None,
            aliases: BTreeMap::from([("any".to_string(), aliases)]),
            members: Vec::new(),
            case_sensitive,
        };
        match self.actors.iter_mut().find(|a| a.id == actor.id) {
            Some(existing) => *existing = actor,
            None => self.actors.push(actor),
        }
        Ok(())
    }

    /// `name#hash`: the set's name and the first 12 hex digits of SHA-256
    /// over its canonical JSON, recorded in every output for comparability.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_string(&self.actors).unwrap_or_default();
        let digest = hex::encode(Sha256::digest(json.as_bytes()));
        format!("{}#{}", self.name, &digest[..12])
    }

    pub fn get(&self, id: &str) -> Option<&Actor> {
        self.actors.iter().find(|a| a.id == id)
    }
}

/// Two to six capitals, optionally dotted (`US`, `U.S.`, `EE.UU.`, `ONU`).
pub fn is_acronym(name: &str) -> bool {
    let letters: Vec<char> = name.chars().filter(|c| *c != '.').collect();
    (2..=6).contains(&letters.len()) && letters.iter().all(|c| c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_actor_parses_and_flags_acronyms() {
        let mut set = ActorSet::empty("inline");
        set.add_inline("us:United States=US|United States|Washington")
            .unwrap();
        let us = set.get("us").unwrap();
        assert_eq!(us.name, "United States");
        assert_eq!(us.case_sensitive, vec!["US".to_string()]);
        assert!(set.add_inline("nothing").is_err());
        assert!(set.add_inline("x=").is_err());
    }

    #[test]
    fn kind_is_free_text() {
        for kind in [
            "military",
            "party",
            "company",
            "media",
            "government",
            "trade union",
        ] {
            let set = ActorSet::from_toml_str(
                &format!("[[actors]]\nid = \"a\"\nname = \"A\"\nkind = \"{kind}\"\naliases = {{ en = [\"A\"] }}\n"),
                "k.toml",
            )
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(set.actors[0].kind.as_deref(), Some(kind));
        }
        let err = ActorSet::from_toml_str(
            "[[actors]]\nid = \"a\"\nname = \"A\"\nkind = \" \"\naliases = { en = [\"A\"] }\n",
            "k.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("k.toml") && err.contains("blank kind"),
            "{err}"
        );
    }

    #[test]
    fn invalid_sets_name_the_problem() {
        let err = ActorSet::from_toml_str(
            "[[actors]]\nid = \"a\"\nname = \"A\"\ncase_sensitive = [\"B\"]\naliases = { en = [\"A\"] }\n",
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("x.toml") && err.contains("\"B\""), "{err}");
        let err = ActorSet::from_toml_str("[[actors]]\nid = 3\n", "y.toml").unwrap_err();
        assert!(err.to_string().contains("y.toml"));
    }
}
