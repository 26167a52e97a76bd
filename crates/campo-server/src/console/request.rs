//! What every console action reads of its request besides the form: the server's state, the
//! signed-in account, the client's connection, the query, the headers and the page's
//! language, taken once by one extractor instead of six in every handler.

use super::access::Area;
use super::pages::lang;
use super::session::SignedIn;
use crate::http::State;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use campo_core::Lang;
use std::net::SocketAddr;

pub struct ConsoleRequest {
    pub state: State,
    pub who: SignedIn,
    /// The connection's peer (client_address.rs tells the client from it and the headers).
    pub peer: SocketAddr,
    pub q: Option<String>,
    pub headers: HeaderMap,
    pub lang: Lang,
}

impl ConsoleRequest {
    /// The form refused before anything is looked at (token, origin, the role's share of
    /// `area`): the page to answer with, or `None` to go on.
    pub fn refused(&self, csrf: &str, area: Area, here: &str) -> Option<Response> {
        self.who.refused(
            &self.state.console,
            &self.headers,
            csrf,
            area,
            self.lang,
            here,
        )
    }
}

impl FromRequestParts<State> for ConsoleRequest {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Response> {
        // Signed in first: without a session the answer is the login page, whatever else.
        let who = SignedIn::from_request_parts(parts, state).await?;
        let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let q = parts.uri.query().map(str::to_string);
        let headers = parts.headers.clone();
        let lang = lang(q.as_deref(), &headers);
        Ok(ConsoleRequest {
            state: state.clone(),
            who,
            peer,
            q,
            headers,
            lang,
        })
    }
}
