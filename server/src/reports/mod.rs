//! Reports and KPIs (design §8), as JSON and CSV, for the API and the CLI.
//!
//! Every report is a pure function of the site's projections
//! ([`MemoryLedger`]), the accepted documents in ledger order and the time
//! "now"; this module only loads what a report needs and renders it. How
//! each figure is computed is written on the report's type and in
//! `docs/reports.md`.
//!
//! Conventions shared by every report:
//! - Quantities are exact [`Qty`](sparescan_core::qty::Qty) decimal strings,
//!   never floats; counts are integers.
//! - A ratio is given as its numerator and denominator and a `percent`
//!   string with one decimal, rounded half up from the exact fraction
//!   (`"83.3"`); `null` when the denominator is zero.
//! - Documents reversed by a correction, and the corrections themselves, do
//!   not count: the movement did not happen. Histories (serial, asset) show
//!   them, marked `reversed_by`.
//! - A period (`from`, `to`, inclusive days, UTC) selects documents by their
//!   device time, as period close does.

mod assets;
mod common;
mod consumption;
mod costs;
mod counts;
mod csv_out;
mod inspection;
mod kpi;
mod outstanding;
mod reserves;
mod templates;
#[cfg(test)]
mod testkit;
mod warranty;

pub use assets::{
    AssetBase, AssetHistory, InstalledBase, InstalledUnit, SerialEvent, SerialHistory,
    asset_history, installed_base, serial_history,
};
pub use common::{Period, percent};
pub use consumption::{
    Consumption, Deviations, LineConsumption, LineDeviation, Movement, OrderConsumption,
    OrderDeviation, consumption, deviations,
};
pub use costs::{
    CostDocument, CostGroup, CostGrouping, ItemValue, PlaceValues, RepairCost, StockValue, Worth,
    repair_cost, stock_value,
};
pub use counts::{CountDiscrepancy, CountedItem, CountedLocation, count_discrepancy};
pub use kpi::{
    CountShare, CountSummary, Kpis, ReturnProcessing, UnitQty, UnitShare, UnlinkedIssue,
    WithoutOrder, kpis,
};
pub use outstanding::{
    OverduePosition, OverdueReturns, PositionKind, ToolOutRow, ToolsOut, overdue_returns, tools_out,
};
pub use reserves::{HangingReserve, HangingReserves, hanging_reserves};
pub use templates::{
    OrderUse, StandardUse, TemplateConsumption, TemplateUse, template_consumption,
};
pub use warranty::{WarrantyRemoval, WarrantyRemovals, warranty_removals};

use crate::Server;
use crate::ledger::{Ledger, LedgerError};
use crate::store::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::view::Accepted;

/// Who may read reports (core's role matrix).
pub use sparescan_core::rules::roles::back_office::REPORTS as REPORT_ROLES;

/// Days after which an active reserve is hanging even on an order in
/// progress, unless `older_than_days` says otherwise.
pub const DEFAULT_RESERVE_DAYS: u32 = 7;

/// How many parts the count-discrepancy KPI looks at (design §8: top 20).
pub const DEFAULT_TOP: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The request is wrong: a parameter is missing, unknown or malformed.
    #[error("{0}")]
    Params(String),
    /// Something the request names does not exist.
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("reading the ledger: {0}")]
    Store(#[from] StoreError),
    #[error("rendering the report: {0}")]
    Render(String),
}

/// The reports there are. `clap::ValueEnum` names them as [`ReportKind::name`]
/// does (kebab case), for the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ReportKind {
    Consumption,
    Deviations,
    HangingReserves,
    OverdueReturns,
    ToolsOut,
    InstalledBase,
    SerialHistory,
    AssetHistory,
    CountDiscrepancy,
    Kpis,
    RepairCost,
    StockValue,
    TemplateConsumption,
    WarrantyRemovals,
}

impl ReportKind {
    pub const ALL: [ReportKind; 14] = [
        ReportKind::Consumption,
        ReportKind::Deviations,
        ReportKind::HangingReserves,
        ReportKind::OverdueReturns,
        ReportKind::ToolsOut,
        ReportKind::InstalledBase,
        ReportKind::SerialHistory,
        ReportKind::AssetHistory,
        ReportKind::CountDiscrepancy,
        ReportKind::Kpis,
        ReportKind::RepairCost,
        ReportKind::StockValue,
        ReportKind::TemplateConsumption,
        ReportKind::WarrantyRemovals,
    ];

    /// The name in URLs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Consumption => "consumption",
            ReportKind::Deviations => "deviations",
            ReportKind::HangingReserves => "hanging-reserves",
            ReportKind::OverdueReturns => "overdue-returns",
            ReportKind::ToolsOut => "tools-out",
            ReportKind::InstalledBase => "installed-base",
            ReportKind::SerialHistory => "serial-history",
            ReportKind::AssetHistory => "asset-history",
            ReportKind::CountDiscrepancy => "count-discrepancy",
            ReportKind::Kpis => "kpis",
            ReportKind::RepairCost => "repair-cost",
            ReportKind::StockValue => "stock-value",
            ReportKind::TemplateConsumption => "template-consumption",
            ReportKind::WarrantyRemovals => "warranty-removals",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ReportKind::Consumption => {
                "consumption by work order, drilled down to line, document and serial/batch"
            }
            ReportKind::Deviations => "issued vs planned per line and per order",
            ReportKind::HangingReserves => {
                "active reserves on orders not progressing, or older than N days, oldest first"
            }
            ReportKind::OverdueReturns => "items still in work past the return deadline",
            ReportKind::ToolsOut => "tools checked out, with the overdue flag",
            ReportKind::InstalledBase => "serial units installed on each asset",
            ReportKind::SerialHistory => "every document that moved one serial unit",
            ReportKind::AssetHistory => "serial units installed on and removed from an asset",
            ReportKind::CountDiscrepancy => {
                "counted vs recorded stock for the most-issued parts (top 20)"
            }
            ReportKind::Kpis => "the KPIs of design §8",
            ReportKind::RepairCost => {
                "repair cost by work order, asset or cost account, drilled down to the write-offs"
            }
            ReportKind::StockValue => {
                "what stock is worth, on shelves, in quarantine, rejected, in work, out and in transit"
            }
            ReportKind::TemplateConsumption => {
                "actual vs standard consumption of the orders planned from each work template"
            }
            ReportKind::WarrantyRemovals => {
                "serial units removed from assets while under warranty, with their return: the claims to make"
            }
        }
    }

    /// Who may read the report (core's role matrix): what is out and
    /// overdue also the clerks who chase it, the rest the report readers.
    pub fn readers(self) -> &'static [sparescan_core::model::Role] {
        use sparescan_core::rules::roles::back_office::{OUTSTANDING, REPORTS};
        match self {
            ReportKind::OverdueReturns | ReportKind::ToolsOut => OUTSTANDING,
            _ => REPORTS,
        }
    }

    /// The reports `user` may read.
    pub fn readable_by(user: &sparescan_core::model::User) -> Vec<ReportKind> {
        ReportKind::ALL
            .into_iter()
            .filter(|k| user.has_any(k.readers()))
            .collect()
    }

    /// The parameters the report takes (besides `format`).
    pub fn params(self) -> &'static [&'static str] {
        match self {
            ReportKind::Consumption => &["wo", "asset", "item", "from", "to"],
            ReportKind::Deviations => &["wo", "asset", "item", "all"],
            ReportKind::HangingReserves => &["wo", "item", "older_than_days"],
            ReportKind::OverdueReturns => &["wo", "asset"],
            ReportKind::ToolsOut => &["item", "overdue"],
            ReportKind::InstalledBase => &["asset", "item"],
            ReportKind::SerialHistory => &["item", "serial"],
            ReportKind::AssetHistory => &["asset", "from", "to"],
            ReportKind::CountDiscrepancy => &["top", "from", "to"],
            ReportKind::Kpis => &["from", "to", "top"],
            ReportKind::RepairCost => &["by", "wo", "asset", "account", "item", "from", "to"],
            ReportKind::StockValue => &["item"],
            ReportKind::TemplateConsumption => &["template", "from", "to"],
            ReportKind::WarrantyRemovals => &["asset", "item", "from", "to"],
        }
    }

    pub fn parse(name: &str) -> Result<ReportKind, ReportError> {
        ReportKind::ALL
            .into_iter()
            .find(|k| k.name() == name || k.name().replace('-', "_") == name)
            .ok_or_else(|| {
                ReportError::NotFound(format!(
                    "there is no report `{name}`; the reports are: {}",
                    ReportKind::ALL.map(ReportKind::name).join(", ")
                ))
            })
    }

    /// Which accepted documents the report reads.
    fn documents(self, params: &Params) -> DocsNeeded {
        match self {
            ReportKind::Deviations
            | ReportKind::HangingReserves
            | ReportKind::ToolsOut
            | ReportKind::InstalledBase
            | ReportKind::StockValue
            | ReportKind::TemplateConsumption => DocsNeeded::None,
            ReportKind::SerialHistory => match (&params.item, &params.serial) {
                (Some(i), Some(s)) => DocsNeeded::Serial(i.clone(), s.clone()),
                _ => DocsNeeded::None,
            },
            ReportKind::Consumption
            | ReportKind::OverdueReturns
            | ReportKind::AssetHistory
            | ReportKind::CountDiscrepancy
            | ReportKind::Kpis
            | ReportKind::RepairCost
            | ReportKind::WarrantyRemovals => DocsNeeded::All,
        }
    }
}

enum DocsNeeded {
    None,
    All,
    Serial(ItemId, SerialNo),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Json,
    Csv,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, ReportError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(ReportError::Params(format!(
                "format `{other}` is not known: use json or csv"
            ))),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// What narrows a report. Each report reads only the fields
/// [`ReportKind::params`] lists and refuses the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Params {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wo: Option<WorkOrderId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset: Option<AssetId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<ItemId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<SerialNo>,
    /// First day of the period (UTC, inclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Last day of the period (UTC, inclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// Hanging reserves: age from which a reserve on an order in progress
    /// is hanging too (default [`DEFAULT_RESERVE_DAYS`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub older_than_days: Option<u32>,
    /// Deviations: include lines issued exactly as planned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<bool>,
    /// Tools out: only the overdue ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue: Option<bool>,
    /// Count discrepancy: how many most-issued parts (default 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top: Option<usize>,
    /// Repair cost: group by order (default), asset or account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<CostGrouping>,
    /// Repair cost: only this cost account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Template consumption: only this work template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateId>,
}

impl Params {
    /// Parameters and format from `key=value` pairs (a URL query, the
    /// command line), checked against what `kind` takes.
    pub fn from_pairs<'p>(
        kind: ReportKind,
        pairs: impl IntoIterator<Item = (&'p str, &'p str)>,
    ) -> Result<(Params, Format), ReportError> {
        let mut p = Params::default();
        let mut format = Format::Json;
        for (key, value) in pairs {
            let value = value.trim();
            if key == "format" {
                format = Format::parse(value)?;
                continue;
            }
            if !kind.params().contains(&key) {
                return Err(ReportError::Params(format!(
                    "report {} does not take `{key}`; it takes: format, {}",
                    kind.name(),
                    kind.params().join(", ")
                )));
            }
            if value.is_empty() {
                return Err(ReportError::Params(format!("`{key}` is empty")));
            }
            match key {
                "wo" => p.wo = Some(value.into()),
                "asset" => p.asset = Some(value.into()),
                "item" => p.item = Some(value.into()),
                "serial" => p.serial = Some(value.into()),
                "from" => p.from = Some(parse_day(key, value)?),
                "to" => p.to = Some(parse_day(key, value)?),
                "older_than_days" => p.older_than_days = Some(parse_num(key, value, 0, 3650)?),
                "all" => p.all = Some(parse_bool(key, value)?),
                "overdue" => p.overdue = Some(parse_bool(key, value)?),
                "top" => p.top = Some(parse_num(key, value, 1, 1000)?),
                "by" => p.by = Some(CostGrouping::parse(value)?),
                "account" => p.account = Some(value.to_owned()),
                "template" => p.template = Some(value.into()),
                _ => return Err(ReportError::Params(format!("`{key}` is not known"))),
            }
        }
        if let (Some(from), Some(to)) = (p.from, p.to)
            && from > to
        {
            return Err(ReportError::Params(format!(
                "the period runs backwards: from {from} is after to {to}"
            )));
        }
        Ok((p, format))
    }

    pub fn period(&self) -> Period {
        Period {
            from: self.from,
            to: self.to,
        }
    }

    /// Refuses what a report cannot do without, and names that do not
    /// exist at the site.
    fn check(&self, kind: ReportKind, view: &MemoryLedger) -> Result<(), ReportError> {
        let missing =
            |what: &str| ReportError::Params(format!("report {} needs `{what}`", kind.name()));
        match kind {
            ReportKind::SerialHistory => {
                self.item.as_ref().ok_or_else(|| missing("item"))?;
                self.serial.as_ref().ok_or_else(|| missing("serial"))?;
            }
            ReportKind::AssetHistory => {
                self.asset.as_ref().ok_or_else(|| missing("asset"))?;
            }
            _ => {}
        }
        if let Some(wo) = &self.wo
            && view.work_order(wo).is_none()
        {
            return Err(ReportError::NotFound(format!(
                "no work order {wo} at this site"
            )));
        }
        if let Some(a) = &self.asset
            && view.asset(a).is_none()
        {
            return Err(ReportError::NotFound(format!("no asset {a} at this site")));
        }
        if let Some(i) = &self.item
            && view.item(i).is_none()
        {
            return Err(ReportError::NotFound(format!("no item {i} in the catalog")));
        }
        if let Some(t) = &self.template
            && view.template(t).is_none()
        {
            return Err(ReportError::NotFound(format!(
                "no work template {t} at this site"
            )));
        }
        Ok(())
    }
}

fn parse_day(key: &str, value: &str) -> Result<NaiveDate, ReportError> {
    value.parse().map_err(|_| {
        ReportError::Params(format!(
            "`{key}` must be a day like 2026-03-31, not `{value}`"
        ))
    })
}

fn parse_num<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    key: &str,
    value: &str,
    min: T,
    max: T,
) -> Result<T, ReportError> {
    match value.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(ReportError::Params(format!(
            "`{key}` must be a whole number from {min} to {max}, not `{value}`"
        ))),
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool, ReportError> {
    match value {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ReportError::Params(format!(
            "`{key}` must be true or false, not `{value}`"
        ))),
    }
}

/// A computed report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    Consumption(Consumption),
    Deviations(Deviations),
    HangingReserves(HangingReserves),
    OverdueReturns(OverdueReturns),
    ToolsOut(ToolsOut),
    InstalledBase(InstalledBase),
    SerialHistory(SerialHistory),
    AssetHistory(AssetHistory),
    CountDiscrepancy(CountDiscrepancy),
    /// Boxed: much larger than the other reports.
    Kpis(Box<Kpis>),
    RepairCost(RepairCost),
    StockValue(StockValue),
    TemplateConsumption(TemplateConsumption),
    WarrantyRemovals(WarrantyRemovals),
}

/// The JSON document: what was asked, when, and the report's own fields.
#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    report: &'static str,
    site: &'a SiteId,
    generated_at: DateTime<Utc>,
    params: &'a Params,
    #[serde(flatten)]
    body: &'a T,
}

impl Report {
    pub fn kind(&self) -> ReportKind {
        match self {
            Report::Consumption(_) => ReportKind::Consumption,
            Report::Deviations(_) => ReportKind::Deviations,
            Report::HangingReserves(_) => ReportKind::HangingReserves,
            Report::OverdueReturns(_) => ReportKind::OverdueReturns,
            Report::ToolsOut(_) => ReportKind::ToolsOut,
            Report::InstalledBase(_) => ReportKind::InstalledBase,
            Report::SerialHistory(_) => ReportKind::SerialHistory,
            Report::AssetHistory(_) => ReportKind::AssetHistory,
            Report::CountDiscrepancy(_) => ReportKind::CountDiscrepancy,
            Report::Kpis(_) => ReportKind::Kpis,
            Report::RepairCost(_) => ReportKind::RepairCost,
            Report::StockValue(_) => ReportKind::StockValue,
            Report::TemplateConsumption(_) => ReportKind::TemplateConsumption,
            Report::WarrantyRemovals(_) => ReportKind::WarrantyRemovals,
        }
    }

    pub fn to_json(
        &self,
        site: &SiteId,
        params: &Params,
        now: DateTime<Utc>,
    ) -> Result<String, ReportError> {
        fn env<T: Serialize>(
            kind: ReportKind,
            site: &SiteId,
            params: &Params,
            now: DateTime<Utc>,
            body: &T,
        ) -> Result<String, ReportError> {
            serde_json::to_string_pretty(&Envelope {
                report: kind.name(),
                site,
                generated_at: now,
                params,
                body,
            })
            .map_err(|e| ReportError::Render(e.to_string()))
        }
        let k = self.kind();
        match self {
            Report::Consumption(r) => env(k, site, params, now, r),
            Report::Deviations(r) => env(k, site, params, now, r),
            Report::HangingReserves(r) => env(k, site, params, now, r),
            Report::OverdueReturns(r) => env(k, site, params, now, r),
            Report::ToolsOut(r) => env(k, site, params, now, r),
            Report::InstalledBase(r) => env(k, site, params, now, r),
            Report::SerialHistory(r) => env(k, site, params, now, r),
            Report::AssetHistory(r) => env(k, site, params, now, r),
            Report::CountDiscrepancy(r) => env(k, site, params, now, r),
            Report::Kpis(r) => env(k, site, params, now, r),
            Report::RepairCost(r) => env(k, site, params, now, r),
            Report::StockValue(r) => env(k, site, params, now, r),
            Report::TemplateConsumption(r) => env(k, site, params, now, r),
            Report::WarrantyRemovals(r) => env(k, site, params, now, r),
        }
    }

    /// One table: the finest level of the report (see each type).
    pub fn to_csv(&self) -> Result<String, ReportError> {
        match self {
            Report::Consumption(r) => r.csv(),
            Report::Deviations(r) => r.csv(),
            Report::HangingReserves(r) => r.csv(),
            Report::OverdueReturns(r) => r.csv(),
            Report::ToolsOut(r) => r.csv(),
            Report::InstalledBase(r) => r.csv(),
            Report::SerialHistory(r) => r.csv(),
            Report::AssetHistory(r) => r.csv(),
            Report::CountDiscrepancy(r) => r.csv(),
            Report::Kpis(r) => r.csv(),
            Report::RepairCost(r) => r.csv(),
            Report::StockValue(r) => r.csv(),
            Report::TemplateConsumption(r) => r.csv(),
            Report::WarrantyRemovals(r) => r.csv(),
        }
    }

    pub fn render(
        &self,
        format: Format,
        site: &SiteId,
        params: &Params,
        now: DateTime<Utc>,
    ) -> Result<String, ReportError> {
        match format {
            Format::Json => self.to_json(site, params, now),
            Format::Csv => self.to_csv(),
        }
    }
}

/// Computes a report from a site's projections and documents (pure).
pub fn generate(
    ledger: &MemoryLedger,
    docs: &[Accepted],
    now: DateTime<Utc>,
    kind: ReportKind,
    params: &Params,
) -> Report {
    let top = params.top.unwrap_or(DEFAULT_TOP);
    match kind {
        ReportKind::Consumption => Report::Consumption(consumption(ledger, docs, params)),
        ReportKind::Deviations => Report::Deviations(deviations(ledger, params)),
        ReportKind::HangingReserves => Report::HangingReserves(hanging_reserves(
            ledger,
            now,
            params.older_than_days.unwrap_or(DEFAULT_RESERVE_DAYS),
            params,
        )),
        ReportKind::OverdueReturns => {
            Report::OverdueReturns(overdue_returns(ledger, docs, now, params))
        }
        ReportKind::ToolsOut => Report::ToolsOut(tools_out(ledger, now, params)),
        ReportKind::InstalledBase => Report::InstalledBase(installed_base(ledger, params)),
        ReportKind::SerialHistory => {
            let item = params.item.clone().unwrap_or_else(|| ItemId::new(""));
            let serial = params.serial.clone().unwrap_or_else(|| SerialNo::new(""));
            Report::SerialHistory(serial_history(ledger, docs, &item, &serial))
        }
        ReportKind::AssetHistory => {
            let asset = params.asset.clone().unwrap_or_else(|| AssetId::new(""));
            Report::AssetHistory(asset_history(ledger, docs, &asset, params.period()))
        }
        ReportKind::CountDiscrepancy => {
            Report::CountDiscrepancy(count_discrepancy(ledger, docs, params.period(), top))
        }
        ReportKind::Kpis => Report::Kpis(Box::new(kpis(ledger, docs, now, params.period(), top))),
        ReportKind::RepairCost => Report::RepairCost(repair_cost(ledger, docs, params)),
        ReportKind::StockValue => Report::StockValue(stock_value(ledger, params)),
        ReportKind::TemplateConsumption => {
            Report::TemplateConsumption(template_consumption(ledger, params))
        }
        ReportKind::WarrantyRemovals => {
            Report::WarrantyRemovals(warranty_removals(ledger, docs, params))
        }
    }
}

/// Accepted documents of a site in ledger order, as much as `need` asks.
fn load_documents(
    store: &dyn Store,
    site: &SiteId,
    need: &DocsNeeded,
) -> Result<Vec<Accepted>, ReportError> {
    const PAGE: u32 = 5_000;
    Ok(match need {
        DocsNeeded::None => Vec::new(),
        DocsNeeded::Serial(item, serial) => {
            store.serial_history(site, item.as_str(), serial.as_str())?
        }
        DocsNeeded::All => {
            let mut all = Vec::new();
            loop {
                let after = all.last().map(|a: &Accepted| a.seq).unwrap_or(0);
                let page = store.documents(site, after, PAGE)?;
                let done = (page.len() as u32) < PAGE;
                all.extend(page);
                if done {
                    break all;
                }
            }
        }
    })
}

/// Loads, computes and renders a report. Blocking: call it off the async
/// threads. The projections are read after the documents, so a document
/// accepted in between may show in the state but not in the drill-down.
/// The KPIs of each period (the console's dashboard: one per month), from
/// one read of the documents of the whole span.
pub fn kpis_by_period(
    ledger: &Ledger,
    store: &dyn Store,
    site: &SiteId,
    periods: &[Period],
    now: DateTime<Utc>,
) -> Result<Vec<Kpis>, ReportError> {
    let span = Params {
        from: periods.iter().filter_map(|p| p.from).min(),
        to: periods.iter().filter_map(|p| p.to).max(),
        ..Params::default()
    };
    let docs = load_documents(store, site, &ReportKind::Kpis.documents(&span))?;
    Ok(ledger.read(site, |s| {
        periods
            .iter()
            .map(|p| kpis(&s.ledger, &docs, now, *p, DEFAULT_TOP))
            .collect()
    })?)
}

pub fn produce(
    ledger: &Ledger,
    store: &dyn Store,
    site: &SiteId,
    kind: ReportKind,
    params: &Params,
    format: Format,
    now: DateTime<Utc>,
) -> Result<String, ReportError> {
    ledger.read(site, |s| params.check(kind, &s.ledger))??;
    let docs = load_documents(store, site, &kind.documents(params))?;
    let report = ledger.read(site, |s| generate(&s.ledger, &docs, now, kind, params))?;
    report.render(format, site, params, now)
}

/// The report as the CLI prints it (`sparescan-server report …`).
pub async fn run(
    server: &Server,
    site: &SiteId,
    kind: ReportKind,
    params: &Params,
    format: Format,
) -> anyhow::Result<String> {
    let backend = server.backend();
    let ledger = server.ledger().clone();
    let (site, params) = (site.clone(), params.clone());
    tokio::task::spawn_blocking(move || {
        let store = backend.reader()?;
        Ok(produce(
            &ledger,
            &*store,
            &site,
            kind,
            &params,
            format,
            Utc::now(),
        )?)
    })
    .await?
}

#[cfg(test)]
mod tests;
