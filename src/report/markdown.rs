//! `--format md`: Markdown tables for a terminal or a paper draft.
//!
//! Text from articles is escaped for Markdown tables (`|`, line breaks) and
//! for HTML (`<`, `>`, `&`), since Markdown viewers pass HTML through;
//! control characters (terminal escape sequences) are written visibly
//! (see [`crate::terminal`]), since the report is often read in a terminal.

use std::io::Write;

use super::format::{fmt_decimal, fmt_percent, fmt_score, score_text};
use super::{Report, Section, engine_label};

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if crate::terminal::is_unsafe(c) => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

pub fn write(report: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(out, "# Framing comparison\n")?;
    writeln!(
        out,
        "Made {} by {} (report schema {}). Bootstrap: {} resamples, {} intervals, seed {}.\n",
        report.generated_at,
        report.generator,
        report.schema_version,
        report.config.bootstrap_samples,
        fmt_percent(report.config.confidence_level),
        report.config.seed
    )?;
    for input in &report.inputs {
        writeln!(
            out,
            "- `{}`: {} analyses, {} failed, {} malformed lines",
            esc(&input.path),
            input.analyses,
            input.failed,
            input.malformed
        )?;
    }
    if report.sections.is_empty() {
        writeln!(out, "\nNo analysis records to compare.")?;
    }
    for section in &report.sections {
        write_section(report, section, out)?;
    }
    if !report.failed.is_empty() {
        writeln!(
            out,
            "\n## Not included ({})\n",
            report.failed.len() + report.failed_not_listed
        )?;
        if report.failed_not_listed > 0 {
            writeln!(
                out,
                "The first {} are listed; {} more are on standard error.\n",
                report.failed.len(),
                report.failed_not_listed
            )?;
        }
        writeln!(out, "| where | kind | id | source | error |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for f in &report.failed {
            writeln!(
                out,
                "| {} | {:?} | {} | {} | {} |",
                esc(&f.origin),
                f.kind,
                esc(f.id.as_deref().unwrap_or("")),
                esc(f.source.as_deref().unwrap_or("")),
                esc(&f.error)
            )?;
        }
    }
    Ok(())
}

fn write_section(report: &Report, s: &Section, out: &mut dyn Write) -> anyhow::Result<()> {
    let noun = s.group_by.noun();
    writeln!(out, "\n## {} ({})\n", esc(&s.story_label), esc(&s.story_id))?;
    writeln!(
        out,
        "{} articles, {} {noun}s, languages: {}. Engine: {}.\n",
        s.articles,
        s.groups.len(),
        esc(&s.languages.join(", ")),
        esc(&engine_label(&s.engine))
    )?;
    for note in &s.notes {
        writeln!(out, "> {}\n", esc(note))?;
    }

    writeln!(
        out,
        "### Mean stance score (−1 negative … +1 positive, [{} interval])\n",
        fmt_percent(report.config.confidence_level)
    )?;
    table_header(s, noun, out)?;
    for g in &s.groups {
        write!(out, "| {} | {} |", esc(&g.name), g.articles)?;
        for a in &s.actors {
            let cell = s.cell(&g.name, &a.id);
            write!(out, " {} |", cell.map(score_text).unwrap_or_default())?;
        }
        writeln!(out)?;
    }

    writeln!(out, "\n### Coverage (articles mentioning the actor)\n")?;
    table_header(s, noun, out)?;
    for g in &s.groups {
        write!(out, "| {} | {} |", esc(&g.name), g.articles)?;
        for a in &s.actors {
            let text = s
                .cell(&g.name, &a.id)
                .map(|c| {
                    format!(
                        "{}/{} ({}) · {} mention(s) · +{} ={} −{}",
                        c.articles_mentioning,
                        c.articles,
                        fmt_percent(c.coverage),
                        c.mentions,
                        c.labels.positive,
                        c.labels.neutral,
                        c.labels.negative
                    )
                })
                .unwrap_or_default();
            write!(out, " {text} |")?;
        }
        writeln!(out)?;
    }

    writeln!(out, "\n### Divergence between {noun}s\n")?;
    writeln!(
        out,
        "| actor | {noun}s scoring | range | sd | most negative | most positive |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---|---|")?;
    for a in &s.actors {
        match &a.divergence {
            Some(d) => writeln!(
                out,
                "| {} | {} | {} | {} | {} ({}) | {} ({}) |",
                esc(&a.name),
                d.groups,
                fmt_decimal(d.range),
                fmt_decimal(d.sd),
                esc(&d.lowest.group),
                fmt_score(d.lowest.score),
                esc(&d.highest.group),
                fmt_score(d.highest.score)
            )?,
            None => writeln!(
                out,
                "| {} | {} | – | – | – | – |",
                esc(&a.name),
                s.cells
                    .iter()
                    .filter(|c| c.actor == a.id && c.mean_score.is_some())
                    .count()
            )?,
        }
    }

    if let Some(v) = &s.voices {
        let actors: Vec<(String, String)> = s
            .actors
            .iter()
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect();
        super::voices::write_markdown(v, &actors, noun, &esc, out)?;
    }
    super::naming::write_markdown(s, noun, esc, out)?;

    writeln!(out, "\n### Summaries\n")?;
    writeln!(
        out,
        "Sentences in **bold** are said by this {noun} only (novelty ≥ {}).\n",
        fmt_decimal(report.config.novelty_threshold)
    )?;
    for g in &s.groups {
        writeln!(
            out,
            "#### {} ({} article{}, {})\n",
            esc(&g.name),
            g.articles,
            if g.articles == 1 { "" } else { "s" },
            esc(&g.languages.join(", "))
        )?;
        for summary in &g.summaries {
            let text: Vec<String> = summary
                .sentences
                .iter()
                .map(|x| {
                    if x.novel {
                        format!("**{}**", esc(&x.text))
                    } else {
                        esc(&x.text)
                    }
                })
                .collect();
            writeln!(
                out,
                "- *{}* ({}, {}): {}",
                esc(summary.title.as_deref().unwrap_or(&summary.article_id)),
                esc(summary.date.as_deref().unwrap_or("undated")),
                esc(&summary.language_label()),
                text.join(" ")
            )?;
        }
        writeln!(out)?;
    }

    writeln!(out, "### Evidence\n")?;
    writeln!(out, "| {noun} | actor | label | p | sentence | article |")?;
    writeln!(out, "|---|---|---|---:|---|---|")?;
    for g in &s.groups {
        for a in &s.actors {
            if let Some(e) = s.cell(&g.name, &a.id).and_then(|c| c.evidence.as_ref()) {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    esc(&g.name),
                    esc(&a.name),
                    e.label,
                    fmt_decimal(e.p),
                    esc(&e.text),
                    esc(&e.article_id)
                )?;
            }
        }
    }
    Ok(())
}

fn table_header(s: &Section, noun: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    write!(out, "| {noun} | articles |")?;
    for a in &s.actors {
        write!(out, " {} |", esc(&a.name))?;
    }
    write!(out, "\n|---|---:|")?;
    for _ in &s.actors {
        write!(out, "---|")?;
    }
    writeln!(out)?;
    Ok(())
}
