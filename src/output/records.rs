//! One record sink for every command that writes one item per article:
//! JSON lines, one pretty JSON array streamed item by item, or text blocks
//! separated by blank lines. Each item is flushed when written, so a reader
//! of a pipe or of a journal file sees it at once.

use std::io::Write;

use serde::Serialize;

use super::Output;

/// How items are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One compact JSON object per line.
    JsonLines,
    /// One JSON array, an indented object per item.
    JsonArray,
    /// The caller's text view of each item, separated by blank lines.
    Text,
}

/// Writes items one at a time in a [`Layout`].
pub struct RecordStream {
    out: Output,
    layout: Layout,
    written: usize,
}

impl RecordStream {
    pub fn new(mut out: Output, layout: Layout) -> anyhow::Result<RecordStream> {
        if layout == Layout::JsonArray {
            out.write_all(b"[")?;
        }
        Ok(RecordStream {
            out,
            layout,
            written: 0,
        })
    }

    /// Writes one item: as JSON, or as `text` renders it.
    pub fn write<T: Serialize + ?Sized>(
        &mut self,
        item: &T,
        text: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> anyhow::Result<()> {
        let out = &mut self.out;
        match self.layout {
            Layout::JsonLines => {
                serde_json::to_writer(&mut *out, item)?;
                out.write_all(b"\n")?;
            }
            Layout::JsonArray => {
                if self.written > 0 {
                    out.write_all(b",")?;
                }
                out.write_all(b"\n")?;
                serde_json::to_writer_pretty(&mut *out, item)?;
            }
            Layout::Text => {
                if self.written > 0 {
                    writeln!(out)?;
                }
                text(out)?;
            }
        }
        self.written += 1;
        self.out.flush()?;
        Ok(())
    }

    /// Items written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Closes the layout and commits the output.
    pub fn finish(mut self) -> anyhow::Result<()> {
        if self.layout == Layout::JsonArray {
            self.out.write_all(b"\n]\n")?;
        }
        self.out.commit()
    }

    /// Like [`RecordStream::finish`], except when every input failed
    /// (`succeeded` 0, `failed` more) and the output would replace an
    /// existing file: a mistyped input path then leaves the previous results
    /// in place instead of a file of errors, and says so.
    pub fn finish_unless_all_failed(self, succeeded: usize, failed: usize) -> anyhow::Result<()> {
        if succeeded == 0 && failed > 0 && self.out.replaces_existing() {
            eprintln!(
                "newsframe: {}: kept as it was, since no input could be read",
                self.out.name()
            );
            return Ok(());
        }
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_all(layout: Layout, items: &[serde_json::Value]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut stream =
            RecordStream::new(super::super::create(Some(&path)).unwrap(), layout).unwrap();
        for item in items {
            stream
                .write(item, |out| {
                    write!(out, "item {}", item["n"]).and_then(|()| writeln!(out))
                })
                .unwrap();
        }
        assert_eq!(stream.written(), items.len());
        stream.finish().unwrap();
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn every_layout_is_complete_and_parses() {
        let items = [serde_json::json!({"n": 1}), serde_json::json!({"n": 2})];
        let array: Vec<serde_json::Value> =
            serde_json::from_str(&write_all(Layout::JsonArray, &items)).unwrap();
        assert_eq!(array, items);
        let empty: Vec<serde_json::Value> =
            serde_json::from_str(&write_all(Layout::JsonArray, &[])).unwrap();
        assert!(empty.is_empty());
        assert_eq!(
            write_all(Layout::JsonLines, &items),
            "{\"n\":1}\n{\"n\":2}\n"
        );
        assert_eq!(write_all(Layout::Text, &items), "item 1\n\nitem 2\n");
    }
}
