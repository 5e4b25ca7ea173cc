//! Goods receipts, for clerks: what came in from a supplier, one delivery
//! line by the form (a scanned label fills the item, batch, expiry and
//! serial; a scanned bin label the bin) or a delivery's CSV or XLSX file,
//! recorded through the API's stock-in (one goods-receipt document per
//! line, judged by the rules) — and the receipts recorded, newest first.

use super::i18n::Tr;
use super::layout::{Flash, Layout};
use super::{Person, encode, failure, page, upload, words};
use crate::api::auth::UserAuth;
use crate::api::backoffice::stock;
use crate::api::{ApiError, AppState};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use sparescan_core::document::{Body, DocKind};
use sparescan_core::model::{Condition, Role};
use sparescan_core::resolve::Resolved;
use sparescan_core::rules::roles::author_roles;
use sparescan_core::scan::{ScanConfig, classify};

/// Receipts per page of the list.
const PAGE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/receipts", get(show).post(receive))
        .route("/console/receipts/file", post(receive_file))
}

/// Who records goods receipts: core's role matrix.
pub fn receivers() -> &'static [Role] {
    author_roles(DocKind::GoodsReceipt, None)
}

/// The form's fields as typed (kept when the page comes back with what to
/// fix), named as the stock-in file's columns.
#[derive(Debug, Default, Clone)]
pub struct Fields {
    pub label: String,
    pub item: String,
    pub bin: String,
    pub qty: String,
    pub batch: String,
    pub expiry: String,
    /// One serial number per line.
    pub serials: String,
    pub condition: String,
    pub reference: String,
    pub unit_cost: String,
    pub warranty_until: String,
}

impl Fields {
    fn from_pairs(pairs: &[(String, String)]) -> Fields {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default()
        };
        Fields {
            label: get("label"),
            item: get("item"),
            bin: get("bin"),
            qty: get("qty"),
            batch: get("batch"),
            expiry: get("expiry"),
            serials: get("serials"),
            condition: get("condition"),
            reference: get("reference"),
            unit_cost: get("unit_cost"),
            warranty_until: get("warranty_until"),
        }
    }

    fn serial_list(&self) -> Vec<&str> {
        self.serials
            .split(['\n', '\r', ',', '|'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The form as a one-line stock-in file: the columns given, serials
    /// joined as the file joins them.
    fn as_csv(&self) -> Result<String, String> {
        let serials = self.serial_list().join("|");
        let columns = [
            ("item", self.item.as_str()),
            ("bin", &self.bin),
            ("qty", &self.qty),
            ("batch", &self.batch),
            ("expiry", &self.expiry),
            ("serials", &serials),
            ("condition", &self.condition),
            ("reference", &self.reference),
            ("unit_cost", &self.unit_cost),
            ("warranty_until", &self.warranty_until),
        ];
        // `item` and `bin` always, so an empty one is named; `qty` unless
        // the serials count the units.
        let given: Vec<_> = columns
            .iter()
            .filter(|(name, value)| {
                !value.is_empty()
                    || matches!(*name, "item" | "bin")
                    || (*name == "qty" && serials.is_empty())
            })
            .collect();
        let mut w = csv::Writer::from_writer(Vec::new());
        let err = |e: csv::Error| e.to_string();
        w.write_record(given.iter().map(|(n, _)| *n)).map_err(err)?;
        w.write_record(given.iter().map(|(_, v)| *v)).map_err(err)?;
        let bytes = w.into_inner().map_err(|e| e.to_string())?;
        String::from_utf8(bytes).map_err(|e| e.to_string())
    }

    /// Fills what a scanned label says: a part's item, batch, expiry and
    /// serial (added to the list; the units are then counted by serial) or
    /// quantity; a bin label's bin. `Err` says what the code was instead.
    fn read_label(&mut self, tr: Tr, named: Resolved) -> Result<String, String> {
        match named {
            Resolved::Part(p) => {
                self.item = p.item.id.to_string();
                let mut read = vec![format!("{} — {}", p.item.id, p.item.name)];
                if let Some(b) = p.batch {
                    read.push(tr.f("batch {batch}", &[("batch", &b)]));
                    self.batch = b.to_string();
                }
                if let Some(e) = p.expiry {
                    read.push(tr.f("expiry {day}", &[("day", &e)]));
                    self.expiry = e.to_string();
                }
                if let Some(s) = p.serial {
                    read.push(tr.f("serial {serial}", &[("serial", &s)]));
                    if !self.serial_list().contains(&s.as_str()) {
                        if !self.serials.is_empty() && !self.serials.ends_with('\n') {
                            self.serials.push('\n');
                        }
                        self.serials.push_str(s.as_str());
                    }
                    self.qty.clear();
                } else if let Some(q) = p.qty {
                    read.push(tr.f("quantity {qty}", &[("qty", &q)]));
                    self.qty = q.to_string();
                }
                Ok(read.join(", "))
            }
            Resolved::Bin(b) => {
                self.bin = b.id.to_string();
                Ok(tr.f("bin {bin}", &[("bin", &b.id)]))
            }
            Resolved::Unknown(code) => Err(tr.f(
                "Nothing at this site has the code {code}: type the item number, or add the code to the item's barcodes in Master data.",
                &[("code", &code)],
            )),
            _ => Err(tr
                .t("That is not a part's or a bin's label: scan the label on the delivery or the bin.")
                .to_owned()),
        }
    }
}

/// A receipt recorded, as the list shows it.
pub struct Received {
    pub when: String,
    pub item: String,
    pub qty: String,
    pub bin: String,
    pub batch: String,
    pub serials: String,
    pub condition: &'static str,
    pub reference: String,
    pub unit_cost: String,
    pub by: String,
    pub reversed_by: String,
}

#[derive(Template)]
#[template(path = "console/receipts.html")]
struct ReceiptsPage {
    layout: Layout,
    form: Fields,
    /// Value, words, chosen.
    conditions: Vec<(String, &'static str, bool)>,
    bins: Vec<String>,
    received: Vec<Received>,
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    /// The ledger position the page starts before (older receipts).
    before: Option<String>,
    /// After a form: what was received.
    item: Option<String>,
    qty: Option<String>,
    bin: Option<String>,
    /// After a file: how many lines were recorded.
    saved: Option<String>,
}

async fn receipts_page(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    form: Fields,
    before: u64,
    flash: Option<Flash>,
) -> Result<ReceiptsPage, ApiError> {
    let site = auth.session.site.clone();
    let mut docs = state
        .readers
        .with(move |s| Ok(s.documents_of_kind(&site, DocKind::GoodsReceipt, before, PAGE + 1)?))
        .await?;
    let more = docs.len() > PAGE as usize;
    docs.truncate(PAGE as usize);
    let next = more
        .then(|| {
            docs.last()
                .map(|d| format!("/console/receipts?before={}", d.seq))
        })
        .flatten();
    let (bins, received) = state.ledger.read(&auth.session.site, |s| {
        let bins = s.master.bins.iter().map(|b| b.id.to_string()).collect();
        let received = docs
            .iter()
            .filter_map(|a| match &a.doc.body {
                Body::GoodsReceipt { receipt: r } => Some((a, r)),
                _ => None,
            })
            .map(|(a, r)| {
                let item = s.master.items.iter().find(|i| i.id == r.item);
                Received {
                    when: a.doc.device_time.format("%Y-%m-%d %H:%M UTC").to_string(),
                    item: match item {
                        Some(i) => format!("{} — {}", i.id, i.name),
                        None => r.item.to_string(),
                    },
                    qty: format!("{} {}", r.qty, item.map(|i| i.unit.as_str()).unwrap_or("")),
                    bin: r.bin.to_string(),
                    batch: r.batch.as_ref().map(|b| b.to_string()).unwrap_or_default(),
                    serials: r
                        .serials
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    condition: words::condition(tr, r.condition),
                    reference: r.reference.clone().unwrap_or_default(),
                    unit_cost: r.unit_cost.map(|c| c.to_string()).unwrap_or_default(),
                    by: a.doc.author.to_string(),
                    reversed_by: a.reversed_by.map(|d| d.to_string()).unwrap_or_default(),
                }
            })
            .collect();
        (bins, received)
    })?;
    let conditions = [
        Condition::New,
        Condition::Opened,
        Condition::UnderInspection,
        Condition::Rejected,
    ]
    .into_iter()
    .map(|c| {
        let value = crate::csv_io::serde_name(&c);
        // New unless the form says otherwise.
        let chosen = value == form.condition || (form.condition.is_empty() && c == Condition::New);
        (value, words::condition(tr, c), chosen)
    })
    .collect();
    Ok(ReceiptsPage {
        layout: Layout::of(auth, tr, tr.t("Goods receipts"), "/console/receipts")
            .form_first()
            .with_flash(flash),
        form,
        conditions,
        bins,
        received,
        next,
    })
}

async fn show(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(q): Query<ListQuery>,
) -> Response {
    if let Err(e) = auth.require(receivers()) {
        return failure(tr, e);
    }
    let before = q
        .before
        .as_deref()
        .and_then(|b| b.trim().parse().ok())
        .unwrap_or(u64::MAX);
    let flash = match (&q.item, &q.saved) {
        (Some(item), _) => Some(Flash::ok(tr.f(
            "Received: {qty} {item} into {bin}.",
            &[
                ("qty", &q.qty.clone().unwrap_or_default()),
                ("item", item),
                ("bin", &q.bin.clone().unwrap_or_default()),
            ],
        ))),
        (None, Some(n)) => Some(Flash::ok(tr.f(
            "Received: {n} lines of the file, one receipt each.",
            &[("n", n)],
        ))),
        (None, None) => None,
    };
    match receipts_page(&state, &auth, tr, Fields::default(), before, flash).await {
        Ok(p) => page(p.render()),
        Err(e) => failure(tr, e),
    }
}

/// Runs the API's stock-in of receipts with `csv` as the file.
async fn record(state: &AppState, auth: &UserAuth, csv: String) -> Result<usize, ApiError> {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    stock::stock_in(
        State(state.clone()),
        auth.clone(),
        Path("receipts".to_owned()),
        headers,
        Ok(Bytes::from(csv)),
    )
    .await
    .map(|r| r.0.recorded)
}

/// The form: a scanned label fills it and comes back; otherwise the line
/// is recorded.
async fn receive(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(e) = auth.require(receivers()) {
        return failure(tr, e);
    }
    let mut form = Fields::from_pairs(&pairs);
    let again = |form: Fields, status: StatusCode, flash: Flash| {
        let (state, auth) = (state.clone(), auth.clone());
        async move {
            match receipts_page(&state, &auth, tr, form, u64::MAX, Some(flash)).await {
                Ok(p) => (status, page(p.render())).into_response(),
                Err(e) => failure(tr, e),
            }
        }
    };
    if !form.label.is_empty() {
        let code = std::mem::take(&mut form.label);
        let read = match classify(code.as_bytes(), &ScanConfig::default()) {
            Ok(decoded) => {
                match state
                    .ledger
                    .read(&auth.session.site, |s| super::scan::named(s, &decoded))
                {
                    Ok(Ok(named)) => form.read_label(tr, named),
                    Ok(Err(e)) => return failure(tr, e.into()),
                    Err(e) => return failure(tr, e.into()),
                }
            }
            Err(e) => Err(tr.f(
                "The code {code} could not be read ({why}). Scan it again, or type the item number.",
                &[("code", &code), ("why", &e)],
            )),
        };
        let flash = match read {
            Ok(what) => Flash::ok(tr.f(
                "Read from the label: {what}. Check the bin and the quantity, then record the receipt.",
                &[("what", &what)],
            )),
            Err(why) => Flash::error(why),
        };
        return again(form, StatusCode::OK, flash).await;
    }
    let outcome = match form.as_csv() {
        Ok(csv) => record(&state, &auth, csv).await,
        Err(m) => Err(ApiError::bad_request("invalid", m)),
    };
    match outcome {
        Ok(_) => {
            let qty = match form.serial_list().len() {
                0 => form.qty.clone(),
                n => n.to_string(),
            };
            Redirect::to(&format!(
                "/console/receipts?item={}&qty={}&bin={}",
                encode(&form.item),
                encode(&qty),
                encode(&form.bin)
            ))
            .into_response()
        }
        Err(err) => again(form, err.status, Flash::error(form_error(tr, &err))).await,
    }
}

/// A stock-in refusal as the form says it: the file's words ("line 2",
/// "nothing of the file was recorded") left out, the form being that line.
fn form_error(tr: Tr, err: &ApiError) -> String {
    let why = tr.api_error(err);
    let why = ["line 2, ", "line 2: "]
        .iter()
        .find_map(|p| why.strip_prefix(p))
        .unwrap_or(&why);
    why.strip_suffix("; nothing of the file was recorded")
        .unwrap_or(why)
        .to_owned()
}

async fn receive_file(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    mut upload: Multipart,
) -> Response {
    if let Err(e) = auth.require(receivers()) {
        return failure(tr, e);
    }
    let outcome = match upload::csv_of(tr, &mut upload).await {
        Ok((name, csv)) => record(&state, &auth, csv)
            .await
            .map_err(|e| (name, tr.api_error(&e))),
        Err(why) => Err((String::new(), why)),
    };
    match outcome {
        Ok(n) => Redirect::to(&format!("/console/receipts?saved={n}")).into_response(),
        Err((name, why)) => {
            let said = if name.is_empty() {
                why
            } else {
                tr.f(
                    "Nothing was recorded from {file}: {why}",
                    &[("file", &name), ("why", &why)],
                )
            };
            let flash = Some(Flash::error(said));
            match receipts_page(&state, &auth, tr, Fields::default(), u64::MAX, flash).await {
                Ok(p) => (StatusCode::BAD_REQUEST, page(p.render())).into_response(),
                Err(e) => failure(tr, e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sparescan_core::model::{Item, ItemKind, Tracking};
    use sparescan_core::resolve::PartScan;

    fn form(p: &[(&str, &str)]) -> Fields {
        let pairs: Vec<_> = p
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Fields::from_pairs(&pairs)
    }

    #[test]
    fn the_form_is_one_line_of_a_stock_in_file() {
        let f = form(&[
            ("item", "BRG-6204"),
            ("bin", "A-01"),
            ("qty", "12"),
            ("reference", "DN 4711, pallet 2"),
            ("condition", "new"),
        ]);
        assert_eq!(
            f.as_csv().unwrap(),
            "item,bin,qty,condition,reference\nBRG-6204,A-01,12,new,\"DN 4711, pallet 2\"\n"
        );
        // Serials count the units: no qty column, one cell joined by `|`.
        let f = form(&[
            ("item", "PUMP-SEAL"),
            ("bin", "A-02"),
            ("serials", "S-1\r\nS-2\n\nS-3"),
        ]);
        assert_eq!(
            f.as_csv().unwrap(),
            "item,bin,serials\nPUMP-SEAL,A-02,S-1|S-2|S-3\n"
        );
        // Nothing typed: item, bin and qty are still there, for the import
        // to name the first one missing.
        assert_eq!(form(&[]).as_csv().unwrap(), "item,bin,qty\n,,\n");
    }

    fn item() -> Item {
        Item {
            id: "PUMP-SEAL".into(),
            name: "Mechanical seal".into(),
            unit: "pcs".into(),
            kind: ItemKind::Material,
            tracking: Tracking::BatchSerial,
            expiry_tracked: false,
            serial_format: None,
            barcodes: Vec::new(),
            substitutes: Vec::new(),
            critical: false,
            unit_cost: None,
            warranty_months: None,
        }
    }

    #[test]
    fn each_scanned_label_adds_its_serial_once() {
        let mut f = form(&[("bin", "A-02"), ("qty", "5")]);
        let part = |serial: &str| {
            Resolved::Part(PartScan {
                item: item(),
                serial: Some(serial.into()),
                batch: Some("L-7".into()),
                expiry: None,
                qty: None,
            })
        };
        let said = f.read_label(Tr::default(), part("S-1")).unwrap();
        assert_eq!(said, "PUMP-SEAL — Mechanical seal, batch L-7, serial S-1");
        f.read_label(Tr::default(), part("S-2")).unwrap();
        f.read_label(Tr::default(), part("S-1")).unwrap();
        assert_eq!(f.serials, "S-1\nS-2");
        assert_eq!((f.item.as_str(), f.batch.as_str()), ("PUMP-SEAL", "L-7"));
        assert_eq!(f.qty, "", "serials count the units");
        assert_eq!(f.bin, "A-02", "what the label does not say is kept");
        let unknown = f
            .read_label(Tr::default(), Resolved::Unknown("4006381333931".into()))
            .unwrap_err();
        assert!(unknown.contains("4006381333931"), "{unknown}");
    }
}
