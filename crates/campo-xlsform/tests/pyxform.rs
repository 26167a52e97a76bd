//! Every form write_xlsform produces is accepted by pyxform, the converter ODK,
//! KoboToolbox and SurveyCTO use (`xls2xform --skip_validate`: ODK Validate needs Java).
//!
//! pyxform comes from the virtualenv `scripts/pyxform-venv.sh` makes; the test finds its
//! xls2xform through CAMPO_XLS2XFORM, or in the target dir's venv-pyxform.

mod common;

use campo_core::catalog::Catalog;
use campo_core::Instrument;
use campo_xlsform::write_xlsform;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn xls2xform() -> PathBuf {
    if let Some(path) = std::env::var_os("CAMPO_XLS2XFORM") {
        return PathBuf::from(path);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let path = target.join("venv-pyxform/bin/xls2xform");
    assert!(
        path.exists(),
        "pyxform's xls2xform is not at {} and CAMPO_XLS2XFORM is not set: run scripts/pyxform-venv.sh first",
        path.display()
    );
    path
}

fn instruments() -> Vec<Instrument> {
    let mut all: Vec<Instrument> = Catalog::builtin().all().cloned().collect();
    all.push(common::every_feature());
    all
}

#[test]
fn pyxform_accepts_every_form_written() {
    let tool = xls2xform();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let instruments = instruments();
    assert!(instruments.len() >= 9);
    for instrument in &instruments {
        let form = dir.path().join(format!("{}.xlsx", instrument.id));
        let xml = dir.path().join(format!("{}.xml", instrument.id));
        std::fs::write(&form, write_xlsform(instrument).unwrap()).unwrap();
        let output = Command::new(&tool)
            .arg("--skip_validate")
            .arg(&form)
            .arg(&xml)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "{} could not be run ({e}): run scripts/pyxform-venv.sh",
                    tool.display()
                )
            });
        assert!(
            output.status.success(),
            "pyxform refused {}:\n{}\n{}",
            instrument.id,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let xform = std::fs::read_to_string(&xml).unwrap();
        // The form pyxform made is the instrument: its id, version and every item.
        assert!(
            xform.contains(&format!("id=\"{}\"", instrument.id))
                && xform.contains(&format!("version=\"{}\"", instrument.version)),
            "{}: {xform}",
            instrument.id
        );
        for item in &instrument.items {
            assert!(
                xform.contains(&format!("nodeset=\"/data/{}\"", item.id)),
                "{}: no bind for {}",
                instrument.id,
                item.id
            );
        }
    }
    eprintln!(
        "pyxform converted {} forms in {:.1} s",
        instruments.len(),
        started.elapsed().as_secs_f64()
    );
}
