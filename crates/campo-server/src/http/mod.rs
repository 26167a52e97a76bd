//! The HTTP API (`/api/v1`) and the `/admin` page.

pub mod admin;
pub mod auth;
pub mod body;
pub mod device;
pub mod error;
pub mod openapi;
pub mod ratelimit;
pub mod sync;

use crate::store::Store;
use axum::routing::{get, post};
use axum::Router;
use campo_core::catalog::Catalog;
use error::ApiErr;
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
            max_body: 8 * 1024 * 1024,
            max_records: 2_000,
        }
    }
}

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub catalog: Arc<Catalog>,
    pub limits: Limits,
    pub enroll_limiter: ratelimit::RateLimiter,
    pub admin: admin::AdminState,
}

pub type State = Arc<AppState>;

impl AppState {
    pub fn new(store: Arc<dyn Store>, catalog: Catalog) -> AppState {
        AppState {
            store,
            catalog: Arc::new(catalog),
            limits: Limits::default(),
            enroll_limiter: ratelimit::RateLimiter::per_minute(10),
            admin: admin::AdminState::new(),
        }
    }

    /// Runs blocking storage work off the async threads.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, ApiErr>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, ApiErr> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(ApiErr::internal)?
    }
}

pub fn router(state: State) -> Router {
    Router::new()
        .route("/api/v1/health", get(device::health))
        .route("/api/v1/devices/enroll", post(device::enroll))
        .route("/api/v1/sync/push", post(sync::push))
        .route("/api/v1/sync/pull", get(sync::pull))
        .route("/api/v1/openapi.json", get(openapi::openapi_json))
        .route("/admin", get(admin::page))
        .route("/admin/devices/{id}/revoke", post(admin::revoke))
        // Bodies are capped by our own reader (with ApiError answers), not axum's default.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(state)
}
