//! The size limits of the command line: `--max-file-bytes`, `--max-nodes`, `--max-params` and
//! `--max-json-depth` for the commands that read network files, `--max-line-bytes` for those
//! that read input lines. The defaults are [`fpnet::limits`]' constants and [`MAX_LINE`].

use std::io::BufRead;

use clap::builder::TypedValueParser as _;
use clap::Args;
use fpnet::limits::{Limits, MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_NODES, MAX_PARAMS};

use crate::lines::{LineReader, MAX_LINE};

/// Limits on a network file.
#[derive(Args, Clone, Copy, Debug)]
pub struct NetLimitArgs {
    /// Largest network file (JSON) in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = MAX_FILE_BYTES)]
    pub max_file_bytes: u64,
    /// Most nodes of a network (inputs and layers).
    #[arg(long, value_name = "N", default_value_t = MAX_NODES)]
    pub max_nodes: usize,
    /// Most parameters of a network (weights and biases), and most tensor elements read from
    /// its safetensors file.
    #[arg(long, value_name = "N", default_value_t = MAX_PARAMS)]
    pub max_params: usize,
    /// Deepest nesting of JSON arrays and objects in a network file (1 to 128).
    #[arg(
        long,
        value_name = "LEVELS",
        default_value_t = MAX_JSON_DEPTH,
        value_parser = clap::value_parser!(u16).range(1..=MAX_JSON_DEPTH as i64).map(usize::from)
    )]
    pub max_json_depth: usize,
}

impl NetLimitArgs {
    /// The loader's limits: these four, the others at their defaults.
    pub fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_bytes,
            max_nodes: self.max_nodes,
            max_params: self.max_params,
            max_json_depth: self.max_json_depth,
            ..Limits::default()
        }
    }
}

impl Default for NetLimitArgs {
    fn default() -> NetLimitArgs {
        NetLimitArgs {
            max_file_bytes: MAX_FILE_BYTES,
            max_nodes: MAX_NODES,
            max_params: MAX_PARAMS,
            max_json_depth: MAX_JSON_DEPTH,
        }
    }
}

/// The limit on input lines.
#[derive(Args, Clone, Copy, Debug)]
pub struct LineLimitArgs {
    /// Longest input line in bytes (without its line terminator).
    #[arg(long, value_name = "BYTES", default_value_t = MAX_LINE)]
    pub max_line_bytes: usize,
}

impl LineLimitArgs {
    /// A line reader over `input` with this limit.
    pub fn reader<R: BufRead>(&self, input: R) -> LineReader<R> {
        LineReader::with_limit(input, self.max_line_bytes)
    }
}

/// Limits of the commands that read a network and input lines.
#[derive(Args, Clone, Copy, Debug)]
pub struct NetInputLimitArgs {
    /// Limits on the network file.
    #[command(flatten)]
    pub net: NetLimitArgs,
    /// Limit on input lines.
    #[command(flatten)]
    pub lines: LineLimitArgs,
}
