//! Network files never make the loader or the interpreter panic: any bytes as a network's JSON
//! load or give an error naming where; whatever loads evaluates on an input drawn from the
//! remaining bytes, serially and in a batch with identical results.
#![no_main]

use fpcore::Env;
use fpnet::file::{load_str, LoadOptions};
use fpnet::interp::Interpreter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (json, rest) = data.split_at(split);
    let Ok(text) = std::str::from_utf8(json) else { return };
    let Ok(model) = load_str(text, &LoadOptions::default()) else { return };
    let graph = &model.graph;
    let fmt = graph.output_format();
    let width = graph.input_width();
    if width == 0 || width > 4096 {
        return;
    }
    let x: Vec<u128> = (0..width).map(|i| u128::from(rest.get(i).copied().unwrap_or(0)) & fmt.mask()).collect();
    let interp = Interpreter::new(graph, Env::default());
    let serial = interp.eval(&x);
    let mut two = x.clone();
    two.extend_from_slice(&x);
    let batch = interp.eval_batch(&two);
    if let (Ok(one), Ok(many)) = (serial, batch) {
        let mut expected = one.values.clone();
        expected.extend_from_slice(&one.values);
        assert_eq!(expected, many.values, "batch and serial evaluation differ");
        assert_eq!(many.flags, vec![one.flags, one.flags]);
    }
});
