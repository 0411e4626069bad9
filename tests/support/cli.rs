//! Running the `fpx` binary from the tests, and the files they hand it: shipped examples and
//! per-test scratch files under the system's temporary directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `fpx` with `args` and `stdin`, and waits for its output and exit code.
pub fn fpx(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fpx"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fpx");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.as_bytes().to_vec();
    // fpx may stop reading early (on an input error): a broken pipe here is expected then.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("fpx runs");
    writer.join().expect("writer thread");
    out
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The path of a shipped example network, `examples/nets/<name>`.
pub fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/nets").join(name).display().to_string()
}

/// The directory `fpx-<name>-<process id>` under the temporary directory, created if missing
/// (tests of one group share it and write files of distinct names).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fpx-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Writes `text` to the file `name` in [`temp_dir`]`(group)` and returns its path.
pub fn temp_file(group: &str, name: &str, text: &str) -> String {
    let path = temp_dir(group).join(name);
    std::fs::write(&path, text).expect("writes");
    path.display().to_string()
}

/// A fresh, empty [`temp_dir`] for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fpx-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    temp_dir(name)
}
