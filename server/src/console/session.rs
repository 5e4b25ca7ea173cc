//! Getting in and out: the first run (the first site and its admin), sign
//! in with badge or user id and password, choosing a password after a
//! one-time one, sign out. Sign-in is the API's (`office_sign_in`): the
//! same lock-out, the same decoy for unknown people.

use super::i18n::{Lang, Tr};
use super::layout::{Flash, Layout};
use super::{COOKIE, Visitor, cookie, page, session_cookie, session_of};
use crate::api::auth::{UserAuth, hash_secret, office_sign_in, open_session};
use crate::api::lockout::ClientAddr;
use crate::api::passwords::{self, AnySession};
use crate::api::{ApiError, ApiJson, AppState};
use crate::init::{NewSite, NewSiteError, create_with_admin};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Utc;
use serde::Deserialize;
use sparescan_core::ids::{SiteId, UserId};
use sparescan_core::sync::{PasswordChange, SignInRequest, SignInResponse};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(home))
        .route("/console/setup", get(setup_form).post(setup))
        .route("/console/sign-in", get(sign_in_form).post(sign_in))
        .route("/console/sign-out", post(sign_out))
        .route("/console/password", get(password_form).post(password))
        .route("/console/account", get(password_form))
        .route("/console/account/language", post(language))
}

/// The console's front door: the first run, sign-in, or the person's
/// first page.
async fn home(State(state): State<AppState>, parts: Parts) -> Response {
    if state.setup.pending() && no_site(&state) {
        return Redirect::to("/console/setup").into_response();
    }
    match session_of(&parts, &state).await {
        Ok(_) => Redirect::to("/console/work-orders").into_response(),
        Err(to_sign_in) => to_sign_in,
    }
}

fn no_site(state: &AppState) -> bool {
    state
        .ledger
        .sites()
        .read()
        .map(|s| s.is_empty())
        .unwrap_or(false)
}

// ---- first run ----

#[derive(Default, Deserialize)]
struct SetupFields {
    #[serde(default)]
    token: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    site_name: String,
    #[serde(default)]
    admin: String,
    #[serde(default)]
    admin_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    #[serde(default)]
    lang: String,
}

#[derive(Template)]
#[template(path = "console/setup.html")]
struct SetupPage {
    layout: Layout,
    /// The values given, shown again after a refusal (never the token or
    /// the passwords).
    site: String,
    site_name: String,
    admin: String,
    admin_name: String,
    open: bool,
}

impl SetupPage {
    fn new(tr: Tr, fields: &SetupFields, open: bool, flash: Option<Flash>) -> Self {
        SetupPage {
            layout: Layout::public(tr, "First run: make the site").with_flash(flash),
            site: fields.site.clone(),
            site_name: fields.site_name.clone(),
            admin: fields.admin.clone(),
            admin_name: fields.admin_name.clone(),
            open,
        }
    }
}

async fn setup_form(State(state): State<AppState>, Visitor(tr): Visitor) -> Response {
    let open = state.setup.pending() && no_site(&state);
    page(SetupPage::new(tr, &SetupFields::default(), open, None).render())
}

async fn setup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Visitor(browser): Visitor,
    Form(fields): Form<SetupFields>,
) -> Response {
    let tr = Lang::from_code(&fields.lang).map(Tr).unwrap_or(browser);
    let again = |status: StatusCode, message: String| {
        let open = state.setup.pending();
        (
            status,
            page(SetupPage::new(tr, &fields, open, Some(Flash::error(message))).render()),
        )
            .into_response()
    };
    if fields.password != fields.password_again {
        return again(
            StatusCode::BAD_REQUEST,
            tr.t("The two passwords differ: type the same password twice.")
                .into(),
        );
    }
    if let Err(e) = passwords::check_new(&fields.password, &fields.admin, Some(&fields.admin)) {
        return again(StatusCode::BAD_REQUEST, tr.api_error(&e));
    }
    if !state.setup.take(&fields.token) {
        log::warn!("first run: a wrong setup token from {addr:?}");
        return again(
            StatusCode::UNAUTHORIZED,
            tr.t("That is not the setup token, or the site has been made already. The token is in the server's log and in the file setup-token in its data directory.").into(),
        );
    }
    match first_site(&state, &fields).await {
        Ok(signed_in) => {
            state.setup.spent();
            remember_language(&state, &fields.site, &fields.admin, &fields.lang, false).await;
            log::info!(
                "first run: site {} made with its admin {} from {addr:?}",
                fields.site.trim(),
                fields.admin.trim()
            );
            signed_in_to(&signed_in, "/console/work-orders")
        }
        Err(e) => {
            // Nothing was made (or, for a password that could not be set,
            // the message says what is left to do).
            if !matches!(e, NewSiteError::NoPassword { .. }) {
                state.setup.give_back(&fields.token);
            }
            let status = match &e {
                NewSiteError::Invalid(_) => StatusCode::BAD_REQUEST,
                NewSiteError::Ledger(_) | NewSiteError::NoPassword { .. } => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
            };
            again(
                status,
                tr.api_error(&ApiError::new(status, "setup", e.to_string())),
            )
        }
    }
}

/// Makes the site and its admin with the password they chose, and signs
/// them in.
async fn first_site(
    state: &AppState,
    fields: &SetupFields,
) -> Result<SignInResponse, NewSiteError> {
    let new = NewSite {
        site: fields.site.trim(),
        name: &fields.site_name,
        admin: fields.admin.trim(),
        admin_name: &fields.admin_name,
    };
    create_with_admin(&state.ledger, &new, "setup").await?;
    let site = SiteId::new(fields.site.trim());
    let admin = UserId::new(fields.admin.trim());
    let no_password = |e: ApiError| NewSiteError::NoPassword {
        site: site.clone(),
        admin: admin.clone(),
        why: e.message,
    };
    passwords::set_password(
        &state.ledger,
        &site,
        &admin,
        Some(admin.as_str()),
        &fields.password,
        admin.as_str(),
    )
    .await
    .map_err(no_password)?;
    let user = state
        .ledger
        .read(&site, |s| s.ledger.user(&admin))?
        .ok_or_else(|| NewSiteError::Invalid(format!("the admin {admin} was not made")))?;
    let opened = open_session(state, site.clone(), user, None, false, None)
        .await
        .map_err(no_password)?;
    Ok(opened.0)
}

/// A redirect to `to` that also holds the new session.
fn signed_in_to(signed_in: &SignInResponse, to: &str) -> Response {
    let max_age = (signed_in.expires_at - Utc::now()).num_seconds().max(0);
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&signed_in.token, max_age),
    );
    res
}

// ---- sign in and out ----

#[derive(Default, Deserialize)]
struct SignInQuery {
    next: Option<String>,
    out: Option<String>,
    /// A language the visitor chose with the page's language links.
    lang: Option<String>,
}

#[derive(Default, Deserialize)]
struct SignInFields {
    /// The language the sign-in page was shown in.
    #[serde(default)]
    lang: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage {
    layout: Layout,
    /// The language chosen on the page (empty: the browser's), which
    /// signing in makes the person's own.
    chosen: String,
    sites: Vec<String>,
    site: String,
    login: String,
    next: String,
}

impl SignInPage {
    fn new(
        state: &AppState,
        tr: Tr,
        (site, login, next, chosen): (&str, &str, &str, &str),
        flash: Option<Flash>,
    ) -> Self {
        let mut sites: Vec<String> = state
            .ledger
            .sites()
            .read()
            .map(|s| s.keys().map(|k| k.to_string()).collect())
            .unwrap_or_default();
        sites.sort();
        let next = safe_next(next);
        let mut layout = Layout::public(tr, "Sign in").with_flash(flash);
        if next != "/console" {
            layout = layout.keeping("next", next);
        }
        SignInPage {
            layout,
            chosen: Lang::from_code(chosen)
                .map(|l| l.code().to_owned())
                .unwrap_or_default(),
            site: site.to_owned(),
            sites,
            login: login.to_owned(),
            next: next.to_owned(),
        }
    }
}

/// Where to go after signing in: a console page, never another site.
fn safe_next(next: &str) -> &str {
    let inside = next.starts_with("/console") && !next.starts_with("//") && !next.contains('\\');
    if inside { next } else { "/console" }
}

async fn sign_in_form(
    State(state): State<AppState>,
    Visitor(tr): Visitor,
    Query(q): Query<SignInQuery>,
) -> Response {
    if state.setup.pending() && no_site(&state) {
        return Redirect::to("/console/setup").into_response();
    }
    let flash = q
        .out
        .is_some()
        .then(|| Flash::ok(tr.t("You are signed out.")));
    let next = q.next.unwrap_or_default();
    // After signing out the page keeps the last person's language, but
    // does not give it to whoever signs in next.
    let chosen = if q.out.is_some() {
        String::new()
    } else {
        q.lang.unwrap_or_default()
    };
    page(SignInPage::new(&state, tr, ("", "", &next, &chosen), flash).render())
}

async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Visitor(browser): Visitor,
    Form(f): Form<SignInFields>,
) -> Response {
    let tr = Lang::from_code(&f.lang).map(Tr).unwrap_or(browser);
    let request = SignInRequest {
        badge: f.login.clone(),
        pin: String::new(),
        password: Some(f.password.clone()),
        site: Some(SiteId::new(f.site.trim())),
    };
    match office_sign_in(state.clone(), addr, SiteId::new(f.site.trim()), request).await {
        Ok(signed_in) => {
            remember_language(&state, &f.site, signed_in.0.user.id.as_str(), &f.lang, true).await;
            let to = if signed_in.password_change_required {
                "/console/password"
            } else {
                safe_next(&f.next)
            };
            signed_in_to(&signed_in.0, to)
        }
        Err(e) => {
            let flash = Flash::error(tr.api_error(&e));
            let p = SignInPage::new(
                &state,
                tr,
                (&f.site, &f.login, &f.next, &f.lang),
                Some(flash),
            );
            (e.status, page(p.render())).into_response()
        }
    }
}

/// The language a person chose on the sign-in (or setup) page becomes
/// theirs; `replace` false keeps one they have.
async fn remember_language(state: &AppState, site: &str, user: &str, lang: &str, replace: bool) {
    let Some(lang) = Lang::from_code(lang) else {
        return;
    };
    let (site, user) = (SiteId::new(site.trim()), user.trim().to_owned());
    let written = state
        .ledger
        .write(move |s| {
            if replace || s.user_language(&site, &user)?.is_none() {
                s.set_user_language(&site, &user, lang.code())?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = written {
        // The console still works, in the browser's language.
        log::warn!("the language of a sign-in was not kept: {e}");
    }
}

async fn sign_out(State(state): State<AppState>, parts: Parts) -> Response {
    let tr = match session_of(&parts, &state).await {
        Ok((_, _, tr)) => tr,
        Err(_) => super::browser_tr(&parts.headers, &parts.uri),
    };
    if let Some(token) = cookie(&parts.headers, COOKIE) {
        let hash = hash_secret(&token);
        if let Err(e) = state.ledger.write(move |s| s.end_session(&hash)).await {
            log::error!("signing out: {e}");
            return super::failure(tr, e.into());
        }
    }
    let mut res =
        Redirect::to(&format!("/console/sign-in?out=1&lang={}", tr.lang().code())).into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0));
    res
}

// ---- password ----

#[derive(Default, Deserialize)]
struct PasswordFields {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    again: String,
}

#[derive(Template)]
#[template(path = "console/account.html")]
struct PasswordPage {
    layout: Layout,
    /// Signed in with a one-time password: nothing else opens until this.
    required: bool,
}

fn password_page(auth: &UserAuth, tr: Tr, flash: Option<Flash>) -> PasswordPage {
    let title = if auth.session.password_change_only {
        tr.t("Choose your password")
    } else {
        tr.t("Your account")
    };
    PasswordPage {
        layout: Layout::of(auth, tr, title, "/console/account")
            .form_first()
            .with_flash(flash),
        required: auth.session.password_change_only,
    }
}

#[derive(Default, Deserialize)]
struct AccountQuery {
    done: Option<String>,
}

async fn password_form(
    State(state): State<AppState>,
    Query(q): Query<AccountQuery>,
    parts: Parts,
) -> Response {
    match session_of(&parts, &state).await {
        Ok((auth, _, tr)) => {
            let flash = (q.done.as_deref() == Some("language"))
                .then(|| Flash::ok(tr.t("The console speaks your language now.")));
            page(password_page(&auth, tr, flash).render())
        }
        Err(to_sign_in) => to_sign_in,
    }
}

#[derive(Default, Deserialize)]
struct LanguageFields {
    #[serde(default)]
    lang: String,
}

/// A person chooses the language the console speaks to them in.
async fn language(
    State(state): State<AppState>,
    parts: Parts,
    Form(f): Form<LanguageFields>,
) -> Response {
    let (auth, _, tr) = match session_of(&parts, &state).await {
        Ok(found) => found,
        Err(to_sign_in) => return to_sign_in,
    };
    let Some(lang) = Lang::from_code(&f.lang) else {
        let flash = Flash::error(tr.t("Choose one of the languages listed."));
        return (
            StatusCode::BAD_REQUEST,
            page(password_page(&auth, tr, Some(flash)).render()),
        )
            .into_response();
    };
    let (site, user) = (auth.session.site.clone(), auth.user.id.to_string());
    match state
        .ledger
        .write(move |s| s.set_user_language(&site, &user, lang.code()))
        .await
    {
        Ok(()) => Redirect::to("/console/account?done=language").into_response(),
        Err(e) => super::failure(tr, e.into()),
    }
}

async fn password(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    parts: Parts,
    Form(f): Form<PasswordFields>,
) -> Response {
    let (auth, hash, tr) = match session_of(&parts, &state).await {
        Ok(found) => found,
        Err(to_sign_in) => return to_sign_in,
    };
    let refused = |auth: &UserAuth, status: StatusCode, message: String| {
        (
            status,
            page(password_page(auth, tr, Some(Flash::error(message))).render()),
        )
            .into_response()
    };
    if f.new != f.again {
        return refused(
            &auth,
            StatusCode::BAD_REQUEST,
            tr.t("The two new passwords differ: type the same password twice.")
                .into(),
        );
    }
    let kept = UserAuth {
        session: auth.session.clone(),
        user: auth.user.clone(),
    };
    let change = PasswordChange {
        current: f.current,
        new: f.new,
    };
    match passwords::change(
        State(state),
        ClientAddr(addr),
        AnySession(kept, hash),
        ApiJson(change),
    )
    .await
    {
        Ok(_) => Redirect::to("/console/work-orders?done=password").into_response(),
        Err(e) => refused(&auth, e.status, tr.api_error(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_in_the_console() {
        assert_eq!(
            safe_next("/console/work-orders?q=1"),
            "/console/work-orders?q=1"
        );
        assert_eq!(safe_next("https://evil.example/"), "/console");
        assert_eq!(safe_next("//evil.example/console"), "/console");
        assert_eq!(safe_next("/console\\..\\x"), "/console");
        assert_eq!(safe_next(""), "/console");
    }
}
