//! Reads `model.safetensors` tensor by tensor straight into libtorch buffers:
//! one copy from the file (page cache) per tensor, no second copy of the whole
//! file in memory, so loading mT5-base takes about as long as reading its 2.3 GB.
//!
//! Format: an 8-byte little-endian header length, a JSON header mapping names to
//! `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the end
//! of the header), then the raw little-endian data.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;

use serde::Deserialize;
use tch::{Device, Kind, Tensor};

#[derive(Deserialize)]
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

/// All floating-point tensors of the file by name, converted to float32.
/// The error says what is wrong with the file.
pub fn read_float32(path: &Path) -> Result<HashMap<String, Tensor>, String> {
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    let file_len = file.metadata().map_err(|e| e.to_string())?.len();
    let mut len_bytes = [0u8; 8];
    file.read_exact(&mut len_bytes)
        .map_err(|e| format!("not a safetensors file (no header): {e}"))?;
    let header_len = u64::from_le_bytes(len_bytes);
    if header_len > 100_000_000 || 8 + header_len > file_len {
        return Err(format!(
            "not a safetensors file (header length {header_len})"
        ));
    }
    let mut header = vec![0u8; header_len as usize];
    file.read_exact(&mut header).map_err(|e| e.to_string())?;
    let entries: HashMap<String, serde_json::Value> =
        serde_json::from_slice(&header).map_err(|e| format!("bad safetensors header: {e}"))?;
    let data_start = 8 + header_len;
    let mut tensors = HashMap::with_capacity(entries.len());
    for (name, value) in entries {
        if name == "__metadata__" {
            continue;
        }
        let entry: Entry = serde_json::from_value(value)
            .map_err(|e| format!("bad header entry for {name}: {e}"))?;
        let Some((kind, element_size)) = kind_of(&entry.dtype) else {
            // Integer buffers are not weights of a T5 model; skip them.
            continue;
        };
        let [begin, end] = entry.data_offsets;
        let numel = entry.shape.iter().try_fold(1u64, |n, &d| {
            u64::try_from(d).ok().and_then(|d| n.checked_mul(d))
        });
        let expected = numel.and_then(|n| n.checked_mul(element_size));
        if expected != Some(end.wrapping_sub(begin)) || end < begin || data_start + end > file_len {
            return Err(format!(
                "tensor {name}: shape {:?} does not match its data offsets [{begin}, {end}]",
                entry.shape
            ));
        }
        let tensor = Tensor::empty(entry.shape.as_slice(), (kind, Device::Cpu));
        if end > begin {
            // SAFETY: `tensor` is a freshly allocated, contiguous CPU tensor of exactly
            // `end - begin` bytes (checked above), owned here and not yet shared.
            let buffer = unsafe {
                std::slice::from_raw_parts_mut(tensor.data_ptr() as *mut u8, (end - begin) as usize)
            };
            file.read_exact_at(buffer, data_start + begin)
                .map_err(|e| format!("tensor {name}: {e}"))?;
        }
        let tensor = if kind == Kind::Float {
            tensor
        } else {
            tensor.to_kind(Kind::Float)
        };
        tensors.insert(name, tensor);
    }
    Ok(tensors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_tch_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        let a = Tensor::arange(6, (Kind::Float, Device::Cpu)).view([2, 3]);
        let b = Tensor::from_slice(&[1.5f32, -2.0]).to_kind(Kind::Half);
        Tensor::write_safetensors(&[("a", &a), ("b", &b)], &path).unwrap();
        let tensors = read_float32(&path).unwrap();
        assert_eq!(tensors["a"].size(), vec![2, 3]);
        assert_eq!(
            Vec::<f32>::try_from(tensors["a"].view([-1])).unwrap(),
            vec![0., 1., 2., 3., 4., 5.]
        );
        assert_eq!(
            Vec::<f32>::try_from(&tensors["b"]).unwrap(),
            vec![1.5, -2.0]
        );
    }

    #[test]
    fn rejects_files_that_are_not_safetensors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        std::fs::write(&path, b"not a model").unwrap();
        assert!(
            read_float32(&path)
                .unwrap_err()
                .contains("not a safetensors file")
        );
    }
}
