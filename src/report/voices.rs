//! Voices in `compare`: who each group (outlet) quotes, per actor.
//!
//! From the records' `quotes` ([`crate::record::Quotation`]), per group ×
//! actor: the number of quotations whose speaker belongs to the actor, their
//! share of all the group's quotations (unattributed and unaffiliated ones
//! included, so shares of a group add up to at most 1), the share of the
//! group's articles that quote the actor at least once, and the most-quoted
//! people. Records made before quotations were extracted (no `quotes`
//! field) are left out of these numbers and counted, so a reader knows.
//!
//! Markdown, CSV and the HTML chart of this section are written here, next
//! to the numbers they show; the report writers call them.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use serde::{Deserialize, Serialize};

use super::format::fmt_percent;
use super::svg::Svg;
use crate::record::ArticleAnalysis;

/// People listed per group × actor.
pub const TOP_PEOPLE: usize = 3;

/// Who a story's groups quote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoicesSection {
    /// Articles whose records carry no quotation data (older records).
    pub articles_without_data: usize,
    /// One per group, in the section's group order.
    pub groups: Vec<VoiceGroup>,
    /// One per group × actor, groups outer, in the section's orders.
    pub cells: Vec<VoiceCell>,
}

/// One group's quotations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceGroup {
    pub group: String,
    /// Articles with quotation data.
    pub articles: usize,
    pub quotes: usize,
    /// Quotations with no speaker the article names.
    pub unattributed: usize,
    /// Quotations from unnamed sources (`officials said`).
    pub anonymous: usize,
    /// Quotations with a speaker but no actor of the set.
    pub unaffiliated: usize,
    /// The group's most-quoted people, whoever they speak for.
    pub top_people: Vec<PersonQuotes>,
}

/// One group × actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceCell {
    pub group: String,
    pub actor: String,
    /// Quotations whose speaker belongs to the actor.
    pub quotes: usize,
    /// `quotes` / all the group's quotations (0 when it has none).
    pub share: f64,
    /// Articles quoting the actor at least once.
    pub articles_quoting: usize,
    /// `articles_quoting` / the group's articles with quotation data.
    pub article_share: f64,
    /// Of `quotes`, those from unnamed sources.
    pub anonymous: usize,
    /// The actor's most-quoted people in this group, most first.
    pub top_people: Vec<PersonQuotes>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonQuotes {
    pub name: String,
    pub quotes: usize,
}

#[derive(Debug, Clone, Default)]
struct CellCounts {
    quotes: usize,
    articles: usize,
    anonymous: usize,
    people: HashMap<String, usize>,
}

#[derive(Debug, Clone, Default)]
struct GroupCounts {
    articles: usize,
    quotes: usize,
    unattributed: usize,
    anonymous: usize,
    unaffiliated: usize,
    people: HashMap<String, usize>,
    cells: HashMap<String, CellCounts>,
}

/// The streaming counts behind [`VoicesSection`].
#[derive(Debug, Clone, Default)]
pub struct VoicesState {
    without_data: usize,
    with_data: usize,
    groups: HashMap<String, GroupCounts>,
}

impl VoicesState {
    pub fn new() -> VoicesState {
        VoicesState::default()
    }

    /// Folds in one article of group `group`.
    pub fn add(&mut self, group: &str, a: &ArticleAnalysis) {
        let Some(quotes) = &a.quotes else {
            self.without_data += 1;
            return;
        };
        self.with_data += 1;
        let g = self.groups.entry(group.to_string()).or_default();
        g.articles += 1;
        let mut quoted: Vec<&str> = Vec::new();
        for q in quotes {
            g.quotes += 1;
            if q.speaker.is_none() {
                g.unattributed += 1;
            }
            if q.anonymous {
                g.anonymous += 1;
            }
            if let Some(person) = &q.person {
                *g.people.entry(person.clone()).or_default() += 1;
            }
            let Some(actor) = &q.actor else {
                if q.speaker.is_some() {
                    g.unaffiliated += 1;
                }
                continue;
            };
            let cell = g.cells.entry(actor.clone()).or_default();
            cell.quotes += 1;
            if q.anonymous {
                cell.anonymous += 1;
            }
            if let Some(person) = &q.person {
                *cell.people.entry(person.clone()).or_default() += 1;
            }
            if !quoted.contains(&actor.as_str()) {
                quoted.push(actor);
                cell.articles += 1;
            }
        }
    }

    /// The section's voices, in its group and actor orders; `None` when no
    /// record carried quotation data.
    pub fn finish(self, groups: &[String], actors: &[String]) -> Option<VoicesSection> {
        if self.with_data == 0 {
            return None;
        }
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let empty = GroupCounts::default();
        let mut out_groups = Vec::new();
        let mut cells = Vec::new();
        for name in groups {
            let g = self.groups.get(name).unwrap_or(&empty);
            out_groups.push(VoiceGroup {
                group: name.clone(),
                articles: g.articles,
                quotes: g.quotes,
                unattributed: g.unattributed,
                anonymous: g.anonymous,
                unaffiliated: g.unaffiliated,
                top_people: top(&g.people),
            });
            for actor in actors {
                let c = g.cells.get(actor).cloned().unwrap_or_default();
                cells.push(VoiceCell {
                    group: name.clone(),
                    actor: actor.clone(),
                    quotes: c.quotes,
                    share: ratio(c.quotes, g.quotes),
                    articles_quoting: c.articles,
                    article_share: ratio(c.articles, g.articles),
                    anonymous: c.anonymous,
                    top_people: top(&c.people),
                });
            }
        }
        Some(VoicesSection {
            articles_without_data: self.without_data,
            groups: out_groups,
            cells,
        })
    }
}

/// Most quotations first, then name: the same order on every run.
fn top(people: &HashMap<String, usize>) -> Vec<PersonQuotes> {
    let mut sorted: Vec<(&String, &usize)> = people.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    sorted
        .into_iter()
        .take(TOP_PEOPLE)
        .map(|(name, quotes)| PersonQuotes {
            name: name.clone(),
            quotes: *quotes,
        })
        .collect()
}

impl VoicesSection {
    pub fn cell(&self, group: &str, actor: &str) -> Option<&VoiceCell> {
        self.cells
            .iter()
            .find(|c| c.group == group && c.actor == actor)
    }
}

/// `Jorge Arreaza (3), Delcy Rodríguez (1)`.
pub fn people_text(people: &[PersonQuotes]) -> String {
    people
        .iter()
        .map(|p| format!("{} ({})", p.name, p.quotes))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The cell as one line: `3 quotes (43%) · 2/3 articles (67%)`.
pub fn cell_text(c: &VoiceCell) -> String {
    format!(
        "{} quote{} ({}) · {} article{} ({})",
        c.quotes,
        if c.quotes == 1 { "" } else { "s" },
        fmt_percent(c.share),
        c.articles_quoting,
        if c.articles_quoting == 1 { "" } else { "s" },
        fmt_percent(c.article_share)
    )
}

/// The CSV metrics of a voices cell, in row order.
pub const CELL_METRICS: [&str; 5] = [
    "voice_quotes",
    "voice_share",
    "voice_articles_quoting",
    "voice_article_share",
    "voice_anonymous",
];

/// `(metric, value)` rows of a cell for the tidy CSV.
pub fn cell_rows(c: &VoiceCell) -> [(&'static str, f64); 5] {
    let values = [
        c.quotes as f64,
        c.share,
        c.articles_quoting as f64,
        c.article_share,
        c.anonymous as f64,
    ];
    let mut out = [("", 0.0); 5];
    for (slot, (metric, value)) in out.iter_mut().zip(CELL_METRICS.iter().zip(values)) {
        *slot = (*metric, value);
    }
    out
}

/// The Markdown subsection; `esc` escapes text for Markdown tables and
/// `actors` are the section's (id, name) pairs.
pub fn write_markdown(
    v: &VoicesSection,
    actors: &[(String, String)],
    noun: &str,
    esc: &dyn Fn(&str) -> String,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    writeln!(out, "\n### Voices (who is quoted)\n")?;
    writeln!(
        out,
        "Per actor: quotations of its people (share of all the {noun}'s quotations) · articles quoting it (share of the {noun}'s articles) · most quoted.\n"
    )?;
    if v.articles_without_data > 0 {
        writeln!(
            out,
            "> {} article(s) come from records without quotation data and are not counted here.\n",
            v.articles_without_data
        )?;
    }
    write!(out, "| {noun} | quotations |")?;
    for (_, name) in actors {
        write!(out, " {} |", esc(name))?;
    }
    write!(out, " no actor · unnamed |\n|---|---:|")?;
    for _ in actors {
        write!(out, "---|")?;
    }
    writeln!(out, "---|")?;
    for g in &v.groups {
        write!(out, "| {} | {} |", esc(&g.group), g.quotes)?;
        for (id, _) in actors {
            let text = v
                .cell(&g.group, id)
                .map(|c| {
                    let people = people_text(&c.top_people);
                    if people.is_empty() {
                        cell_text(c)
                    } else {
                        format!("{} · {}", cell_text(c), esc(&people))
                    }
                })
                .unwrap_or_default();
            write!(out, " {text} |")?;
        }
        writeln!(
            out,
            " {} no actor, {} unattributed, {} anonymous |",
            g.unaffiliated, g.unattributed, g.anonymous
        )?;
    }
    Ok(())
}

/// One sentence per group for the HTML findings: whom it quotes most.
pub fn findings(v: &VoicesSection, actors: &[(String, String)]) -> Vec<String> {
    let name = |id: &str| {
        actors
            .iter()
            .find(|(a, _)| a == id)
            .map_or(id.to_string(), |(_, n)| n.clone())
    };
    let mut out = Vec::new();
    for g in &v.groups {
        if g.quotes == 0 {
            continue;
        }
        let mut cells: Vec<&VoiceCell> = v
            .cells
            .iter()
            .filter(|c| c.group == g.group && c.quotes > 0)
            .collect();
        cells.sort_by(|a, b| b.quotes.cmp(&a.quotes).then(a.actor.cmp(&b.actor)));
        let parts: Vec<String> = cells
            .iter()
            .map(|c| format!("{} {}", name(&c.actor), fmt_percent(c.share)))
            .collect();
        let silent: Vec<String> = actors
            .iter()
            .filter(|(id, _)| v.cell(&g.group, id).is_none_or(|c| c.quotes == 0))
            .map(|(_, n)| n.clone())
            .collect();
        let mut line = format!(
            "{}: {} quotation{}, of which {}",
            g.group,
            g.quotes,
            if g.quotes == 1 { "" } else { "s" },
            if parts.is_empty() {
                "none from an actor of the set".to_string()
            } else {
                parts.join(", ")
            }
        );
        if !silent.is_empty() {
            line.push_str(&format!("; never quotes {}", silent.join(", ")));
        }
        out.push(line);
    }
    out
}

/// The HTML chart of one actor: per group, a bar of the share of the
/// group's quotations that are the actor's, with the counts and the share of
/// articles quoting it.
pub fn actor_chart(v: &VoicesSection, actor: &str, name: &str, noun: &str) -> String {
    let rows: Vec<&VoiceCell> = v.cells.iter().filter(|c| c.actor == actor).collect();
    let left = 160.0;
    let plot = 220.0;
    let right = 170.0;
    let row = 24.0;
    let top = 22.0;
    let width = left + plot + right;
    let height = top + row * rows.len().max(1) as f64 + 8.0;
    let mut svg = Svg::new(
        width,
        height,
        &format!("Share of each {noun}'s quotations that come from {name}"),
    );
    svg.open_group(&[("style", super::svg::FONT)]);
    svg.rect(
        left,
        top - 4.0,
        plot,
        height - top - 4.0,
        &[("fill", "#fafafa")],
    );
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let x = left + t * plot;
        svg.line(
            x,
            top - 4.0,
            x,
            height - 4.0,
            &[("stroke", "#ddd"), ("stroke-width", "1")],
        );
        svg.text(
            x,
            top - 8.0,
            &fmt_percent(t),
            &[
                ("text-anchor", "middle"),
                ("font-size", "10"),
                ("fill", "#777"),
            ],
        );
    }
    let groups: BTreeMap<&str, &VoiceGroup> =
        v.groups.iter().map(|g| (g.group.as_str(), g)).collect();
    for (i, c) in rows.iter().enumerate() {
        let y = top + row * i as f64 + row / 2.0;
        let total = groups.get(c.group.as_str()).map_or(0, |g| g.quotes);
        svg.open_group(&[
            ("class", "voice"),
            ("data-group", &c.group),
            ("data-quotes", &c.quotes.to_string()),
            ("data-share", &format!("{}", c.share)),
        ]);
        let people = people_text(&c.top_people);
        svg.title(&format!(
            "{}: {} of {} quotations ({}); {} of its articles ({}){}",
            c.group,
            c.quotes,
            total,
            fmt_percent(c.share),
            c.articles_quoting,
            fmt_percent(c.article_share),
            if people.is_empty() {
                String::new()
            } else {
                format!("; most quoted: {people}")
            }
        ));
        svg.text(
            left - 10.0,
            y + 4.0,
            &super::svg::clip(&c.group, 22),
            &[
                ("text-anchor", "end"),
                ("font-size", "12"),
                ("fill", "#222"),
            ],
        );
        if c.quotes > 0 {
            svg.rect(
                left,
                y - 7.0,
                (c.share * plot).max(2.0),
                14.0,
                &[("fill", "#8c6bb1")],
            );
        }
        svg.text(
            left + plot + 8.0,
            y + 4.0,
            &format!(
                "{}/{} ({}) · {} art.",
                c.quotes,
                total,
                fmt_percent(c.share),
                c.articles_quoting
            ),
            &[("font-size", "12"), ("fill", "#222")],
        );
        svg.close_group();
    }
    svg.close_group();
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(quotes: Option<&str>) -> ArticleAnalysis {
        let quotes = quotes.map_or(String::new(), |q| format!(r#","quotes":{q}"#));
        serde_json::from_str(&format!(
            r#"{{"schema_version":2,"id":"a","lang":"en","origin":{{"path":"x"}},
               "engine":{{}},"actors":[]{quotes}}}"#
        ))
        .unwrap()
    }

    fn quote(
        speaker: Option<&str>,
        person: Option<&str>,
        actor: Option<&str>,
        anonymous: bool,
    ) -> String {
        serde_json::json!({"kind": "direct", "sentence": 0, "span": {"start": 0, "end": 1},
            "text": "x", "speaker": speaker, "person": person, "actor": actor,
            "anonymous": anonymous})
        .to_string()
    }

    #[test]
    fn counts_shares_articles_and_people() {
        let arreaza = quote(
            Some("Jorge Arreaza"),
            Some("Jorge Arreaza"),
            Some("government"),
            false,
        );
        let officials = quote(Some("US officials"), None, Some("us"), true);
        let nobody = quote(None, None, None, false);
        let nurse = quote(Some("a nurse"), None, None, false);
        let mut state = VoicesState::new();
        state.add(
            "A",
            &record(Some(&format!("[{arreaza},{arreaza},{officials}]"))),
        );
        state.add("A", &record(Some(&format!("[{nobody},{nurse}]"))));
        state.add("A", &record(Some("[]")));
        state.add("A", &record(None)); // made before quotations were extracted
        state.add("B", &record(Some(&format!("[{officials}]"))));
        let v = state
            .finish(
                &["A".into(), "B".into()],
                &["government".into(), "us".into()],
            )
            .unwrap();
        assert_eq!(v.articles_without_data, 1);
        let a = &v.groups[0];
        assert_eq!(
            (
                a.articles,
                a.quotes,
                a.unattributed,
                a.anonymous,
                a.unaffiliated
            ),
            (3, 5, 1, 1, 1)
        );
        let gov = v.cell("A", "government").unwrap();
        assert_eq!((gov.quotes, gov.articles_quoting), (2, 1));
        assert!((gov.share - 2.0 / 5.0).abs() < 1e-12);
        assert!((gov.article_share - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(
            gov.top_people,
            vec![PersonQuotes {
                name: "Jorge Arreaza".into(),
                quotes: 2
            }]
        );
        let us = v.cell("A", "us").unwrap();
        assert_eq!((us.quotes, us.anonymous), (1, 1));
        assert!(
            us.top_people.is_empty(),
            "unnamed sources are nobody's name"
        );
        assert_eq!(v.cell("B", "government").unwrap().quotes, 0);
        assert_eq!(v.cell("B", "us").unwrap().share, 1.0);
    }

    #[test]
    fn no_section_without_quotation_data() {
        let mut state = VoicesState::new();
        state.add("A", &record(None));
        assert_eq!(state.finish(&["A".into()], &["us".into()]), None);
        // A record without the field keeps it absent when written again.
        let json = serde_json::to_string(&record(None)).unwrap();
        assert!(!json.contains("quotes"), "{json}");
        assert!(
            serde_json::to_string(&record(Some("[]")))
                .unwrap()
                .contains(r#""quotes":[]"#)
        );
    }
}
