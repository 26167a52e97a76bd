//! The XLSForm reader: a spreadsheet from whoever writes a project's forms (given to
//! `campo-server instruments import`, and uploaded through the console later).
//!
//! The input's first byte chooses what the rest is. Even: the bytes of a file, so the zip,
//! the size limits and the spreadsheet parser are exercised. Odd: the cells of a form as
//! text (rows on lines, cells split by tabs, `#survey`, `#choices` or `#settings` starting a
//! sheet), written into a real .xlsx before it is read: random bytes almost never make a
//! valid zip, and this way the fuzzer reaches the reading of types, texts, expressions and
//! settings, which are Campo's own code.

use campo_core::load::load_instrument;
use campo_xlsform::{read_xlsform, write_xlsform, WriteError};

pub fn xlsform(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let file;
    let bytes = if mode % 2 == 0 {
        rest
    } else {
        match workbook(&String::from_utf8_lossy(rest)) {
            Some(written) => {
                file = written;
                &file
            }
            None => return,
        }
    };
    let Ok(converted) = read_xlsform(bytes) else {
        return;
    };
    // A form that was read is an instrument Campo loads, unchanged by its own JSON.
    let json = serde_json::to_string(&converted.instrument).expect("an instrument serializes");
    let loaded = load_instrument(&json).expect("a form that was read loads as an instrument");
    assert!(
        loaded == converted.instrument,
        "the instrument changed through its JSON"
    );
    // Written back out, it reads the same (the writer checks this itself; a NotExact is a
    // bug, the other refusals are limits of XLSForm that the writer names).
    match write_xlsform(&converted.instrument) {
        Ok(written) => {
            let again = read_xlsform(&written).expect("a written form reads back");
            assert!(
                again.instrument == converted.instrument,
                "the written form reads back as another instrument"
            );
        }
        Err(WriteError::NotExact { .. }) => panic!("the written form does not read back the same"),
        Err(_) => {}
    }
}

/// The cells in `text` as an .xlsx; `None` when the spreadsheet writer refuses them (a
/// sheet name or cell it cannot hold), which is not the reader's business.
fn workbook(text: &str) -> Option<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let mut sheet: Option<&mut rust_xlsxwriter::Worksheet> = None;
    let mut row = 0u32;
    for line in text.lines().take(600) {
        if let Some(name) = line.strip_prefix('#') {
            let s = book.add_worksheet();
            s.set_name(name.trim()).ok()?;
            sheet = Some(s);
            row = 0;
            continue;
        }
        let Some(s) = sheet.as_deref_mut() else {
            continue;
        };
        for (column, cell) in line.split('\t').take(40).enumerate() {
            if !cell.is_empty() {
                s.write_string(row, column as u16, cell).ok()?;
            }
        }
        row += 1;
    }
    sheet.as_ref()?;
    book.save_to_buffer().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seeds are worth fuzzing from only if they are forms: both kinds of every
    /// built-in instrument must read as that instrument.
    #[test]
    fn every_seed_reads_as_its_instrument() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/xlsform");
        let mut seen = 0;
        for instrument in campo_core::catalog::Catalog::builtin().all() {
            for kind in ["xlsx", "cells"] {
                let data = std::fs::read(dir.join(format!("{}.{kind}.bin", instrument.id)))
                    .expect("a seed per built-in and kind (cargo run --example xlsform_seeds)");
                let (&mode, rest) = data.split_first().unwrap();
                let bytes = if mode % 2 == 0 {
                    rest.to_vec()
                } else {
                    workbook(&String::from_utf8_lossy(rest)).unwrap()
                };
                let read = read_xlsform(&bytes)
                    .unwrap_or_else(|p| panic!("{kind} seed of {}: {p:?}", instrument.id));
                assert!(
                    read.instrument == *instrument,
                    "{kind} seed of {}",
                    instrument.id
                );
                seen += 1;
            }
        }
        assert_eq!(
            seen,
            2 * campo_core::catalog::Catalog::builtin().all().count()
        );
    }
}
