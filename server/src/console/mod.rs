//! The back-office console: server-rendered pages on the server's own
//! HTTPS port (`/console/…`), for the people who never hold a handheld.
//!
//! Every action calls the same handler the JSON API runs, with the person
//! the session cookie names, so rights and rules have one source. Pages
//! are askama templates (`server/templates/console/`), escaped by default;
//! no script and nothing from elsewhere: forms post, links get.
//!
//! Trust: the session is the API's (argon2 password, lock-out, 12 hours),
//! held in a `Secure; HttpOnly; SameSite=Strict` cookie; every change is a
//! POST whose `Origin` must be this server (`guard_origin`).

mod admin;
mod approvals;
mod attention;
mod audit;
mod dashboard;
pub mod i18n;
mod inspections;
mod layout;
mod master;
mod orders;
mod period;
mod receipts;
mod record;
mod reports;
mod requests;
mod scan;
pub(crate) mod serial_index;
mod serials;
mod session;
pub mod setup;
mod stock;
mod table;
mod transfers;
mod upload;
mod words;

use crate::api::auth::UserAuth;
use crate::api::{ApiError, AppState};
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use i18n::{Lang, Tr};
pub use layout::Layout;

/// The cookie that holds the session token.
const COOKIE: &str = "sparescan_session";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console") }))
        .route("/console/static/console.css", get(stylesheet))
        .merge(session::routes())
        .merge(orders::routes())
        .merge(stock::routes())
        .merge(scan::routes())
        .merge(reports::routes())
        .merge(period::routes())
        .merge(inspections::routes())
        .merge(admin::routes())
        .merge(attention::routes())
        .merge(audit::routes())
        .merge(dashboard::routes())
        .merge(master::routes())
        .merge(requests::routes())
        .merge(approvals::routes())
        .merge(serials::routes())
        .merge(transfers::routes())
        .merge(receipts::routes())
        // Only on the console's own routes: the API's answers (and its 404
        // for a path nobody serves) stay the API's.
        .route_layer(axum::middleware::from_fn(guard_origin))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../templates/console/console.css"),
    )
        .into_response()
}

/// A change (any method but GET and HEAD) is taken only from a page of
/// this server: its `Origin` must name the host the request came to. With
/// the `SameSite=Strict` cookie this stops another site's form from acting
/// in a signed-in person's name. Every answer also tells the browser not to
/// frame the page or guess content types.
async fn guard_origin(req: Request, next: Next) -> Response {
    let host = request_host(req.headers(), req.uri());
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|h| h.to_str().ok());
    if !matches!(*req.method(), Method::GET | Method::HEAD) && !same_origin(origin, host.as_deref())
    {
        let tr = browser_tr(req.headers(), req.uri());
        return error_page(
            tr,
            StatusCode::FORBIDDEN,
            tr.t("This change did not come from a page of this server, so it was not made. Open the console and try again from there."),
        );
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    res
}

/// The host (and port) a request was sent to: the `Host` header, or with
/// HTTP/2 the request's authority.
fn request_host(headers: &HeaderMap, uri: &axum::http::Uri) -> Option<String> {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.to_string()))
}

fn same_origin(origin: Option<&str>, host: Option<&str>) -> bool {
    match (origin, host) {
        (Some(origin), Some(host)) => origin == format!("https://{host}"),
        _ => false,
    }
}

/// The signed-in person of a console request, from the session cookie,
/// and the language they read the console in. Without a valid session
/// the page sends them to sign in; a session opened with a one-time
/// password goes to choosing a password first.
pub struct Person(pub UserAuth, pub Tr);

impl FromRequestParts<AppState> for Person {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let (auth, _, tr) = session_of(parts, state).await?;
        if auth.session.password_change_only {
            return Err(Redirect::to("/console/password").into_response());
        }
        Ok(Person(auth, tr))
    }
}

/// Someone not (yet) signed in, and the language to show them: `lang=`
/// in the URL (the language links), else the browser's.
pub struct Visitor(pub Tr);

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Visitor(browser_tr(&parts.headers, &parts.uri)))
    }
}

/// The language a request asks for without a session: `lang=` in its
/// query, else its `Accept-Language`, else English.
fn browser_tr(headers: &HeaderMap, uri: &axum::http::Uri) -> Tr {
    let from_query = uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::from_code(v))
    });
    let from_browser = || {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|h| h.to_str().ok())
            .and_then(Lang::from_accept_language)
    };
    Tr(from_query.or_else(from_browser).unwrap_or_default())
}

/// The language a signed-in person chose, else their browser's.
async fn person_tr(state: &AppState, auth: &UserAuth, parts: &Parts) -> Result<Tr, ApiError> {
    let site = auth.session.site.clone();
    let user = auth.user.id.to_string();
    let chosen = state
        .readers
        .with(move |s| Ok(s.user_language(&site, &user)?))
        .await?;
    Ok(match chosen.as_deref().and_then(Lang::from_code) {
        Some(lang) => Tr(lang),
        None => browser_tr(&parts.headers, &parts.uri),
    })
}

/// The session of a request (also one that may only change its password),
/// its token's hash and the person's language; else a redirect to sign
/// in, back to this page.
async fn session_of(parts: &Parts, state: &AppState) -> Result<(UserAuth, String, Tr), Response> {
    let to_sign_in = || {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/console");
        Redirect::to(&format!("/console/sign-in?next={}", encode(next))).into_response()
    };
    let Some(token) = cookie(&parts.headers, COOKIE) else {
        return Err(to_sign_in());
    };
    let (auth, hash) = match UserAuth::of_token(&token, state).await {
        Ok(found) => found,
        Err(e) if e.status == StatusCode::UNAUTHORIZED => return Err(to_sign_in()),
        Err(e) => return Err(failure(browser_tr(&parts.headers, &parts.uri), e)),
    };
    let tr = person_tr(state, &auth, parts)
        .await
        .map_err(|e| failure(browser_tr(&parts.headers, &parts.uri), e))?;
    Ok((auth, hash, tr))
}

/// A cookie's value from the request's `Cookie` headers.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The `Set-Cookie` value that holds a session (or, empty, ends it).
fn session_cookie(token: &str, max_age_secs: i64) -> HeaderValue {
    let value = format!(
        "{COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}"
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Percent-encodes a value for a URL's path segment or query.
fn encode(value: &str) -> String {
    sparescan_core::url::encode(value)
}

/// A page: the rendered template, or a plain error page if it could not
/// be rendered.
/// The site's warehouses as a form's choices: id, "id — name". Empty when
/// the ledger cannot be read (the form then offers none).
fn warehouse_choices(state: &AppState, auth: &crate::api::auth::UserAuth) -> Vec<(String, String)> {
    state
        .ledger
        .read(&auth.session.site, |s| {
            s.master
                .warehouses
                .iter()
                .map(|w| (w.id.to_string(), format!("{} — {}", w.id, w.name)))
                .collect()
        })
        .unwrap_or_default()
}

/// A page answered with `status` when it rendered (a refusal shown on its
/// page is not a 200); an error page keeps its own.
fn with_status(status: StatusCode, response: Response) -> Response {
    if response.status().is_success() {
        (status, response).into_response()
    } else {
        response
    }
}

fn page(rendered: Result<String, askama::Error>) -> Response {
    match rendered {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            log::error!("console page not rendered: {e}");
            // The template's language is not known here: both.
            error_page(
                Tr(Lang::En),
                StatusCode::INTERNAL_SERVER_ERROR,
                "This page could not be shown. Try again; if it keeps happening, tell your admin (the server's log has the details). / Страницу не удалось показать. Попробуйте ещё раз; если это повторится, сообщите администратору (подробности в журнале сервера).",
            )
        }
    }
}

/// An API error as a page a person can act on, in their language.
fn failure(tr: Tr, e: ApiError) -> Response {
    error_page(tr, e.status, &tr.api_error(&e))
}

fn error_page(tr: Tr, status: StatusCode, message: &str) -> Response {
    #[derive(askama::Template)]
    #[template(path = "console/error.html")]
    struct ErrorPage<'a> {
        message: &'a str,
        status: u16,
        tr: Tr,
    }
    let html = askama::Template::render(&ErrorPage {
        message,
        status: status.as_u16(),
        tr,
    })
    .unwrap_or_else(|_| message.to_owned());
    (status, Html(html)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_must_be_this_server() {
        let host = Some("127.0.0.1:8443");
        assert!(!same_origin(None, host), "no Origin: refused");
        assert!(same_origin(Some("https://127.0.0.1:8443"), host));
        assert!(!same_origin(Some("https://evil.example"), host));
        assert!(!same_origin(Some("http://127.0.0.1:8443"), host));
        assert!(!same_origin(Some("null"), host));
        assert!(!same_origin(Some("https://127.0.0.1:8443"), None));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sparescan_session=ses_x; b=2"),
        );
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("ses_x"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
