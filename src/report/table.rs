//! `--format parquet`: the tidy rows of `--format csv` as one Parquet table,
//! typed (`value` is a double, null when missing) and without the CSV's
//! spreadsheet quoting: columns `story, engine, <group>, actor, metric,
//! value`, where `<group>` is `outlet` (or `lang`, `date`, `month`) and is
//! null for the actor metrics. The file metadata carries
//! `newsframe.report_schema_version`.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_array::builder::{Float64Builder, StringBuilder};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::{REPORT_SCHEMA_VERSION, Report};

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let noun = report.config.group_by.noun();
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    let schema = Arc::new(Schema::new(vec![
        text("story", false),
        text("engine", false),
        text(noun, true),
        text("actor", false),
        text("metric", false),
        Field::new("value", DataType::Float64, true),
    ]));
    let mut columns: [StringBuilder; 5] = std::array::from_fn(|_| StringBuilder::new());
    let mut values = Float64Builder::new();
    super::csv::for_each_row(report, |r| {
        let [story, engine, group, actor, metric] = &mut columns;
        story.append_value(r.story);
        engine.append_value(r.engine);
        group.append_option((!r.group.is_empty()).then_some(r.group));
        actor.append_value(r.actor);
        metric.append_value(r.metric);
        values.append_option(r.value);
        Ok(())
    })?;
    let mut arrays: Vec<arrow_array::ArrayRef> = columns
        .iter_mut()
        .map(|c| Arc::new(c.finish()) as arrow_array::ArrayRef)
        .collect();
    arrays.push(Arc::new(values.finish()));
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "newsframe.report_schema_version".to_string(),
            REPORT_SCHEMA_VERSION.to_string(),
        )]))
        .build();
    // The report is small (groups × actors × 10 rows): encoded in memory,
    // then written to the output, which need not be `Send`.
    let mut buffer = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buffer, schema, Some(props))?;
    writer.write(&batch)?;
    writer.close()?;
    out.write_all(&buffer)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ReportConfig;
    use crate::report::load::LoadedRecords;

    #[test]
    fn the_table_holds_the_csv_rows() {
        let mut loaded = LoadedRecords::default();
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/records/venezuela_2019.jsonl"
        );
        loaded.read_path(std::path::Path::new(fixture)).unwrap();
        let report =
            crate::report::compute::build_report(&loaded, &ReportConfig::default()).unwrap();
        let mut file = tempfile::tempfile().unwrap();
        write(&report, &mut file).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        let mut csv = Vec::new();
        crate::report::csv::write(&report, &mut csv).unwrap();
        let csv_rows = String::from_utf8(csv).unwrap().lines().count() - 1;
        assert_eq!(rows, csv_rows);
        assert!(rows > 0);
    }
}
