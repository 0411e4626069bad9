use fpad::{Loss, OutputGradient};
use fpconstruct::{construct, Options, Target};
use fpcore::Format;

struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[test]
fn smoke() {
    for (name, start) in [("bfloat16", 0x3f00u128), ("binary16", 0x3c00), ("bfloat16", 0x0000), ("binary16", 0x8040)] {
        let fmt = Format::parse(name).unwrap();
        let mut rng = SplitMix(7);
        let targets: Vec<Target> = (0..256u128)
            .map(|i| {
                let mut v = || loop {
                    let b = u128::from(rng.next() as u16);
                    let u = fmt.unpack(b);
                    if !u.is_nan() && !u.is_inf() && !(u.is_zero() && u.sign) { break b; }
                };
                Target { x: (start + i) & 0xffff, y: v(), g: v() }
            })
            .collect();
        for phi in [OutputGradient::Loss(Loss::Sum), OutputGradient::Identity, OutputGradient::Shift(vec![fpcore::text::parse_value(&fpcore::Env::default(), &fmt, "3").unwrap().value])] {
            let t0 = std::time::Instant::now();
            let c = construct(&fmt, &targets, &phi, &Options::default()).unwrap();
            print!("{name} {start:#x} {phi:?} {:?}: ", t0.elapsed());
            print!("{}", fpconstruct::report::summary(&c.report).lines().take(2).collect::<Vec<_>>().join(" | "));
            println!();
        }
    }
}

#[test]
fn reasons() {
    let fmt = Format::parse("bfloat16").unwrap();
    let mut rng = SplitMix(7);
    let targets: Vec<Target> = (0..256u128)
        .map(|i| {
            let mut v = || loop {
                let b = u128::from(rng.next() as u16);
                let u = fmt.unpack(b);
                if !u.is_nan() && !u.is_inf() && !(u.is_zero() && u.sign) { break b; }
            };
            Target { x: (0x3f00 + i) & 0xffff, y: v(), g: v() }
        })
        .collect();
    let c = construct(&fmt, &targets, &OutputGradient::Identity, &Options::default()).unwrap();
    let s = fpconstruct::report::summary(&c.report);
    let mut counts = std::collections::BTreeMap::new();
    for l in s.lines().skip(2) { *counts.entry(l.split("rejected: ").nth(1).unwrap().to_string()).or_insert(0) += 1; }
    println!("{counts:?}");
    for l in s.lines().skip(2).take(8) { println!("{l}"); }
}
