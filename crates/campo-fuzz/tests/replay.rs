//! Every seed and every saved crash input of every fuzz target, through the same function
//! the fuzzer calls: a crash the fuzzer once found stays fixed, and the seeds keep
//! working inputs working, without an instrumented build in the test command.

use std::path::{Path, PathBuf};
use std::time::Instant;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `dir` (none if it does not exist), `.gitkeep` aside, in name order.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable folder").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep"))
        .collect();
    files.sort();
    files
}

fn replay(folder: &str) -> usize {
    let mut count = 0;
    for (name, target) in campo_fuzz::TARGETS {
        for file in inputs(&fuzz_dir().join(folder).join(name)) {
            let data = std::fs::read(&file).expect("a readable input");
            let started = Instant::now();
            // A panic names the file, so a failing input is found at once.
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{} fails on {}", name, file.display());
            assert!(
                started.elapsed().as_secs() < 2,
                "{} takes {:?} on {}",
                name,
                started.elapsed(),
                file.display()
            );
            count += 1;
        }
    }
    count
}

#[test]
fn every_seed_replays() {
    for (name, _) in campo_fuzz::TARGETS {
        let seeds = inputs(&fuzz_dir().join("corpus").join(name));
        assert!(!seeds.is_empty(), "no seeds for {name}");
    }
    let n = replay("corpus");
    println!("replayed {n} seeds");
}

#[test]
fn every_crash_found_stays_fixed() {
    for (name, _) in campo_fuzz::TARGETS {
        assert!(
            fuzz_dir().join("regressions").join(name).is_dir(),
            "fuzz/regressions/{name} is missing"
        );
    }
    let n = replay("regressions");
    println!("replayed {n} crash inputs");
}

#[test]
fn every_target_has_a_binary() {
    for (name, _) in campo_fuzz::TARGETS {
        let file = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&file).expect("a fuzz target file per target");
        assert!(
            text.contains(&format!("campo_fuzz::{name}(")),
            "{} does not call campo_fuzz::{name}",
            file.display()
        );
    }
}
