//! Differential comparisons of fpcore against a backend: the operation dispatcher, the tally
//! of agreements and named divergences, the environments, and digests of result tables.

use fpcore::{Env, Format, NanPolicy, Rounded, Tininess};
use fpref::divergence::{explain, Case};
use fpref::{Backend, Op};
use sha2::{Digest, Sha256};

/// fpcore's result of a backend operation.
pub fn fpcore_eval(env: &Env, fmt: &Format, op: &Op, operands: &[u128]) -> Rounded<u128> {
    op.eval(env, fmt, operands)
}

/// Counts of a differential comparison: exact agreements and each named divergence.
#[derive(Default, Debug)]
pub struct Tally {
    pub cases: u64,
    pub agree: u64,
    pub divergences: std::collections::BTreeMap<&'static str, u64>,
    pub unexplained: Vec<String>,
}

impl Tally {
    /// Compares fpcore against `backend` on one case; a difference must be a named divergence.
    pub fn check(
        &mut self,
        backend: &dyn Backend,
        env: &Env,
        fmt: &Format,
        op: &Op,
        operands: &[u128],
    ) -> Rounded<u128> {
        let ours = fpcore_eval(env, fmt, op, operands);
        let Some(theirs) = backend.eval(fmt, op, operands) else { return ours };
        self.cases += 1;
        if (ours.value, ours.flags) == theirs {
            self.agree += 1;
            return ours;
        }
        let case = Case {
            fmt,
            op,
            operands,
            tininess: env.tininess,
            reference: (ours.value, ours.flags),
            backend: theirs,
        };
        match explain(backend.name(), &case) {
            Some(d) => *self.divergences.entry(d.name()).or_default() += 1,
            None => {
                if self.unexplained.len() < 20 {
                    self.unexplained.push(format!(
                        "{} {fmt} {op:?} {operands:x?}: fpcore {:#x} {} vs {:#x} {}",
                        backend.name(),
                        ours.value,
                        ours.flags,
                        theirs.0,
                        theirs.1
                    ));
                } else {
                    self.unexplained.push(String::new());
                }
            }
        }
        ours
    }

    /// The counts of a snapshot line: tininess, cases, agreements, divergences and the digest.
    pub fn summary(&self, env: &Env, digest: Digest256) -> String {
        format!(
            "tininess={:?} cases={} agree={} divergences={:?} sha256={}",
            env.tininess,
            self.cases,
            self.agree,
            self.divergences,
            digest.hex()
        )
    }

    /// Fails with the first unexplained mismatches.
    pub fn assert_clean(&self, what: &str) {
        assert!(
            self.unexplained.is_empty(),
            "{what}: {} unexplained mismatches, first: {:#?}",
            self.unexplained.len(),
            &self.unexplained[..self.unexplained.len().min(20)]
        );
    }
}

/// The environments the differential tests run under.
pub fn envs() -> [Env; 2] {
    [
        Env { tininess: Tininess::AfterRounding, ..Env::default() },
        Env { tininess: Tininess::BeforeRounding, ..Env::default() },
    ]
}

/// SoftFloat's NaN rules are x86 SSE's: comparing with that policy makes NaN bits comparable.
pub fn x86(env: Env) -> Env {
    Env { nan: NanPolicy::X86Sse, ..env }
}

/// A running SHA-256 digest of result lines.
pub struct Digest256(Sha256);

impl Digest256 {
    pub fn new() -> Digest256 {
        Digest256(Sha256::new())
    }
    pub fn line(&mut self, operands: &[u128], r: Rounded<u128>) {
        for v in operands {
            self.0.update(v.to_le_bytes());
        }
        self.0.update(r.value.to_le_bytes());
        self.0.update([r.flags.bits()]);
    }
    pub fn hex(self) -> String {
        self.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}
