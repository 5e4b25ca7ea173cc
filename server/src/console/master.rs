//! Master data in the console: each entity's records as a table (filter,
//! sort, pages, export), a form to add or change one record, and a CSV or
//! XLSX file to import many. Every change goes through the API's own
//! handlers (the import, and for a person's badge and PIN the edit), so
//! the rights (the entity's editors), the checks and the audit entry are
//! the API's. A file is all-or-nothing; its first problem is named by
//! line and column, and nothing of it is recorded.

use super::i18n::Tr;
use super::layout::{Flash, Layout};
use super::table::{self, Cell, Column, CsvTable, Row, SortKey, TableQuery};
use super::{Person, encode, failure, page, words};
use crate::api::auth::UserAuth;
use crate::api::backoffice::master;
use crate::api::backoffice::rows::{Cell as CellKind, Entity};
use crate::api::{ApiError, ApiJson, AppState};
use crate::csv_io;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use sparescan_core::model::{Role, Zone};
use sparescan_core::qty::Qty;
use std::borrow::Cow;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/master", get(entities))
        .route("/console/master/{entity}", get(records))
        .route("/console/master/{entity}/edit", get(edit_form).post(save))
        .route("/console/master/{entity}/import", post(import_file))
        .route("/console/users/{id}/badge-pin", post(badge_pin))
}

/// Whoever may change some master data (the nav shows them the page).
pub fn editors() -> Vec<Role> {
    let mut roles: Vec<Role> = Entity::ALL
        .iter()
        .flat_map(|e| e.editors().iter().copied())
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// The entity's name on the page.
pub fn title(e: Entity) -> &'static str {
    match e {
        Entity::Items => "Items",
        Entity::Warehouses => "Warehouses",
        Entity::Bins => "Bins",
        Entity::Batches => "Batches",
        Entity::Assets => "Assets",
        Entity::Users => "People and roles",
        Entity::Policy => "Site policy",
        Entity::Reasons => "Reasons",
    }
}

fn about(e: Entity) -> &'static str {
    match e {
        Entity::Items => {
            "Parts and materials: unit, tracking, barcodes, substitutes, cost, warranty."
        }
        Entity::Warehouses => "The stores of the site.",
        Entity::Bins => {
            "Places in a warehouse, each in its zone: storage, returns, quarantine or rejected."
        }
        Entity::Batches => "Batches of items tracked by batch, with their expiry.",
        Entity::Assets => "The equipment work orders are for.",
        Entity::Users => {
            "Who works at the site and in which roles; badges and PINs for the handheld."
        }
        Entity::Policy => {
            "The site's rules: tolerance, self-issue, return deadline, separation of duties."
        }
        Entity::Reasons => {
            "The reasons people choose for write-offs, defects, returns and substitutions."
        }
    }
}

/// A field's label: its CSV column in words.
fn label(tr: Tr, field: &str) -> String {
    tr.word(&field.replace('_', " "))
}

fn entity_of(name: &str) -> Result<Entity, ApiError> {
    name.parse::<Entity>().map_err(ApiError::not_found)
}

fn may_edit(auth: &UserAuth, e: Entity) -> bool {
    auth.user.has_any(e.editors())
}

/// The entity's records as the API exports them (its cells, key order),
/// kept by the site until its master data changes.
fn current(state: &AppState, auth: &UserAuth, e: Entity) -> Result<Arc<CsvTable>, ApiError> {
    Ok(state
        .ledger
        .read(&auth.session.site, |s| s.tables.of(e, &s.master))?)
}

fn as_table(header: Vec<&'static str>, texts: Vec<Vec<String>>) -> CsvTable {
    CsvTable::of(header.into_iter().map(str::to_owned).collect(), texts)
}

/// Only the records `key` names (all of them without a key, and the
/// policy), exported as the list is: a form reads one record of a
/// 100,000-item site without writing out the other 99,999.
fn named(
    state: &AppState,
    auth: &UserAuth,
    e: Entity,
    key: &[(String, String)],
) -> Result<CsvTable, ApiError> {
    let given = |name: &str| key.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let (id, item, code) = (given("id"), given("item"), given("code"));
    let text = state.ledger.read(&auth.session.site, |s| {
        let m = &s.master;
        let mut only = sparescan_core::model::MasterData {
            policy: m.policy.clone(),
            ..Default::default()
        };
        let is = |have: &str, want: Option<&str>| want == Some(have);
        match e {
            Entity::Items => {
                only.items = m
                    .items
                    .iter()
                    .filter(|x| is(x.id.as_str(), id))
                    .cloned()
                    .collect()
            }
            Entity::Warehouses => {
                only.warehouses = m
                    .warehouses
                    .iter()
                    .filter(|x| is(x.id.as_str(), id))
                    .cloned()
                    .collect()
            }
            Entity::Bins => {
                only.bins = m
                    .bins
                    .iter()
                    .filter(|x| is(x.id.as_str(), id))
                    .cloned()
                    .collect()
            }
            Entity::Batches => {
                only.batches = m
                    .batches
                    .iter()
                    .filter(|x| is(x.item.as_str(), item) && is(x.code.as_str(), code))
                    .cloned()
                    .collect()
            }
            Entity::Assets => {
                only.assets = m
                    .assets
                    .iter()
                    .filter(|x| is(x.id.as_str(), id))
                    .cloned()
                    .collect()
            }
            Entity::Users => {
                only.users = m
                    .users
                    .iter()
                    .filter(|x| is(x.id.as_str(), id))
                    .cloned()
                    .collect()
            }
            Entity::Reasons => {
                only.reasons = m
                    .reasons
                    .iter()
                    .filter(|x| is(x.code.as_str(), code))
                    .cloned()
                    .collect()
            }
            Entity::Policy => {}
        }
        csv_io::cells(e, &only)
    })?;
    Ok(as_table(text.0, text.1))
}

// ---- the list of entities ----

#[derive(Template)]
#[template(path = "console/master.html")]
struct EntitiesPage {
    layout: Layout,
    /// Link, name, what it holds, whether the person may change it.
    entities: Vec<(String, &'static str, &'static str, bool)>,
}

async fn entities(Person(auth, tr): Person) -> Response {
    let entities = Entity::ALL
        .iter()
        .map(|e| {
            (
                format!("/console/master/{}", e.name()),
                tr.t(title(*e)),
                tr.t(about(*e)),
                may_edit(&auth, *e),
            )
        })
        .collect();
    page(
        EntitiesPage {
            layout: Layout::of(&auth, tr, tr.t("Master data"), "/console/master"),
            entities,
        }
        .render(),
    )
}

// ---- one entity's records ----

#[derive(Debug, Default, Deserialize)]
struct RecordsQuery {
    #[serde(default)]
    q: String,
    saved: Option<String>,
    #[serde(flatten)]
    table: TableQuery,
}

#[derive(Template)]
#[template(path = "console/master_records.html")]
struct RecordsPage {
    layout: Layout,
    name: &'static str,
    q: String,
    may_edit: bool,
    table: table::Shown,
}

/// The link that edits a record: its key fields in the query.
fn edit_href(e: Entity, header: &[String], row: &[String]) -> String {
    let keys: Vec<String> = e
        .key_fields()
        .iter()
        .filter_map(|k| {
            let i = header.iter().position(|h| h == k)?;
            Some(format!("{k}={}", encode(row.get(i)?)))
        })
        .collect();
    format!("/console/master/{}/edit?{}", e.name(), keys.join("&"))
}

async fn records(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(name): Path<String>,
    Query(f): Query<RecordsQuery>,
) -> Response {
    let e = match entity_of(&name) {
        Ok(e) => e,
        Err(err) => return failure(tr, err),
    };
    if e == Entity::Policy {
        return Redirect::to("/console/master/policy/edit").into_response();
    }
    let found = match current(&state, &auth, e) {
        Ok(t) => t,
        Err(err) => return failure(tr, err),
    };
    let editable = may_edit(&auth, e);
    let needle = f.q.trim().to_lowercase();
    let columns: Vec<Column> = found
        .header
        .iter()
        .zip(&found.numeric)
        .map(|(h, n)| Column {
            key: Cow::Owned(h.clone()),
            // In English: the table puts it in the reader's language.
            label: Cow::Owned(h.replace('_', " ")),
            numeric: *n,
        })
        .collect();
    let rows = found
        .texts
        .iter()
        .filter(|r| needle.is_empty() || r.iter().any(|c| table::contains_folded(c, &needle)))
        .map(|r| RecordRow {
            entity: e,
            header: &found.header,
            numeric: &found.numeric,
            cells: r,
        });
    let base = table::with_filters(
        &format!("/console/master/{}", e.name()),
        [table::param("q", &f.q)],
    );
    let shown = match table::answer(tr, &columns, rows, &f.table, (&base, e.name())) {
        table::Answer::Page(shown) => shown,
        table::Answer::Export(export) => return export,
    };
    let flash = f.saved.map(|what| {
        Flash::ok(match what.parse::<usize>() {
            Ok(n) => tr.f("Imported: {n} records added or changed.", &[("n", &n)]),
            Err(_) => tr.t("Saved.").to_owned(),
        })
    });
    page(
        RecordsPage {
            layout: Layout::of(&auth, tr, tr.t(title(e)), "/console/master").with_flash(flash),
            name: e.name(),
            q: f.q,
            may_edit: editable,
            table: shown,
        }
        .render(),
    )
}

/// A record of the table: its cells become cells only when shown or
/// exported (an item list is 100,000 records).
struct RecordRow<'a> {
    entity: Entity,
    header: &'a [String],
    numeric: &'a [bool],
    cells: &'a [String],
}

impl Row for RecordRow<'_> {
    fn sort_key(&self, column: usize) -> SortKey<'_> {
        let text = self.cells.get(column).map(String::as_str).unwrap_or("");
        if self.numeric.get(column).copied().unwrap_or(false) {
            SortKey::Number(text.parse::<Qty>().map(|q| q.milli()).unwrap_or(0))
        } else {
            SortKey::text(text)
        }
    }

    fn into_cells(self) -> Vec<Cell> {
        self.cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // The record's form: to change it, or to read it whole.
                if i == 0 {
                    Cell::link(c.clone(), edit_href(self.entity, self.header, self.cells))
                } else if self.numeric.get(i).copied().unwrap_or(false) {
                    Cell::figure(c.clone())
                } else {
                    Cell::text(c.clone())
                }
            })
            .collect()
    }
}

// ---- one record ----

/// A field of the form.
pub struct FormField {
    pub name: &'static str,
    pub label: String,
    /// `text`, `select` or `checkboxes`.
    pub input: &'static str,
    pub value: String,
    /// For a choice: value, words, chosen.
    pub options: Vec<(String, String, bool)>,
    pub hint: &'static str,
    pub required: bool,
    /// A key of a record that exists: it names the record, so it stays.
    pub fixed: bool,
}

#[derive(Template)]
#[template(path = "console/master_edit.html")]
struct EditPage {
    layout: Layout,
    name: &'static str,
    fields: Vec<FormField>,
    is_new: bool,
    /// Where a person's badge and PIN are set (people only, saved).
    badge_pin_href: Option<String>,
    may_edit: bool,
}

/// The form's fields, filled from `values` (field → text).
fn form_fields(tr: Tr, e: Entity, values: &[(String, String)], is_new: bool) -> Vec<FormField> {
    let value = |name: &str| {
        values
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join("|")
    };
    e.fields()
        .iter()
        .map(|f| {
            let v = value(f.name);
            let fixed = !is_new && e.key_fields().contains(&f.name);
            let (input, options, hint) = match (e, f.name, f.cell) {
                (Entity::Users, "roles", _) => {
                    let chosen: Vec<&str> = v.split('|').collect();
                    let options = Role::ALL
                        .iter()
                        .map(|r| {
                            let key = csv_io::serde_name(r);
                            let ticked = chosen.contains(&key.as_str());
                            (key, tr.role(*r).to_owned(), ticked)
                        })
                        .collect();
                    ("checkboxes", options, "")
                }
                (Entity::Bins, "zone", _) => {
                    let options = [
                        Zone::Storage,
                        Zone::Returns,
                        Zone::Quarantine,
                        Zone::Rejected,
                    ]
                    .iter()
                    .map(|z| {
                        let key = csv_io::serde_name(z);
                        let chosen = v == key;
                        (key, words::zone(tr, *z).to_owned(), chosen)
                    })
                    .collect();
                    ("select", options, "")
                }
                (_, _, CellKind::Bool) => {
                    let yes = v == "true" || (v.is_empty() && default_true(f.name));
                    let options = vec![
                        ("true".to_owned(), tr.t("yes").to_owned(), yes),
                        ("false".to_owned(), tr.t("no").to_owned(), !yes),
                    ];
                    ("select", options, "")
                }
                (_, _, CellKind::List) => ("text", Vec::new(), "several: separate them with |"),
                (_, _, CellKind::OptText | CellKind::OptNum) => {
                    ("text", Vec::new(), "empty for none")
                }
                (_, _, CellKind::Num) => ("text", Vec::new(), "a whole number"),
                (_, _, CellKind::Text) => ("text", Vec::new(), ""),
            };
            FormField {
                name: f.name,
                label: label(tr, f.name),
                input,
                value: v,
                options,
                hint: if hint.is_empty() { "" } else { tr.t(hint) },
                required: f.required && e != Entity::Policy,
                fixed,
            }
        })
        .collect()
}

/// Fields a new record has switched on unless it says otherwise.
fn default_true(field: &str) -> bool {
    field == "active"
}

/// The record the query's key fields name, as field → text pairs.
fn record_of(
    e: Entity,
    table: &CsvTable,
    key: &[(String, String)],
) -> Option<Vec<(String, String)>> {
    if e == Entity::Policy {
        // The policy is one record, written as setting/value lines.
        return Some(
            table
                .texts
                .iter()
                .filter_map(|r| Some((r.first()?.clone(), r.get(1)?.clone())))
                .collect(),
        );
    }
    let keys = e.key_fields();
    if keys.iter().any(|k| !key.iter().any(|(q, _)| q == k)) {
        return None;
    }
    table
        .texts
        .iter()
        .find(|r| {
            keys.iter().all(|k| {
                let i = table.header.iter().position(|h| h == k);
                let want = key.iter().find(|(q, _)| q == k).map(|(_, v)| v);
                i.and_then(|i| r.get(i)) == want
            })
        })
        .map(|r| {
            table
                .header
                .iter()
                .cloned()
                .zip(r.iter().cloned())
                .collect()
        })
}

fn edit_page(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    e: Entity,
    key: &[(String, String)],
    typed: Option<Vec<(String, String)>>,
    flash: Option<Flash>,
) -> Result<EditPage, ApiError> {
    let found = record_of(e, &named(state, auth, e, key)?, key);
    let is_new = found.is_none();
    let values = typed.or(found).unwrap_or_default();
    let badge_pin_href = (e == Entity::Users && !is_new)
        .then(|| {
            values
                .iter()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| format!("/console/users/{}/badge-pin", encode(v)))
        })
        .flatten();
    let title = match (e, is_new) {
        (Entity::Policy, _) => tr.t("Site policy").to_owned(),
        (_, true) => tr.f("New record: {what}", &[("what", &tr.t(title(e)))]),
        (_, false) => {
            let named: Vec<&str> = e
                .key_fields()
                .iter()
                .filter_map(|k| values.iter().find(|(f, _)| f == k).map(|(_, v)| v.as_str()))
                .collect();
            tr.f(
                "{what}: {record}",
                &[("what", &tr.t(title(e))), ("record", &named.join(" "))],
            )
        }
    };
    Ok(EditPage {
        layout: Layout::of(auth, tr, title, "/console/master")
            .form_first()
            .with_flash(flash),
        name: e.name(),
        fields: form_fields(tr, e, &values, is_new),
        is_new,
        badge_pin_href,
        may_edit: may_edit(auth, e),
    })
}

async fn edit_form(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(name): Path<String>,
    Query(key): Query<Vec<(String, String)>>,
) -> Response {
    let e = match entity_of(&name) {
        Ok(e) => e,
        Err(err) => return failure(tr, err),
    };
    let flash = key
        .iter()
        .any(|(k, _)| k == "saved")
        .then(|| Flash::ok(tr.t("Saved.")));
    match edit_page(&state, &auth, tr, e, &key, None, flash) {
        Ok(p) => page(p.render()),
        Err(err) => failure(tr, err),
    }
}

/// The form's fields as one CSV record (the policy as setting/value
/// lines), the way the import takes it.
fn form_csv(e: Entity, pairs: &[(String, String)]) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let value = |name: &str| {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .collect::<Vec<_>>()
            .join("|")
    };
    let given: Vec<&'static str> = e
        .fields()
        .iter()
        .map(|f| f.name)
        .filter(|n| pairs.iter().any(|(k, _)| k == n) || *n == "roles")
        .collect();
    let err = |e: csv::Error| e.to_string();
    if e == Entity::Policy {
        w.write_record(["setting", "value"]).map_err(err)?;
        for f in &given {
            w.write_record([*f, value(f).as_str()]).map_err(err)?;
        }
    } else {
        w.write_record(&given).map_err(err)?;
        w.write_record(given.iter().map(|f| value(f)))
            .map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// Runs the API's import with `csv` as the file.
async fn import_csv(
    state: &AppState,
    auth: &UserAuth,
    e: Entity,
    csv: String,
) -> Result<usize, ApiError> {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    master::import(
        State(state.clone()),
        auth.clone(),
        Path(e.name().to_owned()),
        headers,
        Ok(Bytes::from(csv)),
    )
    .await
    .map(|saved| saved.0.saved)
}

async fn save(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(name): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let e = match entity_of(&name) {
        Ok(e) => e,
        Err(err) => return failure(tr, err),
    };
    let key: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| e.key_fields().contains(&k.as_str()))
        .cloned()
        .collect();
    let outcome = match form_csv(e, &pairs) {
        Ok(csv) => import_csv(&state, &auth, e, csv).await,
        Err(m) => Err(ApiError::bad_request("invalid", m)),
    };
    match outcome {
        Ok(_) => {
            let keys: Vec<String> = key
                .iter()
                .map(|(k, v)| format!("{k}={}", encode(v.trim())))
                .chain(["saved=1".to_owned()])
                .collect();
            Redirect::to(&format!(
                "/console/master/{}/edit?{}",
                e.name(),
                keys.join("&")
            ))
            .into_response()
        }
        Err(err) => {
            // The form again as it was filled, with what to fix (the
            // import names "line 2": the form is that line).
            let why = tr.api_error(&err);
            let why = why.strip_prefix("line 2, ").unwrap_or(&why).to_owned();
            match edit_page(
                &state,
                &auth,
                tr,
                e,
                &key,
                Some(pairs),
                Some(Flash::error(why)),
            ) {
                Ok(p) => (err.status, page(p.render())).into_response(),
                Err(e2) => failure(tr, e2),
            }
        }
    }
}

/// A person's badge and PIN, through the API's edit of people (the PIN
/// kept as a hash, its length checked against the person's roles).
async fn badge_pin(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let given = |k: &str| {
        pairs
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut record = serde_json::Map::new();
    record.insert("id".into(), id.clone().into());
    if let Some(b) = given("badge") {
        record.insert("badge".into(), b.into());
    }
    if let Some(p) = given("pin") {
        record.insert("pin".into(), p.into());
    }
    let key = [("id".to_owned(), id.clone())];
    let outcome = if record.len() == 1 {
        Err(ApiError::bad_request(
            "invalid",
            "give a badge, a PIN or both",
        ))
    } else {
        master::put(
            State(state.clone()),
            auth.clone(),
            Path("users".to_owned()),
            ApiJson(serde_json::Value::Array(vec![record.into()])),
        )
        .await
        .map(|_| ())
    };
    let flash = match outcome {
        Ok(()) => Flash::ok(tr.f(
            "The badge and PIN of {who} are set. Their handheld sign-ins so far have ended.",
            &[("who", &id)],
        )),
        Err(err) => Flash::error(tr.api_error(&err)),
    };
    match edit_page(&state, &auth, tr, Entity::Users, &key, None, Some(flash)) {
        Ok(p) => page(p.render()),
        Err(e) => failure(tr, e),
    }
}

async fn import_file(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(name): Path<String>,
    mut form: Multipart,
) -> Response {
    let e = match entity_of(&name) {
        Ok(e) => e,
        Err(err) => return failure(tr, err),
    };
    let (filename, csv) = match super::upload::csv_of(tr, &mut form).await {
        Ok(f) => f,
        Err(why) => return refused(tr, &why),
    };
    let outcome = import_csv(&state, &auth, e, csv)
        .await
        .map_err(|err| tr.api_error(&err));
    match outcome {
        Ok(n) => Redirect::to(&format!("/console/master/{}?saved={n}", e.name())).into_response(),
        Err(why) => refused(
            tr,
            &tr.f(
                "Nothing was imported from {file}: {why}",
                &[("file", &filename), ("why", &why)],
            ),
        ),
    }
}

fn refused(tr: Tr, why: &str) -> Response {
    super::error_page(tr, StatusCode::BAD_REQUEST, why)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::i18n::{Lang, has_russian};

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_form_is_one_csv_record() {
        let csv = form_csv(
            Entity::Users,
            &pairs(&[
                ("id", "tech-9"),
                ("name", "Nina, Night shift"),
                ("roles", "technician"),
                ("roles", "clerk"),
                ("active", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(
            csv,
            "id,name,roles,active\ntech-9,\"Nina, Night shift\",technician|clerk,true\n"
        );
        // No role ticked: an empty list, which the import refuses by name.
        let csv = form_csv(Entity::Users, &pairs(&[("id", "x"), ("name", "X")])).unwrap();
        assert_eq!(csv, "id,name,roles\nx,X,\n");
        let csv = form_csv(
            Entity::Policy,
            &pairs(&[("tolerance_percent", "10"), ("self_issue_allowed", "false")]),
        )
        .unwrap();
        assert_eq!(
            csv,
            "setting,value\ntolerance_percent,10\nself_issue_allowed,false\n"
        );
    }

    #[test]
    fn every_field_and_entity_has_its_russian() {
        let mut missing = Vec::new();
        for e in Entity::ALL {
            for t in [title(e), about(e)] {
                if !has_russian(t) {
                    missing.push(t.to_owned());
                }
            }
            for f in e.fields() {
                let l = f.name.replace('_', " ");
                if !has_russian(&l) {
                    missing.push(l);
                }
            }
        }
        assert!(missing.is_empty(), "no Russian for {missing:?}");
        assert_eq!(label(Tr(Lang::Ru), "unit_cost"), "Цена за единицу");
        assert_eq!(csv_io::serde_name(&Role::Admin), "admin");
        assert_eq!(csv_io::serde_name(&Zone::Quarantine), "quarantine");
    }
}
