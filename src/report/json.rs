//! `--format json`: the [`Report`] structure itself, pretty-printed
//! (documented field by field in `docs/report.md`).

use super::Report;

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)?;
    Ok(())
}
