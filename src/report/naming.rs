//! What each group (outlet) calls each actor, and which of its terms set it
//! apart: the naming section of `compare`.
//!
//! Records carry per actor the naming terms of the article with their counts
//! ([`crate::actors::naming`]). `compare` sums them per group × actor in its
//! one pass ([`NamingCounts`], at most [`MAX_TERMS_PER_CELL`] distinct terms
//! per cell) and ranks each group's terms against all other groups' with the
//! log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi and
//! Quinn (2008, "Fightin' Words", eq. 15–16):
//!
//! ```text
//! δ_w = ln((y_w^i + α_w) / (n^i + α_0 − y_w^i − α_w))
//!     − ln((y_w^r + α_w) / (n^r + α_0 − y_w^r − α_w))
//! σ²_w ≈ 1/(y_w^i + α_w) + 1/(y_w^r + α_w)        z_w = δ_w / σ_w
//! ```
//!
//! with `y_w^i` the uses of term `w` by group `i`, `y_w^r` by all other
//! groups together, `n` their totals, and the prior informed by every
//! group's terms for the actor: `α_w = α_0 · π_w`, `π_w` the term's share of
//! all their uses, and the prior's weight `α_0` fixed at [`PRIOR_WEIGHT`]
//! uses (the original formulation: the prior matters for rare terms and
//! fades as evidence grows). It shrinks rare terms toward no difference, so
//! a term one group used once is not "distinctive" by chance; z ≥ 1.96 is the
//! usual mark of a real difference. Terms of different languages differ by
//! language too: an outlet alone in its language has every term to itself.
//!
//! ```
//! use newsframe::report::naming::log_odds;
//!
//! // Group 0 says "regime" 5 times of 6; group 1 once of 8.
//! let counts = vec![vec![5, 1, 0], vec![1, 3, 4]];
//! let table = log_odds(&counts, 10.0).unwrap();
//! assert!((table[0][0].z - 2.2059607053841015).abs() < 1e-12);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Section;
use super::format::fmt_score;
use crate::actors::naming::{MAX_EXAMPLE_CHARS, better_example, truncate_chars};
use crate::record::NamingTerm;

/// Distinct terms a group × actor cell keeps. Uses of further terms are
/// counted ([`NamingCounts::dropped`]) but not ranked; which terms are kept
/// then depends on the order records come in, and the report says so.
pub const MAX_TERMS_PER_CELL: usize = 500;

/// Characters of a term kept (records from elsewhere may hold any text).
pub const MAX_TERM_CHARS: usize = 100;

/// Terms shown per group and actor, most distinctive first.
pub const TOP_TERMS: usize = 8;

/// z at or above which a term is marked distinctive (two-sided 95%).
pub const DISTINCTIVE_Z: f64 = 1.96;

/// Weight of the prior, `α_0`, in term uses: ten uses spread over the
/// terms by their pooled shares.
pub const PRIOR_WEIGHT: f64 = 10.0;

/// One group × actor cell's naming terms, as records come.
#[derive(Debug, Clone, Default)]
pub struct NamingCounts {
    /// Term → (uses, its example phrase: the longest, then the smallest).
    terms: BTreeMap<String, (u64, String)>,
    /// Uses of terms beyond [`MAX_TERMS_PER_CELL`].
    dropped: u64,
}

impl NamingCounts {
    /// Adds one article's terms for the actor.
    pub fn add(&mut self, terms: &[NamingTerm]) {
        for t in terms {
            let count = t.count as u64;
            // Both bounded: a record read from a file may hold any text.
            let term = truncate_chars(&t.term, MAX_TERM_CHARS);
            let example = truncate_chars(&t.example, MAX_EXAMPLE_CHARS);
            if let Some(entry) = self.terms.get_mut(&term) {
                entry.0 = entry.0.saturating_add(count);
                if better_example(&example, &entry.1) {
                    entry.1 = example;
                }
            } else if self.terms.len() < MAX_TERMS_PER_CELL {
                self.terms.insert(term, (count, example));
            } else {
                self.dropped = self.dropped.saturating_add(count);
            }
        }
    }

    /// Uses of terms not kept (the cell reached [`MAX_TERMS_PER_CELL`]).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    fn total(&self) -> u64 {
        self.terms.values().map(|(c, _)| *c).sum()
    }
}

/// The log-odds ratio of one term: one group against the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogOdds {
    pub delta: f64,
    pub z: f64,
}

/// The Monroe–Colaresi–Quinn log-odds ratios of every group against all
/// others, for a table `counts[group][term]`, with the informative Dirichlet
/// prior `α_w = alpha0 · π_w` (`π_w` the term's pooled share). None when
/// there is nothing to compare: fewer than two groups using terms, or fewer
/// than two distinct terms.
pub fn log_odds(counts: &[Vec<u64>], alpha0: f64) -> Option<Vec<Vec<LogOdds>>> {
    let terms = counts.first()?.len();
    let pooled: Vec<f64> = (0..terms)
        .map(|w| counts.iter().map(|g| g[w] as f64).sum())
        .collect();
    let total: f64 = pooled.iter().sum();
    let groups_using = counts.iter().filter(|g| g.iter().any(|&c| c > 0)).count();
    let terms_used = pooled.iter().filter(|&&c| c > 0.0).count();
    if groups_using < 2 || terms_used < 2 || alpha0.is_nan() || alpha0 <= 0.0 {
        return None;
    }
    Some(
        counts
            .iter()
            .map(|g| {
                let n_i: f64 = g.iter().map(|&c| c as f64).sum();
                let n_r = total - n_i;
                (0..terms)
                    .map(|w| {
                        let alpha = alpha0 * pooled[w] / total;
                        let y_i = g[w] as f64;
                        let y_r = pooled[w] - y_i;
                        if alpha == 0.0 {
                            return LogOdds { delta: 0.0, z: 0.0 };
                        }
                        let delta = ((y_i + alpha) / (n_i + alpha0 - y_i - alpha)).ln()
                            - ((y_r + alpha) / (n_r + alpha0 - y_r - alpha)).ln();
                        let variance = 1.0 / (y_i + alpha) + 1.0 / (y_r + alpha);
                        LogOdds {
                            delta,
                            z: delta / variance.sqrt(),
                        }
                    })
                    .collect()
            })
            .collect(),
    )
}

/// How the groups name one actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorNaming {
    /// The actor id.
    pub actor: String,
    /// Groups that name the actor, in the section's group order.
    pub groups: Vec<GroupNaming>,
}

/// One group's terms for one actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupNaming {
    pub group: String,
    /// Term uses counted (the n of the statistic).
    pub uses: u64,
    /// Distinct terms the group uses.
    pub distinct: usize,
    /// Uses of terms past the cap of distinct terms per cell (not ranked).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub uncounted: u64,
    /// At most [`TOP_TERMS`] terms, most distinctive first (z, then count,
    /// then the term); every term by count when there is no statistic.
    pub terms: Vec<TermStat>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A term of one group for one actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermStat {
    pub term: String,
    /// Uses by this group.
    pub count: u64,
    /// Uses by all other groups.
    pub others: u64,
    /// Log-odds ratio against the other groups; null when the actor has
    /// fewer than two naming groups or fewer than two terms.
    pub log_odds: Option<f64>,
    /// Its z-score; |z| ≥ 1.96 marks a distinctive term.
    pub z: Option<f64>,
    /// A phrase of this group using the term, as written.
    pub example: String,
}

impl TermStat {
    /// Whether the term sets the group apart (z ≥ [`DISTINCTIVE_Z`]).
    pub fn distinctive(&self) -> bool {
        self.z.is_some_and(|z| z >= DISTINCTIVE_Z)
    }
}

/// Six decimals, as records are written.
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The naming section: per actor (in `actors` order), each group's
/// distinctive terms. `cells[g][a]` holds group `g`'s counts for actor `a`;
/// `groups` names the groups. Actors no group names are left out.
pub fn section_naming(
    actors: &[&str],
    groups: &[&str],
    cells: &[Vec<&NamingCounts>],
) -> Vec<ActorNaming> {
    let mut out = Vec::new();
    for (a, actor) in actors.iter().enumerate() {
        let row: Vec<&NamingCounts> = cells
            .iter()
            .map(|g| g.get(a).copied())
            .map(|c| c.unwrap_or(empty()))
            .collect();
        // The vocabulary: every term any group uses, sorted.
        let vocabulary: Vec<&str> = {
            let mut v: Vec<&str> = row
                .iter()
                .flat_map(|c| c.terms.keys().map(String::as_str))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        if vocabulary.is_empty() {
            continue;
        }
        let index: BTreeMap<&str, usize> = vocabulary
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, i))
            .collect();
        let table: Vec<Vec<u64>> = row
            .iter()
            .map(|c| {
                let mut counts = vec![0u64; vocabulary.len()];
                for (term, (count, _)) in &c.terms {
                    counts[index[term.as_str()]] = *count;
                }
                counts
            })
            .collect();
        let pooled: Vec<u64> = (0..vocabulary.len())
            .map(|w| table.iter().map(|g| g[w]).sum())
            .collect();
        let stats = log_odds(&table, PRIOR_WEIGHT);
        let mut named = Vec::new();
        for (g, cell) in row.iter().enumerate() {
            if cell.terms.is_empty() {
                continue;
            }
            let mut terms: Vec<TermStat> = cell
                .terms
                .iter()
                .map(|(term, (count, example))| {
                    let w = index[term.as_str()];
                    let stat = stats.as_ref().map(|s| s[g][w]);
                    TermStat {
                        term: term.clone(),
                        count: *count,
                        others: pooled[w] - count,
                        log_odds: stat.map(|s| round(s.delta)),
                        z: stat.map(|s| round(s.z)),
                        example: example.clone(),
                    }
                })
                .collect();
            // Most distinctive first; ties by count, then alphabetically
            // (the map's order, kept by the stable sort).
            terms.sort_by(|x, y| {
                let zx = x.z.unwrap_or(0.0);
                let zy = y.z.unwrap_or(0.0);
                zy.total_cmp(&zx).then(y.count.cmp(&x.count))
            });
            let distinct = terms.len();
            terms.truncate(TOP_TERMS);
            named.push(GroupNaming {
                group: groups[g].to_string(),
                uses: cell.total(),
                distinct,
                uncounted: cell.dropped,
                terms,
            });
        }
        out.push(ActorNaming {
            actor: actor.to_string(),
            groups: named,
        });
    }
    out
}

fn empty() -> &'static NamingCounts {
    static EMPTY: std::sync::OnceLock<NamingCounts> = std::sync::OnceLock::new();
    EMPTY.get_or_init(NamingCounts::default)
}

/// A term as tables show it: `regime (4, z +2.31)`; a distinctive one marked `*`.
pub fn term_label(t: &TermStat) -> String {
    match t.z {
        Some(z) => format!(
            "{}{} ({}, z {})",
            t.term,
            if t.distinctive() { "*" } else { "" },
            t.count,
            fmt_score(z)
        ),
        None => format!("{} ({})", t.term, t.count),
    }
}

/// The naming table of one actor, as the HTML page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct NamingTableView {
    pub actor_id: String,
    pub actor: String,
    /// Whether the terms carry a statistic (two or more groups name the actor).
    pub compared: bool,
    pub rows: Vec<NamingRowView>,
}

/// One group's row of a naming table.
#[derive(Debug, Clone, Serialize)]
pub struct NamingRowView {
    pub group: String,
    pub uses: u64,
    pub uncounted: u64,
    pub terms: Vec<TermView>,
}

/// One term as shown: its counts, its z to two decimals, an example phrase.
#[derive(Debug, Clone, Serialize)]
pub struct TermView {
    pub term: String,
    pub count: u64,
    pub others: u64,
    pub z: String,
    pub distinctive: bool,
    pub example: String,
}

/// The naming tables of a section, actors in the section's order.
pub fn table_views(s: &Section) -> Vec<NamingTableView> {
    s.naming
        .iter()
        .map(|n| NamingTableView {
            actor_id: n.actor.clone(),
            actor: actor_name(s, &n.actor),
            compared: n
                .groups
                .iter()
                .any(|g| g.terms.iter().any(|t| t.z.is_some())),
            rows: n
                .groups
                .iter()
                .map(|g| NamingRowView {
                    group: g.group.clone(),
                    uses: g.uses,
                    uncounted: g.uncounted,
                    terms: g
                        .terms
                        .iter()
                        .map(|t| TermView {
                            term: t.term.clone(),
                            count: t.count,
                            others: t.others,
                            z: t.z.map(fmt_score).unwrap_or_default(),
                            distinctive: t.distinctive(),
                            example: t.example.clone(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

fn actor_name(s: &Section, id: &str) -> String {
    s.actors
        .iter()
        .find(|a| a.id == id)
        .map_or_else(|| id.to_string(), |a| a.name.clone())
}

/// The Markdown naming section: per actor, a table of groups and their
/// terms. `esc` escapes text from articles for Markdown.
pub fn write_markdown(
    s: &Section,
    noun: &str,
    esc: fn(&str) -> String,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if s.naming.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n### What each {noun} calls each actor\n")?;
    writeln!(
        out,
        "Names and descriptive words next to each mention, most distinctive first: \
         count, and z of the log-odds ratio against the other {noun}s (informative \
         Dirichlet prior from all {noun}s' terms, weight {PRIOR_WEIGHT} uses; Monroe et al. \
         2008); `*` marks z ≥ {DISTINCTIVE_Z}.\n"
    )?;
    for n in &s.naming {
        writeln!(out, "#### {}\n", esc(&actor_name(s, &n.actor)))?;
        writeln!(out, "| {noun} | uses | terms (count, z) | e.g. |")?;
        writeln!(out, "|---|---:|---|---|")?;
        for g in &n.groups {
            let terms: Vec<String> = g.terms.iter().map(|t| esc(&term_label(t))).collect();
            let example = g.terms.first().map(|t| esc(&t.example)).unwrap_or_default();
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                esc(&g.group),
                g.uses,
                terms.join("; "),
                example
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// CSV metric names of the naming terms of a section, with their values:
/// (group, actor, `naming_count:<term>` or `naming_z:<term>`, value).
pub fn csv_rows(s: &Section) -> Vec<(&str, &str, String, Option<f64>)> {
    let mut rows = Vec::new();
    for n in &s.naming {
        for g in &n.groups {
            for t in &g.terms {
                rows.push((
                    g.group.as_str(),
                    n.actor.as_str(),
                    format!("naming_count:{}", t.term),
                    Some(t.count as f64),
                ));
                rows.push((
                    g.group.as_str(),
                    n.actor.as_str(),
                    format!("naming_z:{}", t.term),
                    t.z,
                ));
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Expected values computed independently (Python, `math.log`) from
    /// δ = ln((y_i+α)/(n_i+α0−y_i−α)) − ln((y_r+α)/(n_r+α0−y_r−α)),
    /// σ² = 1/(y_i+α) + 1/(y_r+α), α_w = α0 · pooled count / pooled total,
    /// α0 = 10.
    #[test]
    fn log_odds_match_the_formula_on_a_small_table() {
        // Two groups: the rest of a group is the other one.
        let two = log_odds(&[vec![5, 1, 0], vec![1, 3, 4]], 10.0).unwrap();
        let expected_two = [
            [
                (1.2019581252734939, 2.2059607053841015),
                (-0.4177352006999788, -0.6370469004071923),
                (-1.0405484877133484, -1.477727864292325),
            ],
            [
                (-1.2019581252734939, -2.2059607053841015),
                (0.4177352006999788, 0.6370469004071923),
                (1.0405484877133484, 1.477727864292325),
            ],
        ];
        for (g, row) in expected_two.iter().enumerate() {
            for (w, &(delta, z)) in row.iter().enumerate() {
                assert!(close(two[g][w].delta, delta), "{g} {w} {:?}", two[g][w]);
                assert!(close(two[g][w].z, z), "{g} {w} {:?}", two[g][w]);
            }
        }
        // Three groups: the rest is the other two pooled.
        let three = log_odds(&[vec![5, 1, 0], vec![1, 3, 4], vec![0, 2, 1]], 10.0).unwrap();
        let expected_three = [
            [
                (1.4235308372775486, 2.4484728646782234),
                (-0.549341604458625, -0.9448674919667331),
                (-0.9932517730102833, -1.4551270379769814),
            ],
            [
                (-0.8848667738290451, -1.5219707419329749),
                (0.08358671610826574, 0.15102863394108834),
                (0.874727486724312, 1.3868862861288422),
            ],
            [
                (-0.5693246020623837, -0.9136758287199311),
                (0.481867035061045, 0.8603896562144514),
                (0.06693631549219181, 0.10612797632295348),
            ],
        ];
        for (g, row) in expected_three.iter().enumerate() {
            for (w, &(delta, z)) in row.iter().enumerate() {
                assert!(close(three[g][w].delta, delta), "{g} {w} {:?}", three[g][w]);
                assert!(close(three[g][w].z, z), "{g} {w} {:?}", three[g][w]);
            }
        }
    }

    #[test]
    fn nothing_to_compare_gives_no_statistic() {
        assert!(log_odds(&[vec![3, 2]], 10.0).is_none(), "one group");
        assert!(
            log_odds(&[vec![3, 2], vec![0, 0]], 10.0).is_none(),
            "one group naming"
        );
        assert!(log_odds(&[vec![3], vec![2]], 10.0).is_none(), "one term");
        assert!(log_odds(&[], 10.0).is_none());
    }

    fn term(t: &str, count: usize) -> NamingTerm {
        NamingTerm {
            term: t.to_string(),
            count,
            example: format!("the {t}"),
        }
    }

    #[test]
    fn section_ranks_each_groups_terms_with_counts() {
        let mut a = NamingCounts::default();
        a.add(&[term("regime", 3), term("government", 1)]);
        a.add(&[term("regime", 4), term("maduro", 1)]);
        let mut b = NamingCounts::default();
        b.add(&[term("government", 3), term("maduro", 3), term("regime", 1)]);
        let mut c = NamingCounts::default();
        c.add(&[term("government", 4)]);
        let none = NamingCounts::default();
        let cells = vec![vec![&a, &none], vec![&b, &none], vec![&c, &none]];
        let section = section_naming(&["government", "us"], &["A", "B", "C"], &cells);
        assert_eq!(section.len(), 1, "an actor nobody names is left out");
        let groups = &section[0].groups;
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].group, "A");
        assert_eq!(groups[0].uses, 9);
        assert_eq!(groups[0].distinct, 3);
        let top = &groups[0].terms[0];
        assert_eq!((top.term.as_str(), top.count, top.others), ("regime", 7, 1));
        assert!(top.distinctive(), "{top:?}");
        assert_eq!(top.example, "the regime");
        // The same numbers as the statistic on the table itself.
        // Vocabulary order: government, maduro, regime.
        let table = log_odds(&[vec![1, 1, 7], vec![3, 3, 1], vec![4, 0, 0]], PRIOR_WEIGHT).unwrap();
        assert_eq!(top.z, Some(round(table[0][2].z)));
        // C's only term: "government", not distinctive against B's use of it.
        assert_eq!(groups[2].terms.len(), 1);
        assert_eq!(groups[2].terms[0].term, "government");
        // Ordered by z, descending.
        for g in groups {
            let z: Vec<f64> = g.terms.iter().map(|t| t.z.unwrap()).collect();
            assert!(z.windows(2).all(|w| w[0] >= w[1]), "{z:?}");
        }
    }

    #[test]
    fn ties_are_ordered_by_count_then_term() {
        let mut a = NamingCounts::default();
        a.add(&[term("b", 1), term("a", 1), term("c", 1)]);
        let cells = vec![vec![&a]];
        let section = section_naming(&["x"], &["A"], &cells);
        let names: Vec<&str> = section[0].groups[0]
            .terms
            .iter()
            .map(|t| t.term.as_str())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(
            section[0].groups[0].terms[0].z, None,
            "one group: no statistic"
        );
    }

    #[test]
    fn cells_keep_a_bounded_vocabulary() {
        let mut a = NamingCounts::default();
        let many: Vec<NamingTerm> = (0..MAX_TERMS_PER_CELL + 10)
            .map(|i| term(&format!("t{i:04}"), 2))
            .collect();
        a.add(&many);
        a.add(&[term("t0000", 1)]);
        assert_eq!(a.terms.len(), MAX_TERMS_PER_CELL);
        assert_eq!(a.dropped(), 20);
        assert_eq!(a.terms["t0000"].0, 3);

        let mut b = NamingCounts::default();
        b.add(&[NamingTerm {
            term: "x".repeat(10_000),
            count: 1,
            example: "y".repeat(10_000),
        }]);
        let (term, (_, example)) = b.terms.iter().next().unwrap();
        assert_eq!(
            term.chars().count(),
            MAX_TERM_CHARS + 1,
            "cut, with an ellipsis"
        );
        assert_eq!(example.chars().count(), MAX_EXAMPLE_CHARS + 1);
    }
}
