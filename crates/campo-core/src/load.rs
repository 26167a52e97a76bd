//! Loading an instrument from its JSON: first against `schemas/instrument.schema.json`
//! (the published format, so a file that passes here also passes any other JSON Schema
//! tool), then into the Rust types, then against the rules a schema cannot state.

mod error;
mod rules;

pub use error::{InstrumentError, Location};

use crate::instrument::Instrument;
use jsonschema::Validator;
use serde_json::Value;
use std::sync::OnceLock;

/// The published schema, embedded so that loading needs no file system.
pub const INSTRUMENT_SCHEMA: &str = include_str!("../../../schemas/instrument.schema.json");

/// Compiled once: compiling checks the schema against the 2020-12 meta-schema, which is
/// far slower than validating an instrument with it.
fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value =
            serde_json::from_str(INSTRUMENT_SCHEMA).expect("instrument schema is valid JSON");
        jsonschema::draft202012::new(&schema).expect("instrument schema is a valid 2020-12 schema")
    })
}

/// Parses, checks and returns the instrument in `json`.
pub fn load_instrument(json: &str) -> Result<Instrument, InstrumentError> {
    let value: Value = serde_json::from_str(json).map_err(|e| InstrumentError::Json {
        message: e.to_string(),
    })?;
    check_schema(&value)?;
    let id = value
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    // The schema mirrors the types, so this only fails if the two drift apart.
    let instrument: Instrument =
        serde_json::from_value(value).map_err(|e| InstrumentError::Format {
            instrument: id,
            message: e.to_string(),
        })?;
    rules::check(&instrument)?;
    Ok(instrument)
}

/// Checks an already built instrument (e.g. one received from the server and stored) against
/// the schema and the rules.
pub fn check_instrument(instrument: &Instrument) -> Result<(), InstrumentError> {
    let value = serde_json::to_value(instrument).map_err(|e| InstrumentError::Format {
        instrument: instrument.id.clone(),
        message: e.to_string(),
    })?;
    check_schema(&value)?;
    rules::check(instrument)
}

/// Reports the first schema violation, located by instrument id and item id when the JSON
/// has them, so an author can find the fault without reading a JSON pointer.
fn check_schema(value: &Value) -> Result<(), InstrumentError> {
    let Some(error) = validator().iter_errors(value).next() else {
        return Ok(());
    };
    let pointer = error.instance_path().as_str().to_string();
    let instrument = value
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let item = item_at(value, &pointer);
    Err(InstrumentError::Schema {
        at: Location { instrument, item },
        pointer: if pointer.is_empty() {
            "/".to_string()
        } else {
            pointer
        },
        message: error.to_string(),
    })
}

/// The id of the item a pointer like `/items/3/options/0/score` lies in.
fn item_at(value: &Value, pointer: &str) -> Option<String> {
    let mut segments = pointer.trim_start_matches('/').split('/');
    if segments.next()? != "items" {
        return None;
    }
    let index: usize = segments.next()?.parse().ok()?;
    value
        .get("items")?
        .get(index)?
        .get("id")?
        .as_str()
        .map(str::to_string)
}
