//! The HTTP API (`/api/v1`) and the office console (`crate::console`).

pub mod auth;
pub mod body;
pub mod device;
pub mod error;
pub mod openapi;
pub mod push_body;
pub mod sync;

use crate::catalog::CatalogCache;
use crate::figures::FiguresCache;
use crate::store::Store;
use axum::routing::{get, post};
use axum::Router;
use campo_wire::{MAX_BODY_BYTES, MAX_PUSH_RECORDS};
use std::sync::Arc;

/// Caps on what one request may carry.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes of a request body, compressed or not (and again after decompression).
    pub max_body: usize,
    /// Records in one push.
    pub max_records: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: MAX_BODY_BYTES,
            max_records: MAX_PUSH_RECORDS,
        }
    }
}

/// What every request handler shares. Nothing here is state that several server processes
/// on one database would need to agree on: that lives in the database.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub catalogs: CatalogCache,
    pub figures: FiguresCache,
    pub limits: Limits,
    pub console: crate::console::Console,
}

pub type State = Arc<AppState>;

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState {
            store,
            catalogs: CatalogCache::default(),
            figures: FiguresCache::default(),
            limits: Limits::default(),
            console: crate::console::Console::default(),
        }
    }
}

pub fn router(state: State) -> Router {
    Router::new()
        .route("/api/v1/health", get(device::health))
        .route("/api/v1/devices/enroll", post(device::enroll))
        .route("/api/v1/sync/push", post(sync::push))
        .route("/api/v1/sync/pull", get(sync::pull))
        .route("/api/v1/openapi.json", get(openapi::openapi_json))
        .merge(crate::console::router())
        // Bodies are capped by our own reader (with ApiError answers), not axum's default.
        .layer(axum::extract::DefaultBodyLimit::disable())
        // Answers are gzipped for clients that accept it: on the valley's link the push
        // answers were two thirds of the bytes. gzip only, the one codec every client has.
        // Below a few hundred bytes gzip's own header and trailer cost more than it saves.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .gzip(true)
                .compress_when(tower_http::compression::predicate::SizeAbove::new(256)),
        )
        .with_state(state)
}
