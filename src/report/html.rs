//! `--format html`: one self-contained page (no script, no network; a
//! Content-Security-Policy forbids both) with a heatmap of groups × actors,
//! per-actor charts of scores with intervals, a naming table per actor,
//! summaries side by side,
//! evidence behind `<details>`, and the engines that made the records.
//!
//! Text reaches the page two ways, both escaped: through the minijinja
//! template (autoescape on for `.html`) and through the [`super::svg`]
//! writer, whose output is the only markup inserted unescaped.

use serde::Serialize;

use super::format::{fmt_decimal, fmt_percent, fmt_score, score_text};
use super::svg::{FONT, Svg, clip, score_colour, text_colour_on};
use super::{Cell, Group, Report, Section, engine_label};

const TEMPLATE: &str = include_str!("templates/report.html");

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let mut env = minijinja::Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    let page = env
        .get_template("report.html")?
        .render(minijinja::value::Serde(view(report)))?;
    out.write_all(page.as_bytes())?;
    Ok(())
}

#[derive(Serialize)]
struct PageView {
    title: String,
    generated_at: String,
    generator: String,
    schema_version: u32,
    bootstrap_samples: usize,
    level_percent: String,
    seed: u64,
    novelty_threshold: String,
    noun: &'static str,
    articles: usize,
    engines: Vec<EngineView>,
    inputs: Vec<super::InputSummary>,
    failed: Vec<FailedView>,
    failed_not_listed: usize,
    sections: Vec<SectionView>,
}

#[derive(Serialize, PartialEq)]
struct EngineView {
    summary: String,
    stance: String,
    actors: String,
}

#[derive(Serialize)]
struct FailedView {
    origin: String,
    kind: &'static str,
    id: String,
    source: String,
    error: String,
}

#[derive(Serialize)]
struct SectionView {
    anchor: String,
    findings: Vec<String>,
    story_id: String,
    story_label: String,
    engine: String,
    articles: usize,
    group_count: usize,
    languages: String,
    notes: Vec<String>,
    heatmap: String,
    divergence: Vec<DivergenceView>,
    charts: Vec<ChartView>,
    naming: Vec<super::naming::NamingTableView>,
    groups: Vec<GroupView>,
    voices: Option<VoicesView>,
}

/// The voices subsection ([`super::voices`]).
#[derive(Serialize)]
struct VoicesView {
    findings: Vec<String>,
    without_data: usize,
    charts: Vec<ChartView>,
    groups: Vec<VoiceGroupView>,
}

#[derive(Serialize)]
struct VoiceGroupView {
    name: String,
    articles: usize,
    quotes: usize,
    unattributed: usize,
    anonymous: usize,
    unaffiliated: usize,
    people: String,
}

#[derive(Serialize)]
struct DivergenceView {
    actor: String,
    groups: usize,
    range: String,
    sd: String,
    low_group: String,
    low_score: String,
    high_group: String,
    high_score: String,
    bar: f64,
}

#[derive(Serialize)]
struct ChartView {
    actor: String,
    svg: String,
    not_mentioned: Vec<String>,
}

#[derive(Serialize)]
struct GroupView {
    name: String,
    articles: usize,
    languages: String,
    dates: String,
    summaries: Vec<SummaryView>,
    cells: Vec<CellView>,
}

#[derive(Serialize)]
struct SummaryView {
    title: String,
    date: String,
    lang: String,
    method: String,
    sentences: Vec<SentenceView>,
}

#[derive(Serialize)]
struct SentenceView {
    text: String,
    novel: bool,
    novelty: String,
}

#[derive(Serialize)]
struct CellView {
    actor: String,
    score: String,
    coverage: String,
    labels: String,
    mentioned: bool,
    evidence: Option<EvidenceView>,
}

#[derive(Serialize)]
struct EvidenceView {
    text: String,
    label: String,
    p: String,
    article: String,
}

fn view(report: &Report) -> PageView {
    let mut engines: Vec<EngineView> = Vec::new();
    for s in &report.sections {
        let e = EngineView {
            summary: s.engine.summary.clone().unwrap_or_else(|| "–".into()),
            stance: s.engine.stance.clone().unwrap_or_else(|| "–".into()),
            actors: s.engine.actors.clone().unwrap_or_else(|| "–".into()),
        };
        if !engines.contains(&e) {
            engines.push(e);
        }
    }
    let title = match report.sections.as_slice() {
        [one] => format!("How outlets frame: {}", one.story_label),
        _ => "How outlets frame the story".to_string(),
    };
    PageView {
        title,
        generated_at: report.generated_at.clone(),
        generator: report.generator.clone(),
        schema_version: report.schema_version,
        bootstrap_samples: report.config.bootstrap_samples,
        level_percent: fmt_percent(report.config.confidence_level),
        seed: report.config.seed,
        novelty_threshold: fmt_percent(report.config.novelty_threshold),
        noun: report.config.group_by.noun(),
        articles: report.sections.iter().map(|s| s.articles).sum(),
        engines,
        inputs: report.inputs.clone(),
        failed_not_listed: report.failed_not_listed,
        failed: report
            .failed
            .iter()
            .map(|f| FailedView {
                origin: f.origin.clone(),
                kind: match f.kind {
                    super::FailureKind::Analysis => "analysis failed",
                    super::FailureKind::Malformed => "unreadable line",
                },
                id: f.id.clone().unwrap_or_default(),
                source: f.source.clone().unwrap_or_default(),
                error: f.error.clone(),
            })
            .collect(),
        sections: report
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| section_view(i, s, report))
            .collect(),
    }
}

fn section_view(index: usize, s: &Section, report: &Report) -> SectionView {
    let max_range = s
        .actors
        .iter()
        .filter_map(|a| a.divergence.as_ref().map(|d| d.range))
        .fold(0.0, f64::max)
        .max(1e-9);
    SectionView {
        anchor: format!("section-{}", index + 1),
        findings: findings(s),
        story_id: s.story_id.clone(),
        story_label: s.story_label.clone(),
        engine: engine_label(&s.engine),
        articles: s.articles,
        group_count: s.groups.len(),
        languages: s.languages.join(", "),
        notes: s.notes.clone(),
        heatmap: heatmap(index, s),
        divergence: {
            let mut rows: Vec<&super::ActorSummary> =
                s.actors.iter().filter(|a| a.divergence.is_some()).collect();
            rows.sort_by(|a, b| {
                let range =
                    |x: &super::ActorSummary| x.divergence.as_ref().map_or(0.0, |d| d.range);
                range(b).total_cmp(&range(a))
            });
            rows
        }
        .into_iter()
        .filter_map(|a| {
            let d = a.divergence.as_ref()?;
            Some(DivergenceView {
                actor: a.name.clone(),
                groups: d.groups,
                range: fmt_decimal(d.range),
                sd: fmt_decimal(d.sd),
                low_group: d.lowest.group.clone(),
                low_score: fmt_score(d.lowest.score),
                high_group: d.highest.group.clone(),
                high_score: fmt_score(d.highest.score),
                bar: (d.range / max_range * 100.0).round(),
            })
        })
        .collect(),
        charts: s
            .actors
            .iter()
            .filter(|a| a.articles_mentioning > 0)
            .map(|a| ChartView {
                actor: a.name.clone(),
                svg: actor_chart(s, &a.id, &a.name, report.config.confidence_level),
                not_mentioned: s
                    .cells
                    .iter()
                    .filter(|c| c.actor == a.id && c.articles_mentioning == 0)
                    .map(|c| c.group.clone())
                    .collect(),
            })
            .collect(),
        voices: s.voices.as_ref().map(|v| voices_view(s, v)),
        naming: super::naming::table_views(s),
        groups: s
            .groups
            .iter()
            .map(|g| GroupView {
                name: g.name.clone(),
                articles: g.articles,
                languages: g.languages.join(", "),
                dates: match (&g.first_date, &g.last_date) {
                    (Some(a), Some(b)) if a == b => a.clone(),
                    (Some(a), Some(b)) => format!("{a} – {b}"),
                    _ => "undated".into(),
                },
                summaries: g
                    .summaries
                    .iter()
                    .map(|x| SummaryView {
                        title: x.title.clone().unwrap_or_else(|| x.article_id.clone()),
                        date: x.date.clone().unwrap_or_else(|| "undated".into()),
                        lang: x.language_label(),
                        method: x.method.clone(),
                        sentences: x
                            .sentences
                            .iter()
                            .map(|t| SentenceView {
                                text: t.text.clone(),
                                novel: t.novel,
                                novelty: t.novelty.map(fmt_decimal).unwrap_or_default(),
                            })
                            .collect(),
                    })
                    .collect(),
                cells: s
                    .actors
                    .iter()
                    .filter_map(|a| {
                        let c = s.cell(&g.name, &a.id)?;
                        Some(CellView {
                            actor: a.name.clone(),
                            score: score_text(c),
                            coverage: format!(
                                "{}/{} articles ({}), {} mentions",
                                c.articles_mentioning,
                                c.articles,
                                fmt_percent(c.coverage),
                                c.mentions
                            ),
                            labels: format!(
                                "{} positive · {} neutral · {} negative",
                                c.labels.positive, c.labels.neutral, c.labels.negative
                            ),
                            mentioned: c.articles_mentioning > 0,
                            evidence: c.evidence.as_ref().map(|e| EvidenceView {
                                text: e.text.clone(),
                                label: e.label.to_string(),
                                p: fmt_decimal(e.p),
                                article: e.title.clone().unwrap_or_else(|| e.article_id.clone()),
                            }),
                        })
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn voices_view(s: &Section, v: &super::voices::VoicesSection) -> VoicesView {
    let noun = s.group_by.noun();
    let actors: Vec<(String, String)> = s
        .actors
        .iter()
        .map(|a| (a.id.clone(), a.name.clone()))
        .collect();
    VoicesView {
        findings: super::voices::findings(v, &actors),
        without_data: v.articles_without_data,
        charts: s
            .actors
            .iter()
            .map(|a| ChartView {
                actor: a.name.clone(),
                svg: super::voices::actor_chart(v, &a.id, &a.name, noun),
                not_mentioned: v
                    .cells
                    .iter()
                    .filter(|c| c.actor == a.id && c.quotes == 0)
                    .map(|c| c.group.clone())
                    .collect(),
            })
            .collect(),
        groups: v
            .groups
            .iter()
            .map(|g| VoiceGroupView {
                name: g.group.clone(),
                articles: g.articles,
                quotes: g.quotes,
                unattributed: g.unattributed,
                anonymous: g.anonymous,
                unaffiliated: g.unaffiliated,
                people: super::voices::people_text(&g.top_people),
            })
            .collect(),
    }
}

/// The few sentences a reader should take away: the widest divergences and
/// the omissions, stated with the numbers shown below them.
fn findings(s: &Section) -> Vec<String> {
    let noun = s.group_by.noun();
    let mut out = Vec::new();
    let mut diverging: Vec<&super::ActorSummary> =
        s.actors.iter().filter(|a| a.divergence.is_some()).collect();
    diverging.sort_by(|a, b| {
        let range = |x: &super::ActorSummary| x.divergence.as_ref().map_or(0.0, |d| d.range);
        range(b).total_cmp(&range(a))
    });
    for a in diverging.iter().take(3) {
        let d = a.divergence.as_ref().expect("filtered above");
        out.push(format!(
            "{}: from {} in {} to {} in {} (range {}).",
            a.name,
            fmt_score(d.lowest.score),
            d.lowest.group,
            fmt_score(d.highest.score),
            d.highest.group,
            fmt_decimal(d.range)
        ));
    }
    for a in &s.actors {
        let silent: Vec<&str> = s
            .cells
            .iter()
            .filter(|c| c.actor == a.id && c.articles_mentioning == 0)
            .map(|c| c.group.as_str())
            .collect();
        // Actors no group mentions are in the section notes.
        if a.articles_mentioning > 0 && !silent.is_empty() {
            let total = s.groups.len();
            let names = if silent.len() > 6 {
                format!("{} and {} more", silent[..5].join(", "), silent.len() - 5)
            } else {
                silent.join(", ")
            };
            out.push(format!(
                "{}: never mentioned by {} of {total} {noun}s: {names}.",
                a.name,
                silent.len()
            ));
        }
    }
    out
}

/// Splits a name into lines of at most `width` characters (by words).
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = lines.last_mut().expect("max_lines > 0");
        *last = clip(&format!("{last} …"), width);
    }
    lines.into_iter().map(|l| clip(&l, width)).collect()
}

/// Sizes and pattern ids of one section's heatmap.
struct HeatmapLayout {
    /// Width of the group labels.
    left: f64,
    col: f64,
    row: f64,
    header: f64,
    width: f64,
    /// Id of the hatch pattern of cells without a score.
    hatch: String,
    /// Id of the colour-scale gradient of the legend.
    grad: String,
}

impl HeatmapLayout {
    fn new(index: usize, s: &Section) -> HeatmapLayout {
        let label_chars = s
            .groups
            .iter()
            .map(|g| g.name.chars().count().min(26))
            .max()
            .unwrap_or(8);
        // About 8 px per character of 13 px semi-bold text.
        let left = (label_chars as f64 * 8.0 + 28.0).clamp(120.0, 240.0);
        let col = 124.0;
        HeatmapLayout {
            left,
            col,
            row: 50.0,
            header: 56.0,
            width: left + col * s.actors.len() as f64 + 8.0,
            hatch: format!("hatch-{}", index + 1),
            grad: format!("scale-{}", index + 1),
        }
    }
}

/// The groups × actors heatmap of a section: column heads, row heads, one
/// coloured cell per (group, actor), and the legend.
fn heatmap(index: usize, s: &Section) -> String {
    let layout = HeatmapLayout::new(index, s);
    let legend = 64.0;
    let height = layout.header + layout.row * s.groups.len() as f64 + legend;
    let mut svg = Svg::new(
        layout.width,
        height,
        &format!(
            "Mean stance score of each {} toward each actor",
            s.group_by.noun()
        ),
    );
    heatmap_defs(&mut svg, &layout);
    svg.open_group(&[("style", FONT)]);
    actor_heads(&mut svg, s, &layout);
    for (i, g) in s.groups.iter().enumerate() {
        let y = layout.header + layout.row * i as f64;
        group_head(&mut svg, g, y, &layout);
        for (j, a) in s.actors.iter().enumerate() {
            let Some(c) = s.cell(&g.name, &a.id) else {
                continue;
            };
            let x = layout.left + layout.col * j as f64;
            heatmap_cell(&mut svg, c, &a.name, x, y, &layout);
        }
    }
    heatmap_legend(&mut svg, s, &layout);
    svg.close_group();
    svg.finish()
}

/// The hatch pattern and the colour-scale gradient.
fn heatmap_defs(svg: &mut Svg, layout: &HeatmapLayout) {
    let (hatch, grad) = (&layout.hatch, &layout.grad);
    svg.raw(&format!(
        r##"<defs><pattern id="{hatch}" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#ececec"/><line x1="0" y1="0" x2="0" y2="8" stroke="#c4c4c4" stroke-width="3"/></pattern><linearGradient id="{grad}">{}</linearGradient></defs>"##,
        (0..=10)
            .map(|i| format!(
                r#"<stop offset="{}%" stop-color="{}"/>"#,
                i * 10,
                score_colour(-1.0 + f64::from(i) * 0.2)
            ))
            .collect::<String>()
    ));
}

/// Column headers: actor names, wrapped.
fn actor_heads(svg: &mut Svg, s: &Section, layout: &HeatmapLayout) {
    let HeatmapLayout {
        left, col, header, ..
    } = *layout;
    for (j, a) in s.actors.iter().enumerate() {
        let x = left + col * j as f64 + col / 2.0;
        let lines = wrap(&a.name, 15, 2);
        let top = header - 10.0 - 15.0 * (lines.len() as f64 - 1.0);
        svg.open_group(&[("class", "actor-head")]);
        svg.title(&a.name);
        for (k, line) in lines.iter().enumerate() {
            svg.text(
                x,
                top + 15.0 * k as f64,
                line,
                &[
                    ("text-anchor", "middle"),
                    ("font-size", "13"),
                    ("font-weight", "600"),
                    ("fill", "#222"),
                ],
            );
        }
        svg.close_group();
    }
}

/// A row header: the group's name, its article count and languages.
fn group_head(svg: &mut Svg, g: &Group, y: f64, layout: &HeatmapLayout) {
    let HeatmapLayout { left, row, .. } = *layout;
    svg.open_group(&[("class", "group-head")]);
    svg.title(&format!(
        "{} — {} article(s), {}",
        g.name,
        g.articles,
        g.languages.join(", ")
    ));
    svg.text(
        left - 12.0,
        y + row / 2.0 - 2.0,
        &clip(&g.name, 26),
        &[
            ("text-anchor", "end"),
            ("font-size", "13"),
            ("font-weight", "600"),
            ("fill", "#222"),
        ],
    );
    svg.text(
        left - 12.0,
        y + row / 2.0 + 13.0,
        &format!(
            "{} article{} · {}",
            g.articles,
            if g.articles == 1 { "" } else { "s" },
            g.languages.join(", ")
        ),
        &[
            ("text-anchor", "end"),
            ("font-size", "11"),
            ("fill", "#666"),
        ],
    );
    svg.close_group();
}

/// One (group, actor) cell: its colour and score, or a hatch when the
/// group does not score the actor.
fn heatmap_cell(svg: &mut Svg, c: &Cell, actor_name: &str, x: f64, y: f64, layout: &HeatmapLayout) {
    let HeatmapLayout { col, row, .. } = *layout;
    let hatch = &layout.hatch;
    let cx = x + col / 2.0;
    let score_attr = c.mean_score.map(|m| format!("{m}")).unwrap_or_default();
    svg.open_group(&[
        ("class", "cell"),
        ("data-group", &c.group),
        ("data-actor", &c.actor),
        ("data-score", &score_attr),
    ]);
    let tooltip = format!(
        "{} → {}: {} · {}/{} articles · {} positive, {} neutral, {} negative",
        c.group,
        actor_name,
        score_text(c),
        c.articles_mentioning,
        c.articles,
        c.labels.positive,
        c.labels.neutral,
        c.labels.negative
    );
    svg.title(&tooltip);
    match c.mean_score {
        Some(m) => {
            let fill = score_colour(m);
            svg.rect(
                x + 1.5,
                y + 1.5,
                col - 3.0,
                row - 3.0,
                &[("fill", &fill), ("rx", "3")],
            );
            let ink = text_colour_on(m);
            svg.text(
                cx,
                y + row / 2.0 + 1.0,
                &fmt_score(m),
                &[
                    ("class", "score"),
                    ("text-anchor", "middle"),
                    ("font-size", "16"),
                    ("font-weight", "700"),
                    ("fill", ink),
                ],
            );
            svg.text(
                cx,
                y + row / 2.0 + 16.0,
                &format!("{}/{} articles", c.articles_mentioning, c.articles),
                &[
                    ("text-anchor", "middle"),
                    ("font-size", "10.5"),
                    ("fill", ink),
                    ("opacity", "0.85"),
                ],
            );
        }
        None => {
            svg.rect(
                x + 1.5,
                y + 1.5,
                col - 3.0,
                row - 3.0,
                &[("fill", &format!("url(#{hatch})")), ("rx", "3")],
            );
            let label = if c.articles_mentioning > 0 {
                "no score"
            } else {
                "not mentioned"
            };
            svg.rect(
                cx - 44.0,
                y + row / 2.0 - 9.0,
                88.0,
                17.0,
                &[("fill", "#ffffff"), ("opacity", "0.85"), ("rx", "8")],
            );
            svg.text(
                cx,
                y + row / 2.0 + 4.0,
                label,
                &[
                    ("class", "score missing"),
                    ("text-anchor", "middle"),
                    ("font-size", "11"),
                    ("font-style", "italic"),
                    ("fill", "#555"),
                ],
            );
        }
    }
    svg.close_group();
}

/// The legend: the colour scale and the "not mentioned" swatch.
fn heatmap_legend(svg: &mut Svg, s: &Section, layout: &HeatmapLayout) {
    let HeatmapLayout {
        left,
        row,
        header,
        width,
        ..
    } = *layout;
    let (hatch, grad) = (&layout.hatch, &layout.grad);
    let ly = header + row * s.groups.len() as f64 + 18.0;
    let lw = 260.0_f64.min(width - left - 150.0).max(160.0);
    svg.rect(
        left,
        ly,
        lw,
        12.0,
        &[
            ("fill", &format!("url(#{grad})")),
            ("stroke", "#999"),
            ("stroke-width", "0.5"),
        ],
    );
    for (t, label) in [
        (-1.0, "−1 negative"),
        (0.0, "0 neutral"),
        (1.0, "+1 positive"),
    ] {
        let x = left + (t + 1.0) / 2.0 * lw;
        let anchor = if t < 0.0 {
            "start"
        } else if t > 0.0 {
            "end"
        } else {
            "middle"
        };
        svg.text(
            x,
            ly + 27.0,
            label,
            &[
                ("text-anchor", anchor),
                ("font-size", "11"),
                ("fill", "#444"),
            ],
        );
    }
    let sx = left + lw + 24.0;
    svg.rect(
        sx,
        ly - 2.0,
        30.0,
        16.0,
        &[
            ("fill", &format!("url(#{hatch})")),
            ("stroke", "#bbb"),
            ("stroke-width", "0.5"),
        ],
    );
    svg.text(
        sx + 36.0,
        ly + 10.0,
        "not mentioned",
        &[("font-size", "11"), ("fill", "#444")],
    );
}

fn actor_chart(s: &Section, actor: &str, name: &str, level: f64) -> String {
    let rows: Vec<&super::Cell> = s
        .cells
        .iter()
        .filter(|c| c.actor == actor && c.mean_score.is_some())
        .collect();
    let left = 160.0;
    let plot = 270.0;
    let right = 100.0;
    let row = 24.0;
    let top = 26.0;
    let width = left + plot + right;
    let height = top + row * rows.len().max(1) as f64 + 10.0;
    let mut svg = Svg::new(
        width,
        height,
        &format!(
            "Mean score toward {name} by {}, with {} intervals",
            s.group_by.noun(),
            fmt_percent(level)
        ),
    );
    let x_of = |v: f64| left + (v.clamp(-1.0, 1.0) + 1.0) / 2.0 * plot;
    svg.open_group(&[("style", FONT)]);
    svg.rect(left, top - 6.0, plot, height - top, &[("fill", "#fafafa")]);
    for t in [-1.0, -0.5, 0.0, 0.5, 1.0] {
        let x = x_of(t);
        let (stroke, w) = if t == 0.0 {
            ("#888", "1.2")
        } else {
            ("#ddd", "1")
        };
        svg.line(
            x,
            top - 6.0,
            x,
            height - 4.0,
            &[("stroke", stroke), ("stroke-width", w)],
        );
        svg.text(
            x,
            top - 11.0,
            &fmt_score(t),
            &[
                ("text-anchor", "middle"),
                ("font-size", "10"),
                ("fill", "#777"),
            ],
        );
    }
    if rows.is_empty() {
        svg.text(
            left + plot / 2.0,
            top + 14.0,
            "no scores",
            &[
                ("text-anchor", "middle"),
                ("font-size", "12"),
                ("font-style", "italic"),
                ("fill", "#777"),
            ],
        );
    }
    for (i, c) in rows.iter().enumerate() {
        let y = top + row * i as f64 + row / 2.0;
        let m = c.mean_score.unwrap_or(0.0);
        svg.open_group(&[
            ("class", "point"),
            ("data-group", &c.group),
            ("data-score", &format!("{m}")),
        ]);
        svg.title(&format!("{}: {}", c.group, score_text(c)));
        svg.text(
            left - 10.0,
            y + 4.0,
            &clip(&c.group, 22),
            &[
                ("text-anchor", "end"),
                ("font-size", "12"),
                ("fill", "#222"),
            ],
        );
        if let Some(iv) = c.interval {
            svg.line(
                x_of(iv.low),
                y,
                x_of(iv.high),
                y,
                &[("stroke", "#444"), ("stroke-width", "2")],
            );
            for v in [iv.low, iv.high] {
                svg.line(
                    x_of(v),
                    y - 4.0,
                    x_of(v),
                    y + 4.0,
                    &[("stroke", "#444"), ("stroke-width", "1.5")],
                );
            }
        }
        let fill = score_colour(m);
        let shape_attrs: [(&str, &str); 3] =
            [("fill", &fill), ("stroke", "#222"), ("stroke-width", "1")];
        if c.interval.is_some() {
            svg.circle(x_of(m), y, 5.5, &shape_attrs);
        } else {
            // One article: a hollow diamond-ish marker says "no interval".
            svg.rect(x_of(m) - 4.5, y - 4.5, 9.0, 9.0, &shape_attrs);
        }
        svg.text(
            left + plot + 10.0,
            y + 4.0,
            &format!("{} (n={})", fmt_score(m), c.scored_articles),
            &[("font-size", "12"), ("fill", "#222")],
        );
        svg.close_group();
    }
    svg.close_group();
    svg.finish()
}
