//! `fpx batch --shard K/N`: the parts of an input file's lines, run one by one, print what
//! one run over the whole file prints, in order; errors keep the whole file's line numbers.

use crate::support::cli::{fpx, stderr, stdout, temp_file};
use crate::support::SplitMix;

/// Input lines of binary16 add: random operand pairs with comments, blank lines and CRLF
/// endings among them.
fn input(lines: usize, seed: u64) -> String {
    let mut rng = SplitMix::new(seed);
    let mut text = String::new();
    for i in 0..lines {
        match rng.below(10) {
            0 => text.push_str("# a comment\n"),
            1 => text.push('\n'),
            2 => text.push_str(&format!("{:04X} {:04X}\r\n", rng.below(1 << 16), i)),
            _ => text.push_str(&format!("{:04X} {:04X}\n", rng.below(1 << 16), rng.below(1 << 16))),
        }
    }
    text
}

fn batch(path: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["batch", "--format", "binary16", "--op", "add", "--input-file", path];
    args.extend_from_slice(extra);
    fpx(&args, "")
}

#[test]
fn batch_shards_concatenate_to_the_whole_output() {
    for (i, (lines, last_newline)) in
        [(200, true), (37, false), (1, true), (0, true)].into_iter().enumerate()
    {
        let mut text = input(lines, 0x5A4D + i as u64);
        if !last_newline {
            text.push_str("3C00 3C00");
        }
        let path = temp_file("shard", &format!("batch{i}.txt"), &text);
        let whole = batch(&path, &[]);
        assert!(whole.status.success(), "{}", stderr(&whole));
        for n in [1, 2, 3, 7, 16] {
            let mut joined = String::new();
            for k in 1..=n {
                let part = batch(&path, &["--shard", &format!("{k}/{n}")]);
                assert!(part.status.success(), "{k}/{n}: {}", stderr(&part));
                joined.push_str(&stdout(&part));
            }
            assert_eq!(joined, stdout(&whole), "{lines} lines in {n} parts");
        }
    }
}

#[test]
fn batch_shard_errors_name_the_line_of_the_whole_file() {
    // Ten lines; line 9 is bad. Part 2 of 2 holds lines 6..=10 and reports line 9; part 1
    // does not read it.
    let mut text = "3C00 3C00\n".repeat(8);
    text.push_str("3C00 zz\n3C00 3C00\n");
    let path = temp_file("shard", "bad.txt", &text);
    let first = batch(&path, &["--shard", "1/2"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(stdout(&first), "3C00 3C00 4000 00\n".repeat(5));
    let second = batch(&path, &["--shard", "2/2"]);
    assert_eq!(second.status.code(), Some(2));
    assert_eq!(stdout(&second), "3C00 3C00 4000 00\n".repeat(3));
    assert!(stderr(&second).contains("bad.txt:9: operand 2: 'zz'"), "{}", stderr(&second));
}

#[test]
fn batch_shard_needs_a_file_and_a_valid_part() {
    let out =
        fpx(&["batch", "--format", "binary16", "--op", "add", "--shard", "1/2"], "3C00 3C00\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--shard needs --input-file"), "{}", stderr(&out));
    let path = temp_file("shard", "one.txt", "3C00 3C00\n");
    for bad in ["0/2", "3/2", "1", "x/y"] {
        let out = batch(&path, &["--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(stderr(&out).contains("expected K/N with 1 <= K <= N"), "{bad}: {}", stderr(&out));
    }
}
