//! Limits on the sizes a model may declare, so that absurd files are errors rather than panics,
//! hangs or memory exhaustion. Each is far above what the networks of the paper need; [`Limits`]
//! carries them, so that a caller can choose others.

/// Most nodes in a graph (inputs included).
pub const MAX_NODES: usize = 1 << 16;
/// Most entries in one node's output vector (and in one input).
pub const MAX_WIDTH: usize = 1 << 20;
/// Most entries over all nodes' output vectors together: the memory one evaluation holds.
pub const MAX_TOTAL_WIDTH: usize = 1 << 22;
/// Most parameters (weights and biases) over the whole graph; each is held as 16 bytes.
pub const MAX_PARAMS: usize = 1 << 26;
/// Largest network file (JSON) in bytes. Larger models keep their tensors in safetensors.
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Largest safetensors file in bytes.
pub const MAX_TENSOR_FILE_BYTES: u64 = 2 << 30;
/// Longest node, input or tensor name in bytes.
pub const MAX_NAME_LEN: usize = 256;
/// Deepest nesting of JSON arrays and objects in a network file. A network file needs about
/// six levels; the JSON reader itself refuses more than 128.
pub const MAX_JSON_DEPTH: usize = 128;

/// The limits a load and a graph validation enforce. [`Limits::default`] holds the constants
/// of this module; a caller may lower them (or raise them, within the memory it has).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most nodes in a graph (inputs included); [`MAX_NODES`] by default.
    pub max_nodes: usize,
    /// Most entries in one node's output vector; [`MAX_WIDTH`] by default.
    pub max_width: usize,
    /// Most entries over all nodes' output vectors together; [`MAX_TOTAL_WIDTH`] by default.
    pub max_total_width: usize,
    /// Most parameters over the whole graph, and most tensor elements read from a safetensors
    /// file; [`MAX_PARAMS`] by default.
    pub max_params: usize,
    /// Largest network file (JSON) in bytes; [`MAX_FILE_BYTES`] by default.
    pub max_file_bytes: u64,
    /// Largest safetensors file in bytes; [`MAX_TENSOR_FILE_BYTES`] by default.
    pub max_tensor_file_bytes: u64,
    /// Longest node, input or tensor name in bytes; [`MAX_NAME_LEN`] by default.
    pub max_name_len: usize,
    /// Deepest nesting of JSON arrays and objects; [`MAX_JSON_DEPTH`] by default. Values above
    /// 128 act as 128, the JSON reader's own recursion limit.
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_nodes: MAX_NODES,
            max_width: MAX_WIDTH,
            max_total_width: MAX_TOTAL_WIDTH,
            max_params: MAX_PARAMS,
            max_file_bytes: MAX_FILE_BYTES,
            max_tensor_file_bytes: MAX_TENSOR_FILE_BYTES,
            max_name_len: MAX_NAME_LEN,
            max_json_depth: MAX_JSON_DEPTH,
        }
    }
}
