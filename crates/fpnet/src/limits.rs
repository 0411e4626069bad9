//! Limits on the sizes a model may declare, so that absurd files are errors rather than panics,
//! hangs or memory exhaustion. Each is far above what the networks of the paper need.

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
