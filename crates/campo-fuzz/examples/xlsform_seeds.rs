//! Writes the xlsform target's seeds into fuzz/corpus/xlsform: every built-in instrument as
//! an .xlsx file (first byte 0) and as the same form's cells in text (first byte 1).
//!
//! `cargo run -p campo-fuzz --example xlsform_seeds`

use calamine::{Data, Reader, Xlsx};
use campo_core::catalog::Catalog;
use std::io::Cursor;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/xlsform");
    std::fs::create_dir_all(&dir).unwrap();
    for instrument in Catalog::builtin().all() {
        let file = campo_xlsform::write_xlsform(instrument).unwrap();
        let mut raw = vec![0u8];
        raw.extend_from_slice(&file);
        std::fs::write(dir.join(format!("{}.xlsx.bin", instrument.id)), raw).unwrap();

        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(file)).unwrap();
        let mut text = String::new();
        for name in book.sheet_names() {
            text.push_str(&format!("#{name}\n"));
            let range = book.worksheet_range(&name).unwrap();
            for row in range.rows() {
                let cells: Vec<String> = row
                    .iter()
                    .map(|c| match c {
                        Data::Empty => String::new(),
                        other => other.to_string(),
                    })
                    .collect();
                text.push_str(&cells.join("\t"));
                text.push('\n');
            }
        }
        let mut cells = vec![1u8];
        cells.extend_from_slice(text.as_bytes());
        std::fs::write(dir.join(format!("{}.cells.bin", instrument.id)), cells).unwrap();
    }
}
