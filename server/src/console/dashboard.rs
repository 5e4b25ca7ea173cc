//! The dashboard: the article's KPIs month by month over the last six
//! months, as bar charts drawn on the server (SVG, each with its figures
//! in words for screen readers) and a table of the same figures.

use super::layout::Layout;
use super::{Person, failure, page};
use crate::api::AppState;
use crate::reports::{Kpis, Period, REPORT_ROLES, kpis_by_period};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, NaiveDate, Utc};

/// Months shown, this one included.
const MONTHS: u32 = 6;
/// The chart's drawing area, in SVG units.
const CHART_W: u32 = 360;
const CHART_H: u32 = 120;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/dashboard", get(dashboard))
}

/// One bar: its month, its figure as shown, and where it is drawn.
pub struct Bar {
    pub label: String,
    pub shown: String,
    pub x: u32,
    pub y: u32,
    pub height: u32,
}

pub struct Chart {
    pub title: &'static str,
    pub note: &'static str,
    pub bars: Vec<Bar>,
    /// The figures in words: the chart's name for a screen reader.
    pub described: String,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    charts: Vec<Chart>,
    width: u32,
    height: u32,
}

/// The first and last day of the month `back` months before `today`'s.
fn month(today: NaiveDate, back: u32) -> Option<Period> {
    let index = today.year() * 12 + today.month0() as i32 - back as i32;
    let first = NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    let last = next.pred_opt()?.min(today);
    Some(Period {
        from: Some(first),
        to: Some(last),
    })
}

/// A figure the charts draw: a percent given as text, or a count.
fn percent(text: &Option<String>) -> Option<f64> {
    text.as_deref()
        .and_then(|t| t.trim_end_matches('%').parse().ok())
}

fn chart<T>(
    title: &'static str,
    note: &'static str,
    months: &[(String, T)],
    figure: impl Fn(&T) -> Option<f64>,
    unit: &str,
) -> Chart {
    let values: Vec<Option<f64>> = months.iter().map(|(_, k)| figure(k)).collect();
    let max = values
        .iter()
        .flatten()
        .cloned()
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let step = CHART_W / months.len().max(1) as u32;
    let bars: Vec<Bar> = months
        .iter()
        .zip(&values)
        .enumerate()
        .map(|(i, ((label, _), v))| {
            let height = v
                .map(|v| ((v / max) * f64::from(CHART_H)).round() as u32)
                .unwrap_or(0);
            Bar {
                label: label.clone(),
                shown: v
                    .map(|v| format!("{}{unit}", trim(v)))
                    .unwrap_or_else(|| "—".into()),
                x: i as u32 * step + step / 6,
                y: CHART_H - height,
                height,
            }
        })
        .collect();
    let described = format!(
        "{title}: {}",
        bars.iter()
            .map(|b| format!("{} {}", b.label, b.shown))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Chart {
        title,
        note,
        bars,
        described,
    }
}

/// Seconds as hours, for the median-time charts.
fn hours(seconds: Option<i64>) -> Option<f64> {
    seconds.map(|s| s as f64 / 3600.0)
}

/// A figure without a needless `.0`.
fn trim(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

async fn dashboard(State(state): State<AppState>, Person(auth, tr): Person) -> Response {
    if let Err(e) = auth.require(REPORT_ROLES) {
        return failure(tr, e);
    }
    let now = Utc::now();
    let today = now.date_naive();
    let periods: Vec<Period> = (0..MONTHS).rev().filter_map(|b| month(today, b)).collect();
    let (ledger, site, wanted) = (
        state.ledger.clone(),
        auth.session.site.clone(),
        periods.clone(),
    );
    let found = state
        .readers
        .with(move |store| Ok(kpis_by_period(&ledger, store, &site, &wanted, now)?))
        .await;
    let kpis = match found {
        Ok(k) => k,
        Err(e) => return failure(tr, e),
    };
    let months: Vec<(String, &Kpis)> = periods
        .iter()
        .zip(&kpis)
        .map(|(p, k)| {
            (
                p.from
                    .map(|d| d.format("%Y-%m").to_string())
                    .unwrap_or_default(),
                k,
            )
        })
        .collect();
    let hour = format!(" {}", tr.t("h"));
    let charts = vec![
        chart(
            tr.t("Issues tied to a work order"),
            tr.t("Share of issues recorded against an order (an emergency issue counts once linked)."),
            &months,
            |k| percent(&k.issues_tied_to_order.percent),
            " %",
        ),
        chart(
            tr.t("Issues without an order, not yet linked"),
            tr.t("Emergency issues still waiting for their work order."),
            &months,
            |k| Some(k.issues_without_order.unlinked as f64),
            "",
        ),
        chart(
            tr.t("Returns processed"),
            tr.t("Returns into quarantine cleared by an inspection decision."),
            &months,
            |k| Some(k.return_processing.processed as f64),
            "",
        ),
        chart(
            tr.t("Inspection pass rate"),
            tr.t("Released of released and rejected, in the first unit of measure."),
            &months,
            |k| k.inspection_pass.first().and_then(|u| percent(&u.percent)),
            " %",
        ),
        chart(
            tr.t("Return rate"),
            tr.t("Returned of issued, in the first unit of measure."),
            &months,
            |k| k.return_rate.first().and_then(|u| percent(&u.percent)),
            " %",
        ),
        chart(
            tr.t("Leftovers back by the deadline"),
            tr.t("Leftovers of finished orders returned within the site's deadline, in the first unit of measure."),
            &months,
            |k| {
                k.leftover_returns
                    .within_deadline
                    .first()
                    .and_then(|u| percent(&u.percent))
            },
            " %",
        ),
        chart(
            tr.t("Time to process a return (median)"),
            tr.t("From a return into quarantine to the inspection decision that cleared it, in hours."),
            &months,
            |k| hours(k.return_processing.median_seconds),
            &hour,
        ),
        chart(
            tr.t("Leftovers back after the work ended (median)"),
            tr.t("From the end of an order's work to each return of its leftovers, in hours."),
            &months,
            |k| hours(k.leftover_returns.median_seconds),
            &hour,
        ),
        chart(
            tr.t("Emergency issue to its order (median)"),
            tr.t("From an issue without an order to the link that tied it to one, in hours."),
            &months,
            |k| hours(k.issues_without_order.median_link_seconds),
            &hour,
        ),
        chart(
            tr.t("Counts matching the books"),
            tr.t("Of the most-issued parts counted, the share whose count matched the books."),
            &months,
            |k| percent(&k.count_discrepancy.percent_matching),
            " %",
        ),
    ];
    page(
        DashboardPage {
            layout: Layout::of(&auth, tr, tr.t("Dashboard"), "/console/dashboard"),
            charts,
            width: CHART_W,
            height: CHART_H,
        }
        .render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_run_back_across_a_year() {
        let today = NaiveDate::from_ymd_opt(2026, 2, 10).unwrap();
        let this = month(today, 0).unwrap();
        assert_eq!(this.from, NaiveDate::from_ymd_opt(2026, 2, 1));
        assert_eq!(this.to, Some(today), "this month: up to today");
        let back = month(today, 3).unwrap();
        assert_eq!(back.from, NaiveDate::from_ymd_opt(2025, 11, 1));
        assert_eq!(back.to, NaiveDate::from_ymd_opt(2025, 11, 30));
    }

    #[test]
    fn bars_scale_to_the_largest() {
        assert_eq!(percent(&Some("97.5".into())), Some(97.5));
        assert_eq!(trim(40.0), "40");
        assert_eq!(trim(2.5), "2.5");
    }

    #[test]
    fn median_times_are_drawn_in_hours() {
        assert_eq!(hours(Some(5_400)), Some(1.5));
        assert_eq!(hours(None), None, "no figure: no bar");
        let months = [("2026-11".to_owned(), ())];
        let c = chart("Time", "", &months, |_| hours(Some(9_000)), " h");
        assert_eq!(c.described, "Time: 2026-11 2.5 h");
    }
}
