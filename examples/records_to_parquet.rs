//! Converts analysis records (JSONL, as `newsframe analyze --out` writes
//! them) into the Parquet tables of `analyze --format parquet`, a record
//! at a time: for benchmarks of `compare` over Parquet input
//! (`scripts/bench/compare_scale.sh`) and for records made before.
//!
//! ```sh
//! cargo run --release --example records_to_parquet -- records.jsonl out-dir/
//! ```

use std::io::BufRead;

use anyhow::Context;
use newsframe::output::parquet::ParquetRecords;
use newsframe::record::Record;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out] = args.as_slice() else {
        anyhow::bail!("usage: records_to_parquet RECORDS.jsonl OUT_DIR|OUT.parquet");
    };
    let reader = std::io::BufReader::new(
        std::fs::File::open(input).with_context(|| format!("cannot open {input}"))?,
    );
    let mut tables = ParquetRecords::claim(std::path::Path::new(out))?.open()?;
    let mut failed = 0;
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {input}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line)
            .with_context(|| format!("{input}:{}: not a record", n + 1))?;
        failed += usize::from(matches!(record, Record::Failed(_)));
        tables.write(&record)?;
    }
    let written = tables.written();
    tables.finish_unless_all_failed(written - failed, failed)?;
    eprintln!("wrote {written} records ({failed} failed) to {out}");
    Ok(())
}
