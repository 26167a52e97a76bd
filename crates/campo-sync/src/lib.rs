//! Campo's sync protocol: the wire types (shared with `campo-server`) and the device's client.

pub mod wire;
