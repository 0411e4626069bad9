//! fpconstruct on targets drawn from the bytes: a format (binary16, bfloat16, e4m3fn, e5m2,
//! binary32 or the 6-bit e3m2), 1 to 3 inputs, up to 24 points with raw encodings for x, y*
//! and g*, a phi' rule (one, y, y ⊖ c) and a depth. Building never panics, and it never
//! returns a network that fails its own check on the domain (that would be a
//! `ConstructError::Verify`); when it builds, every accepted point is met again here by an
//! independent run of fpad.
#![no_main]

use fpad::{Ad, Loss, OutputGradient};
use fpconstruct::{construct, ConstructError, Options, Target};
use fpcore::{Env, Format};
use libfuzzer_sys::fuzz_target;

const FORMATS: [&str; 6] = ["binary16", "bf16", "e4m3fn", "e5m2", "binary32", "e3m2fn"];

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn value(&mut self, f: &Format) -> u128 {
        let mut v = 0u128;
        for _ in 0..f.bits().div_ceil(8) {
            v = v << 8 | u128::from(self.byte());
        }
        v & f.mask()
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let head = b.byte();
    let f = Format::parse(FORMATS[usize::from(head) % FORMATS.len()]).expect("named");
    let d = 1 + usize::from(b.byte() % 3);
    let n = 1 + usize::from(b.byte() % 24);
    let env = Env::default();
    let phi = match b.byte() % 3 {
        0 => OutputGradient::Loss(Loss::Sum),
        1 => OutputGradient::Identity,
        _ => OutputGradient::Shift(vec![b.value(&f)]),
    };
    let depth = 6 + usize::from(b.byte() % 3);
    let options = Options { depth, ..Options::default() };
    let targets: Vec<Target> = (0..n)
        .map(|_| {
            let x = (0..d).map(|_| b.value(&f)).collect();
            let y = b.value(&f);
            let g = (0..d).map(|_| b.value(&f)).collect();
            Target { x, y, g }
        })
        .collect();
    let (graph, accepted): (fpnet::Graph, Vec<Target>) = match construct(&f, &targets, &phi, &options) {
        Ok(c) => {
            let acc = c.report.points.iter().filter(|p| p.accepted()).map(|p| p.target.clone()).collect();
            (c.graph, acc)
        }
        Err(ConstructError::Verify { x, message }) => panic!("x = {x}: {message}"),
        Err(_) => return,
    };
    let ad = Ad::new(&graph, env);
    for t in &accepted {
        let s = ad.gradient(&t.x, &phi, None).expect("runs");
        assert_eq!(s.output, vec![t.y]);
        assert_eq!(s.input_gradient, t.g);
    }
});
