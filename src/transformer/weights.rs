//! `model.safetensors`, memory-mapped: the project's own networks (T5/mT5,
//! DeBERTa-v2) take their weights from here.
//!
//! Float32 tensors are *views* of the mapping, not copies, so a weight costs
//! resident memory only for the pages a forward pass reads: the 250k-row word
//! embeddings of the multilingual models are mostly never touched (a batch of
//! news text uses a few thousand rows), which is how transformers keeps its
//! footprint small too. Tensors the networks rearrange (fused projections) are
//! read with positioned reads instead, so their bytes are not held twice.
//!
//! The mapping is private and writable (copy-on-write): an in-place operation
//! on a weight changes this process's copy, never the file. As with any memory
//! map, truncating the file while a model is loaded ends the process (SIGBUS);
//! the model store only ever replaces files by rename, which is safe.
//!
//! Format: an 8-byte little-endian header length, a JSON header mapping names to
//! `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the end
//! of the header), then the raw little-endian data.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::{MmapMut, MmapOptions};
use serde::Deserialize;
use tch::{Device, Kind, Tensor};

use super::TransformerError;

#[derive(Debug, Clone, Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<i64>,
    data_offsets: [u64; 2],
}

fn kind_of(dtype: &str) -> Option<(Kind, u64)> {
    match dtype {
        "F32" => Some((Kind::Float, 4)),
        "F16" => Some((Kind::Half, 2)),
        "BF16" => Some((Kind::BFloat16, 2)),
        "F64" => Some((Kind::Double, 8)),
        _ => None,
    }
}

/// The mapping, shared by every tensor viewing it. A network holds one of
/// these next to its tensors so the memory outlives them.
#[derive(Clone)]
pub struct MappedFile(#[allow(dead_code)] Arc<MmapMut>);

/// An opened, validated `model.safetensors`.
pub struct SafetensorsFile {
    path: PathBuf,
    file: File,
    map: Arc<MmapMut>,
    entries: HashMap<String, Entry>,
    data_start: u64,
}

impl SafetensorsFile {
    /// Opens and maps `path`, checking the header against the file's size.
    pub fn open(path: &Path) -> Result<SafetensorsFile, TransformerError> {
        let fail = |message: String| TransformerError::Weights {
            path: path.to_path_buf(),
            message,
        };
        let file = File::open(path).map_err(|source| TransformerError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let file_len = file.metadata().map_err(|e| fail(e.to_string()))?.len();
        let mut len_bytes = [0u8; 8];
        file.read_exact_at(&mut len_bytes, 0)
            .map_err(|e| fail(format!("not a safetensors file (no header): {e}")))?;
        let header_len = u64::from_le_bytes(len_bytes);
        if header_len > 100_000_000 || 8 + header_len > file_len {
            return Err(fail(format!(
                "not a safetensors file (header length {header_len})"
            )));
        }
        let mut header = vec![0u8; header_len as usize];
        file.read_exact_at(&mut header, 8)
            .map_err(|e| fail(e.to_string()))?;
        let raw: HashMap<String, serde_json::Value> = serde_json::from_slice(&header)
            .map_err(|e| fail(format!("bad safetensors header: {e}")))?;
        let data_start = 8 + header_len;
        let mut entries = HashMap::with_capacity(raw.len());
        for (name, value) in raw {
            if name == "__metadata__" {
                continue;
            }
            let entry: Entry = serde_json::from_value(value)
                .map_err(|e| fail(format!("bad header entry for {name}: {e}")))?;
            let [begin, end] = entry.data_offsets;
            let element_size = kind_of(&entry.dtype).map(|(_, size)| size);
            let numel = entry.shape.iter().try_fold(1u64, |n, &d| {
                u64::try_from(d).ok().and_then(|d| n.checked_mul(d))
            });
            let expected = numel.zip(element_size).and_then(|(n, s)| n.checked_mul(s));
            let in_file =
                end >= begin && data_start.checked_add(end).is_some_and(|e| e <= file_len);
            // Integer buffers (position ids) are not checked: no network reads them.
            if !in_file || (element_size.is_some() && expected != Some(end - begin)) {
                return Err(fail(format!(
                    "tensor {name}: shape {:?} does not match its data offsets [{begin}, {end}]",
                    entry.shape
                )));
            }
            entries.insert(name, entry);
        }
        // SAFETY: the mapping is private (copy-on-write), so nothing this
        // process does writes the file; see the module docs on truncation.
        let map = unsafe { MmapOptions::new().map_copy(&file) }.map_err(|source| {
            TransformerError::Io {
                path: path.to_path_buf(),
                source,
            }
        })?;
        Ok(SafetensorsFile {
            path: path.to_path_buf(),
            file,
            map: Arc::new(map),
            entries,
            data_start,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The handle that keeps views alive; store it with the tensors.
    pub fn mapping(&self) -> MappedFile {
        MappedFile(Arc::clone(&self.map))
    }

    /// The shape of tensor `name`, when the file has it.
    pub fn shape(&self, name: &str) -> Option<Vec<i64>> {
        self.entries.get(name).map(|e| e.shape.clone())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    fn entry(&self, name: &str, shape: &[i64]) -> Result<(&Entry, Kind), TransformerError> {
        let entry = self
            .entries
            .get(name)
            .ok_or_else(|| self.error(format!("tensor {name} is missing")))?;
        if entry.shape != shape {
            return Err(self.error(format!(
                "tensor {name} has shape {:?}, config.json implies {shape:?}",
                entry.shape
            )));
        }
        let (kind, _) = kind_of(&entry.dtype).ok_or_else(|| {
            self.error(format!(
                "tensor {name} has dtype {}, not a floating-point type",
                entry.dtype
            ))
        })?;
        Ok((entry, kind))
    }

    fn error(&self, message: String) -> TransformerError {
        TransformerError::Weights {
            path: self.path.clone(),
            message,
        }
    }

    /// Tensor `name` as float32, checked against `shape`: a view of the mapping
    /// when the file stores it as aligned float32, otherwise a converted copy.
    /// A view is valid while the [`MappedFile`] from [`Self::mapping`] lives.
    pub fn view_f32(&self, name: &str, shape: &[i64]) -> Result<Tensor, TransformerError> {
        let (entry, kind) = self.entry(name, shape)?;
        let offset = (self.data_start + entry.data_offsets[0]) as usize;
        let ptr = self.map[offset..].as_ptr();
        if kind == Kind::Float
            && (ptr as usize).is_multiple_of(4)
            && entry.data_offsets[1] > entry.data_offsets[0]
        {
            // SAFETY: the bytes are inside the mapping (checked in `open`), hold
            // exactly `shape`'s float32 elements, are 4-byte aligned, and the
            // mapping lives as long as the caller keeps `mapping()`.
            let tensor = unsafe { Tensor::f_from_blob(ptr, shape, &[], Kind::Float, Device::Cpu) }
                .map_err(|e| self.error(format!("tensor {name}: {e}")))?;
            return Ok(tensor);
        }
        Ok(self.read(name, shape)?.to_kind(Kind::Float))
    }

    /// Tensor `name` read into freshly allocated memory, in its stored dtype.
    pub fn read(&self, name: &str, shape: &[i64]) -> Result<Tensor, TransformerError> {
        let (entry, kind) = self.entry(name, shape)?;
        let tensor = Tensor::empty(shape, (kind, Device::Cpu));
        self.read_into(name, entry, &tensor)?;
        Ok(tensor)
    }

    /// Rows `start..start + rows` of tensor `name` (checked against `shape`),
    /// read into freshly allocated memory in its stored dtype: a large matrix
    /// converted piece by piece is never whole in memory.
    pub fn read_rows(
        &self,
        name: &str,
        shape: &[i64],
        start: i64,
        rows: i64,
    ) -> Result<Tensor, TransformerError> {
        let (entry, kind) = self.entry(name, shape)?;
        if shape.is_empty() || start < 0 || rows < 0 || start + rows > shape[0] {
            return Err(self.error(format!(
                "tensor {name}: rows {start}..{} outside its {:?}",
                start + rows,
                shape
            )));
        }
        let mut part = shape.to_vec();
        part[0] = rows;
        let tensor = Tensor::empty(part.as_slice(), (kind, Device::Cpu));
        let row_bytes = (entry.data_offsets[1] - entry.data_offsets[0]) / shape[0].max(1) as u64;
        let begin = entry.data_offsets[0] + start as u64 * row_bytes;
        let rows_entry = Entry {
            data_offsets: [begin, begin + rows as u64 * row_bytes],
            ..entry.clone()
        };
        self.read_into(name, &rows_entry, &tensor)?;
        Ok(tensor)
    }

    /// Whether `name` is stored as a floating-point tensor of `shape`.
    pub fn is_float(&self, name: &str, shape: &[i64]) -> bool {
        self.entries
            .get(name)
            .is_some_and(|e| kind_of(&e.dtype).is_some() && e.shape == shape)
    }

    /// Reads tensor `name` into `dst`, a contiguous float32 CPU tensor of its
    /// shape (the variables of a model built elsewhere). Float16 and bfloat16
    /// weights (as mDeBERTa-v3 NLI checkpoints publish) are widened to float32.
    pub fn read_f32_into(&self, name: &str, dst: &Tensor) -> Result<(), TransformerError> {
        let (entry, kind) = self.entry(name, &dst.size())?;
        if dst.kind() != Kind::Float || dst.device() != Device::Cpu || !dst.is_contiguous() {
            return Err(self.error(format!(
                "tensor {name}: can only be read into a contiguous float32 CPU tensor"
            )));
        }
        if kind != Kind::Float {
            let stored = self.read(name, &dst.size())?;
            // Variables require grad; filling them is not part of any graph.
            tch::no_grad(|| dst.shallow_clone().copy_(&stored));
            return Ok(());
        }
        self.read_into(name, entry, dst)
    }

    /// Tensors `names`, each of `shape`, read one after another into one float32
    /// tensor stacked along the first dimension (fused projections).
    pub fn read_stacked_f32(
        &self,
        names: &[String],
        shape: &[i64],
    ) -> Result<Tensor, TransformerError> {
        let mut stacked = shape.to_vec();
        stacked[0] *= names.len() as i64;
        let out = Tensor::empty(stacked.as_slice(), (Kind::Float, Device::Cpu));
        for (i, name) in names.iter().enumerate() {
            let (entry, kind) = self.entry(name, shape)?;
            let mut part = out.narrow(0, i as i64 * shape[0], shape[0]);
            if kind == Kind::Float {
                self.read_into(name, entry, &part)?;
            } else {
                part.copy_(&self.read(name, shape)?);
            }
        }
        Ok(out)
    }

    fn read_into(&self, name: &str, entry: &Entry, dst: &Tensor) -> Result<(), TransformerError> {
        let [begin, end] = entry.data_offsets;
        let bytes = (end - begin) as usize;
        debug_assert!(dst.is_contiguous());
        debug_assert_eq!(bytes, dst.numel() * dst.kind().elt_size_in_bytes());
        if bytes == 0 {
            return Ok(());
        }
        // SAFETY: `dst` is a contiguous CPU tensor of exactly `bytes` bytes
        // (shape and dtype checked against the header) that nothing reads yet.
        let buffer = unsafe { std::slice::from_raw_parts_mut(dst.data_ptr() as *mut u8, bytes) };
        self.file
            .read_exact_at(buffer, self.data_start + begin)
            .map_err(|e| self.error(format!("tensor {name}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_file(tensors: &[(&str, Tensor)]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        Tensor::write_safetensors(tensors, file.path()).unwrap();
        file
    }

    #[test]
    fn views_and_reads_equal_what_tch_wrote() {
        let a = Tensor::arange(12, (Kind::Float, Device::Cpu)).view([3, 4]);
        let b = Tensor::arange(8, (Kind::Float, Device::Cpu)).view([2, 4]) * 0.5;
        let h = Tensor::arange(6, (Kind::Float, Device::Cpu)).to_kind(Kind::BFloat16);
        let file = write_file(&[
            ("a", a.shallow_clone()),
            ("b", b.shallow_clone()),
            ("h", h.shallow_clone()),
        ]);
        let weights = SafetensorsFile::open(file.path()).unwrap();
        let _keep = weights.mapping();
        assert!(weights.view_f32("a", &[3, 4]).unwrap().equal(&a));
        assert!(weights.read("b", &[2, 4]).unwrap().equal(&b));
        assert!(
            weights
                .view_f32("h", &[6])
                .unwrap()
                .equal(&h.to_kind(Kind::Float))
        );
        let stacked = weights
            .read_stacked_f32(&["b".to_string(), "b".to_string()], &[2, 4])
            .unwrap();
        assert!(stacked.equal(&Tensor::cat(&[&b, &b], 0)));
    }

    #[test]
    fn writes_to_a_view_never_reach_the_file() {
        let a = Tensor::ones([4], (Kind::Float, Device::Cpu));
        let file = write_file(&[("a", a.shallow_clone())]);
        let weights = SafetensorsFile::open(file.path()).unwrap();
        let _keep = weights.mapping();
        let mut view = weights.view_f32("a", &[4]).unwrap();
        let _ = view.fill_(7.0);
        let again = SafetensorsFile::open(file.path()).unwrap();
        assert!(again.read("a", &[4]).unwrap().equal(&a));
    }

    #[test]
    fn errors_name_the_problem() {
        let file = write_file(&[("a", Tensor::ones([2, 2], (Kind::Float, Device::Cpu)))]);
        let weights = SafetensorsFile::open(file.path()).unwrap();
        let shape = weights.view_f32("a", &[4]).unwrap_err().to_string();
        assert!(shape.contains("shape [2, 2]"), "{shape}");
        let missing = weights.view_f32("b", &[2]).unwrap_err().to_string();
        assert!(missing.contains("tensor b is missing"), "{missing}");

        let junk = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(junk.path(), b"\xff\xff\xff\xff\xff\xff\xff\xffnot json").unwrap();
        let err = SafetensorsFile::open(junk.path())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("not a safetensors file"), "{err}");
    }
}
