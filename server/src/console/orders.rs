//! Work orders: the list (everyone), a new order (those who plan), the
//! card with the lifecycle buttons the person's roles and the order's
//! status allow. Each action runs the API's handler with the signed-in
//! person, so it is allowed and judged exactly as over the API.

use super::i18n::Tr;
use super::layout::{Flash, Layout};
use super::record;
use super::table::{self, Cell, Column, Shown, TableQuery};
use super::{Person, encode, failure, page, words};
use crate::api::auth::UserAuth;
use crate::api::backoffice::card::Card;
use crate::api::backoffice::office_document;
use crate::api::backoffice::plan::{
    Clarification, LineInput, LinesChange, NewWorkOrder, TaskInput,
};
use crate::api::backoffice::work_orders::{self, Approval, ListQuery};
use crate::api::{ApiError, ApiJson, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use sparescan_core::document::{Body, DocKind, Transition};
use sparescan_core::ids::*;
use sparescan_core::model::WoStatus;
use sparescan_core::qty::Qty;
use sparescan_core::rules::next_status;
use sparescan_core::rules::roles::{approvers, author_roles, back_office};

/// Rows of material a new order's form offers.
const FORM_LINES: usize = 6;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/work-orders", get(list).post(create))
        .route("/console/work-orders/new", get(new_form))
        .route("/console/work-orders/{id}", get(card))
        .route("/console/work-orders/{id}/reserve", post(reserve))
        .route("/console/work-orders/{id}/release", post(release))
        .route("/console/work-orders/{id}/lock", post(lock))
        .route("/console/work-orders/{id}/settle", post(settle))
        .route("/console/work-orders/{id}/plan", post(replan))
        .route("/console/work-orders/{id}/pick-list", get(pick_list))
        .route("/console/work-orders/{id}/{action}", post(act))
}

// ---- the list ----

#[derive(Debug, Default, Deserialize)]
struct ListFilters {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    asset: String,
    done: Option<String>,
    #[serde(flatten)]
    table: TableQuery,
}

const LIST_COLUMNS: [Column; 7] = [
    Column::text("order", "Order"),
    Column::text("status", "Status"),
    Column::text("asset", "Asset"),
    Column::text("scope", "Scope"),
    Column::text("performer", "Performer"),
    Column::text("planned_start", "Planned start"),
    Column::number("lines", "Lines"),
];

#[derive(Template)]
#[template(path = "console/work_orders.html")]
struct ListPage {
    layout: Layout,
    q: String,
    status: String,
    asset: String,
    statuses: Vec<(&'static str, &'static str)>,
    table: Shown,
}

async fn list(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(f): Query<ListFilters>,
) -> Response {
    let layout = Layout::of(&auth, tr, tr.t("Work orders"), "/console/work-orders").with_flash(
        f.done
            .as_deref()
            .and_then(done_words)
            .map(|w| Flash::ok(tr.t(w))),
    );
    let query = ListQuery {
        status: (!f.status.is_empty()).then(|| f.status.clone()),
        asset: (!f.asset.is_empty()).then(|| AssetId::from(f.asset.clone())),
    };
    let orders = match work_orders::list(State(state), auth, Ok(Query(query))).await {
        Ok(found) => found.0,
        Err(e) => return failure(tr, e),
    };
    let needle = f.q.trim().to_lowercase();
    let rows: Vec<Vec<Cell>> = orders
        .into_iter()
        .filter(|o| {
            needle.is_empty()
                || [o.id.as_str(), o.asset.as_str(), o.scope.as_str()]
                    .iter()
                    .any(|t| t.to_lowercase().contains(&needle))
        })
        .map(|o| {
            vec![
                Cell::link(o.id.to_string(), order_href(&o.id)),
                Cell::text(words::status(tr, o.status)),
                Cell::text(o.asset.to_string()),
                Cell::text(o.scope.clone()),
                Cell::text(o.performer.map(|p| p.to_string()).unwrap_or_default()),
                Cell::text(o.planned_start.map(|d| d.to_string()).unwrap_or_default()),
                Cell::count(o.lines),
            ]
        })
        .collect();
    if table::wants_export(&f.table) {
        return table::export(tr, &LIST_COLUMNS, rows, &f.table, "work-orders");
    }
    let base = table::with_filters(
        "/console/work-orders",
        [
            table::param("q", &f.q),
            table::param("status", &f.status),
            table::param("asset", &f.asset),
        ],
    );
    page(
        ListPage {
            layout,
            statuses: WoStatus::ALL
                .iter()
                .map(|s| (words::status_key(*s), words::status(tr, *s)))
                .collect(),
            table: table::show(tr, &LIST_COLUMNS, rows, &f.table, &base),
            q: f.q,
            status: f.status,
            asset: f.asset,
        }
        .render(),
    )
}

fn order_href(id: &WorkOrderId) -> String {
    format!("/console/work-orders/{}", encode(id.as_str()))
}

/// What a finished action's `done=` says on the next page.
fn done_words(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "The work order was created. It waits for approval.",
        "password" => "Your password is set.",
        "approve" => "Approved: work can start; its reserves lock what the stores have.",
        "start" => "Work started.",
        "complete" => "Work reported complete.",
        "hold" => "The order is on hold.",
        "resume" => "The order is resumed.",
        "cancel" => "The order is cancelled.",
        "close" => "The order is closed.",
        "reserve" => "Reserved: what the warehouse has is locked for the line.",
        "release" => "The reserve is released.",
        "lock" => "What the stores have now is locked for the reserve.",
        "settle" => "The range is settled: the line plans that quantity now.",
        "replan" => "The plan is changed.",
        "replan-waiting" => {
            "The change goes beyond what the approval allows: it waits for an approver (Approvals), and the line stays as approved until then."
        }
        _ => return None,
    })
}

// ---- a new order ----

#[derive(Debug, Default, Deserialize)]
struct NewOrderFields {
    #[serde(default)]
    id: String,
    #[serde(default)]
    asset: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    performer: String,
    #[serde(default)]
    planned_start: String,
    #[serde(default)]
    planned_end: String,
    #[serde(default)]
    cost_account: String,
    /// The maintenance request the order answers, if any.
    #[serde(default)]
    request: String,
    /// The order's own tasks, one title per line.
    #[serde(default)]
    tasks: String,
    /// The material rows, column by column (each row sends every one).
    #[serde(default)]
    item: Vec<String>,
    #[serde(default)]
    qty: Vec<String>,
    #[serde(default)]
    qty_max: Vec<String>,
    #[serde(default)]
    mandatory: Vec<String>,
    #[serde(default)]
    substitutes: Vec<String>,
    #[serde(default)]
    tolerance: Vec<String>,
    #[serde(default)]
    line_account: Vec<String>,
}

/// A material row of the form as it was filled.
#[derive(Debug, Clone, Default)]
pub struct FormRow {
    pub item: String,
    pub qty: String,
    pub qty_max: String,
    /// `no` for a line the job may not need; else mandatory.
    pub optional: bool,
    pub substitutes: String,
    pub tolerance: String,
    pub account: String,
}

impl NewOrderFields {
    fn rows(&self) -> Vec<FormRow> {
        let at = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
        (0..self.item.len().max(self.qty.len()))
            .map(|i| FormRow {
                item: at(&self.item, i),
                qty: at(&self.qty, i),
                qty_max: at(&self.qty_max, i),
                optional: at(&self.mandatory, i) == "no",
                substitutes: at(&self.substitutes, i),
                tolerance: at(&self.tolerance, i),
                account: at(&self.line_account, i),
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "console/new_order.html")]
struct NewOrderPage {
    layout: Layout,
    f: NewOrderFields,
    assets: Vec<(String, String)>,
    templates: Vec<(String, String)>,
    lines: Vec<FormRow>,
}

fn new_order_page(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    f: NewOrderFields,
    flash: Option<Flash>,
) -> Result<NewOrderPage, ApiError> {
    let (assets, templates) = state.ledger.read(&auth.session.site, |s| {
        let master = &s.master;
        let assets = master
            .assets
            .iter()
            .map(|a| (a.id.to_string(), format!("{} — {}", a.id, a.name)))
            .collect();
        let templates = master
            .templates
            .iter()
            .map(|t| (t.id.to_string(), format!("{} — {}", t.id, t.name)))
            .collect();
        (assets, templates)
    })?;
    let mut lines = f.rows();
    lines.resize(FORM_LINES.max(lines.len()), FormRow::default());
    Ok(NewOrderPage {
        layout: Layout::of(auth, tr, tr.t("New work order"), "/console/work-orders/new")
            .form_first()
            .with_flash(flash),
        f,
        assets,
        templates,
        lines,
    })
}

#[derive(Debug, Default, Deserialize)]
struct NewFormQuery {
    /// Plan the order for this maintenance request.
    request: Option<String>,
}

async fn new_form(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(q): Query<NewFormQuery>,
) -> Response {
    if let Err(e) = auth.require(back_office::PLAN) {
        return failure(tr, e);
    }
    let mut f = NewOrderFields::default();
    if let Some(id) = q.request.filter(|r| !r.trim().is_empty()) {
        let id = RequestId::new(id.trim());
        let found = state
            .ledger
            .read(&auth.session.site, |s| s.ledger.request(&id).cloned());
        match found {
            Ok(Some(r)) => {
                f.asset = r.asset.to_string();
                f.scope = r.symptoms.clone();
                f.request = r.id.to_string();
            }
            Ok(None) => {
                return failure(
                    tr,
                    ApiError::not_found(format!("no request {id} at this site")),
                );
            }
            Err(e) => return failure(tr, e.into()),
        }
    }
    match new_order_page(&state, &auth, tr, f, None) {
        Ok(p) => page(p.render()),
        Err(e) => failure(tr, e),
    }
}

async fn create(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = new_order_fields(pairs);
    let request = match new_order(tr, &f) {
        Ok(r) => r,
        Err(message) => return again(&state, &auth, tr, f, StatusCode::BAD_REQUEST, message),
    };
    match work_orders::create(State(state.clone()), auth.clone(), ApiJson(request)).await {
        Ok((_, card)) => {
            Redirect::to(&format!("{}?done=created", order_href(&card.0.id))).into_response()
        }
        Err(e) => again(&state, &auth, tr, f, e.status, tr.api_error(&e)),
    }
}

/// The form again, as it was filled, with why it was refused.
fn again(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    f: NewOrderFields,
    status: StatusCode,
    message: String,
) -> Response {
    match new_order_page(state, auth, tr, f, Some(Flash::error(message))) {
        Ok(p) => (status, page(p.render())).into_response(),
        Err(e) => failure(tr, e),
    }
}

/// The form's fields; the material rows come as repeated `item` and `qty`.
fn new_order_fields(pairs: Vec<(String, String)>) -> NewOrderFields {
    let mut f = NewOrderFields::default();
    for (k, v) in pairs {
        match k.as_str() {
            "id" => f.id = v,
            "asset" => f.asset = v,
            "scope" => f.scope = v,
            "template" => f.template = v,
            "performer" => f.performer = v,
            "planned_start" => f.planned_start = v,
            "planned_end" => f.planned_end = v,
            "cost_account" => f.cost_account = v,
            "request" => f.request = v,
            "tasks" => f.tasks = v,
            "item" => f.item.push(v),
            "qty" => f.qty.push(v),
            "qty_max" => f.qty_max.push(v),
            "mandatory" => f.mandatory.push(v),
            "substitutes" => f.substitutes.push(v),
            "tolerance" => f.tolerance.push(v),
            "line_account" => f.line_account.push(v),
            _ => {}
        }
    }
    f
}

/// The API's request from the form, or what to correct.
fn new_order(tr: Tr, f: &NewOrderFields) -> Result<NewWorkOrder, String> {
    let text = |s: &str| {
        let t = s.trim();
        (!t.is_empty()).then(|| t.to_owned())
    };
    let date = |label: &'static str, s: &str| {
        text(s)
            .map(|t| {
                chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| {
                    tr.f(
                        "{field} `{text}` is not a date: write it as 2026-12-31",
                        &[("field", &tr.t(label)), ("text", &t)],
                    )
                })
            })
            .transpose()
    };
    let mut lines = Vec::new();
    for (n, row) in f.rows().iter().enumerate() {
        let (item, qty) = (row.item.trim(), row.qty.trim());
        if item.is_empty() && qty.is_empty() {
            continue;
        }
        if item.is_empty() {
            return Err(tr.f(
                "material row {row}: name the item for {qty}",
                &[("row", &(n + 1)), ("qty", &qty)],
            ));
        }
        let planned: Qty = qty.parse().map_err(|_| {
            tr.f(
                "material row {row}: `{qty}` is not a quantity; write a number such as 2 or 1.5",
                &[("row", &(n + 1)), ("qty", &qty)],
            )
        })?;
        let planned_max = text(&row.qty_max)
            .map(|m| {
                m.parse::<Qty>().map_err(|_| {
                    tr.f(
                        "material row {row}: `{qty}` is not a quantity; write a number such as 2 or 1.5",
                        &[("row", &(n + 1)), ("qty", &m)],
                    )
                })
            })
            .transpose()?;
        let tolerance_percent = text(&row.tolerance)
            .map(|t| {
                t.trim_end_matches('%').trim().parse::<u32>().map_err(|_| {
                    tr.f(
                        "material row {row}: the tolerance `{text}` is not a whole percent such as 10",
                        &[("row", &(n + 1)), ("text", &t)],
                    )
                })
            })
            .transpose()?;
        lines.push(LineInput {
            id: None,
            task: None,
            item: item.into(),
            planned,
            unit: None,
            mandatory: !row.optional,
            substitutes: row
                .substitutes
                .split(['|', ','])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(Into::into)
                .collect(),
            tolerance_percent,
            cost_account: text(&row.account),
            planned_max,
        });
    }
    // The order's own tasks: one title a line, numbered after its place.
    let tasks = f
        .tasks
        .lines()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .enumerate()
        .map(|(i, title)| TaskInput {
            id: format!("task-{}", i + 1).into(),
            title: title.to_owned(),
        })
        .collect();
    Ok(NewWorkOrder {
        id: f.id.trim().into(),
        asset: f.asset.trim().into(),
        scope: f.scope.trim().to_owned(),
        performer: text(&f.performer).map(Into::into),
        planned_start: date("The planned start", &f.planned_start)?,
        planned_end: date("The planned end", &f.planned_end)?,
        tasks,
        lines,
        cost_account: text(&f.cost_account),
        request: text(&f.request).map(Into::into),
        template: text(&f.template).map(Into::into),
    })
}

// ---- the card ----

#[derive(Debug, Default, Deserialize)]
struct CardQuery {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "console/card.html")]
struct CardPage {
    layout: Layout,
    card: Card,
    status: &'static str,
    /// The buttons: label, URL word.
    actions: Vec<(&'static str, &'static str)>,
    /// What still blocks closing it, in the reader's language.
    blocker_words: Vec<String>,
    /// The substitutes issued on its lines, one sentence each.
    substitution_words: Vec<String>,
    action_base: String,
    /// Where a line may be reserved from, when the person may reserve.
    warehouses: Vec<(String, String)>,
    /// Whether the person may release reserves and lock stock for them.
    may_release: bool,
    /// Whether the person settles range lines (an engineer).
    may_settle: bool,
    reserve_words: Vec<&'static str>,
    /// Whether the person may change the plan now (a planner, the order
    /// open), and the lines the form offers: id, "id — item".
    may_plan: bool,
    plan_lines: Vec<(String, String)>,
    /// The plan changes waiting or refused, one sentence each, and
    /// whether it was refused.
    plan_change_words: Vec<(String, bool)>,
}

fn card_page(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    card: Card,
    flash: Option<Flash>,
) -> CardPage {
    let may = |kind| auth.user.has_any(author_roles(kind, None));
    let warehouses = if may(DocKind::Reserve) {
        super::warehouse_choices(state, auth)
    } else {
        Vec::new()
    };
    let actions = Transition::ALL
        .into_iter()
        .filter(|t| next_status(card.status, *t, card.held_from).is_some())
        .filter(|t| {
            auth.user
                .has_any(author_roles(DocKind::WoStatusChange, Some(*t)))
        })
        .map(|t| (words::transition_label(tr, t), words::transition(t).1))
        .collect();
    CardPage {
        layout: Layout::of(auth, tr, tr.f("Work order {id}", &[("id", &card.id)]), "")
            .with_flash(flash),
        status: words::status(tr, card.status),
        blocker_words: card
            .blockers
            .iter()
            .map(|b| tr.blocker(&b.blocker))
            .collect(),
        substitution_words: card
            .substitutions
            .iter()
            .map(|s| substitution_words(tr, s))
            .collect(),
        action_base: order_href(&card.id),
        actions,
        warehouses,
        may_release: may(DocKind::ReserveRelease),
        may_settle: auth.user.has_any(approvers::RANGE),
        reserve_words: card
            .reserves
            .iter()
            .map(|r| words::reserve_status(tr, r.status))
            .collect(),
        may_plan: auth.user.has_any(back_office::PLAN) && card.status.is_open(),
        plan_lines: card
            .lines
            .iter()
            .filter(|l| !l.additional)
            .map(|l| (l.id.to_string(), format!("{} — {}", l.id, l.item)))
            .collect(),
        plan_change_words: card
            .plan_changes
            .iter()
            .map(|c| {
                let args: [(&str, &dyn std::fmt::Display); 5] = [
                    ("line", &c.line.id),
                    ("qty", &c.line.planned),
                    ("unit", &c.line.unit),
                    ("item", &c.line.item),
                    ("who", &c.by),
                ];
                let proposed = tr.f(
                    "Line {line}: {qty} {unit} of {item}, proposed by {who}",
                    &args,
                );
                match &c.refused {
                    None => (
                        format!("{proposed} — {}", tr.t("waiting for an approver.")),
                        false,
                    ),
                    Some(r) => (
                        format!(
                            "{proposed} — {}",
                            tr.f(
                                "refused by {who}: {why}",
                                &[("who", &r.by), ("why", &r.why)]
                            )
                        ),
                        true,
                    ),
                }
            })
            .collect(),
        card,
    }
}

async fn card(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(id): Path<String>,
    Query(q): Query<CardQuery>,
) -> Response {
    match work_orders::show(State(state.clone()), auth.clone(), Path(id)).await {
        Ok(card) => {
            let flash = q
                .done
                .as_deref()
                .and_then(done_words)
                .map(|w| Flash::ok(tr.t(w)));
            page(card_page(&state, &auth, tr, card.0, flash).render())
        }
        Err(e) => failure(tr, e),
    }
}

/// A lifecycle button: approval through the approve handler (which
/// records the approver and the limits), the rest as a status-change
/// document through the documents handler.
async fn act(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let Some(transition) = Transition::ALL
        .into_iter()
        .find(|t| words::transition(*t).1 == action)
    else {
        return failure(
            tr,
            ApiError::not_found(format!("there is no action `{action}` on a work order")),
        );
    };
    let order = WorkOrderId::from(id.clone());
    let outcome = if transition == Transition::Approve {
        match work_orders::approve(
            State(state.clone()),
            auth.clone(),
            Path(id),
            ApiJson(Approval::default()),
        )
        .await
        {
            Ok(a) => record::verdict(tr, Some(a.0.verdict)),
            Err(e) => Err(record::not_done(tr, &tr.api_error(&e))),
        }
    } else {
        let doc = office_document(
            &auth,
            Some(order.clone()),
            Body::WoStatusChange { transition },
        );
        record::one(&state, &auth, tr, doc).await
    };
    after(&state, &auth, tr, &order, &action, outcome).await
}

/// The card after an action: on success a fresh load of it saying what
/// was done; on a refusal the card with why.
async fn after(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    order: &WorkOrderId,
    done: &str,
    outcome: Result<(), String>,
) -> Response {
    let refusal = match outcome {
        Ok(()) => {
            return Redirect::to(&format!("{}?done={done}", order_href(order))).into_response();
        }
        Err(r) => r,
    };
    match work_orders::show(State(state.clone()), auth.clone(), Path(order.to_string())).await {
        Ok(card) => (
            StatusCode::CONFLICT,
            page(card_page(state, auth, tr, card.0, Some(Flash::error(refusal))).render()),
        )
            .into_response(),
        Err(e) => failure(tr, e),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ReserveFields {
    #[serde(default)]
    line: String,
    #[serde(default)]
    warehouse: String,
    #[serde(default)]
    qty: String,
}

/// Reserves a line's parts at a source warehouse: a reserve document,
/// judged like a device's.
async fn reserve(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(id): Path<String>,
    Form(f): Form<ReserveFields>,
) -> Response {
    let order = WorkOrderId::from(id);
    let qty = f.qty.trim();
    let outcome = match qty.parse::<Qty>() {
        Err(_) => Err(record::not_a_quantity(tr, qty)),
        Ok(qty) => {
            let mut doc = office_document(
                &auth,
                Some(order.clone()),
                Body::Reserve {
                    warehouse: f.warehouse.trim().into(),
                    qty,
                },
            );
            doc.line = Some(f.line.trim().into());
            record::one(&state, &auth, tr, doc).await
        }
    };
    after(&state, &auth, tr, &order, "reserve", outcome).await
}

#[derive(Debug, Default, Deserialize)]
struct ReserveRef {
    #[serde(default)]
    reserve: String,
}

/// Releases what is left of a reserve.
async fn release(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(id): Path<String>,
    Form(f): Form<ReserveRef>,
) -> Response {
    reserve_step(state, auth, tr, id, f, "release", |reserve| {
        Body::ReserveRelease { reserve, qty: None }
    })
    .await
}

/// Locks what the stores have now for a reserve that is short (after the
/// approval, or when stock arrived).
async fn lock(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(id): Path<String>,
    Form(f): Form<ReserveRef>,
) -> Response {
    reserve_step(state, auth, tr, id, f, "lock", |reserve| {
        Body::ReserveConfirm { reserve }
    })
    .await
}

async fn reserve_step(
    state: AppState,
    auth: UserAuth,
    tr: Tr,
    id: String,
    f: ReserveRef,
    done: &str,
    body: impl FnOnce(DocId) -> Body,
) -> Response {
    let order = WorkOrderId::from(id);
    let outcome = match uuid::Uuid::parse_str(f.reserve.trim()) {
        Err(_) => Err(record::not_done(
            tr,
            tr.t("that is not a reserve of this order."),
        )),
        Ok(reserve) => {
            let doc = office_document(&auth, Some(order.clone()), body(DocId(reserve)));
            record::one(&state, &auth, tr, doc).await
        }
    };
    after(&state, &auth, tr, &order, done, outcome).await
}

#[derive(Debug, Default, Deserialize)]
struct SettleFields {
    #[serde(default)]
    line: String,
    #[serde(default)]
    qty: String,
}

/// An engineer settles a line planned as a range at one quantity, through
/// the API's handler (the rights, the bounds of what moved already).
async fn settle(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(id): Path<String>,
    Form(f): Form<SettleFields>,
) -> Response {
    let order = WorkOrderId::from(id.clone());
    let qty = f.qty.trim();
    let outcome = match qty.parse::<Qty>() {
        Err(_) => Err(record::not_a_quantity(tr, qty)),
        Ok(planned) => work_orders::clarify(
            State(state.clone()),
            auth.clone(),
            Path((id, f.line.trim().to_owned())),
            ApiJson(Clarification { planned }),
        )
        .await
        .map(|_| ())
        .map_err(|e| record::not_done(tr, &tr.api_error(&e))),
    };
    after(&state, &auth, tr, &order, "settle", outcome).await
}

#[derive(Debug, Default, Deserialize)]
struct PlanFields {
    /// The line to change; empty for a new line.
    #[serde(default)]
    line: String,
    /// The part of a new line.
    #[serde(default)]
    item: String,
    #[serde(default)]
    qty: String,
    #[serde(default)]
    reason: String,
}

/// Changes a line's quantity or adds a line, through the API's handler:
/// within what the approval allows it is planned at once, beyond it waits
/// for an approver.
async fn replan(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(id): Path<String>,
    Form(f): Form<PlanFields>,
) -> Response {
    let order = WorkOrderId::from(id.clone());
    let qty = f.qty.trim();
    let Ok(planned) = qty.parse::<Qty>() else {
        return after(
            &state,
            &auth,
            tr,
            &order,
            "replan",
            Err(record::not_a_quantity(tr, qty)),
        )
        .await;
    };
    let line = DemandLineId::from(f.line.trim());
    let existing = if f.line.trim().is_empty() {
        None
    } else {
        match state
            .ledger
            .read(&auth.session.site, |s| s.ledger.line(&line))
        {
            Ok(l) => l.filter(|l| l.work_order == order),
            Err(e) => return failure(tr, e.into()),
        }
    };
    // A line keeps everything but its quantity; a new one takes the part.
    let input = match existing {
        Some(l) => LineInput {
            id: Some(l.id),
            task: l.task,
            item: l.item,
            planned,
            unit: None,
            mandatory: l.mandatory,
            substitutes: l.substitutes,
            tolerance_percent: l.tolerance_percent,
            cost_account: l.cost_account,
            planned_max: l.planned_max,
        },
        None if !f.item.trim().is_empty() => LineInput {
            id: None,
            task: None,
            item: f.item.trim().into(),
            planned,
            unit: None,
            mandatory: true,
            substitutes: Vec::new(),
            tolerance_percent: None,
            cost_account: None,
            planned_max: None,
        },
        None => {
            let why = tr.t("choose the line to change, or give the part of a new line.");
            return after(
                &state,
                &auth,
                tr,
                &order,
                "replan",
                Err(record::not_done(tr, why)),
            )
            .await;
        }
    };
    let reason = f.reason.trim();
    let changed = work_orders::change_lines(
        State(state.clone()),
        auth.clone(),
        Path(id),
        ApiJson(LinesChange {
            lines: vec![input.clone()],
            remove: Vec::new(),
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
        }),
    )
    .await;
    match changed {
        Ok(card) => {
            let waits = card.0.plan_changes.iter().any(|c| {
                c.refused.is_none()
                    && c.line.item == input.item
                    && c.line.planned == planned
                    && input.id.as_ref().is_none_or(|l| *l == c.line.id)
            });
            let done = if waits { "replan-waiting" } else { "replan" };
            after(&state, &auth, tr, &order, done, Ok(())).await
        }
        Err(e) => {
            let why = record::not_done(tr, &tr.api_error(&e));
            after(&state, &auth, tr, &order, "replan", Err(why)).await
        }
    }
}

/// A substitute issued on a line, as one sentence.
fn substitution_words(tr: Tr, s: &crate::api::backoffice::card::SubstitutionCard) -> String {
    let mut said = tr.f(
        "{qty} × {item} by {who}",
        &[("qty", &s.qty), ("item", &s.item), ("who", &s.author)],
    );
    if let Some(i) = &s.line_item {
        said.push_str(&tr.f(", for {item}", &[("item", i)]));
    }
    if let Some(a) = &s.approver {
        said.push_str(&tr.f(", approved by {who}", &[("who", a)]));
    }
    said
}

/// A line of the pick list: what is still to take, and where it lies.
pub struct PickLine {
    pub line: String,
    pub item: String,
    pub name: String,
    pub unit: String,
    pub to_pick: Qty,
    /// Bins with usable stock of the item: bin, batch (and expiry), qty.
    pub bins: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/pick_list.html")]
struct PickListPage {
    layout: Layout,
    /// The order's card.
    back: String,
    card: Card,
    lines: Vec<PickLine>,
    printed: String,
}

/// The printable pick list: each line's quantity still to issue and the
/// bins that hold it usable, earliest expiry first (as the handheld's
/// first-expiry hint).
async fn pick_list(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(id): Path<String>,
) -> Response {
    let card = match work_orders::show(State(state.clone()), auth.clone(), Path(id)).await {
        Ok(c) => c.0,
        Err(e) => return failure(tr, e),
    };
    let lines = state.ledger.read(&auth.session.site, |s| {
        let master = &s.master;
        card.lines
            .iter()
            .filter(|l| l.issued < l.planned)
            .map(|l| {
                let mut stock: Vec<_> = s
                    .ledger
                    .projections()
                    .stock
                    .iter()
                    .filter(|(k, q)| k.item == l.item && k.condition.is_usable() && q.is_positive())
                    .filter_map(|(k, q)| {
                        let bin = master.bins.iter().find(|b| b.id == k.bin)?;
                        (bin.zone == sparescan_core::model::Zone::Storage).then(|| {
                            let expiry = k.batch.as_ref().and_then(|b| {
                                master
                                    .batches
                                    .iter()
                                    .find(|x| x.item == l.item && x.code == *b)
                                    .and_then(|x| x.expiry)
                            });
                            (expiry, k, *q)
                        })
                    })
                    .collect();
                // Earliest expiry first; stock without one after it.
                stock.sort_by_key(|(expiry, _, _)| (expiry.is_none(), *expiry));
                PickLine {
                    line: l.id.to_string(),
                    item: l.item.to_string(),
                    name: l.item_name.clone().unwrap_or_default(),
                    unit: l.unit.clone(),
                    to_pick: Qty::from_milli(l.planned.milli() - l.issued.milli()),
                    bins: stock
                        .into_iter()
                        .map(|(expiry, k, q)| {
                            let mut at = format!("{} — {q}", k.bin);
                            if let Some(b) = &k.batch {
                                at.push_str(&tr.f(", batch {batch}", &[("batch", b)]));
                            }
                            if let Some(e) = expiry {
                                at.push_str(&tr.f(", use by {date}", &[("date", &e)]));
                            }
                            at
                        })
                        .collect(),
                }
            })
            .collect::<Vec<_>>()
    });
    let lines = match lines {
        Ok(l) => l,
        Err(e) => return failure(tr, e.into()),
    };
    page(
        PickListPage {
            layout: Layout::of(&auth, tr, tr.f("Pick list — {id}", &[("id", &card.id)]), ""),
            printed: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            back: order_href(&card.id),
            card,
            lines,
        }
        .render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> NewOrderFields {
        new_order_fields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn the_form_becomes_the_api_request() {
        let f = fields(&[
            ("id", " WO-9 "),
            ("asset", "PUMP-1"),
            ("planned_start", "2026-12-08"),
            ("item", "BRG-6205"),
            ("qty", "2"),
            ("item", ""),
            ("qty", ""),
            ("item", "GREASE"),
            ("qty", "0.25"),
        ]);
        let r = new_order(Tr::default(), &f).unwrap();
        assert_eq!(r.id.as_str(), "WO-9");
        assert_eq!(r.lines.len(), 2, "blank rows are skipped");
        assert_eq!(r.lines[1].planned, "0.25".parse::<Qty>().unwrap());
        assert_eq!(r.planned_start.unwrap().to_string(), "2026-12-08");
        assert!(r.template.is_none());
        assert!(r.tasks.is_empty());
    }

    #[test]
    fn a_row_carries_its_range_substitutes_tolerance_and_account() {
        let f = fields(&[
            ("tasks", "Drain the oil\n\nChange the filter\n"),
            ("item", "FILTER-1"),
            ("qty", "1"),
            ("qty_max", "2"),
            ("mandatory", "no"),
            ("substitutes", "FILTER-1B | FILTER-1C"),
            ("tolerance", "15%"),
            ("line_account", "CC-77"),
        ]);
        let r = new_order(Tr::default(), &f).unwrap();
        let l = &r.lines[0];
        assert_eq!(l.planned_max, Some(Qty::units(2)));
        assert!(!l.mandatory);
        assert_eq!(l.substitutes.len(), 2);
        assert_eq!(l.tolerance_percent, Some(15));
        assert_eq!(l.cost_account.as_deref(), Some("CC-77"));
        let titles: Vec<&str> = r.tasks.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["Drain the oil", "Change the filter"]);
        assert_eq!(r.tasks[1].id.as_str(), "task-2");
        let e = new_order(
            Tr::default(),
            &fields(&[("item", "X"), ("qty", "1"), ("tolerance", "lots")]),
        )
        .unwrap_err();
        assert!(e.contains("whole percent"), "{e}");
    }

    #[test]
    fn wrong_rows_say_which_and_how_to_fix() {
        let e = new_order(Tr::default(), &fields(&[("item", "X"), ("qty", "two")])).unwrap_err();
        assert!(e.contains("row 1") && e.contains("2 or 1.5"), "{e}");
        let e = new_order(Tr::default(), &fields(&[("item", ""), ("qty", "3")])).unwrap_err();
        assert!(e.contains("name the item"), "{e}");
        let e = new_order(Tr::default(), &fields(&[("planned_end", "8.12.2026")])).unwrap_err();
        assert!(e.contains("2026-12-31"), "{e}");
    }

    #[test]
    fn every_action_has_words() {
        for t in Transition::ALL {
            assert!(done_words(words::transition(t).1).is_some(), "{t:?}");
        }
    }
}
