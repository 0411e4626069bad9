//! Safetensors files, through the `safetensors` crate: reading one tensor's encodings for the
//! network reader, and writing tensors of any fpcore format (fpad's gradients). One table maps
//! the safetensors dtypes to the formats they encode, both ways.
//!
//! Writing builds the header from the crate's [`TensorInfo`] entries and serializes it with
//! serde_json, in the caller's order. NOTE: `safetensors::serialize` is not used because it
//! takes the metadata as a std `HashMap`, whose iteration order (and so the header's bytes)
//! changes from one map to the next, and because it reorders the tensors by dtype and name;
//! the files written here are deterministic, tensors in the order given.

use std::path::PathBuf;

use fpcore::Format;
use safetensors::tensor::TensorInfo;
use safetensors::{Dtype, SafeTensors};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::error::ModelError;

/// The safetensors dtypes that encode an fpcore format, with that format. Reading accepts
/// exactly these; writing uses them for their formats.
const DTYPES: [(Dtype, Format); 6] = [
    (Dtype::F64, Format::BINARY64),
    (Dtype::F32, Format::BINARY32),
    (Dtype::F16, Format::BINARY16),
    (Dtype::BF16, Format::BF16),
    (Dtype::F8_E4M3, Format::E4M3FN),
    (Dtype::F8_E5M2, Format::E5M2),
];

/// The format a dtype encodes (`None` for dtypes that encode no fpcore format).
pub fn dtype_format(dtype: Dtype) -> Option<Format> {
    DTYPES.iter().find(|(d, _)| *d == dtype).map(|(_, fmt)| *fmt)
}

/// The dtype that encodes `fmt` (`None` for formats safetensors has no dtype for).
pub fn format_dtype(fmt: &Format) -> Option<Dtype> {
    DTYPES.iter().find(|(_, f)| f == fmt).map(|(dtype, _)| *dtype)
}

/// Bytes per element of a dtype of at least 8 bits (every dtype used here).
fn bytes_of(dtype: Dtype) -> usize {
    dtype.bitsize() / 8
}

/// How [`write()`] stores the encodings of a format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Storage {
    /// The tensor's dtype.
    pub dtype: Dtype,
    /// Bytes per encoding (little-endian).
    pub bytes: usize,
    /// An extra last dimension (bytes per encoding) for encodings wider than 64 bits, stored
    /// as U8.
    pub extra_dim: Option<usize>,
}

/// The storage of `fmt`: its dtype where safetensors has one (F64, F32, F16, BF16, F8_E4M3,
/// F8_E5M2); otherwise its encodings in the smallest unsigned integer dtype that holds them
/// (U8, U16, U32, U64), and encodings wider than 64 bits as U8 with a last dimension of 16
/// bytes.
pub fn storage(fmt: &Format) -> Storage {
    let (dtype, extra_dim) = match format_dtype(fmt) {
        Some(dtype) => (dtype, None),
        None => match fmt.bits() {
            0..=8 => (Dtype::U8, None),
            9..=16 => (Dtype::U16, None),
            17..=32 => (Dtype::U32, None),
            33..=64 => (Dtype::U64, None),
            _ => (Dtype::U8, Some(16)),
        },
    };
    Storage { dtype, bytes: extra_dim.unwrap_or_else(|| bytes_of(dtype)), extra_dim }
}

/// A tensor to write: its name, the format of its encodings, its shape and its encodings
/// (row-major).
#[derive(Clone, Debug)]
pub struct TensorOut<'a> {
    /// The tensor's name in the file.
    pub name: String,
    /// The format of `values`.
    pub format: Format,
    /// The shape (the product of the dimensions is `values.len()`).
    pub shape: Vec<usize>,
    /// The encodings.
    pub values: &'a [u128],
}

/// The header: `__metadata__` (when there is any), then one entry per tensor, in order.
struct Header<'a> {
    metadata: &'a [(String, String)],
    tensors: Vec<(&'a str, TensorInfo)>,
}

/// String pairs as a JSON object, in order.
struct Pairs<'a>(&'a [(String, String)]);

impl Serialize for Pairs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl Serialize for Header<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let has_metadata = !self.metadata.is_empty();
        let mut map = s.serialize_map(Some(self.tensors.len() + usize::from(has_metadata)))?;
        if has_metadata {
            map.serialize_entry("__metadata__", &Pairs(self.metadata))?;
        }
        for (name, info) in &self.tensors {
            map.serialize_entry(name, info)?;
        }
        map.end()
    }
}

/// A safetensors file (bytes) holding `tensors` in the order given, each stored as
/// [`storage`] says, with the string pairs of `metadata` (in order) as its `__metadata__`.
/// The header is padded with spaces to a multiple of 8 bytes. Equal arguments give equal
/// bytes.
///
/// # Panics
///
/// When a tensor's shape does not hold its number of values.
pub fn write(metadata: &[(String, String)], tensors: &[TensorOut<'_>]) -> Vec<u8> {
    let mut header = Header { metadata, tensors: Vec::with_capacity(tensors.len()) };
    let mut data = Vec::new();
    for tensor in tensors {
        let n_values = tensor.shape.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d));
        assert_eq!(n_values, Some(tensor.values.len()), "the shape holds the values");
        let Storage { dtype, bytes, extra_dim } = storage(&tensor.format);
        let start = data.len();
        for &v in tensor.values {
            data.extend_from_slice(&v.to_le_bytes()[..bytes]);
        }
        let mut shape = tensor.shape.clone();
        shape.extend(extra_dim);
        let info = TensorInfo { dtype, shape, data_offsets: (start, data.len()) };
        header.tensors.push((&tensor.name, info));
    }
    let mut json = serde_json::to_vec(&header).expect("a header of strings and integers");
    json.resize(json.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + json.len() + data.len());
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&data);
    out
}

/// The bytes of a safetensors file a network names, read once.
pub(crate) struct TensorFile {
    /// Where the file is (for messages).
    pub path: PathBuf,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// One tensor of a [`TensorFile`], not converted yet.
pub(crate) struct RawTensor<'a> {
    /// The format its dtype encodes.
    pub format: Format,
    /// Bytes per element.
    pub size: usize,
    /// Its shape.
    pub dims: Vec<usize>,
    /// Its elements, little-endian, `size` bytes each.
    pub data: &'a [u8],
}

impl RawTensor<'_> {
    /// The encodings of the elements, in order.
    pub fn encodings(&self) -> impl Iterator<Item = u128> + '_ {
        self.data.chunks_exact(self.size).map(|chunk| {
            let mut le = [0u8; 16];
            le[..chunk.len()].copy_from_slice(chunk);
            u128::from_le_bytes(le)
        })
    }
}

impl TensorFile {
    /// The tensor called `name`; errors name the JSON path `path` of the parameter that asks
    /// for it.
    pub fn tensor(&self, name: &str, path: &str) -> Result<RawTensor<'_>, ModelError> {
        let file = self.path.display();
        let st = SafeTensors::deserialize(&self.bytes)
            .map_err(|e| ModelError::invalid("tensors", format!("{file}: {e}")))?;
        let view = st
            .tensor(name)
            .map_err(|_| ModelError::invalid(path, format!("no tensor '{name}' in {file}")))?;
        let Some(format) = dtype_format(view.dtype()) else {
            let supported: Vec<String> = DTYPES.iter().map(|(d, _)| format!("{d:?}")).collect();
            return Err(ModelError::invalid(
                path,
                format!(
                    "tensor '{name}' has dtype {:?}; supported: {}",
                    view.dtype(),
                    supported.join(", ")
                ),
            ));
        };
        let size = bytes_of(view.dtype());
        Ok(RawTensor { format, size, dims: view.shape().to_vec(), data: view.data() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dtype_table_maps_both_ways() {
        for (dtype, fmt) in DTYPES {
            assert_eq!(dtype_format(dtype), Some(fmt));
            assert_eq!(format_dtype(&fmt), Some(dtype));
            assert_eq!(storage(&fmt), Storage { dtype, bytes: bytes_of(dtype), extra_dim: None });
        }
        assert_eq!(dtype_format(Dtype::U8), None);
        assert_eq!(format_dtype(&Format::E4M3FNUZ), None);
        assert_eq!(storage(&Format::E4M3FNUZ).dtype, Dtype::U8);
        assert_eq!(
            storage(&Format::BINARY128),
            Storage { dtype: Dtype::U8, bytes: 16, extra_dim: Some(16) }
        );
    }

    #[test]
    fn written_tensors_read_back_through_the_crate_and_the_reader() {
        let (bf16, wide) = (Format::BF16, Format::BINARY128);
        let w = [0x3F80, 0xC000, 0x0001, 0x7FC1, 0x8000, 0x4040];
        let b = [1u128 << 127 | 5, 7];
        let tensors = [
            TensorOut { name: "w".to_string(), format: bf16, shape: vec![3, 2], values: &w },
            TensorOut { name: "b".to_string(), format: wide, shape: vec![2], values: &b },
        ];
        let meta = [("k".to_string(), "v".to_string())];
        let bytes = write(&meta, &tensors);
        assert_eq!(bytes, write(&meta, &tensors), "deterministic");
        let st = SafeTensors::deserialize(&bytes).expect("valid");
        assert_eq!(st.tensor("w").expect("w").shape(), [3, 2]);
        assert_eq!(st.tensor("b").expect("b").shape(), [2, 16]);
        let file = TensorFile { path: PathBuf::from("t.safetensors"), bytes };
        let raw = file.tensor("w", "p").expect("w");
        assert_eq!((raw.format, raw.dims.as_slice()), (bf16, [3usize, 2].as_slice()));
        assert_eq!(raw.encodings().collect::<Vec<_>>(), w);
        let (_, header) = SafeTensors::read_metadata(&file.bytes).expect("header");
        assert_eq!(
            header.metadata().as_ref().and_then(|m| m.get("k")).map(String::as_str),
            Some("v")
        );
        assert!(file.tensor("b", "p").is_err(), "U8 encodes no format");
    }
}
